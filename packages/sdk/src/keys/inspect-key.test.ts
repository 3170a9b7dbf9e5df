import { beforeAll, describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { toHex } from '../lib/bytes.js';
import { children, decode } from '../lib/der.js';
import { decodePem, encodePem } from '../lib/pem.js';
import { exportPrivateKeyPem } from './export-private-key-pem.js';
import { exportPublicKeyPem } from './export-public-key-pem.js';
import { generateKeyPair } from './generate-key-pair.js';
import { inspectKey } from './inspect-key.js';
import type { KeyPair } from './key-algorithm.js';

async function spkiSha256(key: CryptoKey): Promise<string> {
  const spki = await crypto.subtle.exportKey('spki', key);
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', spki)));
}

let ec: KeyPair;
beforeAll(async () => {
  ec = await generateKeyPair({ algorithm: 'P-384', extractable: true });
});

describe('inspectKey', () => {
  it('describes a plain private key and fingerprints its public key', async () => {
    const info = await inspectKey(await exportPrivateKeyPem(ec));
    expect(info).toEqual({
      kind: 'private',
      format: 'pkcs8',
      encrypted: false,
      type: 'EC',
      curve: 'P-384',
      bits: 384,
      algorithm: 'P-384',
      spkiSha256: await spkiSha256(ec.publicKey),
    });
    expect(JSON.stringify(info)).not.toMatch(/"d"|privateKey/);
  });

  it('describes an encrypted key without its passphrase as far as its encryption', async () => {
    const pem = await exportPrivateKeyPem(ec, { passphrase: 'p', iterations: 4096 });
    const locked = await inspectKey(pem);
    expect(locked).toEqual({
      kind: 'private',
      format: 'encrypted-pkcs8',
      encrypted: true,
      encryption: {
        scheme: 'PBES2',
        kdf: 'PBKDF2',
        prf: 'hmacWithSHA256',
        iterations: 4096,
        saltLength: 16,
        cipher: 'AES-256-CBC',
      },
    });
    const open = await inspectKey(pem, { passphrase: 'p' });
    expect(open).toMatchObject({ ...locked, type: 'EC', curve: 'P-384', algorithm: 'P-384' });
    expect(open.spkiSha256).toBe(await spkiSha256(ec.publicKey));
    await expect(inspectKey(pem, { passphrase: 'q' })).rejects.toMatchObject({
      code: 'ERR_PASSPHRASE_WRONG',
    });
  });

  it('describes SEC1 and PKCS#1 keys with their format', async () => {
    const rsa = await generateKeyPair({ algorithm: 'RSA-2048', extractable: true });
    const pkcs8 = decodePem(await exportPrivateKeyPem(rsa))[0]!.der;
    const info = await inspectKey(encodePem('RSA PRIVATE KEY', children(decode(pkcs8))[2]!.value));
    expect(info).toMatchObject({ format: 'pkcs1', type: 'RSA', bits: 2048, algorithm: 'RSA-2048' });
    expect(info.spkiSha256).toBe(await spkiSha256(rsa.publicKey));
  });

  it('describes keys the SDK refuses, saying why', async () => {
    const weak = (await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: Uint8Array.of(1, 0, 1),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', weak.privateKey));
    const info = await inspectKey(encodePem('PRIVATE KEY', pkcs8));
    expect(info).toMatchObject({ type: 'RSA', bits: 1024 });
    expect(info.algorithm).toBeUndefined();
    expect(info.problem).toMatch(/1024 bits are too weak/);
    expect(info.spkiSha256).toBe(await spkiSha256(weak.publicKey));

    const p521 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const pub = await inspectKey(await exportPublicKeyPem(p521.publicKey));
    expect(pub).toMatchObject({
      kind: 'public',
      format: 'spki',
      type: 'EC',
      curve: 'P-521',
      bits: 521,
    });
    expect(pub.problem).toMatch(/P-521/);
    expect(pub.spkiSha256).toBe(await spkiSha256(p521.publicKey));
  });

  it('describes a public key file', async () => {
    const info = await inspectKey(await exportPublicKeyPem(ec));
    expect(info).toEqual({
      kind: 'public',
      format: 'spki',
      encrypted: false,
      type: 'EC',
      curve: 'P-384',
      bits: 384,
      algorithm: 'P-384',
      spkiSha256: await spkiSha256(ec.publicKey),
    });
  });

  it('reports garbage as the private key error', async () => {
    for (const input of ['garbage', encodePem('CERTIFICATE', Uint8Array.of(0x30, 0))]) {
      const error = await inspectKey(input).catch((e: unknown) => e);
      expect(NodeIdError.isInstance(error)).toBe(true);
    }
  });
});
