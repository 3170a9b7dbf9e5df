/**
 * WebCrypto for bulk issuance's threads: `createNodeCrypto` (signatures on the calling thread),
 * and EC / Ed25519 key generation on the calling thread too. Node's `crypto.subtle.generateKey`
 * runs on the libuv pool, which bulk issuance keeps busy with disk syncs: a thread's key
 * generation then waits behind them. `generateKeyPairSync` makes the same key (OpenSSL's
 * generator, as `subtle.generateKey` uses) without leaving the thread; it comes back as
 * `CryptoKey`s through `importKey('jwk')`, so the SDK sees ordinary WebCrypto keys.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { createNodeCrypto } from '@nodeid/sdk/node';

const CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' };

/** Key generation on this thread for ECDSA P-256/P-384 and Ed25519; undefined for others. */
async function generateHere(
  subtle: SubtleCrypto,
  algorithm: AlgorithmIdentifier | EcKeyGenParams,
  extractable: boolean,
  usages: KeyUsage[],
): Promise<CryptoKeyPair | undefined> {
  const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
  const curve = (algorithm as EcKeyGenParams).namedCurve;
  let jwk: JsonWebKey;
  if (name === 'ECDSA' && curve && CURVES[curve])
    jwk = generateKeyPairSync('ec', { namedCurve: CURVES[curve]! }).privateKey.export({
      format: 'jwk',
    });
  else if (name === 'Ed25519')
    jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  else return undefined;
  const params = name === 'ECDSA' ? { name, namedCurve: curve! } : { name };
  const { d: _d, ...publicJwk } = jwk;
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey(
      'jwk',
      jwk as never,
      params,
      extractable,
      usages.filter((u) => u === 'sign'),
    ),
    subtle.importKey(
      'jwk',
      publicJwk as never,
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
