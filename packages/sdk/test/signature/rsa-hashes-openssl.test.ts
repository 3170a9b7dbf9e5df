/**
 * Defect 8 (issue 10): an RSA CA key bound to SHA-384 or SHA-512 (or an RSA-PSS key) used to sign
 * with its own hash while labelling the signature sha256WithRSAEncryption, so nothing verified
 * what it signed. The one key -> signature table now labels each signature as it is made; openssl
 * is the judge for certificates, CSRs and CRLs.
 */
import { describe, expect, it } from 'vitest';
import { createCa } from '../../src/ca/create-ca.js';
import { createCrl } from '../../src/crl/create-crl.js';
import { createCsr } from '../../src/csr/create-csr.js';
import { parseCsr } from '../../src/csr/parse-csr.js';
import { issueIdentity } from '../../src/issue/issue-identity.js';
import type { KeyPair } from '../../src/keys/key-algorithm.js';
import { openssl, scratch, writeFiles } from '../helpers/openssl.js';

type Scheme = { name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS'; bits: number; hash: string };

async function rsaKeyPair(s: Scheme): Promise<KeyPair> {
  const pair = (await crypto.subtle.generateKey(
    { name: s.name, modulusLength: s.bits, publicExponent: Uint8Array.of(1, 0, 1), hash: s.hash },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    algorithm: `RSA-${s.bits}` as KeyPair['algorithm'],
  };
}

const cases: [string, Scheme, RegExp][] = [
  [
    'RSA-3072 / SHA-384',
    { name: 'RSASSA-PKCS1-v1_5', bits: 3072, hash: 'SHA-384' },
    /sha384WithRSAEncryption/,
  ],
  [
    'RSA-2048 / SHA-512',
    { name: 'RSASSA-PKCS1-v1_5', bits: 2048, hash: 'SHA-512' },
    /sha512WithRSAEncryption/,
  ],
  ['RSA-PSS 2048 / SHA-256', { name: 'RSA-PSS', bits: 2048, hash: 'SHA-256' }, /rsassaPss/],
  ['RSA-PSS 3072 / SHA-384', { name: 'RSA-PSS', bits: 3072, hash: 'SHA-384' }, /rsassaPss/],
];

describe('an RSA CA key whose hash is not SHA-256 signs what openssl verifies (defect 8)', () => {
  it.each(cases)('%s: certificate, CSR and CRL', async (_label, scheme, label) => {
    const ca = await createCa({ clusterName: 'sig.cluster', keyPair: await rsaKeyPair(scheme) });
    const node = await issueIdentity({ ca, name: 'node1.example.net' });
    const crl = await createCrl({
      issuer: ca,
      entries: [{ serialNumber: node.certificate.serialNumber, revokedAt: new Date() }],
      crlNumber: 1,
    });
    const csr = await createCsr({ name: 'node2.example.net', keyPair: await rsaKeyPair(scheme) });
    expect((await parseCsr(csr.pem)).signatureValid).toBe(true);

    const dir = scratch();
    const f = writeFiles(dir, {
      'ca.pem': ca.certificate.pem,
      'node.pem': node.certificate.pem,
      'crl.pem': crl.pem,
      'req.csr': csr.pem,
    });
    const text = openssl(['x509', '-in', f['node.pem']!, '-noout', '-text']);
    expect(text.output).toMatch(label);
    const v = openssl(['verify', '-x509_strict', '-CAfile', f['ca.pem']!, f['node.pem']!]);
    expect(v.output).toContain('OK');
    expect(v.status).toBe(0);
    const r = openssl(['req', '-in', f['req.csr']!, '-verify', '-noout']);
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/verify OK|Certificate request self-signature verify OK/);
    const c = openssl(['crl', '-in', f['crl.pem']!, '-CAfile', f['ca.pem']!, '-noout']);
    expect(c.output).toMatch(/verify OK/);
    expect(c.status).toBe(0);
  });

  it('an RSA key bound to SHA-1 is refused as a signer, with ERR_ALGORITHM_WEAK', async () => {
    const keyPair = await rsaKeyPair({ name: 'RSASSA-PKCS1-v1_5', bits: 2048, hash: 'SHA-1' });
    await expect(createCa({ clusterName: 'sig.cluster', keyPair })).rejects.toMatchObject({
      code: 'ERR_ALGORITHM_WEAK',
    });
  });
});
