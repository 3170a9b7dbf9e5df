/** The status of certificates and tokens at a given time, the same for every implementation. */
import type { CertificateStatus, TokenStatus } from '../store.js';

/** `revoked`, else `expired` once `notAfter` is before `now`, else `valid`. */
export function certificateStatus(
  notAfter: Date,
  revokedAt: Date | undefined,
  now: Date,
): CertificateStatus {
  if (revokedAt !== undefined) return 'revoked';
  return notAfter.getTime() < now.getTime() ? 'expired' : 'valid';
}

/** `used`, else `cancelled`, else `expired` once `expiresAt` is not after `now`, else `pending`. */
export function tokenStatus(
  token: { usedAt?: Date; cancelledAt?: Date; expiresAt: Date },
  now: Date,
): TokenStatus {
  if (token.usedAt !== undefined) return 'used';
  if (token.cancelledAt !== undefined) return 'cancelled';
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
}
