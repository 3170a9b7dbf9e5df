/**
 * Whether a certificate is due for renewal. By default at two thirds of its lifetime, which
 * leaves a third of it to notice and fix a failed renewal before anything expires.
 */
import type { CertificateInput } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
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
   * - a parsed {@link RenewalThreshold}.
   *
   * Default: two thirds of the lifetime elapsed.
   */
  threshold?: number | string | RenewalThreshold;
}

/** The default renewal threshold everywhere: two thirds of the lifetime elapsed. */
export const DEFAULT_RENEWAL_THRESHOLD: RenewalThreshold = Object.freeze({
  type: 'elapsed',
  fraction: 2 / 3,
});
const DEFAULT_THRESHOLD = DEFAULT_RENEWAL_THRESHOLD;

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
  const threshold = thresholdOf(options.threshold);
  const v = readValidity(cert);
  if (!v.ok) return true;
  const end = v.notAfter.getTime();
  if (now > end) return true;
  if (end - v.notBefore.getTime() <= 0) return true;
  return now >= dueMs(v.notBefore.getTime(), end, threshold);
}

function thresholdOf(value: number | string | RenewalThreshold | undefined): RenewalThreshold {
  if (value === undefined) return DEFAULT_THRESHOLD;
  return typeof value === 'object' ? value : parseRenewalThreshold(value);
}

/** The due time of a validity window under `threshold`, in ms. */
function dueMs(start: number, end: number, threshold: RenewalThreshold): number {
  return threshold.type === 'remaining'
    ? end - threshold.ms
    : start + threshold.fraction * (end - start);
}

/** Options of {@link renewalDueAt}. */
export interface RenewalDueAtOptions {
  /**
   * When renewal is due, as for {@link needsRenewal} (`'66%'`, `'30d'`, milliseconds before
   * notAfter), or already parsed. Default: two thirds of the lifetime elapsed.
   */
  threshold?: number | string | RenewalThreshold;
  /**
   * Move the due time by up to this share of the lifetime, earlier or later (e.g. `0.05`), so
   * a cluster enrolled at once does not renew at once. Default 0.
   */
  jitter?: number;
  /** Source of randomness for `jitter`, in [0, 1); default `Math.random`. */
  random?: () => number;
}

/** How close to notAfter a due time may come: a renewal needs a moment to happen. */
const LAST_CALL_MS = 60_000;

/**
 * When `cert` is due for renewal: by default once two thirds of its lifetime (notBefore →
 * notAfter) has passed, which leaves a third of it to notice and fix a failed renewal. With
 * `jitter` the time is moved at random by up to that share of the lifetime either way. Never
 * later than a minute before notAfter, never before notBefore. Throws `ERR_INVALID_ARGUMENT`
 * for a certificate without a readable validity window or a bad threshold or jitter.
 *
 * @example
 * ```ts
 * renewalDueAt(certPem);                                // notBefore + 2/3 of the lifetime
 * renewalDueAt(certPem, { threshold: '30d' });          // 30 days before notAfter
 * renewalDueAt(certPem, { jitter: 0.05, random: rng }); // ±5% of the lifetime around it
 * ```
 */
export function renewalDueAt(cert: CertificateInput, options: RenewalDueAtOptions = {}): Date {
  const v = readValidity(cert);
  if (!v.ok) throw new NodeIdError('ERR_INVALID_ARGUMENT', `no renewal time: ${v.reason}`);
  const jitter = options.jitter ?? 0;
  if (!(jitter >= 0 && jitter <= 1))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', '`jitter` must be from 0 to 1');
  const start = v.notBefore.getTime();
  const end = v.notAfter.getTime();
  const lifetime = end - start;
  const base = dueMs(start, end, thresholdOf(options.threshold));
  const shift = jitter ? ((options.random ?? Math.random)() * 2 - 1) * jitter * lifetime : 0;
  return new Date(Math.max(start, Math.min(base + shift, end - LAST_CALL_MS)));
}
