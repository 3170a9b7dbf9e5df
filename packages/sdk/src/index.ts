/**
 * @nodeid/sdk — TLS identities for cluster nodes on WebCrypto: cluster CA, node certificates,
 * CSRs, RFC 5280 verification, inspection, expiry and CRLs. Runs in Node, Deno, Bun and browsers.
 *
 * @packageDocumentation
 */
export { NodeIdError, type NodeIdErrorCode, type NodeIdErrorDetails } from './errors.js';
export type { CryptoOptions } from './lib/crypto.js';
export { generateKeyPair, type GenerateKeyPairOptions } from './keys/generate-key-pair.js';
export { KEY_ALGORITHMS, isKeyAlgorithm, keyAlgorithmOf, type KeyAlgorithm, type KeyPair } from './keys/key-algorithm.js';
