/**
 * RC4 (the "ARCFOUR" keystream of draft-kaukonen-cipher-arcfour, with the test vectors of
 * RFC 6229) in plain TypeScript: WebCrypto has no RC4, and the oldest PKCS#12 files use
 * pbeWithSHAAnd128BitRC4 or pbeWithSHAAnd40BitRC4 (RFC 7292 Appendix C). Decryption is the same
 * XOR with the keystream as encryption. Read-only use: nodeid never encrypts with RC4.
 */

/** `data` XORed with the RC4 keystream of `key` (1 to 256 bytes). */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length < 1 || key.length > 256) throw new RangeError('an RC4 key is 1 to 256 bytes');
  // Key-scheduling algorithm
  const S = new Uint8Array(256);
  for (let i = 0; i < 256; i++) S[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + S[i]! + key[i % key.length]!) & 0xff;
    const t = S[i]!;
    S[i] = S[j]!;
    S[j] = t;
  }
  // Pseudo-random generation, one keystream byte per data byte
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + S[i]!) & 0xff;
    const t = S[i]!;
    S[i] = S[j]!;
    S[j] = t;
    out[n] = data[n]! ^ S[(S[i]! + S[j]!) & 0xff]!;
  }
  return out;
}
