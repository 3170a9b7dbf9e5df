/** Comparing a presented token's hash with the stored one, in constant time. */
import { timingSafeEqual } from 'node:crypto';

/**
 * True when two token hashes (64 hex digits each, as {@link hashToken} makes them and the store
 * keeps them) are equal, compared with `timingSafeEqual` so the time taken says nothing about
 * where they differ.
 */
export function sameTokenHash(stored: string, presented: string): boolean {
  const a = Buffer.from(stored.toLowerCase(), 'hex');
  const b = Buffer.from(presented.toLowerCase(), 'hex');
  return a.length === 32 && b.length === 32 && timingSafeEqual(a, b);
}
