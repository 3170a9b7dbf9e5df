/**
 * Secrets the API hands out or checks: enrollment tokens (`<id>.<secret>`, 256 random bits,
 * stored only as a SHA-256 hash by the store's `hashToken`) and admin tokens (compared by hash
 * in constant time).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh enrollment token: a public id for listing and cancelling, and a 256-bit secret. */
export function newEnrollmentToken(): { id: string; token: string } {
  const id = randomBytes(8).toString('hex');
  return { id, token: `${id}.${randomBytes(32).toString('base64url')}` };
}

/** The id part of an enrollment token, or undefined when it is not shaped like one. */
export function tokenId(token: string): string | undefined {
  return /^([0-9a-f]{16})\.[A-Za-z0-9_-]{43}$/.exec(token)?.[1];
}

/** True when `presented` is one of the admin tokens whose SHA-256 hashes are `hashes`; constant time per hash. */
export function isAdminToken(presented: string, hashes: readonly Buffer[]): boolean {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let ok = false;
  for (const h of hashes) if (h.length === digest.length && timingSafeEqual(h, digest)) ok = true;
  return ok;
}
