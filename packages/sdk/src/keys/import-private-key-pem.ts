/** Importing private keys from the files openssl and other tools write. */

import { NodeIdError } from '../errors.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { readPrivateKeyFile, unlockPrivateKey } from '../lib/key-file.js';
import { derivePublicKey, importPkcs8 } from '../lib/key-import.js';
import { describePkcs8, keyAlgorithmFor } from '../lib/pkcs8.js';
import { cryptoKeyExponent, rsaExponentProblem } from './check-public-key.js';
import type { KeyPair } from './key-algorithm.js';

/** Options for {@link importPrivateKeyPem}. */
export interface ImportPrivateKeyOptions extends CryptoOptions {
  /** Passphrase of an `ENCRYPTED PRIVATE KEY`; ignored for a key that is not encrypted. */
  passphrase?: string | Uint8Array;
  /**
   * Whether the imported private key can be exported again (to write it to a file).
   * Default `false`: a key that only signs should not leave WebCrypto.
   */
  extractable?: boolean;
}

/**
 * Imports a private key and derives its public key. Reads PEM text or DER bytes in every form
 * the usual openssl recipes write:
 *
 * - PKCS#8 `PRIVATE KEY` (`openssl genpkey`, `openssl genrsa` in OpenSSL 3);
 * - `ENCRYPTED PRIVATE KEY`: PBES2 with PBKDF2 (HMAC-SHA1/256/384/512) and AES-128/192/256-CBC
 *   (`openssl pkcs8 -topk8`, `openssl genpkey -aes256`);
 * - SEC1 `EC PRIVATE KEY` (`openssl ecparam -genkey`), after an `EC PARAMETERS` block or not;
 * - PKCS#1 `RSA PRIVATE KEY` (`openssl genrsa -traditional`).
 *
 * Other PEM blocks in the input (a certificate in a combined file) are skipped. The key must be
 * one of the SDK's {@link KeyAlgorithm}s: RSA keys import for RSASSA-PKCS1-v1_5 with SHA-256.
 *
 * Errors: `ERR_PASSPHRASE_REQUIRED` / `ERR_PASSPHRASE_WRONG` for encrypted keys;
 * `ERR_KEY_WEAK` for RSA under 2048 bits or with a public exponent that is even, under 65537 or
 * not below 2^256; `ERR_KEY_UNSUPPORTED` for other curves and types and
 * for legacy `Proc-Type: 4,ENCRYPTED` PEM; `ERR_KEY_INVALID` or `ERR_PEM_INVALID` for anything
 * malformed.
 *
 * @example
 * ```ts
 * const keys = await importPrivateKeyPem(await readFile('node.key', 'utf8'), {
 *   passphrase: process.env.KEY_PASSPHRASE,
 * });
 * console.log(keys.algorithm); // 'P-256'
 * ```
 */
export async function importPrivateKeyPem(
  pem: string | Uint8Array,
  options: ImportPrivateKeyOptions = {},
): Promise<KeyPair> {
  const subtle = getCrypto(options).subtle;
  const source = readPrivateKeyFile(pem);
  const pkcs8 = await unlockPrivateKey(subtle, source, options.passphrase);
  const algorithm = keyAlgorithmFor(describePkcs8(pkcs8));
  // The public key is derived through an extractable copy; the caller gets what they asked for.
  const exportable = await importPkcs8(subtle, pkcs8, algorithm, true);
  const problem = algorithm.startsWith('RSA') && rsaExponentProblem(cryptoKeyExponent(exportable));
  if (problem) throw new NodeIdError('ERR_KEY_WEAK', problem);
  const publicKey = await derivePublicKey(subtle, exportable);
  const privateKey = options.extractable
    ? exportable
    : await importPkcs8(subtle, pkcs8, algorithm, false);
  return { privateKey, publicKey, algorithm };
}
