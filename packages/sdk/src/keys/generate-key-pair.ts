/** Key pair generation. */
import { guard } from '../errors.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { generationParams, type KeyAlgorithm, type KeyPair } from './key-algorithm.js';

/** Options for {@link generateKeyPair}. */
export interface GenerateKeyPairOptions extends CryptoOptions {
  /** Key algorithm; default `P-256`. */
  algorithm?: KeyAlgorithm;
  /**
   * Whether the private key can be exported (to write it to a file). Default `false`:
   * a key that never needs to leave memory should not be exportable.
   */
  extractable?: boolean;
}

/**
 * Generates a signing key pair with WebCrypto.
 *
 * @example
 * ```ts
 * const keys = await generateKeyPair({ algorithm: 'P-256', extractable: true });
 * const pem = await exportPrivateKeyPem(keys.privateKey);
 * ```
 */
export async function generateKeyPair(options: GenerateKeyPairOptions = {}): Promise<KeyPair> {
  const algorithm = options.algorithm ?? 'P-256';
  const params = generationParams(algorithm);
  const crypto = getCrypto(options);
  const pair = await guard(
    'ERR_KEY_UNSUPPORTED',
    `this runtime cannot generate ${algorithm} keys`,
    () => crypto.subtle.generateKey(params, options.extractable ?? false, ['sign', 'verify']),
  );
  const { privateKey, publicKey } = pair as CryptoKeyPair;
  return { privateKey, publicKey, algorithm };
}
