/**
 * The renewal window a CA suggests through ACME Renewal Information (RFC 9773 §4.2): around the
 * time {@link renewalDueAt} gives (two thirds of the lifetime), spread by a share of the
 * lifetime either way; the client picks a uniform random time inside it (§4.2), which is the
 * jitter that keeps a fleet enrolled at once from renewing at once.
 */
import type { CertificateInput } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import { readValidity } from './certificate-validity.js';
import { renewalDueAt } from './needs-renewal.js';

/** Options of {@link renewalWindow}. */
export interface RenewalWindowOptions {
  /** Share of the lifetime the window reaches on each side of the due time; default 0.05. */
  spread?: number;
  /** The certificate was revoked: renew now (RFC 9773 §4.2 allows a window in the past). */
  revoked?: boolean;
  /** The current time, for `revoked`. */
  now?: Date;
}

/** A suggested renewal window (RFC 9773 §4.2 `suggestedWindow`). */
export interface RenewalWindow {
  start: Date;
  end: Date;
}

/**
 * The window in which `cert` should be renewed: `renewalDueAt(cert)` ± `spread` × lifetime,
 * kept inside notBefore … notAfter − 1 minute; for a revoked certificate, the minute before `now`
 * (renew at once). `start` is always before `end`.
 *
 * @example
 * ```ts
 * const { start, end } = renewalWindow(cert); // 90-day certificate: days 55.5 to 64.5
 * ```
 */
export function renewalWindow(
  cert: CertificateInput,
  options: RenewalWindowOptions = {},
): RenewalWindow {
  const spread = options.spread ?? 0.05;
  if (!(spread >= 0 && spread <= 0.5))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', '`spread` must be from 0 to 0.5');
  if (options.revoked) {
    const now = (options.now ?? new Date()).getTime();
    return { start: new Date(now - 60_000), end: new Date(now) };
  }
  const v = readValidity(cert);
  if (!v.ok) throw new NodeIdError('ERR_INVALID_ARGUMENT', `no renewal window: ${v.reason}`);
  const start = v.notBefore.getTime();
  const last = v.notAfter.getTime() - 60_000;
  const due = renewalDueAt(cert).getTime();
  const half = (v.notAfter.getTime() - start) * spread;
  const from = Math.max(start, due - half);
  const to = Math.max(from + 1000, Math.min(last, due + half));
  return { start: new Date(from), end: new Date(to) };
}
