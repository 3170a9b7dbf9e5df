/**
 * Where a certificate stands in its lifetime, with the alert names AIStore operators already
 * watch for (`tls-cert-will-soon-expire`, `tls-cert-expired`, `tls-cert-invalid`). Expired
 * certificates take clusters down (a node that cannot reach its key server cannot mount its
 * encrypted file system), so this never throws for a bad certificate: it reports it.
 */
import type { CertificateInput } from '../certificate/parse-certificate.js';
import { formatDuration, parseDuration } from '../lib/duration.js';
import { isoSeconds, readValidity, resolveNow } from './certificate-validity.js';

/** Default warning window: 30 days before notAfter. */
export const DEFAULT_WARN_WITHIN_MS = 30 * 86_400_000;

/** The state of a certificate at a given time. */
export type ExpiryState = 'valid' | 'expiring' | 'expired' | 'not-yet-valid' | 'invalid';

/** Alert names, as AIStore raises them. */
export type ExpiryAlert = 'tls-cert-will-soon-expire' | 'tls-cert-expired' | 'tls-cert-invalid';

/** Options of {@link expiryStatus}. */
export interface ExpiryStatusOptions {
  /** The time to judge at; default the system clock. */
  now?: Date;
  /**
   * How long before notAfter the certificate counts as `expiring`: milliseconds, or a duration
   * text such as `'3d'`. Default 30 days. AIStore warns at 3 days.
   */
  warnWithin?: number | string;
}

/** The result of {@link expiryStatus}. */
export interface ExpiryStatus {
  status: ExpiryState;
  /** The alert to raise, absent when the certificate is `valid`. */
  alert?: ExpiryAlert;
  /** Start of validity; absent when the certificate could not be read. */
  notBefore?: Date;
  /** End of validity (inclusive); absent when the certificate could not be read. */
  notAfter?: Date;
  /** notAfter minus now in ms: negative once expired; absent when the certificate could not be read. */
  remainingMs?: number;
  /** One plain sentence saying what is wrong, or fine, and when. */
  message: string;
}

/**
 * Judges a certificate's validity window at `now`:
 *
 * - `invalid` (alert `tls-cert-invalid`): the input cannot be read as a certificate, or its
 *   notAfter is before its notBefore. Never thrown: reported.
 * - `not-yet-valid` (alert `tls-cert-invalid`): now is before notBefore (a clock or issuing
 *   mistake: peers will refuse it just like an invalid one).
 * - `expired` (alert `tls-cert-expired`): now is after notAfter. notAfter itself is still
 *   valid, as RFC 5280 makes both bounds inclusive.
 * - `expiring` (alert `tls-cert-will-soon-expire`): at most `warnWithin` remains.
 * - `valid`: otherwise; no alert.
 *
 * Throws `ERR_INVALID_ARGUMENT` only for bad options (`now` not a valid Date, `warnWithin`
 * not a duration).
 *
 * @example
 * ```ts
 * const s = expiryStatus(certPem, { warnWithin: '3d' });
 * if (s.alert) console.warn(`${s.alert}: ${s.message}`);
 * // tls-cert-will-soon-expire: certificate CN=storage expires in 2d 4h, at 2025-08-26T18:18:00Z
 * ```
 */
export function expiryStatus(
  cert: CertificateInput,
  options: ExpiryStatusOptions = {},
): ExpiryStatus {
  const now = resolveNow(options.now);
  const warnWithin =
    options.warnWithin === undefined ? DEFAULT_WARN_WITHIN_MS : parseDuration(options.warnWithin);
  const v = readValidity(cert);
  if (!v.ok) {
    return {
      status: 'invalid',
      alert: 'tls-cert-invalid',
      message: `certificate cannot be used: ${v.reason}`,
    };
  }
  const { notBefore, notAfter, subject } = v;
  const remainingMs = notAfter.getTime() - now.getTime();
  const base = { notBefore, notAfter, remainingMs };
  const at = `(now ${isoSeconds(now)})`;
  if (now.getTime() < notBefore.getTime()) {
    const wait = formatDuration(notBefore.getTime() - now.getTime());
    return {
      status: 'not-yet-valid',
      alert: 'tls-cert-invalid',
      ...base,
      message: `certificate ${subject} is not valid yet: it starts at ${isoSeconds(notBefore)}, in ${wait} ${at}; check the clock of the issuing machine and of this one`,
    };
  }
  if (remainingMs < 0) {
    return {
      status: 'expired',
      alert: 'tls-cert-expired',
      ...base,
      message: `certificate ${subject} expired at ${isoSeconds(notAfter)}, ${formatDuration(remainingMs)} ago ${at}; renew it`,
    };
  }
  if (remainingMs <= warnWithin) {
    return {
      status: 'expiring',
      alert: 'tls-cert-will-soon-expire',
      ...base,
      message: `certificate ${subject} expires in ${formatDuration(remainingMs)}, at ${isoSeconds(notAfter)} ${at}; renew it soon`,
    };
  }
  return {
    status: 'valid',
    ...base,
    message: `certificate ${subject} is valid until ${isoSeconds(notAfter)}, ${formatDuration(remainingMs)} from now ${at}`,
  };
}
