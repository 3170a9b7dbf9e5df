/**
 * Runs the x509-limbo public suite against the built SDK: no case may be accepted that must
 * fail, and every case that is not skipped (for a deliberately unimplemented feature) passes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyCertificate } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { DEVIATIONS } from './deviations.mjs';
import {
  baseOptions,
  formatScore,
  runCase,
  runSuite,
  score,
  UNSUPPORTED_FEATURES,
  usageFor,
} from './harness.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const suitePath = resolve(repoRoot, '../shared/x509-limbo/limbo-public.json');

describe('x509-limbo public suite', () => {
  it('finds the suite beside the repository', () => {
    expect(existsSync(suitePath), `missing ${suitePath}`).toBe(true);
  });

  it('accepts nothing that must fail and passes every case it does not skip', async () => {
    const suite = JSON.parse(readFileSync(suitePath, 'utf8'));
    const results = await runSuite(suite, verifyCertificate);
    const tally = score(suite, results);
    console.log(formatScore(tally));
    for (const s of tally.skipped) console.log(`  skipped ${s.id}: ${s.context}`);
    expect(results.results).toHaveLength(suite.testcases.length);
    expect(tally.wrongAccepts.map((r) => r.id)).toEqual([]);
    // the cases where the SDK follows the Baseline Requirements rather than the suite
    const deviating = tally.wrongRejects.filter((r) => DEVIATIONS[r.id]);
    expect(
      tally.wrongRejects.filter((r) => !DEVIATIONS[r.id]).map((r) => `${r.id}: ${r.context}`),
    ).toEqual([]);
    for (const r of deviating) expect(r.context).toMatch(DEVIATIONS[r.id].context);
    for (const s of tally.skipped) {
      const features = suite.testcases.find((t) => t.id === s.id).features ?? [];
      expect(features.some((f) => UNSUPPORTED_FEATURES[f])).toBe(true);
    }
  });
});

describe('harness mapping', () => {
  const base = {
    id: 'rfc5280::example',
    features: [],
    validation_kind: 'SERVER',
    trusted_certs: [],
    untrusted_intermediates: [],
    peer_certificate: 'garbage',
    validation_time: '2024-01-01T00:00:00Z',
    expected_peer_name: { kind: 'IP', value: '192.0.2.1' },
    extended_key_usage: [],
    key_usage: [],
    max_chain_depth: 3,
    crls: [],
    expected_result: 'FAILURE',
  };

  it('passes the options of a case to the verifier and reports its failure', async () => {
    const calls = [];
    const fake = async (options) => {
      calls.push(options);
      return { ok: false, code: 'ERR_CERTIFICATE_INVALID', message: 'nope', depth: 0 };
    };
    const result = await runCase({ ...base, id: 'webpki::x' }, fake);
    expect(result).toEqual({
      id: 'webpki::x',
      actual_result: 'FAILURE',
      context: 'ERR_CERTIFICATE_INVALID (depth 0): nope',
    });
    expect(calls[0]).toMatchObject({
      ip: '192.0.2.1',
      policy: 'webpki',
      usage: 'server',
      maxDepth: 3,
    });
    expect(calls[0].at.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('skips a deliberately unsupported feature with its reason', async () => {
    const result = await runCase({ ...base, features: ['pkits-dsa'] }, async () => ({ ok: true }));
    expect(result.actual_result).toBe('SKIPPED');
    expect(result.context).toMatch(/DSA/);
    const mldsa = await runCase({ ...base, features: ['has-mldsa'] }, async () => ({ ok: true }));
    expect(mldsa.actual_result).toBe('SKIPPED');
    expect(mldsa.context).toMatch(/ML-DSA \(RFC 9881\)/);
    const smime = await runCase({ ...base, features: ['pedantic-smime-eku'] }, async () => ({
      ok: true,
    }));
    expect(smime.actual_result).toBe('SKIPPED');
    expect(smime.context).toMatch(/S\/MIME Baseline Requirements/);
  });

  it('asks a CLIENT case for the EKUs it names, and for clientAuth when it names none', () => {
    expect(usageFor({ validation_kind: 'SERVER', extended_key_usage: [] })).toBe('server');
    expect(usageFor({ validation_kind: 'CLIENT', extended_key_usage: [] })).toBe('client');
    expect(usageFor({ validation_kind: 'CLIENT', extended_key_usage: ['emailProtection'] })).toBe(
      'any',
    );
    expect(
      baseOptions({ ...base, validation_kind: 'CLIENT', extended_key_usage: ['emailProtection'] }),
    ).toMatchObject({ usage: 'any', extendedKeyUsage: ['emailProtection'] });
  });

  it('asks for RFC 5280 conformance on limbo cases, and §6 alone on PKITS ones', async () => {
    const calls = [];
    const fake = async (options) => {
      calls.push(options);
      return { ok: true };
    };
    await runCase({ ...base, id: 'rfc5280::x' }, fake);
    await runCase({ ...base, id: 'pkits::4.6.4' }, fake);
    expect(calls.map((c) => c.strict)).toEqual([true, false]);
  });

  it('runs the CA/Browser Forum CRL cases (crl::cabf::) under the Web PKI profile, other CRL cases under RFC 5280', async () => {
    const calls = [];
    const fake = async (options) => {
      calls.push(options);
      return { ok: true };
    };
    for (const id of [
      'crl::cabf::idp-indirect-crl',
      'crl::idp::idp-present-certificate-cdp-non-uri-generalname',
      'crl::idp::idp-cdp-scope-match',
      'crl::structure::crl-duplicate-revoked-serial',
    ])
      await runCase({ ...base, id, crls: ['x'] }, fake);
    expect(calls.map((c) => c.policy)).toEqual(['webpki', 'rfc5280', 'rfc5280', 'rfc5280']);
    expect(calls.every((c) => c.revocation === 'require')).toBe(true);
  });

  it('runs the real verifier on garbage and fails the case', async () => {
    const result = await runCase(base, verifyCertificate);
    expect(result.actual_result).toBe('FAILURE');
    expect(result.context).toMatch(/^ERR_CERTIFICATE_INVALID/);
  });
});
