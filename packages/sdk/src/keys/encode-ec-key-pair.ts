/**
 * The SubjectPublicKeyInfo and PKCS#8 encodings of an EC key pair given by its numbers (the
 * private scalar and the public point), for a caller that made the key outside WebCrypto (Node's
 * `createECDH`, an HSM export) and must not pay for importing it into a `CryptoKey` only to
 * export it again. The bytes are those WebCrypto's own `spki` and `pkcs8` exports give.
 */
import { NodeIdError } from '../errors.js';
import { toHex } from '../lib/bytes.js';
import { ecPkcs8, ecSpki } from '../lib/key-export.js';
import { OID } from '../lib/oids.js';
import type { KeyAlgorithm } from './key-algorithm.js';

/**
 * Domain parameters used to check a key: the field prime p, the coefficient b (a = -3 for both)
 * and the group order n, from FIPS 186-5 / NIST SP 800-186 §3.2.1.3 (P-256) and §3.2.1.4 (P-384).
 */
const CURVES = {
  'P-256': {
    oid: OID.p256,
    size: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  },
  'P-384': {
    oid: OID.p384,
    size: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
} as const;

/** An EC key pair by its numbers, for {@link encodeEcKeyPair}. */
export interface EcKeyNumbers {
  /** `P-256` or `P-384`. */
  curve: 'P-256' | 'P-384';
  /** The private scalar d, big-endian, exactly the curve's size (32 or 48 bytes). */
  privateKey: Uint8Array;
  /** The public point, uncompressed: `0x04 || x || y` (SEC 1 §2.3.3). */
  publicKey: Uint8Array;
}

/** The encodings of a key pair. */
export interface EncodedKeyPair {
  algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo DER (RFC 5480 §2). */
  spki: Uint8Array;
  /** PKCS#8 PrivateKeyInfo DER (RFC 5208 §5) holding an ECPrivateKey (RFC 5915 §3). */
  pkcs8: Uint8Array;
}

/** An unsigned big-endian integer's value (through hex text: one BigInt parse, not one per byte). */
function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

/**
 * Encodes an EC key pair given by its numbers as SPKI and PKCS#8, after checking them: the
 * scalar in [1, n-1] (SEC 1 §3.2.1) and the point on the curve with coordinates below p (SEC 1
 * §3.2.2.1). That the point is d·G is not checked (it would cost a scalar multiplication): pass
 * the pair exactly as the generator returned it. `ERR_KEY_INVALID` for numbers that fail a check,
 * `ERR_KEY_UNSUPPORTED` for another curve.
 *
 * @example
 * ```ts
 * import { createECDH } from 'node:crypto';
 * const ecdh = createECDH('prime256v1');
 * const publicKey = ecdh.generateKeys();
 * const { spki, pkcs8 } = encodeEcKeyPair({ curve: 'P-256', privateKey: ecdh.getPrivateKey(), publicKey });
 * ```
 */
export function encodeEcKeyPair(key: EcKeyNumbers): EncodedKeyPair {
  const curve = CURVES[key?.curve as keyof typeof CURVES];
  if (!curve)
    throw new NodeIdError(
      'ERR_KEY_UNSUPPORTED',
      `EC key pairs are encoded for P-256 and P-384, not ${String(key?.curve)}`,
    );
  const { privateKey: d, publicKey: point } = key;
  if (!(d instanceof Uint8Array) || d.length !== curve.size)
    throw new NodeIdError(
      'ERR_KEY_INVALID',
      `the private scalar must be ${curve.size} bytes for ${key.curve}`,
    );
  const scalar = toBigInt(d);
  if (scalar < 1n || scalar >= curve.n)
    throw new NodeIdError('ERR_KEY_INVALID', 'the private scalar is outside [1, n-1]');
  if (!(point instanceof Uint8Array) || point.length !== 1 + 2 * curve.size || point[0] !== 4)
    throw new NodeIdError(
      'ERR_KEY_INVALID',
      `the public point must be uncompressed (0x04 || x || y, ${1 + 2 * curve.size} bytes)`,
    );
  const x = toBigInt(point.subarray(1, 1 + curve.size));
  const y = toBigInt(point.subarray(1 + curve.size));
  const { p, b } = curve;
  // y^2 = x^3 - 3x + b (mod p)
  if (x >= p || y >= p || mod(y * y, p) !== mod(x * x * x - 3n * x + b, p))
    throw new NodeIdError('ERR_KEY_INVALID', 'the public point is not on the curve');
  return {
    algorithm: key.curve,
    spki: ecSpki(curve.oid, point),
    pkcs8: ecPkcs8(curve.oid, d, point),
  };
}
