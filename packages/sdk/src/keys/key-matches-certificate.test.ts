import { beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../../test/crl/make-certificate.js';
import { NodeIdError } from '../errors.js';
import { exportPrivateKeyPem } from './export-private-key-pem.js';
import { generateKeyPair } from './generate-key-pair.js';
import { importPrivateKeyPem } from './import-private-key-pem.js';
import { keyMatchesCertificate } from './key-matches-certificate.js';

const validity = {
  notBefore: new Date('2025-01-01T00:00:00Z'),
  notAfter: new Date('2026-01-01T00:00:00Z'),
};

let ecCert: TestCertificate;
let rsaCert: TestCertificate;
beforeAll(async () => {
  ecCert = await makeCertificate({ ...validity, algorithm: 'P-256' });
  rsaCert = await makeCertificate({ ...validity, algorithm: 'RSA-2048' });
});

describe('keyMatchesCertificate', () => {
  it('is true for the certificate key and false for another of the same type', async () => {
    expect(await keyMatchesCertificate(ecCert.privateKey, ecCert.pem)).toBe(true);
    expect(await keyMatchesCertificate(ecCert.privateKey, ecCert.der)).toBe(true);
    expect(await keyMatchesCertificate(rsaCert.privateKey, rsaCert.pem)).toBe(true);
    const other = await generateKeyPair({ extractable: true });
    expect(await keyMatchesCertificate(other.privateKey, ecCert.pem)).toBe(false);
  });

  it('is false for a key of another type', async () => {
    expect(await keyMatchesCertificate(ecCert.privateKey, rsaCert.pem)).toBe(false);
    expect(await keyMatchesCertificate(rsaCert.privateKey, ecCert.pem)).toBe(false);
    const ed = await generateKeyPair({ algorithm: 'Ed25519', extractable: true });
    expect(await keyMatchesCertificate(ed, ecCert.pem)).toBe(false);
  });

  it('checks non-extractable keys by a signature the certificate key verifies', async () => {
    for (const cert of [ecCert, rsaCert]) {
      const locked = await importPrivateKeyPem(await exportPrivateKeyPem(cert.privateKey));
      expect(locked.privateKey.extractable).toBe(false);
      expect(await keyMatchesCertificate(locked, cert.pem)).toBe(true);
    }
    const other = await generateKeyPair({ extractable: false });
    expect(await keyMatchesCertificate(other, ecCert.pem)).toBe(false);
    expect(await keyMatchesCertificate(other, rsaCert.pem)).toBe(false);
  });

  it("trusts a KeyPair's private key, not its stored public key", async () => {
    const other = await generateKeyPair({ extractable: true });
    const liar = { ...other, publicKey: ecCert.publicKey };
    expect(await keyMatchesCertificate(liar, ecCert.pem)).toBe(false);
    const lockedLiar = { ...(await generateKeyPair()), publicKey: ecCert.publicKey };
    expect(await keyMatchesCertificate(lockedLiar, ecCert.pem)).toBe(false);
  });

  it('reports bad arguments as NodeIdErrors', async () => {
    await expect(keyMatchesCertificate(ecCert.privateKey, 'garbage')).rejects.toSatisfy(
      (e: unknown) => NodeIdError.isInstance(e),
    );
    await expect(keyMatchesCertificate(ecCert.publicKey, ecCert.pem)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});
