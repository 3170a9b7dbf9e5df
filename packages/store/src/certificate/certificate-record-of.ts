/** The inventory record of a certificate, read from the certificate itself. */
import { parseCertificate, type CertificateInput as SdkCertificateInput } from '@nodeid/sdk';
import { typedNameOf } from '../lib/typed-name.js';
import type { CertificateInput } from '../store.js';

/** Options of {@link certificateRecordOf}. */
export interface CertificateRecordOfOptions {
  profile?: string;
  issuedBy?: string;
  recordedAt?: Date;
}

/**
 * The inventory record of a certificate: serial, subject, names and validity read from the
 * certificate itself (PEM, DER or a parsed `Certificate` of `@nodeid/sdk`, which is not parsed
 * again), ready for {@link Store.recordCertificate}. Every app records certificates through it,
 * so the records cannot disagree with the certificates or with each other. The names are the
 * DNS, IP, URI and email subjectAltNames, in their order in the certificate, typed:
 * `DNS:node1.example.net`, `IP:10.0.0.1`, `URI:…`, `email:…` (other SAN types are left out). A
 * certificate that does not parse throws the SDK's `NodeIdError`.
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
  const names = (cert.subjectAltNames ?? []).flatMap((n) => typedNameOf(n) ?? []);
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
