/**
 * From key DER to WebCrypto keys: importing a PKCS#8 private key, deriving the public half of a
 * private key (through its JWK, the one portable way WebCrypto offers), and exporting SPKI.
 */
import { guard, NodeIdError } from '../errors.js';
import { importParams, type KeyAlgorithm } from '../keys/key-algorithm.js';
import { toArrayBuffer } from './bytes.js';
import type { PrivateKeyFacts } from './pkcs8.js';

/** Imports a PKCS#8 key for signing with the parameters of `algorithm`. */
export function importPkcs8(
  subtle: SubtleCrypto,
  pkcs8: Uint8Array,
  algorithm: KeyAlgorithm | RsaHashedImportParams | EcKeyImportParams | Algorithm,
  extractable: boolean,
): Promise<CryptoKey> {
  const params = typeof algorithm === 'string' ? importParams(algorithm) : algorithm;
  return guard('ERR_KEY_INVALID', 'the private key could not be imported', () =>
    subtle.importKey('pkcs8', toArrayBuffer(pkcs8), params, extractable, ['sign']),
  );
}

/**
 * WebCrypto parameters to import any key WebCrypto can hold, including ones the SDK will not use
 * (weak RSA, P-521), so they can still be described; `undefined` when WebCrypto has none.
 */
export function anyImportParams(
  facts: PrivateKeyFacts,
): RsaHashedImportParams | EcKeyImportParams | Algorithm | undefined {
  if (facts.type === 'EC' && ['P-256', 'P-384', 'P-521'].includes(facts.curve ?? ''))
    return { name: 'ECDSA', namedCurve: facts.curve! };
  if (facts.type === 'RSA') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (facts.type === 'Ed25519') return { name: 'Ed25519' };
  return undefined;
}

/** The parameters `key` was imported with, to import its public half the same way. */
function paramsOf(key: CryptoKey): RsaHashedImportParams | EcKeyImportParams | Algorithm {
  const alg = key.algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm> & { name: string };
  if (alg.namedCurve) return { name: alg.name, namedCurve: alg.namedCurve };
  if (alg.hash) return { name: alg.name, hash: alg.hash.name };
  return { name: alg.name };
}

/** The public JWK members of a private JWK. */
function publicJwk(jwk: JsonWebKey): JsonWebKey {
  switch (jwk.kty) {
    case 'EC':
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    case 'OKP':
      return { kty: 'OKP', crv: jwk.crv, x: jwk.x };
    case 'RSA':
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    default:
      throw new NodeIdError('ERR_KEY_UNSUPPORTED', `unsupported key type ${jwk.kty}`);
  }
}

/** The public key of an extractable private key, usable to verify. */
export async function derivePublicKey(
  subtle: SubtleCrypto,
  privateKey: CryptoKey,
): Promise<CryptoKey> {
  if (privateKey.type !== 'private')
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `expected a private key, got a ${privateKey.type} key`,
    );
  if (!privateKey.extractable)
    throw new NodeIdError(
      'ERR_KEY_NOT_EXTRACTABLE',
      'the private key is not extractable, so its public key cannot be derived; create or import it with `extractable: true`',
    );
  const jwk = await guard('ERR_KEY_INVALID', 'the private key cannot be exported', () =>
    subtle.exportKey('jwk', privateKey),
  );
  return guard('ERR_KEY_INVALID', 'the public key could not be derived', () =>
    subtle.importKey('jwk', publicJwk(jwk), paramsOf(privateKey), true, ['verify']),
  );
}

export { exportSpki } from './key-export.js';

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof value === 'object' && value !== null && 'type' in value && 'algorithm' in value;
}

/** The private key of a `CryptoKey` or `KeyPair` argument; `ERR_INVALID_ARGUMENT` otherwise. */
export function privateKeyArgument(value: unknown): CryptoKey {
  const key =
    typeof value === 'object' && value !== null && 'privateKey' in value ? value.privateKey : value;
  if (!isCryptoKey(key) || key.type !== 'private')
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected a private CryptoKey or a KeyPair');
  return key;
}

/**
 * The key to take a public key from, for a `CryptoKey` or `KeyPair` argument: a KeyPair's public
 * key, or the key itself (public or private).
 */
export function publicKeyArgument(value: unknown): CryptoKey {
  const key =
    typeof value === 'object' && value !== null && 'publicKey' in value ? value.publicKey : value;
  if (!isCryptoKey(key) || (key.type !== 'public' && key.type !== 'private'))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected a CryptoKey or a KeyPair');
  return key;
}
