import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from './bytes.js';
import { sha1 } from './sha1.js';

describe('sha1', () => {
  it('matches the known vectors', () => {
    expect(toHex(sha1(new TextEncoder().encode('abc')))).toBe(
      'a9993e364706816aba3e25717850c26c9cd0d89d',
    );
    expect(toHex(sha1(new Uint8Array(0)))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
  });

  it('matches WebCrypto on random inputs of every length around the block size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (data) => {
        const expected = new Uint8Array(await crypto.subtle.digest('SHA-1', data));
        expect(toHex(sha1(data))).toBe(toHex(expected));
      }),
      { numRuns: 300 },
    );
  });
});
