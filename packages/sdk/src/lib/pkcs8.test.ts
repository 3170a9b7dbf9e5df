import { describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import { toArrayBuffer } from './bytes.js';
import { children, decode, explicit, int, nul, octets, oid, seq, Tag } from './der.js';
import { OID } from './oids.js';
import {
  classifyPrivateKeyDer,
  describePkcs8,
  keyAlgorithmFor,
  pkcs1ToPkcs8,
  readEcParameters,
  sec1ToPkcs8,
} from './pkcs8.js';

async function pkcs8Of(algorithm: Parameters<typeof generateKeyPair>[0]) {
  const keys = await generateKeyPair({ ...algorithm, extractable: true });
  return new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
}

/** The inner key (SEC1 or PKCS#1) of a PKCS#8. */
function innerOf(pkcs8: Uint8Array): Uint8Array {
  return children(decode(pkcs8))[2]!.value;
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
  }
  return undefined;
}

describe('describePkcs8', () => {
  it('describes the keys WebCrypto makes', async () => {
    expect(describePkcs8(await pkcs8Of({ algorithm: 'P-256' }))).toEqual({
      type: 'EC',
      curve: 'P-256',
      bits: 256,
    });
    expect(describePkcs8(await pkcs8Of({ algorithm: 'P-384' }))).toEqual({
      type: 'EC',
      curve: 'P-384',
      bits: 384,
    });
    expect(describePkcs8(await pkcs8Of({ algorithm: 'Ed25519' }))).toEqual({
      type: 'Ed25519',
      bits: 256,
    });
    expect(describePkcs8(await pkcs8Of({ algorithm: 'RSA-2048' }))).toEqual({
      type: 'RSA',
      bits: 2048,
    });
  });

  it('describes an unknown algorithm by its OID rather than refusing it', () => {
    const der = seq(int(0), seq(oid('1.2.3.4')), octets(Uint8Array.of(1)));
    expect(describePkcs8(der)).toEqual({ type: '1.2.3.4', bits: 0 });
  });

  it('refuses malformed structures with ERR_KEY_INVALID', async () => {
    const good = await pkcs8Of({ algorithm: 'P-256' });
    const [version, alg, key] = children(decode(good));
    expect(code(() => describePkcs8(seq(int(2), alg!.raw, key!.raw)))).toBe('ERR_KEY_INVALID');
    expect(code(() => describePkcs8(seq(version!.raw, alg!.raw)))).toBe('ERR_KEY_INVALID');
    expect(code(() => describePkcs8(seq(version!.raw, alg!.raw, octets(Uint8Array.of(5)))))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(code(() => describePkcs8(seq(version!.raw, alg!.raw, key!.raw, int(1))))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(code(() => describePkcs8(good.subarray(0, good.length - 1)))).toBe('ERR_KEY_INVALID');
  });

  it('refuses EC keys whose two curve fields disagree', async () => {
    const der = await pkcs8Of({ algorithm: 'P-256' });
    const [, d] = children(decode(innerOf(der)));
    const inner = seq(int(1), d!.raw, explicit(0, oid(OID.p384)));
    const mixed = seq(int(0), seq(oid(OID.ecPublicKey), oid(OID.p256)), octets(inner));
    expect(code(() => describePkcs8(mixed))).toBe('ERR_KEY_INVALID');
  });

  it('refuses explicit curve parameters as unsupported', () => {
    const inner = seq(int(1), octets(new Uint8Array(32)));
    const der = seq(int(0), seq(oid(OID.ecPublicKey), seq(int(1))), octets(inner));
    expect(code(() => describePkcs8(der))).toBe('ERR_KEY_UNSUPPORTED');
  });
});

describe('SEC1 and PKCS#1 rewrapping', () => {
  it('turns a SEC1 key into a PKCS#8 that WebCrypto imports, with the curve from either place', async () => {
    const original = await pkcs8Of({ algorithm: 'P-384' });
    const [, d, pub] = children(decode(innerOf(original)));
    const withCurve = seq(int(1), d!.raw, explicit(0, oid(OID.p384)), pub!.raw);
    const withoutCurve = seq(int(1), d!.raw, pub!.raw);
    for (const pkcs8 of [sec1ToPkcs8(withCurve), sec1ToPkcs8(withoutCurve, OID.p384)]) {
      expect(describePkcs8(pkcs8)).toEqual({ type: 'EC', curve: 'P-384', bits: 384 });
      const key = await crypto.subtle.importKey(
        'pkcs8',
        toArrayBuffer(pkcs8),
        { name: 'ECDSA', namedCurve: 'P-384' },
        true,
        ['sign'],
      );
      expect((await crypto.subtle.exportKey('jwk', key)).crv).toBe('P-384');
    }
    expect(code(() => sec1ToPkcs8(withoutCurve))).toBe('ERR_KEY_INVALID');
  });

  it('turns a PKCS#1 key into a PKCS#8 the same as WebCrypto writes', async () => {
    const original = await pkcs8Of({ algorithm: 'RSA-2048' });
    expect(pkcs1ToPkcs8(innerOf(original))).toEqual(original);
    expect(code(() => pkcs1ToPkcs8(seq(int(0), int(5))))).toBe('ERR_KEY_INVALID');
  });

  it('reads the curve of an EC PARAMETERS block', () => {
    expect(readEcParameters(oid(OID.p256))).toBe(OID.p256);
    expect(code(() => readEcParameters(seq(int(1))))).toBe('ERR_KEY_UNSUPPORTED');
    expect(code(() => readEcParameters(nul()))).toBe('ERR_KEY_INVALID');
  });
});

describe('classifyPrivateKeyDer', () => {
  it('tells the containers apart by shape', async () => {
    const ec = await pkcs8Of({ algorithm: 'P-256' });
    const rsa = await pkcs8Of({ algorithm: 'RSA-2048' });
    expect(classifyPrivateKeyDer(ec)).toBe('pkcs8');
    expect(classifyPrivateKeyDer(innerOf(ec))).toBe('sec1');
    expect(classifyPrivateKeyDer(innerOf(rsa))).toBe('pkcs1');
    expect(classifyPrivateKeyDer(seq(seq(oid(OID.pbes2)), octets(Uint8Array.of(1))))).toBe(
      'encrypted-pkcs8',
    );
    expect(code(() => classifyPrivateKeyDer(seq(int(1))))).toBe('ERR_KEY_INVALID');
    expect(code(() => classifyPrivateKeyDer(Uint8Array.of(Tag.SEQUENCE, 5)))).toBe(
      'ERR_KEY_INVALID',
    );
  });
});

describe('keyAlgorithmFor', () => {
  it('maps supported keys and explains refusals', () => {
    expect(keyAlgorithmFor({ type: 'EC', curve: 'P-256', bits: 256 })).toBe('P-256');
    expect(keyAlgorithmFor({ type: 'EC', curve: 'P-384', bits: 384 })).toBe('P-384');
    expect(keyAlgorithmFor({ type: 'Ed25519', bits: 256 })).toBe('Ed25519');
    for (const bits of [2048, 3072, 4096])
      expect(keyAlgorithmFor({ type: 'RSA', bits })).toBe(`RSA-${bits}`);
    expect(code(() => keyAlgorithmFor({ type: 'RSA', bits: 1024 }))).toBe('ERR_KEY_WEAK');
    expect(code(() => keyAlgorithmFor({ type: 'RSA', bits: 8192 }))).toBe('ERR_KEY_UNSUPPORTED');
    expect(code(() => keyAlgorithmFor({ type: 'EC', curve: 'P-521', bits: 521 }))).toBe(
      'ERR_KEY_UNSUPPORTED',
    );
    expect(code(() => keyAlgorithmFor({ type: 'Ed448', bits: 456 }))).toBe('ERR_KEY_UNSUPPORTED');
    expect(code(() => keyAlgorithmFor({ type: 'RSA-PSS', bits: 2048 }))).toBe(
      'ERR_KEY_UNSUPPORTED',
    );
  });
});
