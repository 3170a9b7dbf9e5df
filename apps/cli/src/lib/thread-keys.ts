/**
 * Key pairs for bulk issuance's threads, as bytes: the SubjectPublicKeyInfo the certificate is
 * issued for and the PKCS#8 the key file holds. P-256 and P-384 keys are made by OpenSSL's EC
 * key generator through `createECDH` (an ECDH key and an ECDSA key are the same pair: a private
 * scalar and its public point) on the calling thread, and encoded by the SDK's
 * `encodeEcKeyPair`: no `CryptoKey` is made, since importing one (about 0.3 ms for a pair in
 * Node 20) only to export it again cost more than the rest of a node's issuance. Node's
 * `subtle.generateKey` is not used for them either: it runs on the libuv pool, which bulk
 * issuance keeps busy with disk syncs. `generateKeyPairSync` is not used: in a worker thread, a
 * garbage collection during it can destroy an earlier key-generation job under a lock the job
 * holds (seen as a hang in Node 20's `KeyGenJob` destructor). Other algorithms (Ed25519, RSA) are
 * made by the SDK's `generateKeyPair` and exported by WebCrypto.
 *
 * One `ECDH` object per curve serves a thread's whole run: each `generateKeys` call makes a new
 * random pair (OpenSSL's `EC_KEY_generate_key` on a fresh key of the curve), and making the
 * object costs as much as the pair itself (3,000 P-256 pairs: 111–150 ms with a new object each,
 * 58–64 ms with one).
 */
import { createECDH, type ECDH } from 'node:crypto';
import {
  type EncodedKeyPair,
  encodeEcKeyPair,
  generateKeyPair,
  type KeyAlgorithm,
} from '@nodeid/sdk';

const CURVES = {
  'P-256': { openssl: 'prime256v1', size: 32 },
  'P-384': { openssl: 'secp384r1', size: 48 },
} as const;

/** This thread's key generator of each curve, made on first use. */
const generators = new Map<keyof typeof CURVES, ECDH>();

/** The curves whose pairs a thread can make ahead ({@link makeKeysAhead}). */
export type AheadAlgorithm = keyof typeof CURVES;

/** Whether `algorithm` is one whose pairs a thread can make ahead. */
export function isAheadAlgorithm(algorithm: unknown): algorithm is AheadAlgorithm {
  return typeof algorithm === 'string' && Object.hasOwn(CURVES, algorithm);
}

/** Pairs made ahead by this thread, each used once by {@link threadKeyPair}. */
const ahead: EncodedKeyPair[] = [];

/**
 * Makes `count` pairs of `algorithm` now, for {@link threadKeyPair} to hand out later: an issuing
 * thread started before its run's settings are known makes them while it waits. They never
 * leave this thread, and each is handed out once; {@link dropKeysAhead} forgets them.
 */
export function makeKeysAhead(algorithm: AheadAlgorithm, count: number): void {
  for (let i = 0; i < count; i++) ahead.push(ecKeyPair(algorithm));
}

/** Pairs made ahead and not yet handed out. */
export function keysAhead(): number {
  return ahead.length;
}

/** Forgets the pairs made ahead (a run of another algorithm will not use them). */
export function dropKeysAhead(): void {
  ahead.length = 0;
}

/** A new key pair of `algorithm`, as its encodings: one made ahead of it, if any. */
export async function threadKeyPair(
  algorithm: KeyAlgorithm,
  crypto: Crypto,
): Promise<EncodedKeyPair> {
  if (isAheadAlgorithm(algorithm)) {
    const made = ahead.at(-1);
    if (made?.algorithm === algorithm) return ahead.pop()!;
    return ecKeyPair(algorithm);
  }
  const keys = await generateKeyPair({ algorithm, extractable: true, crypto });
  return {
    algorithm,
    spki: new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey)),
    pkcs8: new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

function ecKeyPair(algorithm: AheadAlgorithm): EncodedKeyPair {
  const curve = CURVES[algorithm];
  let ecdh = generators.get(algorithm);
  if (!ecdh) {
    ecdh = createECDH(curve.openssl);
    generators.set(algorithm, ecdh);
  }
  const publicKey = ecdh.generateKeys(); // uncompressed: 0x04 || x || y
  const d = ecdh.getPrivateKey(); // big-endian, without its leading zero bytes
  const privateKey = new Uint8Array(curve.size);
  privateKey.set(d, curve.size - d.length);
  return encodeEcKeyPair({ curve: algorithm, privateKey, publicKey });
}
