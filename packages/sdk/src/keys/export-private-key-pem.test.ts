import { describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { readEncryptedPrivateKey } from '../lib/pbes2.js';
import { decodePem } from '../lib/pem.js';
import { exportPrivateKeyPem } from './export-private-key-pem.js';
import { exportPublicKeyPem } from './export-public-key-pem.js';
import { generateKeyPair } from './generate-key-pair.js';
import { importPrivateKeyPem } from './import-private-key-pem.js';
import { KEY_ALGORITHMS } from './key-algorithm.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
  }
  return undefined;
}

// RSA-4096 generation is slow; the round trip for it lives in the openssl interop test.
const ALGORITHMS = KEY_ALGORITHMS.filter((a) => a !== 'RSA-4096');

describe('exportPrivateKeyPem', () => {
  for (const algorithm of ALGORITHMS) {
    it(`round-trips a ${algorithm} key, plain and encrypted`, async () => {
      const keys = await generateKeyPair({ algorithm, extractable: true });
      const publicPem = await exportPublicKeyPem(keys.publicKey);

      const plain = await exportPrivateKeyPem(keys.privateKey);
      expect(plain).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const back = await importPrivateKeyPem(plain, { extractable: true });
      expect(back.algorithm).toBe(algorithm);
      expect(await exportPublicKeyPem(back.publicKey)).toBe(publicPem);
      expect(await exportPrivateKeyPem(back.privateKey)).toBe(plain);

      const locked = await exportPrivateKeyPem(keys, {
        passphrase: 'pass phrase',
        iterations: 1000,
      });
      expect(locked).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
      const unlocked = await importPrivateKeyPem(locked, { passphrase: 'pass phrase' });
      expect(unlocked.algorithm).toBe(algorithm);
      expect(await exportPublicKeyPem(unlocked.publicKey)).toBe(publicPem);
    });
  }

  it('uses 600000 PBKDF2-HMAC-SHA256 iterations and AES-256-CBC by default', async () => {
    const keys = await generateKeyPair({ extractable: true });
    const pem = await exportPrivateKeyPem(keys.privateKey, { passphrase: 'x' });
    const { params } = readEncryptedPrivateKey(decodePem(pem)[0]!.der);
    expect(params).toMatchObject({ iterations: 600_000, prf: 'SHA-256', cipher: 'AES-256-CBC' });
  });

  it('accepts a passphrase as bytes, the same as its UTF-8 text', async () => {
    const keys = await generateKeyPair({ extractable: true });
    const pem = await exportPrivateKeyPem(keys.privateKey, {
      passphrase: new TextEncoder().encode('grüße'),
      iterations: 1000,
    });
    const back = await importPrivateKeyPem(pem, { passphrase: 'grüße' });
    expect(await exportPublicKeyPem(back)).toBe(await exportPublicKeyPem(keys));
  });

  it('refuses a non-extractable key with ERR_KEY_NOT_EXTRACTABLE', async () => {
    const keys = await generateKeyPair({ extractable: false });
    expect(await codeOf(exportPrivateKeyPem(keys.privateKey))).toBe('ERR_KEY_NOT_EXTRACTABLE');
  });

  it('refuses public keys, non-keys, an empty passphrase and bad iteration counts', async () => {
    const keys = await generateKeyPair({ extractable: true });
    expect(await codeOf(exportPrivateKeyPem(keys.publicKey))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(exportPrivateKeyPem(null as unknown as CryptoKey))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(await codeOf(exportPrivateKeyPem(keys, { passphrase: '' }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    for (const iterations of [0, 999, 1.5, 10_000_001, Number.NaN])
      expect(await codeOf(exportPrivateKeyPem(keys, { passphrase: 'x', iterations }))).toBe(
        'ERR_INVALID_ARGUMENT',
      );
  });
});
