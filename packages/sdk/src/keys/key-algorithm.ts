/** The key algorithms the SDK makes and accepts, and their WebCrypto parameters. */
import { NodeIdError } from '../errors.js';

/** Key algorithms for generated keys. `P-256` is the default everywhere. */
export type KeyAlgorithm = 'P-256' | 'P-384' | 'Ed25519' | 'RSA-2048' | 'RSA-3072' | 'RSA-4096';

/** All supported key algorithms, default first. */
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = [
  'P-256',
  'P-384',
  'Ed25519',
  'RSA-2048',
  'RSA-3072',
  'RSA-4096',
];

/** A key pair held as WebCrypto keys, with the algorithm it was made for. */
export interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  algorithm: KeyAlgorithm;
}

/** True when `value` names a supported key algorithm. */
export function isKeyAlgorithm(value: unknown): value is KeyAlgorithm {
  return typeof value === 'string' && (KEY_ALGORITHMS as readonly string[]).includes(value);
}

/** WebCrypto generation parameters for an algorithm. @internal */
export function generationParams(
  algorithm: KeyAlgorithm,
): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  switch (algorithm) {
    case 'P-256':
    case 'P-384':
      return { name: 'ECDSA', namedCurve: algorithm };
    case 'Ed25519':
      return { name: 'Ed25519' };
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: Number(algorithm.slice(4)),
        publicExponent: Uint8Array.of(1, 0, 1),
        hash: 'SHA-256',
      };
    default:
      throw new NodeIdError(
        'ERR_KEY_UNSUPPORTED',
        `unsupported key algorithm "${String(algorithm)}"; use one of ${KEY_ALGORITHMS.join(', ')}`,
      );
  }
}

/** The {@link KeyAlgorithm} of a WebCrypto key. */
export function keyAlgorithmOf(key: CryptoKey): KeyAlgorithm {
  const alg = key.algorithm as Partial<EcKeyAlgorithm & RsaHashedKeyAlgorithm> & { name: string };
  if (alg.name === 'ECDSA' && (alg.namedCurve === 'P-256' || alg.namedCurve === 'P-384'))
    return alg.namedCurve;
  if (alg.name === 'Ed25519') return 'Ed25519';
  if ((alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS') && alg.modulusLength) {
    const bits = alg.modulusLength;
    if (bits === 2048 || bits === 3072 || bits === 4096) return `RSA-${bits}` as KeyAlgorithm;
    throw new NodeIdError(
      bits < 2048 ? 'ERR_KEY_WEAK' : 'ERR_KEY_UNSUPPORTED',
      `RSA keys of ${bits} bits are not supported; use 2048, 3072 or 4096`,
    );
  }
  throw new NodeIdError(
    'ERR_KEY_UNSUPPORTED',
    `unsupported key type ${alg.name}${alg.namedCurve ? ` ${alg.namedCurve}` : ''}`,
  );
}

/** WebCrypto import parameters for an algorithm (RSA keys sign with RSASSA-PKCS1-v1_5 and SHA-256). @internal */
export function importParams(
  algorithm: KeyAlgorithm,
): RsaHashedImportParams | EcKeyImportParams | Algorithm {
  const params = generationParams(algorithm);
  return 'modulusLength' in params ? { name: params.name, hash: 'SHA-256' } : params;
}
