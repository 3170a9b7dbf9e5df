/** The status of certificates and tokens at a given time, the same for every implementation. */
import type { CertificateSortKey, CertificateStatus, TokenStatus } from '../store.js';

/** Every certificate status, in the order the CLI and metrics show them. */
export const CERTIFICATE_STATUSES: readonly CertificateStatus[] = [
  'valid',
  'superseded',
  'revoked',
  'expired',
];

/** Every sort key of a certificate listing (`ListCertificatesOptions.sort`). */
export const CERTIFICATE_SORT_KEYS: readonly CertificateSortKey[] = [
  'notAfter',
  'notBefore',
  'serialNumber',
  'name',
];

/** `revoked`, else `superseded`, else `expired` once `notAfter` is before `now`, else `valid`. */
export function certificateStatus(
  notAfter: Date,
  revokedAt: Date | undefined,
  now: Date,
  supersededAt?: Date,
): CertificateStatus {
  if (revokedAt !== undefined) return 'revoked';
  if (supersededAt !== undefined) return 'superseded';
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
