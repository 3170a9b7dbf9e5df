/**
 * WebCrypto for Node with synchronous signatures: the same `Crypto` interface the SDK takes
 * everywhere, whose `sign`, `verify` and `digest` run on `node:crypto`'s one-shot functions on
 * the calling thread, and everything else on Node's own WebCrypto. Node's `crypto.subtle` sends
 * each signature to the libuv thread pool and back, which costs more CPU than the signature
 * itself (P-256: about 94 us of CPU per `verify` against 81 us, 47 us per `sign` against 37 us,
 * measured under concurrency); a busy server on few cores wants the CPU back.
 */
import {
  constants,
  createHash,
  KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';

type AlgorithmInput = AlgorithmIdentifier | RsaPssParams | EcdsaParams;

const HASHES: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** ECDSA r||s signature length per curve. */
const ECDSA_SIZES: Record<string, number> = { 'P-256': 64, 'P-384': 96, 'P-521': 132 };

const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObjectOf(key: CryptoKey): KeyObject {
  let k = keyObjects.get(key);
  if (!k) {
    k = KeyObject.from(key);
    keyObjects.set(key, k);
  }
  return k;
}

function nameOf(algorithm: AlgorithmInput): string | undefined {
  if (typeof algorithm === 'string') return algorithm;
  return typeof algorithm?.name === 'string' ? algorithm.name : undefined;
}

function hashOf(hash: unknown): string | undefined {
  const name = typeof hash === 'string' ? hash : (hash as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? HASHES[name.toUpperCase()] : undefined;
}

function bytesOf(data: BufferSource): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * The ArrayBuffer WebCrypto answers with, from a Buffer node:crypto made for this one result:
 * a buffer that holds exactly its bytes is handed over as it is (nothing else refers to it); a
 * view into a larger one (a pooled buffer) is copied out.
 */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    return bytes.buffer as ArrayBuffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * How node:crypto takes a key for `algorithm`, or undefined when this call is not one the fast
 * path handles the way WebCrypto would (wrong key type or usage, unknown algorithm): those go to
 * Node's WebCrypto, which answers them (and throws its own errors) as the standard says.
 */
function nodeParams(
  algorithm: AlgorithmInput,
  key: CryptoKey,
  usage: 'sign' | 'verify',
): { hash: string | null; options: Record<string, unknown>; ecdsaSize?: number } | undefined {
  const name = nameOf(algorithm);
  const keyAlgorithm = key?.algorithm as
    | { name?: string; namedCurve?: string; hash?: { name?: string } }
    | undefined;
  if (!name || keyAlgorithm?.name?.toUpperCase() !== name.toUpperCase()) return undefined;
  if (!key.usages.includes(usage) || key.type !== (usage === 'sign' ? 'private' : 'public'))
    return undefined;
  const keyObject = keyObjectOf(key);
  switch (name.toUpperCase()) {
    case 'ECDSA': {
      const hash = hashOf((algorithm as EcdsaParams).hash);
      const ecdsaSize = ECDSA_SIZES[keyAlgorithm.namedCurve ?? ''];
      if (!hash || !ecdsaSize) return undefined;
      return { hash, ecdsaSize, options: { key: keyObject, dsaEncoding: 'ieee-p1363' } };
    }
    case 'ED25519':
      return { hash: null, options: { key: keyObject } };
    case 'RSASSA-PKCS1-V1_5': {
      const hash = hashOf(keyAlgorithm.hash);
      return hash ? { hash, options: { key: keyObject } } : undefined;
    }
    case 'RSA-PSS': {
      const hash = hashOf(keyAlgorithm.hash);
      const saltLength = (algorithm as RsaPssParams).saltLength;
      if (!hash || !Number.isInteger(saltLength) || saltLength < 0) return undefined;
      return {
        hash,
        options: { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
      };
    }
    default:
      return undefined;
  }
}

/**
 * A WebCrypto `Crypto` for Node whose `subtle.sign`, `subtle.verify` and `subtle.digest` run
 * synchronously on `node:crypto` (ECDSA P-256/P-384/P-521, Ed25519, RSASSA-PKCS1-v1_5, RSA-PSS;
 * SHA-1/256/384/512), with the results WebCrypto gives: ECDSA signatures as r||s, `false` for a
 * signature that does not verify. Anything else, and any call WebCrypto would refuse (a key
 * without the usage, an algorithm that does not match the key), goes to `base` unchanged. Pass
 * it as the `crypto` option of any SDK function; keys come from `base` as usual.
 *
 * Worth it where signatures are many and cores few (a signing server); it blocks the event
 * loop for the length of one signature (tens of microseconds for P-256).
 *
 * @example
 * ```ts
 * import { signCsr } from '@nodeid/sdk';
 * import { createNodeCrypto } from '@nodeid/sdk/node';
 *
 * const crypto = createNodeCrypto();
 * const signed = await signCsr({ csr, ca, policy, crypto });
 * ```
 */
export function createNodeCrypto(base: Crypto = globalThis.crypto): Crypto {
  const subtle = base.subtle;
  const fast: SubtleCrypto = {
    decrypt: (...a) => subtle.decrypt(...a),
    deriveBits: (...a: Parameters<SubtleCrypto['deriveBits']>) => subtle.deriveBits(...a),
    deriveKey: (...a) => subtle.deriveKey(...a),
    encrypt: (...a) => subtle.encrypt(...a),
    exportKey: ((...a: [never, CryptoKey]) => subtle.exportKey(...a)) as SubtleCrypto['exportKey'],
    generateKey: ((...a: [never, boolean, KeyUsage[]]) =>
      subtle.generateKey(...a)) as SubtleCrypto['generateKey'],
    importKey: ((...a: [never, never, never, boolean, KeyUsage[]]) =>
      subtle.importKey(...a)) as SubtleCrypto['importKey'],
    unwrapKey: (...a) => subtle.unwrapKey(...a),
    wrapKey: (...a) => subtle.wrapKey(...a),

    async sign(algorithm, key, data) {
      const params = nodeParams(algorithm, key, 'sign');
      const bytes = bytesOf(data);
      if (!params || !bytes) return subtle.sign(algorithm, key, data);
      return toArrayBuffer(nodeSign(params.hash, bytes, params.options as never));
    },

    async verify(algorithm, key, signature, data) {
      const params = nodeParams(algorithm, key, 'verify');
      const bytes = bytesOf(data);
      const sig = bytesOf(signature);
      if (!params || !bytes || !sig) return subtle.verify(algorithm, key, signature, data);
      if (params.ecdsaSize && sig.length !== params.ecdsaSize) return false;
      try {
        return nodeVerify(params.hash, bytes, params.options as never, sig);
      } catch {
        return false;
      }
    },

    async digest(algorithm, data) {
      const name = nameOf(algorithm);
      const hash = name && HASHES[name.toUpperCase()];
      const bytes = bytesOf(data);
      if (!hash || !bytes) return subtle.digest(algorithm, data);
      return toArrayBuffer(createHash(hash).update(bytes).digest());
    },
  };
  const random = pooledRandom(base);
  return {
    subtle: fast,
    getRandomValues: random,
    randomUUID: () => base.randomUUID(),
  } as Crypto;
}

/** Requests up to this size are served from the pool; larger ones go to `base` directly. */
const POOLED_MAX = 256;
const POOL_SIZE = 8192;

/**
 * `getRandomValues` answering small requests from a buffer of `base`'s random bytes, refilled
 * when it runs out: each call to Node's `getRandomValues` costs about 20 us whatever its size
 * (certificate serials ask for 16-20 bytes each), and Node buffers random bytes the same way for
 * `randomUUID`. Every byte is handed out once and wiped from the buffer. Only integer typed
 * arrays are served from the pool (what WebCrypto accepts, W3C WebCrypto §10.1.1); anything
 * else, and large requests, go to `base`, which applies WebCrypto's own checks and errors.
 */
function pooledRandom(base: Crypto): Crypto['getRandomValues'] {
  const pool = new Uint8Array(POOL_SIZE);
  let used = POOL_SIZE;
  return <T extends ArrayBufferView | null>(array: T): T => {
    const integer =
      array instanceof Uint8Array ||
      array instanceof Int8Array ||
      array instanceof Uint16Array ||
      array instanceof Int16Array ||
      array instanceof Uint32Array ||
      array instanceof Int32Array ||
      array instanceof Uint8ClampedArray ||
      array instanceof BigInt64Array ||
      array instanceof BigUint64Array;
    if (!integer || array.byteLength > POOLED_MAX) return base.getRandomValues(array as never) as T;
    const n = array.byteLength;
    if (used + n > POOL_SIZE) {
      base.getRandomValues(pool);
      used = 0;
    }
    new Uint8Array(array.buffer, array.byteOffset, n).set(pool.subarray(used, used + n));
    pool.fill(0, used, used + n);
    used += n;
    return array;
  };
}
