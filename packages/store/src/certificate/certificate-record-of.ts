/** The inventory record of a certificate, read from the certificate itself. */
import { parseCertificate, type CertificateInput as SdkCertificateInput } from '@nodeid/sdk';
import type { CertificateInput } from '../store.js';

/** Options of {@link certificateRecordOf}. */
export interface CertificateRecordOfOptions {
  profile?: string;
  issuedBy?: string;
  recordedAt?: Date;
}

/**
 * Reads serial, subject, names and validity from a certificate (PEM, DER or a parsed
 * `Certificate` of `@nodeid/sdk`), ready for {@link Store.recordCertificate}. A certificate that
 * does not parse throws the SDK's `NodeIdError`.
 *
 * @example
 * ```ts
 * const identity = await issueIdentity({ ... });
 * await store.recordCertificate(certificateRecordOf(identity.certificatePem, { profile: 'node', issuedBy: 'cli' }));
 * ```
 */
export function certificateRecordOf(
  certificate: SdkCertificateInput,
  options: CertificateRecordOfOptions = {},
): CertificateInput {
  const cert = parseCertificate(certificate);
  const names = (cert.subjectAltNames ?? [])
    .filter((n) => n.type === 'dns' || n.type === 'ip' || n.type === 'uri' || n.type === 'email')
    .map((n) => n.value);
  return {
    serialNumber: cert.serialNumber,
    subject: cert.subject.text,
    names,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    pem: cert.pem,
    ...options,
  };
}
