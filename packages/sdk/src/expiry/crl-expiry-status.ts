/**
 * Where a CRL stands against its nextUpdate. A relying party that checks revocation (nginx's
 * `ssl_crl`, `openssl verify -crl_check`, nodeid's `--revocation require`) refuses every client
 * once the CRL it holds is past nextUpdate (RFC 5280 §6.3.3 (a)(2)), so an expired CRL locks a
 * cluster out as surely as an expired certificate. Never throws for a bad CRL: it reports it.
 */
import { type Crl, type CrlInput, parseCrl } from '../crl/parse-crl.js';
import { NodeIdError } from '../errors.js';
import { formatDuration, parseDuration } from '../lib/duration.js';
import { isoSeconds, resolveNow } from './certificate-validity.js';
import { DEFAULT_WARN_WITHIN_MS } from './expiry-status.js';

/** State of a CRL: usable, near its nextUpdate, past it, or unreadable. */
export type CrlExpiryState = 'valid' | 'expiring' | 'expired' | 'invalid';

/** Alert names, in the style of AIStore's certificate alerts. */
export type CrlExpiryAlert = 'crl-will-soon-expire' | 'crl-expired' | 'crl-invalid';

/** Options of {@link crlExpiryStatus}. */
export interface CrlExpiryStatusOptions {
  /** The time to judge at; default the system clock. */
  now?: Date;
  /**
   * Upper bound of the warning window (ms or a duration such as `'3d'`); default 30 days. The
   * window is also at most a quarter of the CRL's own lifetime (thisUpdate to nextUpdate).
   */
  warnWithin?: number | string;
}

/** The result of {@link crlExpiryStatus}. */
export interface CrlExpiryStatus {
  status: CrlExpiryState;
  /** The alert to raise; absent when `valid`. */
  alert?: CrlExpiryAlert;
  /** The issuer's name (RFC 4514 text); absent when unreadable. */
  issuer?: string;
  /** cRLNumber as decimal text, when the CRL has one. */
  crlNumber?: string;
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** nextUpdate minus now in ms; negative once past. */
  remainingMs?: number;
  /** The warning window applied, in ms. */
  warnWithinMs?: number;
  /** One plain sentence. */
  message: string;
}

/**
 * Judges a CRL at `now` by its nextUpdate (RFC 5280 §5.1.2.5):
 *
 * - `invalid` (`crl-invalid`): not a readable CRL.
 * - `expired` (`crl-expired`): now is after nextUpdate; relying parties that check revocation
 *   refuse every certificate of the issuer.
 * - `expiring` (`crl-will-soon-expire`): at most the warning window remains. The window is the
 *   smaller of `warnWithin` and a quarter of the CRL's lifetime: a CRL is replaced long before
 *   its end (nodeid agents fetch again at half of the time left), so a 7-day CRL with 42 hours
 *   left means the refreshing has stopped, while the certificates' 30 days would flag every CRL.
 * - `valid`: otherwise, or when the CRL has no nextUpdate (RFC 5280 requires one; without it the
 *   CRL never lapses, which the message says).
 *
 * Throws `ERR_INVALID_ARGUMENT` only for bad options.
 *
 * @example
 * ```ts
 * const s = crlExpiryStatus(crlPem);
 * if (s.alert) console.warn(`${s.alert}: ${s.message}`);
 * // crl-will-soon-expire: CRL of CN=scale.cluster CA (number 12) is due for renewal in 1d 2h, ...
 * ```
 */
export function crlExpiryStatus(
  input: CrlInput,
  options: CrlExpiryStatusOptions = {},
): CrlExpiryStatus {
  const now = resolveNow(options.now);
  const cap =
    options.warnWithin === undefined ? DEFAULT_WARN_WITHIN_MS : parseDuration(options.warnWithin);
  let crl: Crl;
  try {
    crl = parseCrl(input);
  } catch (e) {
    const reason = NodeIdError.isInstance(e) ? e.message : String(e);
    return { status: 'invalid', alert: 'crl-invalid', message: `CRL cannot be used: ${reason}` };
  }
  const base = {
    issuer: crl.issuer.text,
    ...(crl.crlNumber !== undefined && { crlNumber: crl.crlNumber.toString() }),
    thisUpdate: crl.thisUpdate,
  };
  const who = `CRL of ${crl.issuer.text}${crl.crlNumber === undefined ? '' : ` (number ${crl.crlNumber})`}`;
  const at = `(now ${isoSeconds(now)})`;
  const next = crl.nextUpdate;
  if (!next)
    return {
      status: 'valid',
      ...base,
      message: `${who} has no nextUpdate, so it never lapses (RFC 5280 §5.1.2.5 requires one)`,
    };
  const remainingMs = next.getTime() - now.getTime();
  const lifetime = next.getTime() - crl.thisUpdate.getTime();
  const warnWithinMs = Math.max(0, Math.min(cap, Math.floor(lifetime / 4)));
  const dated = { ...base, nextUpdate: next, remainingMs, warnWithinMs };
  if (remainingMs < 0)
    return {
      status: 'expired',
      alert: 'crl-expired',
      ...dated,
      message: `${who} expired at ${isoSeconds(next)} (nextUpdate), ${formatDuration(remainingMs)} ago ${at}; relying parties that check revocation now refuse every certificate of this CA: publish a fresh CRL (nodeid crl create)`,
    };
  if (remainingMs <= warnWithinMs)
    return {
      status: 'expiring',
      alert: 'crl-will-soon-expire',
      ...dated,
      message: `${who} expires in ${formatDuration(remainingMs)}, at ${isoSeconds(next)} (nextUpdate) ${at}; publish a fresh CRL soon`,
    };
  return {
    status: 'valid',
    ...dated,
    message: `${who} is valid until ${isoSeconds(next)} (nextUpdate), ${formatDuration(remainingMs)} from now ${at}`,
  };
}
