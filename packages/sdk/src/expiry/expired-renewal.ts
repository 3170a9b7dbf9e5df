/**
 * Renewal after downtime: whether a node whose certificate has expired may still renew with it,
 * the rule behind `nodeid-server --renew-expired-within`. A node that was powered off past its
 * certificate's notAfter would otherwise need a new enrollment token by hand.
 */
import { type CertificateInput, parseCertificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import { resolveNow } from './certificate-validity.js';

/** Options of {@link expiredRenewalWindow}. */
export interface ExpiredRenewalWindowOptions {
  /** The time to judge at; default the system clock. */
  now?: Date;
  /** How long after its notAfter an expired certificate may still renew, in ms; 0 is off. */
  within: number;
}

/** The answer of {@link expiredRenewalWindow}. */
export type ExpiredRenewalWindow =
  | {
      eligible: true;
      /**
       * The time to verify the certificate at instead of now: its notAfter, the last instant it
       * was valid (RFC 5280 §4.1.2.5: the validity period includes notAfter). Only the validity
       * dates are moved; every other check of the path still applies.
       */
      verifyAt: Date;
      /** How long ago it expired, in ms. */
      expiredForMs: number;
    }
  | {
      eligible: false;
      reason: 'off' | 'not-expired' | 'window-passed';
      message: string;
    };

/**
 * Whether `cert`, presented for renewal after its notAfter, falls in the grace window: it expired
 * no more than `within` ms before `now`. When it does, verify it at `verifyAt` (its notAfter)
 * and then ask {@link mayRenewExpired} whether the inventory allows it. Throws
 * `ERR_INVALID_ARGUMENT` for a negative or non-finite `within`.
 *
 * @example
 * ```ts
 * const w = expiredRenewalWindow(clientCert, { within: parseDuration('30d') });
 * if (w.eligible) await verifyCertificate({ certificate: clientCert, trustAnchors, at: w.verifyAt });
 * ```
 */
export function expiredRenewalWindow(
  cert: CertificateInput,
  options: ExpiredRenewalWindowOptions,
): ExpiredRenewalWindow {
  const now = resolveNow(options.now).getTime();
  if (!(Number.isFinite(options.within) && options.within >= 0))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', '`within` must be 0 or more milliseconds');
  const { notAfter } = parseCertificate(cert);
  const expiredForMs = now - notAfter.getTime();
  if (expiredForMs <= 0)
    return { eligible: false, reason: 'not-expired', message: 'the certificate has not expired' };
  if (options.within === 0)
    return {
      eligible: false,
      reason: 'off',
      message: `the certificate expired at ${notAfter.toISOString()} and this server renews no expired certificate`,
    };
  if (expiredForMs > options.within)
    return {
      eligible: false,
      reason: 'window-passed',
      message: `the certificate expired at ${notAfter.toISOString()}, longer ago than the ${Math.round(options.within / 86_400_000)} days an expired certificate may still renew; enroll the node again with a new token`,
    };
  return { eligible: true, verifyAt: notAfter, expiredForMs };
}

/** What {@link mayRenewExpired} needs of an inventory record. */
export interface ExpiredRenewalRecord {
  serialNumber: string;
  notBefore: Date;
  /** The inventory's status: `valid`, `expired`, `revoked` or `superseded`. */
  status: string;
  /** Its typed names (`DNS:x`, `IP:x`, `URI:x`). */
  names: readonly string[];
  /** The certificate that renewed it, once superseded. */
  supersededBy?: string;
}

/** The answer of {@link mayRenewExpired}. */
export type MayRenewExpiredResult =
  | { allowed: true }
  | {
      allowed: false;
      reason: 'unknown' | 'revoked' | 'superseded' | 'newer-certificate';
      message: string;
      /** The newer certificate, for `superseded` and `newer-certificate`. */
      by?: string;
    };

/**
 * Whether the inventory lets an expired certificate (inside {@link expiredRenewalWindow}) renew:
 * its own record exists, is neither revoked nor superseded (so it renews once: the renewal
 * supersedes it), and no other certificate for any of its names was issued after it (it is the
 * newest for its names: a node enrolled again, or renewed by another copy of the key, has a newer
 * certificate, and the old one must not come back). `related` holds the inventory's records for
 * the certificate's names; its own record among them is ignored.
 *
 * @example
 * ```ts
 * const related = (await Promise.all(own.names.map((name) => store.listCertificates({ name })))).flat();
 * const r = mayRenewExpired(own, related);
 * if (!r.allowed) throw new Error(r.message);
 * ```
 */
export function mayRenewExpired(
  own: ExpiredRenewalRecord | undefined,
  related: readonly ExpiredRenewalRecord[],
): MayRenewExpiredResult {
  if (!own)
    return {
      allowed: false,
      reason: 'unknown',
      message: 'the certificate is not in the inventory of this CA',
    };
  if (own.status === 'revoked')
    return { allowed: false, reason: 'revoked', message: 'the certificate is revoked' };
  if (own.status === 'superseded' || own.supersededBy)
    return {
      allowed: false,
      reason: 'superseded',
      message: `the certificate was already renewed${own.supersededBy ? ` (by serial ${own.supersededBy})` : ''}`,
      ...(own.supersededBy && { by: own.supersededBy }),
    };
  const names = new Set(own.names.map((n) => n.toLowerCase()));
  const newer = related
    .filter((r) => r.serialNumber !== own.serialNumber)
    .filter((r) => r.names.some((n) => names.has(n.toLowerCase())))
    .filter((r) => r.notBefore.getTime() > own.notBefore.getTime())
    .sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime())[0];
  if (newer)
    return {
      allowed: false,
      reason: 'newer-certificate',
      message: `a newer certificate (serial ${newer.serialNumber}, ${newer.status}) exists for its names; only the newest certificate of a node may renew after expiry`,
      by: newer.serialNumber,
    };
  return { allowed: true };
}
