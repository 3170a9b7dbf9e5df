/**
 * The PKCS#10 encoder (RFC 2986) behind createCsr and createCaCsr: one place that lays out a
 * CertificationRequestInfo and signs it. The bytes are what @peculiar/x509's
 * Pkcs10CertificateRequestGenerator writes for the same inputs (test/csr/csr-byte-identity.test.ts
 * proves it), without the library, its dependency container and the Reflect polyfill in every
 * program and page that makes a CSR.
 */
import { int, oid, seq, setOf, tlv } from './der.js';
import { exportSpki } from './key-id.js';
import { OID } from './oids.js';
import { sign, signatureAlgorithmFor, signedEnvelope } from './signature.js';

/** What {@link encodeCertificationRequest} signs. @internal */
export interface CertificationRequestParams {
  /** The subject Name DER. */
  subject: Uint8Array;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Extension DERs for the extensionRequest attribute (PKCS#9); none: no attribute. */
  extensions: readonly Uint8Array[];
  subtle: SubtleCrypto;
}

/**
 * A signed PKCS#10 request, DER. RFC 2986 §4.1: CertificationRequestInfo ::= SEQUENCE {
 * version INTEGER (0), subject Name, subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute };
 * the extensions go in one extensionRequest attribute (RFC 2985 §5.4.2) whose single value is
 * the Extensions SEQUENCE. §4.2: CertificationRequest ::= SEQUENCE { info, algorithm, BIT STRING }.
 * @internal
 */
export async function encodeCertificationRequest(
  p: CertificationRequestParams,
): Promise<Uint8Array> {
  const algorithm = signatureAlgorithmFor(p.privateKey); // a weak or unsupported key fails first
  const spki = await exportSpki(p.subtle, p.publicKey);
  const attributes = p.extensions.length
    ? [seq(oid(OID.extensionRequest), setOf(seq(...p.extensions)))]
    : [];
  const info = seq(int(0), p.subject, spki, tlv(0xa0, ...attributes));
  const signature = await sign(p.subtle, p.privateKey, info);
  return signedEnvelope(info, algorithm, signature);
}
