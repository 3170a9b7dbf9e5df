/**
 * A CA certificate needs far more notice than a leaf: replacing it means a new trust anchor on
 * every node before the old one runs out, so its warning window is 180 days by default where a
 * leaf's is 30. Expiry checks and fleet checks pick the window here.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
} from '../certificate/parse-certificate.js';
import { parseDuration } from '../lib/duration.js';

/** Default warning window for CA certificates: 180 days. */
export const DEFAULT_CA_WARN_WITHIN_MS = 180 * 86_400_000;

/** True for a CA certificate: basicConstraints cA is TRUE (RFC 5280 §4.2.1.9). */
export function isCaCertificate(cert: Certificate): boolean {
  return cert.basicConstraints?.ca === true;
}

/** The CA warning window in ms: `value` (ms or a duration text) or 180 days. */
export function caWarnWindow(value?: number | string): number {
  return value === undefined ? DEFAULT_CA_WARN_WITHIN_MS : parseDuration(value);
}

/**
 * The warning window for `cert`: `caWarnWithin` (default 180 days) for a CA certificate,
 * `warnWithin` otherwise. Throws `ERR_INVALID_ARGUMENT` for a window that is no duration.
 *
 * @example
 * ```ts
 * expiryStatus(cert, { warnWithin: warnWindowFor(cert, { warnWithin: '30d' }) });
 * ```
 */
export function warnWindowFor(
  cert: CertificateInput,
  options: { warnWithin: number | string; caWarnWithin?: number | string },
): number {
  const c = parseCertificate(cert);
  return isCaCertificate(c)
    ? caWarnWindow(options.caWarnWithin)
    : parseDuration(options.warnWithin);
}
