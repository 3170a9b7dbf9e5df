/**
 * How long to wait before looking at a certificate file again, following AIStore's polling
 * schedule: the closer the expiry, the more often a node checks for a renewed certificate.
 */
import type { CertificateInput } from '../certificate/parse-certificate.js';
import { readValidity, resolveNow } from './certificate-validity.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Options of {@link nextCheckIn}. */
export interface NextCheckInOptions {
  /** The time to judge at; default the system clock. */
  now?: Date;
}

/**
 * Milliseconds until the next check for a renewed certificate, by time left before notAfter:
 *
 * | time left        | next check in |
 * | ---------------- | ------------- |
 * | more than 24 h   | 6 h           |
 * | more than 6 h    | 1 h           |
 * | more than 1 h    | 10 min        |
 * | more than 1 s    | 1 min         |
 * | 1 s or less, expired | 1 h       |
 *
 * A certificate that cannot be read is treated like an expired one (check again in 1 h for a
 * replacement); this never throws for bad certificate input. A certificate that is not valid
 * yet is checked again when it becomes valid, if that is sooner than the schedule says
 * (but no sooner than in 1 min).
 *
 * @example
 * ```ts
 * const delay = nextCheckIn(certPem);
 * setTimeout(reload, delay);
 * ```
 */
export function nextCheckIn(cert: CertificateInput, options: NextCheckInOptions = {}): number {
  const now = resolveNow(options.now);
  const v = readValidity(cert);
  if (!v.ok) return HOUR;
  const left = v.notAfter.getTime() - now.getTime();
  const scheduled =
    left > 24 * HOUR
      ? 6 * HOUR
      : left > 6 * HOUR
        ? HOUR
        : left > HOUR
          ? 10 * MINUTE
          : left > SECOND
            ? MINUTE
            : HOUR;
  const untilValid = v.notBefore.getTime() - now.getTime();
  if (untilValid > 0 && left > SECOND) return Math.min(scheduled, Math.max(untilValid, MINUTE));
  return scheduled;
}
