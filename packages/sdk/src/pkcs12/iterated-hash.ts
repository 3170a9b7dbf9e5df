/**
 * SHA-1 and SHA-256 (FIPS 180-4) in plain JavaScript, for the one place WebCrypto is too slow:
 * the PKCS#12 KDF hashes its own output thousands of times in a row (RFC 7292 Appendix B.2 step
 * 6a; Java writes 10000 iterations), and an awaited `subtle.digest` per round costs a hundred
 * times more than the hashing. Nothing secret-dependent branches here: the rounds are fixed.
 * Checked against WebCrypto in pkcs12.test.ts.
 */

const K256 = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The message padded to whole 64-byte blocks with its bit length (big-endian), FIPS 180-4 §5.1.1. */
function pad(data: Uint8Array): DataView {
  const blocks = Math.ceil((data.length + 9) / 64);
  const out = new Uint8Array(blocks * 64);
  out.set(data);
  out[data.length] = 0x80;
  const view = new DataView(out.buffer);
  const bits = data.length * 8;
  view.setUint32(out.length - 8, Math.floor(bits / 2 ** 32));
  view.setUint32(out.length - 4, bits >>> 0);
  return view;
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

const IV256 = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const IV1 = Int32Array.from([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);

/** The SHA-256 compression of one block, whose 16 words are in w[0..15]: updates `h`. */
function compress256(h: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const a = w[t - 15]!;
    const b = w[t - 2]!;
    const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
    const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let hh = h[7]!;
  for (let t = 0; t < 64; t++) {
    const t1 =
      (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[t]! + w[t]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = h[0]! + a;
  h[1] = h[1]! + b;
  h[2] = h[2]! + c;
  h[3] = h[3]! + d;
  h[4] = h[4]! + e;
  h[5] = h[5]! + f;
  h[6] = h[6]! + g;
  h[7] = h[7]! + hh;
}

/** The SHA-1 compression of one block, whose 16 words are in w[0..15]: updates `h`. */
function compress1(h: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!, 1);
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  // The four stages of 20 steps (FIPS 180-4 §6.1.2 step 3), each with its f_t and K_t.
  for (let t = 0; t < 80; t++) {
    let f: number;
    if (t < 20) f = ((b & c) | (~b & d)) + 0x5a827999;
    else if (t < 40) f = (b ^ c ^ d) + 0x6ed9eba1;
    else if (t < 60) f = ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc;
    else f = (b ^ c ^ d) + 0xca62c1d6;
    const temp = (rotl(a, 5) + f + e + w[t]!) | 0;
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = temp;
  }
  h[0] = h[0]! + a;
  h[1] = h[1]! + b;
  h[2] = h[2]! + c;
  h[3] = h[3]! + d;
  h[4] = h[4]! + e;
}

type Compress = (h: Int32Array, w: Int32Array) => void;

function digest(data: Uint8Array, iv: Int32Array, compress: Compress): Uint8Array {
  const m = pad(data);
  const h = iv.slice();
  const w = new Int32Array(80);
  for (let off = 0; off < m.byteLength; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = m.getUint32(off + t * 4);
    compress(h, w);
  }
  return bigEndian(h);
}

/**
 * `rounds` applications of the hash, the first over `data` and each next over the previous
 * digest (RFC 7292 Appendix B.2 step 6a). A digest fits one block, so each later round is one
 * compression of the digest's words with the fixed padding, without copying bytes.
 */
function iterate(data: Uint8Array, rounds: number, iv: Int32Array, compress: Compress): Uint8Array {
  const first = digest(data, iv, compress);
  const words = iv.length; // 5 for SHA-1, 8 for SHA-256
  const h = new Int32Array(words);
  const view = new DataView(first.buffer, first.byteOffset, first.byteLength);
  for (let i = 0; i < words; i++) h[i] = view.getUint32(i * 4);
  const w = new Int32Array(80);
  for (let r = 1; r < rounds; r++) {
    w.set(h);
    w[words] = 0x80000000;
    w.fill(0, words + 1, 15);
    w[15] = words * 32; // the digest's length in bits
    h.set(iv);
    compress(h, w);
  }
  return bigEndian(h);
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return digest(data, IV256, compress256);
}

/** SHA-1 of `data` (a KDF round of old PKCS#12 files, never a signature). */
export function sha1(data: Uint8Array): Uint8Array {
  return digest(data, IV1, compress1);
}

/** SHA-256 applied `rounds` times (at least once): SHA-256(…SHA-256(data)). */
export function sha256Rounds(data: Uint8Array, rounds: number): Uint8Array {
  return iterate(data, rounds, IV256, compress256);
}

/** SHA-1 applied `rounds` times (at least once): SHA-1(…SHA-1(data)). */
export function sha1Rounds(data: Uint8Array, rounds: number): Uint8Array {
  return iterate(data, rounds, IV1, compress1);
}

function bigEndian(words: Int32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i]!);
  return out;
}
