/**
 * The one check of a public key that enters the SDK from outside (a CSR, an imported key): the
 * key types and sizes nodeid accepts, and an RSA public exponent that makes RSA an RSA. Each
 * refusal has its own code, so a weak key is never reported as a bad signature.
 */
import { NodeIdError } from '../errors.js';
import { optionsArgument } from '../lib/options-argument.js';

/** What {@link checkPublicKey} needs to know about a key. */
export interface PublicKeyFacts {
  /** `EC`, `RSA`, `RSA-PSS`, `Ed25519`, `Ed448`, or the algorithm OID. */
  type: string;
  /** EC curve: `P-256`, `P-384`, `P-521`, or another curve's name or OID. */
  curve?: string;
  /** Key size in bits (the RSA modulus). */
  bits: number;
  /** The RSA public exponent e; required for RSA keys. */
  publicExponent?: bigint;
}

/** Options for {@link checkPublicKey}. */
export interface CheckPublicKeyOptions {
  /** Smallest RSA modulus accepted; default 2048 (lower values are ignored). */
  minRsaBits?: number;
}

/** The curves nodeid accepts: NIST P-256, P-384 and P-521 (FIPS 186-5 §6.1.1, RFC 5480 §2.1.1.1). */
const CURVES = new Set(['P-256', 'P-384', 'P-521']);

/** 2^16 + 1 and 2^256: the bounds of e (FIPS 186-5 §A.1.1, NIST SP 800-89 §5.3.3, CA/B BR §6.1.6). */
const MIN_EXPONENT = 65_537n;
const EXPONENT_LIMIT = 1n << 256n;

/**
 * Why an RSA public exponent is unacceptable, or `undefined` when it is fine. FIPS 186-5 §A.1.1
 * and the CA/Browser Forum Baseline Requirements §6.1.6 require an odd e with
 * 2^16 < e < 2^256: e = 1 makes the "ciphertext" the message (the private key is derivable,
 * anyone can sign), an even e is not invertible mod λ(n), and e = 3 invites low-exponent attacks.
 */
export function rsaExponentProblem(e: bigint | undefined): string | undefined {
  if (e === undefined) return 'the RSA public exponent is missing';
  if (e % 2n === 0n) return `the RSA public exponent ${e} is even; it must be odd`;
  if (e < MIN_EXPONENT)
    return `the RSA public exponent ${e} is too small; it must be at least 65537`;
  if (e >= EXPONENT_LIMIT) return 'the RSA public exponent is too large; it must be below 2^256';
  return undefined;
}

/**
 * Refuses a public key nodeid does not accept: `ERR_KEY_WEAK` for an RSA modulus under
 * `minRsaBits` (default 2048) or an RSA public exponent that is even, under 65537 or not below
 * 2^256; `ERR_KEY_UNSUPPORTED` for curves other than P-256, P-384 and P-521 (P-192, secp256k1,
 * brainpool) and for key types other than EC, RSA and Ed25519 (Ed448, DSA, …).
 *
 * @example
 * ```ts
 * checkPublicKey({ type: 'RSA', bits: 2048, publicExponent: 3n });
 * // throws NodeIdError ERR_KEY_WEAK: the RSA public exponent 3 is too small; it must be at least 65537
 * ```
 */
export function checkPublicKey(key: PublicKeyFacts, options: CheckPublicKeyOptions = {}): void {
  optionsArgument(key, 'checkPublicKey');
  if (key.type === 'RSA') {
    const min = Math.max(2048, options.minRsaBits ?? 2048);
    if (key.bits < min)
      throw new NodeIdError(
        'ERR_KEY_WEAK',
        `RSA key of ${key.bits} bits is too weak; at least ${min} bits are required`,
      );
    const problem = rsaExponentProblem(key.publicExponent);
    if (problem) throw new NodeIdError('ERR_KEY_WEAK', problem);
    return;
  }
  if (key.type === 'EC' && key.curve && CURVES.has(key.curve)) return;
  if (key.type === 'Ed25519') return;
  throw new NodeIdError(
    'ERR_KEY_UNSUPPORTED',
    `keys of type ${key.type}${key.curve ? ` ${key.curve}` : ''} are not accepted; use P-256, P-384, P-521, Ed25519 or RSA 2048+`,
  );
}

/** The exponent of a WebCrypto RSA key (`algorithm.publicExponent`, big-endian bytes). @internal */
export function cryptoKeyExponent(key: CryptoKey): bigint | undefined {
  const bytes = (key.algorithm as Partial<RsaKeyAlgorithm>).publicExponent;
  if (!bytes) return undefined;
  let e = 0n;
  for (const b of bytes) e = (e << 8n) | BigInt(b);
  return e;
}
