/**
 * When a node should fetch its CRL again: well inside the CRL's nextUpdate, so a CRL that a
 * relying party (nginx's `ssl_crl`, openssl) holds never lapses while the CA is reachable, and
 * often enough that a revocation reaches the nodes within `maxInterval`.
 */
import { type CrlInput, parseCrl } from '../crl/parse-crl.js';
import { NodeIdError } from '../errors.js';
import { resolveNow } from './certificate-validity.js';

/** Options of {@link crlRefreshIn}. */
export interface CrlRefreshOptions {
  /** The time to judge at; default the system clock. */
  now?: Date;
  /** Longest wait between two fetches, in ms: how late a revocation may reach the node. Default 1 h. */
  maxInterval?: number;
}

/** The default longest wait between two CRL fetches: one hour. */
export const DEFAULT_CRL_REFRESH_MS = 3_600_000;
/** The shortest wait: a CA that is down is not asked more than once a minute. */
const MIN_MS = 60_000;

/**
 * Milliseconds until the next fetch of the CRL a node holds: half of the time left before its
 * nextUpdate (RFC 5280 §5.1.2.5: a fresh CRL is to be had by then), so each failed fetch still
 * leaves half of the remaining time for the next one, never more than `maxInterval` and never
 * less than a minute. A CRL past its nextUpdate, or without one, is fetched again in a minute,
 * resp. after `maxInterval`. Throws `ERR_CRL_INVALID` for input that is not a CRL and
 * `ERR_INVALID_ARGUMENT` for a bad `maxInterval` or `now`.
 *
 * @example
 * ```ts
 * // a CRL valid for 7 days, just fetched: again in an hour
 * crlRefreshIn(crlDer); // 3_600_000
 * // 90 minutes before its nextUpdate, with no CA reachable since: in 45 minutes
 * crlRefreshIn(crlDer, { now: new Date(nextUpdate.getTime() - 5_400_000) }); // 2_700_000
 * ```
 */
export function crlRefreshIn(crl: CrlInput, options: CrlRefreshOptions = {}): number {
  const now = resolveNow(options.now).getTime();
  const maxInterval = options.maxInterval ?? DEFAULT_CRL_REFRESH_MS;
  if (!(Number.isFinite(maxInterval) && maxInterval >= MIN_MS))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', '`maxInterval` must be at least one minute');
  const next = parseCrl(crl).nextUpdate;
  if (!next) return maxInterval;
  const left = next.getTime() - now;
  if (left <= 0) return MIN_MS;
  return Math.max(MIN_MS, Math.min(maxInterval, Math.floor(left / 2)));
}
