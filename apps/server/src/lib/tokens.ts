/**
 * Enrollment tokens the API hands out: `<id>.<secret>`, 256 random bits, stored only as a
 * SHA-256 hash by the store's `hashToken`. Admin tokens are checked in `admin-auth.ts`.
 */
import { randomBytes } from 'node:crypto';

/** A fresh enrollment token: a public id for listing and cancelling, and a 256-bit secret. */
export function newEnrollmentToken(): { id: string; token: string } {
  const id = randomBytes(8).toString('hex');
  return { id, token: `${id}.${randomBytes(32).toString('base64url')}` };
}

/** The id part of an enrollment token, or undefined when it is not shaped like one. */
export function tokenId(token: string): string | undefined {
  return /^([0-9a-f]{16})\.[A-Za-z0-9_-]{43}$/.exec(token)?.[1];
}
