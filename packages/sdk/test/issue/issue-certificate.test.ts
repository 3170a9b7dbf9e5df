/**
 * issueCertificate issues for a public key the caller holds under the same profile rules as
 * issueIdentity, and bundleFiles writes such a certificate with its key given as PKCS#8 bytes,
 * refusing a key that is not the certificate's.
 */
import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bundleFiles,
  createCa,
  encodeEcKeyPair,
  generateKeyPair,
  importPrivateKeyPem,
  issueCertificate,
  issueIdentity,
  keyMatchesCertificate,
  parsePkcs12,
} from '../../src/index.js';
import { exportSpki } from '../../src/lib/key-export.js';

const subtle = globalThis.crypto.subtle;

function ecKey() {
  const ecdh = createECDH('prime256v1');
  const publicKey = new Uint8Array(ecdh.generateKeys());
  const d = ecdh.getPrivateKey();
  const privateKey = new Uint8Array(32);
  privateKey.set(d, 32 - d.length);
  return encodeEcKeyPair({ curve: 'P-256', privateKey, publicKey });
}

describe('issueCertificate', async () => {
  const ca = await createCa({ clusterName: 'scale.cluster' });

  it('gives the certificate issueIdentity gives, for the given key', async () => {
    const key = ecKey();
    const issued = await issueCertificate({
      ca,
      name: 'node1.example.net',
      ips: ['10.0.0.1'],
      publicKey: key.spki,
    });
    const reference = await issueIdentity({ ca, name: 'node1.example.net', ips: ['10.0.0.1'] });
    const a = issued.certificate;
    const b = reference.certificate;
    expect(a.subject.text).toBe(b.subject.text);
    expect(a.subjectAltNames).toEqual(b.subjectAltNames);
    expect(a.keyUsage).toEqual(b.keyUsage);
    expect(a.extendedKeyUsage).toEqual(b.extendedKeyUsage);
    expect(Buffer.from(a.publicKey.spki).equals(Buffer.from(key.spki))).toBe(true);
    expect(issued.chain.map((c) => c.serialNumber)).toEqual([ca.certificate.serialNumber]);
  });

  it('refuses a weak key, a malformed one and a missing one', async () => {
    const weak = await subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    );
    const weakSpki = new Uint8Array(await subtle.exportKey('spki', weak.publicKey));
    await expect(
      issueCertificate({ ca, name: 'n1.example.net', publicKey: weakSpki }),
    ).rejects.toMatchObject({ code: 'ERR_KEY_WEAK' });
    await expect(
      issueCertificate({
        ca,
        name: 'n1.example.net',
        publicKey: new Uint8Array([0x30, 0x03, 1, 2, 3]),
      }),
    ).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(
      issueCertificate({ ca, name: 'n1.example.net', publicKey: undefined as never }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('bundleFiles writes the PKCS#8 bytes as the key file, plain, encrypted and in PKCS#12', async () => {
    const key = ecKey();
    const issued = await issueCertificate({ ca, name: 'node2.example.net', publicKey: key.spki });
    const files = await bundleFiles({ ...issued, privateKey: key.pkcs8 }, 'plain');
    const keyFile = files.find((f) => f.path.endsWith('.key'))!;
    const plain = await importPrivateKeyPem(String(keyFile.contents));
    expect(await keyMatchesCertificate(plain, issued.certificate)).toBe(true);

    const locked = await bundleFiles({ ...issued, privateKey: key.pkcs8 }, 'plain', {
      passphrase: 'correct horse',
      iterations: 1000,
    });
    const lockedKey = String(locked.find((f) => f.path.endsWith('.key'))!.contents);
    expect(lockedKey).toContain('ENCRYPTED PRIVATE KEY');
    const opened = await importPrivateKeyPem(lockedKey, { passphrase: 'correct horse' });
    expect(await keyMatchesCertificate(opened, issued.certificate)).toBe(true);

    const p12 = await bundleFiles({ ...issued, privateKey: key.pkcs8 }, 'pkcs12', {
      passphrase: 'correct horse',
      iterations: 1000,
    });
    const store = await parsePkcs12(p12[0]!.contents as Uint8Array, {
      passphrase: 'correct horse',
    });
    expect(store.keys.length).toBe(1);
  });

  it("bundleFiles refuses a key that is not the certificate's", async () => {
    const issued = await issueCertificate({
      ca,
      name: 'node3.example.net',
      publicKey: ecKey().spki,
    });
    await expect(
      bundleFiles({ ...issued, privateKey: ecKey().pkcs8 }, 'plain'),
    ).rejects.toMatchObject({ code: 'ERR_KEY_MISMATCH' });
    const p384 = await generateKeyPair({ algorithm: 'P-384', extractable: true });
    const other = new Uint8Array(await subtle.exportKey('pkcs8', p384.privateKey));
    await expect(bundleFiles({ ...issued, privateKey: other }, 'plain')).rejects.toMatchObject({
      code: 'ERR_KEY_MISMATCH',
    });
    await expect(
      bundleFiles({ ...issued, privateKey: new Uint8Array([1, 2, 3]) }, 'plain'),
    ).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    expect(await exportSpki(subtle, p384.publicKey)).toBeInstanceOf(Uint8Array);
  });
});
