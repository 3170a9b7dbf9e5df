/**
 * Base64 (RFC 4648 §4): the test vectors of RFC 4648 §10, and every length from 0 to 300 bytes
 * plus sizes across the 32 KB steps of `toBase64`, against Node's own encoder (`Buffer`, an
 * implementation independent of ours) and back through `fromBase64`.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from './bytes.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('toBase64', () => {
  it('gives the RFC 4648 §10 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [input, output] of vectors) expect(toBase64(ascii(input))).toBe(output);
  });

  it('agrees with Node’s encoder on every byte value and on lengths around its 32 KB steps', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64(all)).toBe(Buffer.from(all).toString('base64'));
    const lengths = [
      ...Array.from({ length: 301 }, (_, i) => i),
      0x7fff,
      0x8000,
      0x8001,
      0x10000,
      0x10002,
      200_001,
    ];
    for (const n of lengths) {
      const bytes = new Uint8Array(randomBytes(n));
      const text = toBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(text)).toEqual(bytes);
    }
  });

  it('encodes a subarray by its own bytes, not the buffer around it', () => {
    const buf = Uint8Array.of(1, 2, 3, 4, 5, 6);
    expect(toBase64(buf.subarray(2, 5))).toBe(Buffer.from([3, 4, 5]).toString('base64'));
  });
});
