/**
 * The integrity MAC of a PKCS#12 file (RFC 7292 §5.1 and Appendix B): HMAC over the
 * AuthenticatedSafe, keyed by the PKCS#12 key derivation of Appendix B.2 with ID 3. OpenSSL 3 and
 * Java 17 both write HMAC-SHA256 this way (not PBMAC1); older files use HMAC-SHA1.
 */
import { guard, NodeIdError } from '../errors.js';
import { toArrayBuffer } from '../lib/bytes.js';
import { sha1Rounds, sha256Rounds } from './iterated-hash.js';

/** Hashes a PKCS#12 MAC may use, with their block size `v` in bytes (RFC 7292 B.2). */
export type Pkcs12MacHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const SIZES: Record<Pkcs12MacHash, { u: number; v: number }> = {
  'SHA-1': { u: 20, v: 64 },
  'SHA-256': { u: 32, v: 64 },
  'SHA-384': { u: 48, v: 128 },
  'SHA-512': { u: 64, v: 128 },
};

/**
 * Most MAC iterations accepted when reading. Each is one sequential digest (Appendix B.2 step
 * 6a); OpenSSL writes 2048 and Java 10000, so a million is far above any real file while it
 * bounds the work a hostile file can ask for.
 */
export const MAX_MAC_ITERATIONS = 1_000_000;

/**
 * The password as RFC 7292 Appendix B.1 wants it for the PKCS#12 KDF: a BMPString (UTF-16
 * big-endian code units; characters outside the BMP become surrogate pairs, as OpenSSL's
 * `OPENSSL_utf82uni` does) followed by two zero bytes. The PBES2 ciphers take the UTF-8 bytes
 * instead (RFC 8018 §3 leaves the encoding open; OpenSSL and Java use UTF-8).
 */
export function bmpPassword(passphrase: string): Uint8Array {
  const out = new Uint8Array(passphrase.length * 2 + 2);
  for (let i = 0; i < passphrase.length; i++) {
    const unit = passphrase.charCodeAt(i);
    out[i * 2] = unit >> 8;
    out[i * 2 + 1] = unit & 0xff;
  }
  return out;
}

/** Concatenates copies of `data` to fill `v * ceil(length / v)` bytes (B.2 steps 2 and 3). */
function stretch(data: Uint8Array, v: number): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(v * Math.ceil(data.length / v));
  for (let i = 0; i < out.length; i++) out[i] = data[i % data.length]!;
  return out;
}

/**
 * The PKCS#12 key derivation of RFC 7292 Appendix B.2: `n` bytes for purpose `id` (1 = key,
 * 2 = IV, 3 = MAC key) from the BMP password, the salt and `iterations` rounds of `hash`.
 */
export async function pkcs12Kdf(
  subtle: SubtleCrypto,
  hash: Pkcs12MacHash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  id: 1 | 2 | 3,
  n: number,
): Promise<Uint8Array> {
  const { u, v } = SIZES[hash];
  const D = new Uint8Array(v).fill(id);
  const I = new Uint8Array([...stretch(salt, v), ...stretch(password, v)]);
  const out = new Uint8Array(n);
  const blocks = Math.ceil(n / u);
  for (let i = 0; i < blocks; i++) {
    const input = new Uint8Array(v + I.length);
    input.set(D);
    input.set(I, v);
    let A: Uint8Array;
    const local = hash === 'SHA-256' ? sha256Rounds : hash === 'SHA-1' ? sha1Rounds : undefined;
    if (local) {
      // Thousands of rounds in a row: synchronous hashing, not one awaited digest per round.
      A = local(input, iterations);
    } else {
      A = new Uint8Array(await subtle.digest(hash, input));
      for (let r = 1; r < iterations; r++)
        A = new Uint8Array(await subtle.digest(hash, toArrayBuffer(A)));
    }
    out.set(A.subarray(0, Math.min(u, n - i * u)), i * u);
    if (i + 1 === blocks) break;
    // Step 6b-c: I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
    const B = stretch(A, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out;
}

async function macKey(
  subtle: SubtleCrypto,
  hash: Pkcs12MacHash,
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  usage: KeyUsage,
): Promise<CryptoKey> {
  const raw = await pkcs12Kdf(
    subtle,
    hash,
    bmpPassword(passphrase),
    salt,
    iterations,
    3,
    SIZES[hash].u,
  );
  return subtle.importKey('raw', toArrayBuffer(raw), { name: 'HMAC', hash }, false, [usage]);
}

/** The MAC of `data` (the AuthenticatedSafe's DER). */
export function computeMac(
  subtle: SubtleCrypto,
  hash: Pkcs12MacHash,
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  data: Uint8Array,
): Promise<Uint8Array> {
  return guard('ERR_CRYPTO_UNAVAILABLE', 'this runtime cannot compute an HMAC', async () => {
    const key = await macKey(subtle, hash, passphrase, salt, iterations, 'sign');
    return new Uint8Array(await subtle.sign('HMAC', key, toArrayBuffer(data)));
  });
}

/**
 * Checks the MAC in constant time (WebCrypto's HMAC verify). A mismatch means a wrong passphrase
 * or a file changed after it was written; RFC 7292 cannot tell the two apart.
 */
export async function checkMac(
  subtle: SubtleCrypto,
  hash: Pkcs12MacHash,
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  data: Uint8Array,
  mac: Uint8Array,
): Promise<void> {
  const ok = await guard(
    'ERR_CRYPTO_UNAVAILABLE',
    'this runtime cannot check an HMAC',
    async () => {
      const key = await macKey(subtle, hash, passphrase, salt, iterations, 'verify');
      return subtle.verify('HMAC', key, toArrayBuffer(mac), toArrayBuffer(data));
    },
  );
  if (!ok)
    throw new NodeIdError(
      'ERR_PASSPHRASE_WRONG',
      'wrong passphrase: the PKCS#12 integrity check (MAC) failed, so the passphrase is wrong or the file was altered',
    );
}
