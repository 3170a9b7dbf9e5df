/**
 * Certificate policies on openssl-made chains (a CA's policyConstraints, the relying party's
 * policy options, a policy tree built to explode), and the error contract of
 * verifyCertificate on mutated certificates: a result, never an exception.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { oid, seq, utf8 } from '../../src/lib/der.js';
import {
  type VerifyCertificateOptions,
  verifyCertificate,
} from '../../src/verify/verify-certificate.js';
import { type Issued, OpensslPki } from './openssl-pki.js';

const pki = new OpensslPki();
let root: Issued;
let ica: Issued;

const LEAF = [
  'basicConstraints = critical, CA:false',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth',
  'subjectAltName = DNS:node1',
];

beforeAll(() => {
  root = pki.root('policy-root');
  ica = pki.intermediate('policy-ica', root, {
    ext: [
      'certificatePolicies = 1.3.6.1.4.1.55738.1',
      'policyConstraints = critical, requireExplicitPolicy:0',
    ],
  });
});

afterAll(() => pki.cleanup());

describe('certificate policies', () => {
  const POLICY = '1.3.6.1.4.1.55738.1';
  const verify = (leaf: Issued, options: Partial<VerifyCertificateOptions> = {}) =>
    verifyCertificate({
      certificate: leaf.cert,
      trustAnchors: [root.cert],
      intermediates: [ica.cert],
      ...options,
    });

  it('accepts a leaf carrying the policy an issuer requires explicitly, and reports it', async () => {
    const leaf = pki.issue('policy-ok', ica, [...LEAF, `certificatePolicies = ${POLICY}`]);
    expect(await verify(leaf)).toMatchObject({ ok: true, policies: [POLICY] });
  });

  it('refuses a leaf without a policy, or with another one', async () => {
    const none = pki.issue('policy-none', ica, LEAF);
    const other = pki.issue('policy-other', ica, [
      ...LEAF,
      'certificatePolicies = 1.3.6.1.4.1.55738.2',
    ]);
    expect(await verify(none)).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION' });
    expect(await verify(other)).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION' });
  });

  it('ignores policies when no CA requires them, and reports none valid', async () => {
    const plainIca = pki.intermediate('plain-ica', root);
    const leaf = pki.issue('policy-free', plainIca, [
      ...LEAF,
      'certificatePolicies = 1.3.6.1.4.1.55738.2',
    ]);
    const result = await verifyCertificate({
      certificate: leaf.cert,
      trustAnchors: [root.cert],
      intermediates: [plainIca.cert],
    });
    // the intermediate asserts no policy: the tree is NULL below it (RFC 5280 §6.1.3 (e))
    expect(result).toMatchObject({ ok: true, policies: [] });
  });

  it('processes a non-critical policyConstraints or inhibitAnyPolicy (§6 ignores the flag)', async () => {
    const softIca = pki.intermediate('soft-ica', root, {
      ext: [
        `certificatePolicies = ${POLICY}, 2.5.29.32.0`,
        'policyConstraints = requireExplicitPolicy:0',
        'inhibitAnyPolicy = 0',
      ],
    });
    const run = (leaf: Issued) =>
      verifyCertificate({
        certificate: leaf.cert,
        trustAnchors: [root.cert],
        intermediates: [softIca.cert],
      });
    const good = pki.issue('soft-good', softIca, [...LEAF, `certificatePolicies = ${POLICY}`]);
    expect(await run(good)).toMatchObject({ ok: true, policies: [POLICY] });
    // and they still bind: the leaf's anyPolicy is inhibited, and a policy is required
    const anyLeaf = pki.issue('soft-any', softIca, [...LEAF, 'certificatePolicies = 2.5.29.32.0']);
    expect(await run(anyLeaf)).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION' });
  });

  it('carries unknown policy qualifiers without judging them', async () => {
    // PolicyInformation { POLICY, policyQualifiers { { 1.3.6.1.4.1.55738.99, UTF8String } } }:
    // RFC 5280 §4.2.1.4 lets a relying party ignore qualifiers it does not know.
    const der = seq(
      seq(oid(POLICY), seq(seq(oid('1.3.6.1.4.1.55738.99'), utf8('not a known qualifier')))),
    );
    const hex = [...der].map((b) => b.toString(16).padStart(2, '0')).join('');
    const leaf = pki.issue('odd-qualifier', ica, [...LEAF, `certificatePolicies = DER:${hex}`]);
    expect(await verify(leaf)).toMatchObject({ ok: true, policies: [POLICY] });
  });

  it("takes the relying party's initial policy set and explicit-policy requirement", async () => {
    const plainIca = pki.intermediate('rp-ica', root, {
      ext: [`certificatePolicies = ${POLICY}`],
    });
    const leaf = pki.issue('rp-leaf', plainIca, [...LEAF, `certificatePolicies = ${POLICY}`]);
    const run = (options: Partial<VerifyCertificateOptions>) =>
      verifyCertificate({
        certificate: leaf.cert,
        trustAnchors: [root.cert],
        intermediates: [plainIca.cert],
        ...options,
      });
    expect(await run({ initialPolicies: [POLICY], requireExplicitPolicy: true })).toMatchObject({
      ok: true,
      policies: [POLICY],
    });
    const elsewhere = { initialPolicies: ['1.3.6.1.4.1.55738.9'] };
    expect(await run(elsewhere)).toMatchObject({ ok: true, policies: [] });
    expect(await run({ ...elsewhere, requireExplicitPolicy: true })).toMatchObject({
      ok: false,
      code: 'ERR_POLICY_VIOLATION',
    });
  });

  it('refuses bad policy options with ERR_INVALID_ARGUMENT', async () => {
    const leaf = pki.issue('opt-leaf', ica, [...LEAF, `certificatePolicies = ${POLICY}`]);
    for (const bad of [
      { initialPolicies: [] },
      { initialPolicies: ['gold'] },
      { initialPolicies: '2.5.29.32.0' },
      { requireExplicitPolicy: 'yes' },
      { inhibitPolicyMapping: 1 },
      { inhibitAnyPolicy: 'false' },
    ]) {
      const result = await verify(leaf, bad as unknown as Partial<VerifyCertificateOptions>);
      expect(result, JSON.stringify(bad)).toMatchObject({
        ok: false,
        code: 'ERR_INVALID_ARGUMENT',
      });
    }
  });

  it('gives up on a chain whose mappings multiply the policy tree (CVE-2023-0464 shape)', async () => {
    // Each CA asserts k policies and maps every one of them to all k: depth d of the
    // valid_policy_tree holds k^d nodes. k = 8 over four CAs passes the 4,096-node bound;
    // k = 2 is the same construction, small, and valid.
    const chain = (k: number, tag: string) => {
      const ps = Array.from({ length: k }, (_, j) => `1.3.6.1.4.1.55738.10.${j}`);
      const maps = ps.flatMap((a) => ps.map((b) => `${a}:${b}`)).join(', ');
      const cas: Issued[] = [];
      let issuer = root;
      for (let d = 0; d < 4; d++) {
        issuer = pki.intermediate(`${tag}-ca${d}`, issuer, {
          ext: [`certificatePolicies = ${ps.join(', ')}`, `policyMappings = ${maps}`],
        });
        cas.push(issuer);
      }
      const leaf = pki.issue(`${tag}-leaf`, issuer, [...LEAF, `certificatePolicies = ${ps[0]}`]);
      return verifyCertificate({
        certificate: leaf.cert,
        trustAnchors: [root.cert],
        intermediates: cas.map((c) => c.cert),
      });
    };
    expect(await chain(8, 'boom')).toMatchObject({
      ok: false,
      code: 'ERR_PATH_BUILDING_LIMIT',
      message: expect.stringMatching(/policy tree of more than 4096 nodes/),
    });
    const small = await chain(2, 'calm');
    expect(small.ok && [...small.policies].sort()).toEqual([
      '1.3.6.1.4.1.55738.10.0',
      '1.3.6.1.4.1.55738.10.1',
    ]);
  });
});

describe('verifyCertificate error contract', () => {
  it('returns a coded result for mutated certificates, never throws', async () => {
    const leaf = pki.issue('fuzz-node', ica, [
      ...LEAF,
      'certificatePolicies = 1.3.6.1.4.1.55738.1',
    ]);
    const der = parseCertificate(leaf.cert).der;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ at: fc.nat(der.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.nat(der.length),
        async (edits, cut) => {
          const bytes = der.slice(0, Math.max(1, cut === der.length ? der.length : cut));
          for (const e of edits) if (e.at < bytes.length) bytes[e.at] = e.value;
          const result = await verifyCertificate({
            certificate: bytes,
            trustAnchors: [root.cert],
            intermediates: [ica.cert, bytes],
          });
          if (result.ok) expect(result.chain.length).toBeGreaterThan(1);
          else expect(result.code).toMatch(/^ERR_[A-Z_]+$/);
        },
      ),
      { numRuns: 200 },
    );
  });
});
