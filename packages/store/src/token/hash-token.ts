/** How an enrollment token becomes the hash the store keeps. */
import { createHash } from 'node:crypto';

/**
 * SHA-256 of an enrollment token as 64 lower-case hex digits: what {@link Store.createToken}
 * stores and {@link Store.consumeToken} looks up. The plain token is shown once and never stored.
 *
 * @example
 * ```ts
 * const token = randomBytes(32).toString('base64url');
 * await store.createToken({ id, tokenHash: hashToken(token), name: 'node1', profile: 'node', dns: ['node1'], ips: [], uris: [], expiresAt });
 * const granted = await store.consumeToken(hashToken(tokenFromRequest), new Date());
 * ```
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
