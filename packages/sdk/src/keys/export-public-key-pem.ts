/** Exporting public keys as SPKI PEM. */
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { derivePublicKey, exportSpki, publicKeyArgument } from '../lib/key-import.js';
import { encodePem } from '../lib/pem.js';
import type { KeyPair } from './key-algorithm.js';

/**
 * Exports a public key as SubjectPublicKeyInfo PEM (`PUBLIC KEY`), the form
 * `openssl pkey -pubout` writes. Given a `KeyPair`, exports its public key; given a private key,
 * derives the public key from it (the private key must then be extractable).
 *
 * @example
 * ```ts
 * const keys = await generateKeyPair();
 * const pem = await exportPublicKeyPem(keys.publicKey);
 * // -----BEGIN PUBLIC KEY----- ...
 * ```
 */
export async function exportPublicKeyPem(
  key: CryptoKey | KeyPair,
  options: CryptoOptions = {},
): Promise<string> {
  const subtle = getCrypto(options).subtle;
  let publicKey = publicKeyArgument(key);
  if (publicKey.type === 'private') publicKey = await derivePublicKey(subtle, publicKey);
  return encodePem('PUBLIC KEY', await exportSpki(subtle, publicKey));
}
