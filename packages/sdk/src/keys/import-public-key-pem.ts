/** Importing public keys for signature verification. */
import { guard, NodeIdError } from '../errors.js';
import { toArrayBuffer } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { decode } from '../lib/der.js';
import { readPublicKeyFile } from '../lib/key-file.js';
import { keyAlgorithmFor } from '../lib/pkcs8.js';
import { describePublicKey } from '../lib/signature.js';
import { checkPublicKey } from './check-public-key.js';
import { importParams, type KeyAlgorithm } from './key-algorithm.js';

/**
 * The {@link KeyAlgorithm} of SubjectPublicKeyInfo DER, or the reason the SDK refuses the key.
 * @internal
 */
export function publicKeyAlgorithm(spki: Uint8Array): KeyAlgorithm {
  let facts: ReturnType<typeof describePublicKey>;
  try {
    facts = describePublicKey(decode(spki, 'ERR_KEY_INVALID'));
  } catch (cause) {
    throw new NodeIdError('ERR_KEY_INVALID', 'malformed public key', { cause });
  }
  checkPublicKey(facts); // e and curve checked as for a CSR's key
  return keyAlgorithmFor(facts);
}

/**
 * Imports a public key for verifying signatures: PEM `PUBLIC KEY` (SPKI, as
 * `openssl pkey -pubout` writes), `RSA PUBLIC KEY` (PKCS#1), or SPKI DER bytes. The key must be one
 * of the SDK's {@link KeyAlgorithm}s (`ERR_KEY_WEAK` for RSA under 2048 bits,
 * `ERR_KEY_UNSUPPORTED` otherwise, `ERR_KEY_WEAK` for an RSA public exponent that is even, under
 * 65537 or not below 2^256); RSA keys import for RSASSA-PKCS1-v1_5 with SHA-256.
 *
 * @example
 * ```ts
 * const key = await importPublicKeyPem(await readFile('node.pub', 'utf8'));
 * const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, data);
 * ```
 */
export async function importPublicKeyPem(
  pem: string | Uint8Array,
  options: CryptoOptions = {},
): Promise<CryptoKey> {
  const subtle = getCrypto(options).subtle;
  const spki = readPublicKeyFile(pem);
  const algorithm = publicKeyAlgorithm(spki);
  return guard('ERR_KEY_INVALID', 'the public key could not be imported', () =>
    subtle.importKey('spki', toArrayBuffer(spki), importParams(algorithm), true, ['verify']),
  );
}
