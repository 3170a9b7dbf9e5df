/**
 * Private helper for the expiry functions: reads a certificate's validity window without ever
 * throwing for bad certificate input, so expiry checks can report "invalid" instead of failing.
 */
import { type CertificateInput, parseCertificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';

/** What the expiry functions need from a certificate. @internal */
export type CertificateValidity =
  | { ok: true; notBefore: Date; notAfter: Date; subject: string }
  | { ok: false; reason: string };

/** Reads the validity window of `cert`; `ok: false` with a plain reason when it cannot. @internal */
export function readValidity(cert: CertificateInput): CertificateValidity {
  let parsed: ReturnType<typeof parseCertificate>;
  try {
    parsed = parseCertificate(cert);
  } catch (e) {
    const reason = NodeIdError.isInstance(e) ? e.message : 'the input is not a certificate';
    return { ok: false, reason };
  }
  const { notBefore, notAfter } = parsed;
  if (!(notBefore instanceof Date) || !(notAfter instanceof Date))
    return { ok: false, reason: 'the certificate has no validity dates' };
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()))
    return { ok: false, reason: 'the certificate has unreadable validity dates' };
  if (notAfter.getTime() < notBefore.getTime())
    return {
      ok: false,
      reason: `its validity window is empty: notAfter ${isoSeconds(notAfter)} is before notBefore ${isoSeconds(notBefore)}`,
    };
  const subject = parsed.subject?.text || '(empty subject)';
  return { ok: true, notBefore, notAfter, subject };
}

/** The time to use for "now": the caller's, else the system clock. Rejects an invalid Date. @internal */
export function resolveNow(now: Date | undefined): Date {
  const d = now ?? new Date();
  if (!(d instanceof Date) || Number.isNaN(d.getTime()))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', '`now` must be a valid Date');
  return d;
}

/** ISO 8601 in UTC without milliseconds, e.g. `2025-08-26T18:18:00Z`. @internal */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
