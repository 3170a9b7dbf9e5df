/**
 * encodeEcKeyPair: the encodings of a key pair given by its numbers are WebCrypto's own exports
 * byte for byte, OpenSSL (through node:crypto) reads them as the same pair, and numbers that fail
 * SEC 1's checks (§3.2.1 scalar range, §3.2.2.1 point on the curve) are refused.
 */
import { createECDH, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeEcKeyPair } from '../../src/index.js';
import { toHex } from '../../src/lib/bytes.js';

const subtle = globalThis.crypto.subtle;
const CURVES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' } as const;

function ecdhPair(curve: keyof typeof CURVES, size: number) {
  const ecdh = createECDH(CURVES[curve]);
  const publicKey = new Uint8Array(ecdh.generateKeys());
  const d = ecdh.getPrivateKey();
  const privateKey = new Uint8Array(size);
  privateKey.set(d, size - d.length); // left-padded: a scalar may have leading zero bytes
  return { curve, privateKey, publicKey };
}

describe('encodeEcKeyPair', () => {
  for (const [curve, size] of [
    ['P-256', 32],
    ['P-384', 48],
  ] as const) {
    it(`${curve}: SPKI and PKCS#8 equal WebCrypto's exports of the same key`, async () => {
      for (let i = 0; i < 20; i++) {
        const numbers = ecdhPair(curve, size);
        const { spki, pkcs8, algorithm } = encodeEcKeyPair(numbers);
        expect(algorithm).toBe(curve);
        const params = { name: 'ECDSA', namedCurve: curve };
        const key = await subtle.importKey('pkcs8', pkcs8.slice(), params, true, ['sign']);
        expect(toHex(new Uint8Array(await subtle.exportKey('pkcs8', key)))).toBe(toHex(pkcs8));
        const pub = await subtle.importKey('spki', spki.slice(), params, true, ['verify']);
        expect(toHex(new Uint8Array(await subtle.exportKey('spki', pub)))).toBe(toHex(spki));
      }
    });

    it(`${curve}: OpenSSL derives the same public key from the PKCS#8`, () => {
      const { spki, pkcs8 } = encodeEcKeyPair(ecdhPair(curve, size));
      const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
      const derived = createPublicKey(priv).export({ type: 'spki', format: 'der' });
      expect(toHex(new Uint8Array(derived))).toBe(toHex(spki));
    });

    it(`${curve}: a point off the curve is refused`, () => {
      const numbers = ecdhPair(curve, size);
      const bad = numbers.publicKey.slice();
      bad[bad.length - 1]! ^= 1; // y changed: y^2 != x^3 - 3x + b
      expect(() => encodeEcKeyPair({ ...numbers, publicKey: bad })).toThrow(
        expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
      );
    });

    it(`${curve}: a scalar of 0, of n or more, or of the wrong length is refused`, () => {
      const numbers = ecdhPair(curve, size);
      for (const d of [
        new Uint8Array(size),
        new Uint8Array(size).fill(0xff),
        new Uint8Array(size - 1).fill(1),
      ])
        expect(() => encodeEcKeyPair({ ...numbers, privateKey: d })).toThrow(
          expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
        );
    });
  }

  it('a compressed or truncated point, and other curves, are refused', () => {
    const numbers = ecdhPair('P-256', 32);
    const compressed = new Uint8Array(33);
    compressed.set(numbers.publicKey.subarray(0, 33));
    compressed[0] = 2;
    expect(() => encodeEcKeyPair({ ...numbers, publicKey: compressed })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
    );
    expect(() => encodeEcKeyPair({ ...numbers, curve: 'P-521' as 'P-256' })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_UNSUPPORTED' }),
    );
    expect(() => encodeEcKeyPair(undefined as never)).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_UNSUPPORTED' }),
    );
  });
});
