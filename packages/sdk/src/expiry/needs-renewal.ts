/**
 * Whether a certificate is due for renewal. By default at two thirds of its lifetime, which
 * leaves a third of it to notice and fix a failed renewal before anything expires.
 */
import type { CertificateInput } from '../certificate/parse-certificate.js';
import { parseRenewalThreshold, type RenewalThreshold } from '../lib/duration.js';
import { readValidity, resolveNow } from './certificate-validity.js';

/** Options of {@link needsRenewal}. */
export interface NeedsRenewalOptions {
  /** The time to judge at; default the system clock. */
  now?: Date;
  /**
   * When renewal is due:
   * - a number: milliseconds before notAfter (renew once that little or less remains);
   * - a duration text such as `'30d'` or `'12h'`: the same, as text;
   * - a percentage such as `'66%'`: the share of the lifetime (notBefore → notAfter) that must
   *   have elapsed.
   *
   * Default: two thirds of the lifetime elapsed.
   */
  threshold?: number | string;
}

const DEFAULT_THRESHOLD: RenewalThreshold = { type: 'elapsed', fraction: 2 / 3 };

/**
 * True when `cert` should be renewed at `now`: the threshold is reached, the certificate has
 * expired, or it cannot be read at all (an unreadable certificate is replaced, not kept).
 * Throws `ERR_INVALID_ARGUMENT` only for bad options (a threshold that is neither a duration nor
 * a percentage, an invalid `now`).
 *
 * @example
 * ```ts
 * // a 90-day certificate valid from 1 January 2025 is due 60 days in, on 2 March...
 * needsRenewal(certPem, { now: new Date('2025-03-02T00:00:00Z') }); // true
 * needsRenewal(certPem, { now: new Date('2025-03-01T00:00:00Z') }); // false
 * // ...and 30 days before its end with a duration
 * needsRenewal(certPem, { threshold: '30d' });
 * ```
 */
export function needsRenewal(cert: CertificateInput, options: NeedsRenewalOptions = {}): boolean {
  const now = resolveNow(options.now).getTime();
  const threshold =
    options.threshold === undefined ? DEFAULT_THRESHOLD : parseRenewalThreshold(options.threshold);
  const v = readValidity(cert);
  if (!v.ok) return true;
  const start = v.notBefore.getTime();
  const end = v.notAfter.getTime();
  if (now > end) return true;
  if (threshold.type === 'remaining') return end - now <= threshold.ms;
  const lifetime = end - start;
  if (lifetime <= 0) return true;
  return now - start >= threshold.fraction * lifetime;
}
