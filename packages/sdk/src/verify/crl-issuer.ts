/**
 * The CRL issuer (RFC 5280 §6.3.3 (f), (g)): find the certificate whose key signed a CRL and
 * validate it. A CRL signed by the certificate's own issuer (or by any certificate of the path
 * above it) rests on the path already validated. A CRL signed by another key of the same-named
 * CA, or by a separate CRL signer, is usable only when that signer's certificate is validated
 * by a path of its own to the same trust anchor, and carries cRLSign when it has keyUsage.
 * A CRL never establishes the status of the certificate of its own signer, unless that
 * certificate delegates its status to itself by name (its cRLDistributionPoints' cRLIssuer).
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import type { Crl } from '../crl/parse-crl.js';
import { bytesEqual } from '../lib/bytes.js';
import type { DistributionPoint } from '../lib/distribution-point.js';
import { verifySignature } from '../lib/signature.js';
import { namesEqual } from './compare-names.js';
import type { Failure } from './failure.js';

/** What the search for a CRL's signer needs from the verifier. */
export interface CrlSignerSearch {
  subtle: SubtleCrypto;
  /** Certificates that may have signed a CRL: the intermediates and trust anchors given. */
  certificates: readonly Certificate[];
  /**
   * Validates `signer` by a path of its own that ends at `anchor` (the trust anchor of the
   * path being checked), revocation included; undefined when it is valid, else why not.
   */
  validateSigner(signer: Certificate, anchor: Certificate): Promise<Failure | undefined>;
  /** Signature results per CRL and signer PEM, shared by every path tried. */
  signatures: WeakMap<Crl, Map<string, boolean>>;
}

/** The outcome of the search: the validated signer, or why the CRL cannot be used. */
export type CrlSignerResult =
  | { ok: true; signer: Certificate }
  /** `unrelated`: no certificate of that name and key identifier was given at all. */
  | { ok: false; why: string; unrelated: boolean };

/** True when the key of `signer` verifies the signature on `crl` (cached). */
export async function crlSignedBy(
  crl: Crl,
  signer: Certificate,
  search: CrlSignerSearch,
): Promise<boolean> {
  let byPem = search.signatures.get(crl);
  if (!byPem) {
    byPem = new Map();
    search.signatures.set(crl, byPem);
  }
  let ok = byPem.get(signer.pem);
  if (ok === undefined) {
    ok = await verifySignature(
      search.subtle,
      signer.publicKey.spki,
      crl.signatureAlgorithmNode,
      crl.tbs,
      crl.signature,
    );
    byPem.set(signer.pem, ok);
  }
  return ok;
}

/**
 * True when `cert`, through its distribution point `dp`, names itself as the issuer of the
 * CRLs for its own status: the cRLIssuer of the point is its own subject (NIST PKITS 4.14.30,
 * a CRL signer certified by a CA that does not sign CRLs). The issuing CA delegated the status
 * of that certificate to it explicitly, in the certificate it signed.
 */
function delegatesToItself(cert: Certificate, dp: DistributionPoint): boolean {
  return (dp.crlIssuer ?? []).some((n) => n.type === 'dirName' && namesEqual(n.name, cert.subject));
}

/**
 * Finds and validates the signer of `crl`, which is being used for `path[depth]` through its
 * distribution point `dp`. Candidates are the certificates named as the CRL's issuer: first
 * those of the path above `depth` (already validated to the path's anchor), then the others
 * given, those whose subjectKeyIdentifier matches the CRL's authorityKeyIdentifier first.
 */
export async function findCrlSigner(
  crl: Crl,
  path: readonly Certificate[],
  depth: number,
  dp: DistributionPoint,
  search: CrlSignerSearch,
): Promise<CrlSignerResult> {
  const anchor = path[path.length - 1]!;
  const cert = path[depth]!;
  const above = path.slice(depth + 1);
  // §6.3.3 (f) asks for the CRL issuer's path to be validated, its revocation status included.
  // A key cannot vouch for the certificate that certifies it: a CRL signed by the key of
  // `cert` (a self-issued CA signing the only CRL for itself, say) would say "not revoked" of
  // the very certificate whose revocation would make that CRL worthless. Such a signer is
  // refused unless `cert` names itself as its own cRLIssuer: then the CA that signed `cert`
  // chose that delegation, and `cert`'s own path (being validated now) decides.
  const selfSigned = (c: Certificate) => bytesEqual(c.publicKey.spki, cert.publicKey.spki);
  const delegated = delegatesToItself(cert, dp);
  const keyId = crl.authorityKeyIdentifier?.keyIdentifier;
  const keyMatches = (c: Certificate) =>
    !keyId || !c.subjectKeyIdentifier || bytesEqual(keyId, c.subjectKeyIdentifier);
  const others = search.certificates
    .filter((c) => !above.some((p) => bytesEqual(p.der, c.der)))
    .sort((a, b) => Number(!keyMatches(a)) - Number(!keyMatches(b)));
  const candidates = [...above, ...others].filter(
    (c) => namesEqual(c.subject, crl.issuer) && keyMatches(c),
  );
  if (candidates.length === 0)
    return {
      ok: false,
      why: `was signed by a key of "${crl.issuer.text}" whose certificate was not given`,
      unrelated: keyId !== undefined,
    };
  let why: string | undefined;
  for (const cand of candidates) {
    // (g): the signature on the complete CRL, with the key validated in (f).
    if (!(await crlSignedBy(crl, cand, search))) continue;
    if (!delegated && selfSigned(cand)) {
      why ??= `is signed with the key of the certificate it would vouch for, "${cert.subject.text}", which cannot establish its own status (RFC 5280 §6.3.3 (f))`;
      continue;
    }
    // (f): "If a key usage extension is present in the CRL issuer's certificate, verify that
    // the cRLSign bit is set."
    if (cand.keyUsage && !cand.keyUsage.includes('cRLSign')) {
      why ??= `is signed by "${cand.subject.text}" whose keyUsage lacks cRLSign`;
      continue;
    }
    if (above.includes(cand)) return { ok: true, signer: cand };
    // A delegated self-signer (see above) rests on the path of `cert`, being validated now.
    if (bytesEqual(cand.der, cert.der)) return { ok: true, signer: cand };
    // (f): "obtain and validate the certification path for the issuer of the complete CRL.
    // The trust anchor for the certification path MUST be the same as the trust anchor used
    // to validate the target certificate."
    const f = await search.validateSigner(cand, anchor);
    if (!f) return { ok: true, signer: cand };
    why ??= `is signed by a certificate of "${cand.subject.text}" that is not valid: ${f.message}`;
  }
  return {
    ok: false,
    why:
      why ??
      `has a signature that does not verify with the key of any certificate of "${crl.issuer.text}"`,
    unrelated: false,
  };
}
