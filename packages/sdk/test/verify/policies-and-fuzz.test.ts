/**
 * Certificate policies under a CA's policyConstraints (openssl-made chains), and the error
 * contract of verifyCertificate on mutated certificates: a result, never an exception.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';
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
  const verify = (leaf: Issued) =>
    verifyCertificate({
      certificate: leaf.cert,
      trustAnchors: [root.cert],
      intermediates: [ica.cert],
    });

  it('accepts a leaf carrying the policy an issuer requires explicitly', async () => {
    const leaf = pki.issue('policy-ok', ica, [
      ...LEAF,
      'certificatePolicies = 1.3.6.1.4.1.55738.1',
    ]);
    expect((await verify(leaf)).ok).toBe(true);
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

  it('ignores policies when no CA requires them', async () => {
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
    expect(result.ok).toBe(true);
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
