/** Exporting private keys as PKCS#8 PEM, plain or encrypted for `openssl pkey -passin`. */
import { NodeIdError } from '../errors.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { exportPkcs8 } from '../lib/key-export.js';
import { passphraseBytes } from '../lib/key-file.js';
import { privateKeyArgument } from '../lib/key-import.js';
import { encryptPrivateKey, MAX_PBKDF2_ITERATIONS } from '../lib/pbes2.js';
import { encodePem } from '../lib/pem.js';
import { type KeyPair, keyAlgorithmOf } from './key-algorithm.js';

/**
 * Default PBKDF2-HMAC-SHA256 iteration count for encrypted keys: OWASP's 2023 recommendation.
 * Opening such a key costs openssl or WebCrypto about 0.2 s.
 */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

/** Fewest PBKDF2 iterations accepted when encrypting (RFC 8018 §4.2 asks for at least 1000). */
export const MIN_PBKDF2_ITERATIONS = 1000;

/** Options for {@link exportPrivateKeyPem}. */
export interface ExportPrivateKeyOptions extends CryptoOptions {
  /** Encrypts the key with this passphrase (UTF-8 when text) into an `ENCRYPTED PRIVATE KEY`. */
  passphrase?: string | Uint8Array;
  /**
   * PBKDF2 iterations when encrypting; default {@link DEFAULT_PBKDF2_ITERATIONS}, at least
   * {@link MIN_PBKDF2_ITERATIONS} and at most 10,000,000 (what {@link importPrivateKeyPem} accepts).
   */
  iterations?: number;
}

/**
 * Exports a private key as PKCS#8 PEM (`PRIVATE KEY`). With a passphrase it writes an
 * `ENCRYPTED PRIVATE KEY` with PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC, random 16-byte salt and
 * IV — the form `openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256` writes, which
 * `openssl pkey -passin` reads. The key must be extractable (`ERR_KEY_NOT_EXTRACTABLE`).
 *
 * @example
 * ```ts
 * const keys = await generateKeyPair({ extractable: true });
 * const plain = await exportPrivateKeyPem(keys.privateKey);
 * const locked = await exportPrivateKeyPem(keys.privateKey, { passphrase: 'correct horse' });
 * // openssl pkey -in node.key -passin pass:'correct horse' -noout
 * ```
 */
export async function exportPrivateKeyPem(
  key: CryptoKey | KeyPair,
  options: ExportPrivateKeyOptions = {},
): Promise<string> {
  const privateKey = privateKeyArgument(key);
  keyAlgorithmOf(privateKey);
  if (!privateKey.extractable)
    throw new NodeIdError(
      'ERR_KEY_NOT_EXTRACTABLE',
      'the private key is not extractable; create or import it with `extractable: true` to export it',
    );
  const crypto = getCrypto(options);
  return pkcs8Pem(await exportPkcs8(crypto.subtle, privateKey), options);
}

/**
 * PKCS#8 DER as PEM, plain or encrypted as {@link exportPrivateKeyPem} does. @internal
 */
export async function pkcs8Pem(
  pkcs8: Uint8Array,
  options: ExportPrivateKeyOptions = {},
): Promise<string> {
  if (options.passphrase === undefined) return encodePem('PRIVATE KEY', pkcs8);
  const crypto = getCrypto(options);

  const passphrase = passphraseBytes(options.passphrase);
  if (passphrase.length === 0)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'the passphrase is empty');
  const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (
    !Number.isSafeInteger(iterations) ||
    iterations < MIN_PBKDF2_ITERATIONS ||
    iterations > MAX_PBKDF2_ITERATIONS
  )
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `iterations must be a whole number from ${MIN_PBKDF2_ITERATIONS} to ${MAX_PBKDF2_ITERATIONS}`,
    );
  const encrypted = await encryptPrivateKey(crypto, pkcs8, passphrase, iterations);
  return encodePem('ENCRYPTED PRIVATE KEY', encrypted);
}
