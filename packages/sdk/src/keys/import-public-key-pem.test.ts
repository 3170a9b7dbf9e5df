import { beforeAll, describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { children, decode, int, seq } from '../lib/der.js';
import { decodePem, encodePem } from '../lib/pem.js';
import { exportPrivateKeyPem } from './export-private-key-pem.js';
import { exportPublicKeyPem } from './export-public-key-pem.js';
import { generateKeyPair } from './generate-key-pair.js';
import { importPublicKeyPem } from './import-public-key-pem.js';
import type { KeyPair } from './key-algorithm.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
  }
  return undefined;
}

const data = new TextEncoder().encode('signed data');

let ed: KeyPair;
let rsa: KeyPair;
beforeAll(async () => {
  ed = await generateKeyPair({ algorithm: 'Ed25519', extractable: true });
  rsa = await generateKeyPair({ algorithm: 'RSA-2048' });
});

describe('exportPublicKeyPem', () => {
  it('writes SPKI PEM from a public key, a KeyPair, or an extractable private key', async () => {
    const pem = await exportPublicKeyPem(ed.publicKey);
    expect(pem).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/,
    );
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', ed.publicKey));
    expect(decodePem(pem)[0]!.der).toEqual(spki);
    expect(await exportPublicKeyPem(ed)).toBe(pem);
    expect(await exportPublicKeyPem(ed.privateKey)).toBe(pem);
  });

  it('cannot derive from a non-extractable private key', async () => {
    expect(await codeOf(exportPublicKeyPem(rsa.privateKey))).toBe('ERR_KEY_NOT_EXTRACTABLE');
    expect(await exportPublicKeyPem(rsa)).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(await codeOf(exportPublicKeyPem('key' as unknown as CryptoKey))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});

describe('importPublicKeyPem', () => {
  it('imports SPKI PEM and DER that verify signatures of the matching private key', async () => {
    const sig = await crypto.subtle.sign('Ed25519', ed.privateKey, data);
    const pem = await exportPublicKeyPem(ed);
    for (const input of [pem, decodePem(pem)[0]!.der]) {
      const key = await importPublicKeyPem(input);
      expect(key.type).toBe('public');
      expect(key.usages).toEqual(['verify']);
      expect(await crypto.subtle.verify('Ed25519', key, sig, data)).toBe(true);
    }
  });

  it('imports RSA keys for RSASSA-PKCS1-v1_5 with SHA-256, also from PKCS#1 RSA PUBLIC KEY', async () => {
    const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', rsa.privateKey, data);
    const spki = decodePem(await exportPublicKeyPem(rsa))[0]!.der;
    const pkcs1 = children(decode(spki))[1]!.value.subarray(1);
    for (const input of [encodePem('PUBLIC KEY', spki), encodePem('RSA PUBLIC KEY', pkcs1)]) {
      const key = await importPublicKeyPem(input);
      expect(key.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
      expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, sig, data)).toBe(true);
    }
  });

  it('refuses weak and unsupported keys', async () => {
    const p521 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    expect(await codeOf(importPublicKeyPem(await exportPublicKeyPem(p521.publicKey)))).toBe(
      'ERR_KEY_UNSUPPORTED',
    );
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
    expect(await codeOf(importPublicKeyPem(await exportPublicKeyPem(weak.publicKey)))).toBe(
      'ERR_KEY_WEAK',
    );
  });

  it('refuses private keys and garbage with NodeIdErrors', async () => {
    expect(await codeOf(importPublicKeyPem(await exportPrivateKeyPem(ed)))).toBe('ERR_KEY_INVALID');
    for (const input of [
      'nothing',
      encodePem('PUBLIC KEY', seq(int(1))),
      encodePem('PUBLIC KEY', seq(seq(), seq())),
      encodePem('RSA PUBLIC KEY', seq(int(1))),
      Uint8Array.of(0x30, 0x00),
    ])
      expect(await codeOf(importPublicKeyPem(input))).toMatch(/^ERR_(KEY|PEM|DER)_INVALID$/);
  });
});
