/**
 * The fast path that encodes and signs a certificate with our DER writer. It produces the same
 * TBSCertificate bytes as @peculiar/x509's generator for the same inputs (see
 * test/issue/byte-identity.test.ts) at a fraction of the cost, which is what makes issuing
 * thousands of node identities per second possible.
 */
import { type Certificate, parseCertificateDer } from '../certificate/parse-certificate.js';
import { explicit, int, seq, time, uintBytes } from './der.js';
import { sign, signatureAlgorithmFor, signedEnvelope } from './signature.js';

/** Everything that goes into a certificate, already encoded where it is bytes. */
export interface CertificateTemplate {
  /** Serial number, unsigned big-endian bytes. */
  serialNumber: Uint8Array;
  /** Issuer Name DER (copied from the issuer certificate's subject). */
  issuer: Uint8Array;
  /** Subject Name DER. */
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** Encoded Extension SEQUENCEs, in order. */
  extensions: Uint8Array[];
}

/** The TBSCertificate DER of a template, for a signature AlgorithmIdentifier. */
export function encodeTbsCertificate(
  t: CertificateTemplate,
  signatureAlgorithm: Uint8Array,
): Uint8Array {
  return seq(
    explicit(0, int(2)),
    uintBytes(t.serialNumber),
    signatureAlgorithm,
    t.issuer,
    seq(time(t.notBefore), time(t.notAfter)),
    t.subject,
    t.spki,
    explicit(3, seq(...t.extensions)),
  );
}

/** Encodes the template, signs it with `signingKey` and returns the parsed certificate. */
export async function signCertificate(
  subtle: SubtleCrypto,
  t: CertificateTemplate,
  signingKey: CryptoKey,
): Promise<Certificate> {
  const algorithm = signatureAlgorithmFor(signingKey);
  const tbs = encodeTbsCertificate(t, algorithm);
  const signature = await sign(subtle, signingKey, tbs);
  return parseCertificateDer(signedEnvelope(tbs, algorithm, signature));
}
