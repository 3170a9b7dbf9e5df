/**
 * The differential harness end to end on a few seeds: the generator is deterministic, every
 * installed peer answers every case, the peers both accept a clean chain and reject a broken
 * one (so a run can tell them apart), and nothing that nodeid accepts is rejected by openssl and
 * Go alike unless the README lists it as a documented deviation.
 */
import { X509Certificate } from 'node:crypto';
import { verifyCertificate } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { generateCase, unmutatedCase } from './generate.mjs';
import {
  acceptedAgainstReference,
  agreement,
  buildCases,
  compare,
  deviationFor,
  generateCases,
  readDeviations,
  runCases,
} from './harness.mjs';

const SEEDS = 60;

describe('generator', () => {
  it('gives the same case for a seed, and different cases for different seeds', () => {
    expect(generateCase(17)).toEqual(generateCase(17));
    expect(JSON.stringify(generateCases(1, 20))).toBe(JSON.stringify(generateCases(1, 20)));
    const distinct = new Set(generateCases(1, 20).map((c) => JSON.stringify({ ...c, seed: 0 })));
    expect(distinct.size).toBeGreaterThan(15);
  });

  it('builds the same names, keys, serials and dates for a seed', () => {
    const describeCert = (/** @type {string} */ pem) => {
      const x = new X509Certificate(pem);
      return [
        x.subject,
        x.issuer,
        x.serialNumber,
        x.validFrom,
        x.validTo,
        x.subjectAltName,
        x.publicKey.export({ format: 'jwk' }),
      ];
    };
    const specs = generateCases(40, 5);
    const [a, b] = [buildCases(specs), buildCases(specs)];
    expect(a.map((c) => c.certs.map(describeCert))).toEqual(
      b.map((c) => c.certs.map(describeCert)),
    );
  });
});

describe('peers', () => {
  it('all accept a clean chain and all reject it one second after the leaf expired', async () => {
    const clean = unmutatedCase(5, 1);
    const expired = unmutatedCase(5, 1);
    expired.validation.at = expired.certs[2].notAfter + 1;
    const run = await runCases(buildCases([clean, expired]), verifyCertificate);
    const peers = Object.entries(run.peers).filter(([, p]) => p.available);
    expect(peers.map(([n]) => n)).toContain('openssl');
    for (const profile of ['rfc5280', 'webpki'])
      expect(
        run.nodeid[profile].results.map((r) => r.outcome),
        `nodeid ${profile}: ${run.nodeid[profile].results.map((r) => r.reason).join(' / ')}`,
      ).toEqual(['accept', 'reject']);
    for (const [name, peer] of peers)
      expect(
        peer.results.map((r) => r.outcome),
        `${name}: ${peer.results.map((r) => r.reason).join(' / ')}`,
      ).toEqual(['accept', 'reject']);
  });

  it('tells agreements from disagreements', () => {
    const accept = { outcome: 'accept', reason: '' };
    const reject = { outcome: 'reject', reason: 'x' };
    expect(agreement(accept, accept)).toBe('agree-accept');
    expect(agreement(reject, reject)).toBe('agree-reject');
    expect(agreement(accept, reject)).toBe('nodeid-accepts-peer-rejects');
    expect(agreement(reject, accept)).toBe('nodeid-rejects-peer-accepts');
    expect(agreement(accept, { outcome: 'n/a', reason: 'no CRLs' })).toBe('n/a');
  });
});

describe(`differential run of ${SEEDS} seeds`, () => {
  it('has an answer from every installed peer for every case, and no undocumented accept that openssl and Go reject', async () => {
    const cases = buildCases(generateCases(1, SEEDS));
    const run = await runCases(cases, verifyCertificate);
    for (const [name, peer] of Object.entries(run.peers)) {
      if (!peer.available) {
        console.log(`${name} is not installed: ${peer.reason}`);
        continue;
      }
      expect(peer.results).toHaveLength(SEEDS);
      for (const r of peer.results) {
        expect(['accept', 'reject', 'n/a']).toContain(r.outcome);
        if (r.outcome !== 'accept') expect(r.reason, `${name} gave no reason`).not.toBe('');
      }
    }
    for (const profile of ['rfc5280', 'webpki'])
      expect(run.nodeid[profile].results).toHaveLength(SEEDS);
    const { counts } = compare(run);
    console.log(JSON.stringify(counts));
    const deviations = readDeviations();
    const undocumented = acceptedAgainstReference(run).filter((c) => !deviationFor(c, deviations));
    expect(
      undocumented.map((c) => `seed ${c.seed} ${c.mutations.join(' ')}: ${c.reasons.join(' / ')}`),
    ).toEqual([]);
  });

  it('reads the deviations table of the README', () => {
    const deviations = readDeviations();
    expect(deviations.length).toBeGreaterThan(0);
    for (const d of deviations) expect(d.kind).toMatch(/^[a-z-]+(:|@| \+ |$)/);
    expect(deviationFor({ mutations: [`${deviations[0]?.kind}x`] }, deviations)).toBe(
      deviations[0],
    );
    expect(deviationFor({ mutations: ['depth:0'] }, deviations)).toBeUndefined();
    const both = [{ kind: 'a:x + b:y', status: '', row: '' }];
    expect(deviationFor({ mutations: ['a:x@1', 'b:y'] }, both)).toBe(both[0]);
    expect(deviationFor({ mutations: ['a:x@1'] }, both)).toBeUndefined();
  });
});
