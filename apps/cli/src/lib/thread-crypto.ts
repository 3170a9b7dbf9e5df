/**
 * WebCrypto for bulk issuance's threads: `createNodeCrypto` (signatures on the calling thread),
 * and ECDSA key generation on the calling thread too. Node's `crypto.subtle.generateKey` runs on
 * the libuv pool, which bulk issuance keeps busy with disk syncs: a thread's key generation then
 * waits behind them. The key is made by OpenSSL's EC key generator through `createECDH` (the
 * private scalar and public point of a P-256/P-384 key; an ECDH key and an ECDSA key are the
 * same pair) and comes back as `CryptoKey`s through `importKey('jwk')`, so the SDK sees ordinary
 * WebCrypto keys. `generateKeyPairSync` is not used: in a worker thread, a garbage collection
 * during it can destroy an earlier key-generation job under a lock the job holds (seen as a
 * hang in Node 20's `KeyGenJob` destructor). Other algorithms go to `subtle.generateKey`.
 */
import { createECDH } from 'node:crypto';
import { createNodeCrypto } from '@nodeid/sdk/node';

const CURVES: Record<string, { openssl: string; size: number }> = {
  'P-256': { openssl: 'prime256v1', size: 32 },
  'P-384': { openssl: 'secp384r1', size: 48 },
};

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** Left-pads a big-endian integer to `size` bytes (a private scalar can have leading zeros). */
function fixed(bytes: Buffer, size: number): Buffer {
  return bytes.length >= size ? bytes : Buffer.concat([Buffer.alloc(size - bytes.length), bytes]);
}

/** ECDSA key generation on this thread; undefined for other algorithms. */
async function generateHere(
  subtle: SubtleCrypto,
  algorithm: AlgorithmIdentifier | EcKeyGenParams,
  extractable: boolean,
  usages: KeyUsage[],
): Promise<CryptoKeyPair | undefined> {
  const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
  const namedCurve = (algorithm as EcKeyGenParams).namedCurve;
  const curve = name === 'ECDSA' && namedCurve ? CURVES[namedCurve] : undefined;
  if (!curve) return undefined;
  const ecdh = createECDH(curve.openssl);
  const point = ecdh.generateKeys(); // uncompressed: 0x04 || x || y
  const d = fixed(ecdh.getPrivateKey(), curve.size);
  const publicJwk = {
    kty: 'EC',
    crv: namedCurve,
    x: b64url(point.subarray(1, 1 + curve.size)),
    y: b64url(point.subarray(1 + curve.size)),
  };
  const params = { name: 'ECDSA', namedCurve };
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey(
      'jwk',
      { ...publicJwk, d: b64url(d) },
      params,
      extractable,
      usages.filter((u) => u === 'sign'),
    ),
    subtle.importKey(
      'jwk',
      publicJwk,
      params,
      true,
      usages.filter((u) => u === 'verify'),
    ),
  ]);
  return { privateKey, publicKey };
}

/** The WebCrypto a bulk issuing thread uses. */
export function createThreadCrypto(base: Crypto = globalThis.crypto): Crypto {
  const subtle = base.subtle;
  const local = Object.create(subtle) as SubtleCrypto;
  local.generateKey = (async (
    algorithm: AlgorithmIdentifier,
    extractable: boolean,
    usages: KeyUsage[],
  ) =>
    (await generateHere(subtle, algorithm, extractable, usages)) ??
    subtle.generateKey(algorithm, extractable, usages)) as SubtleCrypto['generateKey'];
  for (const method of [
    'decrypt',
    'deriveBits',
    'deriveKey',
    'encrypt',
    'exportKey',
    'importKey',
    'sign',
    'unwrapKey',
    'verify',
    'wrapKey',
    'digest',
  ] as const)
    (local as unknown as Record<string, unknown>)[method] = (
      subtle[method] as (...a: unknown[]) => unknown
    ).bind(subtle);
  return createNodeCrypto({
    subtle: local,
    getRandomValues: base.getRandomValues.bind(base),
    randomUUID: base.randomUUID.bind(base),
  } as Crypto);
}
