/**
 * The messages of refused names: a hostile name (a node-list line with a NUL or an ESC sequence,
 * a 2 MB line) is shown escaped and cut, never printed back raw to the reader's terminal.
 */
import { describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { normalizeDnsName, normalizeEmail, normalizeIp, normalizeUri } from './san.js';

function refusal(fn: () => unknown): NodeIdError {
  try {
    fn();
  } catch (e) {
    if (NodeIdError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('refused names in messages', () => {
  it('a plain name is quoted as before', () => {
    expect(refusal(() => normalizeIp('999.1.1.1')).message).toBe(
      '"999.1.1.1" is not a valid IP address',
    );
    expect(refusal(() => normalizeDnsName('a..b')).message).toBe('"a..b" is not a valid DNS name');
  });

  it('NUL, ESC and other control characters are escaped (fuzz node-list: b\\0ad.example.net)', () => {
    for (const fn of [normalizeDnsName, normalizeIp, normalizeUri, normalizeEmail]) {
      const e = refusal(() => fn('b\u0000ad\u001b]0;owned\u0007.example.net'));
      expect(e.code).toBe('ERR_NAME_INVALID');
      expect(e.message).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(e.message).toContain('\\u0000');
      expect(e.message).toContain('\\u001b');
    }
  });

  it('a 2 MB name is cut at 100 characters', () => {
    const e = refusal(() => normalizeDnsName('h'.repeat(2_000_000)));
    expect(e.message).toBe(`"${'h'.repeat(100)}…" is not a valid DNS name`);
  });
});
