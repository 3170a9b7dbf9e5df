import { beforeAll, describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { children, decode, explicit, int, oid, seq } from '../lib/der.js';
import { OID } from '../lib/oids.js';
import { decodePem, encodePem } from '../lib/pem.js';
import { exportPrivateKeyPem } from './export-private-key-pem.js';
import { exportPublicKeyPem } from './export-public-key-pem.js';
import { generateKeyPair } from './generate-key-pair.js';
import { importPrivateKeyPem } from './import-private-key-pem.js';
import type { KeyPair } from './key-algorithm.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
  }
  return undefined;
}

async function pkcs8(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', key));
}

/** The inner key (SEC1 or PKCS#1) of a PKCS#8. */
const innerOf = (der: Uint8Array) => children(decode(der))[2]!.value;

let ec: KeyPair;
let rsa: KeyPair;
beforeAll(async () => {
  ec = await generateKeyPair({ algorithm: 'P-256', extractable: true });
  rsa = await generateKeyPair({ algorithm: 'RSA-2048', extractable: true });
});

describe('importPrivateKeyPem', () => {
  it('reads SEC1 EC PRIVATE KEY, with the curve inside or in an EC PARAMETERS block before it', async () => {
    const [, d, pub] = children(decode(innerOf(await pkcs8(ec.privateKey))));
    const withCurve = seq(int(1), d!.raw, explicit(0, oid(OID.p256)), pub!.raw);
    const bare = seq(int(1), d!.raw, pub!.raw);
    const expected = await exportPublicKeyPem(ec);
    for (const pem of [
      encodePem('EC PRIVATE KEY', withCurve),
      encodePem('EC PARAMETERS', oid(OID.p256)) + encodePem('EC PRIVATE KEY', withCurve),
      encodePem('EC PARAMETERS', oid(OID.p256)) + encodePem('EC PRIVATE KEY', bare),
    ]) {
      const keys = await importPrivateKeyPem(pem);
      expect(keys.algorithm).toBe('P-256');
      expect(await exportPublicKeyPem(keys.publicKey)).toBe(expected);
    }
    expect(await codeOf(importPrivateKeyPem(encodePem('EC PRIVATE KEY', bare)))).toBe(
      'ERR_KEY_INVALID',
    );
  });

  it('derives the public key of a SEC1 key that does not carry one', async () => {
    const [, d] = children(decode(innerOf(await pkcs8(ec.privateKey))));
    const pem = encodePem('EC PRIVATE KEY', seq(int(1), d!.raw, explicit(0, oid(OID.p256))));
    const keys = await importPrivateKeyPem(pem);
    expect(await exportPublicKeyPem(keys)).toBe(await exportPublicKeyPem(ec));
  });

  it('refuses an EC key whose embedded public key is not its own', async () => {
    const other = await generateKeyPair({ extractable: true });
    const [, d] = children(decode(innerOf(await pkcs8(ec.privateKey))));
    const [, , pub] = children(decode(innerOf(await pkcs8(other.privateKey))));
    const pem = encodePem(
      'EC PRIVATE KEY',
      seq(int(1), d!.raw, explicit(0, oid(OID.p256)), pub!.raw),
    );
    expect(await codeOf(importPrivateKeyPem(pem))).toBe('ERR_KEY_INVALID');
  });

  it('reads PKCS#1 RSA PRIVATE KEY', async () => {
    const pem = encodePem('RSA PRIVATE KEY', innerOf(await pkcs8(rsa.privateKey)));
    const keys = await importPrivateKeyPem(pem);
    expect(keys.algorithm).toBe('RSA-2048');
    expect(keys.privateKey.algorithm).toMatchObject({
      name: 'RSASSA-PKCS1-v1_5',
      hash: { name: 'SHA-256' },
    });
    expect(await exportPublicKeyPem(keys)).toBe(await exportPublicKeyPem(rsa));
  });

  it('reads DER of every form, telling them apart by shape', async () => {
    const ecDer = await pkcs8(ec.privateKey);
    const rsaDer = await pkcs8(rsa.privateKey);
    const [, d, pub] = children(decode(innerOf(ecDer)));
    const locked = await exportPrivateKeyPem(ec, { passphrase: 'x', iterations: 1000 });
    const inputs: [Uint8Array, KeyPair, string?][] = [
      [ecDer, ec],
      [rsaDer, rsa],
      [seq(int(1), d!.raw, explicit(0, oid(OID.p256)), pub!.raw), ec],
      [innerOf(rsaDer), rsa],
      [decodePem(locked)[0]!.der, ec, 'x'],
    ];
    for (const [der, pair, passphrase] of inputs) {
      const keys = await importPrivateKeyPem(der, { passphrase });
      expect(await exportPublicKeyPem(keys)).toBe(await exportPublicKeyPem(pair));
    }
  });

  it('reads PEM given as bytes', async () => {
    const pem = await exportPrivateKeyPem(ec);
    const keys = await importPrivateKeyPem(new TextEncoder().encode(pem));
    expect(await exportPublicKeyPem(keys)).toBe(await exportPublicKeyPem(ec));
  });

  it('makes the private key non-extractable unless asked', async () => {
    const pem = await exportPrivateKeyPem(ec);
    const locked = await importPrivateKeyPem(pem);
    expect(locked.privateKey.extractable).toBe(false);
    expect(locked.privateKey.usages).toEqual(['sign']);
    expect(locked.publicKey.usages).toEqual(['verify']);
    expect(await codeOf(exportPrivateKeyPem(locked.privateKey))).toBe('ERR_KEY_NOT_EXTRACTABLE');
    const open = await importPrivateKeyPem(pem, { extractable: true });
    expect(await exportPrivateKeyPem(open.privateKey)).toBe(pem);
  });

  it('signs with the imported key and verifies with the derived public key', async () => {
    const keys = await importPrivateKeyPem(await exportPrivateKeyPem(ec));
    const data = new TextEncoder().encode('hello');
    const params = { name: 'ECDSA', hash: 'SHA-256' };
    const sig = await crypto.subtle.sign(params, keys.privateKey, data);
    expect(await crypto.subtle.verify(params, ec.publicKey, sig, data)).toBe(true);
    expect(await crypto.subtle.verify(params, keys.publicKey, sig, data)).toBe(true);
  });

  it('skips other blocks (a certificate in a combined file) but refuses two keys', async () => {
    const pem = await exportPrivateKeyPem(ec);
    const other = encodePem('CERTIFICATE', seq(int(1)));
    const keys = await importPrivateKeyPem(other + pem + other);
    expect(await exportPublicKeyPem(keys)).toBe(await exportPublicKeyPem(ec));
    expect(await codeOf(importPrivateKeyPem(pem + pem))).toBe('ERR_KEY_INVALID');
  });

  it('asks for the passphrase of an encrypted key and rejects a wrong one', async () => {
    const locked = await exportPrivateKeyPem(ec, { passphrase: 'right', iterations: 1000 });
    expect(await codeOf(importPrivateKeyPem(locked))).toBe('ERR_PASSPHRASE_REQUIRED');
    for (const passphrase of ['wrong', 'Right', '', 'right\n'])
      expect(await codeOf(importPrivateKeyPem(locked, { passphrase }))).toBe(
        'ERR_PASSPHRASE_WRONG',
      );
  });

  it('ignores a passphrase given for a key that is not encrypted', async () => {
    const keys = await importPrivateKeyPem(await exportPrivateKeyPem(ec), { passphrase: 'x' });
    expect(keys.algorithm).toBe('P-256');
  });

  it('refuses legacy Proc-Type encrypted PEM and says how to convert it', async () => {
    const legacy =
      '-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n' +
      'AAAA\n-----END EC PRIVATE KEY-----\n';
    try {
      await importPrivateKeyPem(legacy, { passphrase: 'x' });
      expect.unreachable();
    } catch (e) {
      expect((e as NodeIdError).code).toBe('ERR_KEY_UNSUPPORTED');
      expect((e as NodeIdError).message).toContain('openssl pkcs8 -topk8');
    }
  });

  it('refuses weak RSA with ERR_KEY_WEAK and other curves with ERR_KEY_UNSUPPORTED', async () => {
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
    expect(
      await codeOf(importPrivateKeyPem(encodePem('PRIVATE KEY', await pkcs8(weak.privateKey)))),
    ).toBe('ERR_KEY_WEAK');
    const p521 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    expect(
      await codeOf(importPrivateKeyPem(encodePem('PRIVATE KEY', await pkcs8(p521.privateKey)))),
    ).toBe('ERR_KEY_UNSUPPORTED');
  });

  it('says what it found when there is no private key', async () => {
    const pub = await exportPublicKeyPem(ec);
    try {
      await importPrivateKeyPem(pub);
      expect.unreachable();
    } catch (e) {
      expect((e as NodeIdError).code).toBe('ERR_KEY_INVALID');
      expect((e as NodeIdError).message).toContain('PUBLIC KEY');
    }
  });

  it('turns garbage into NodeIdErrors', async () => {
    const pem = await exportPrivateKeyPem(ec);
    const inputs: (string | Uint8Array)[] = [
      '',
      'not a key',
      '-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      pem.replace(/[A-Za-z](?=[A-Za-z0-9+/]*\n-----END)/, '0'),
      new Uint8Array(0),
      Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00),
      Uint8Array.of(0x30, 0x80),
    ];
    for (const input of inputs) {
      const code = await codeOf(importPrivateKeyPem(input));
      expect(code, String(input).slice(0, 40)).toMatch(
        /^ERR_(KEY_INVALID|PEM_INVALID|DER_INVALID)$/,
      );
    }
    expect(await codeOf(importPrivateKeyPem(42 as unknown as string))).toBe('ERR_INVALID_ARGUMENT');
  });
});
