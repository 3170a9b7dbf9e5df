/**
 * Revocation by CRL (RFC 5280 §6.3, for the complete CRLs the caller supplies): a certificate
 * is revoked when a CRL issued under its issuer's name, signed by its issuer's key, lists its
 * serial number. A CRL from another issuer, or one whose signature does not verify, does not
 * apply to it.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import type { Crl } from '../crl/parse-crl.js';
import { bytesEqual } from '../lib/bytes.js';
import { verifySignature } from '../lib/signature.js';
import { namesEqual } from './compare-names.js';
import { describeCertificate, type Failure, failure, formatTime } from './failure.js';

/** True when `crl` covers certificates like `cert` (issuingDistributionPoint scope). */
function crlCovers(crl: Crl, cert: Certificate): boolean {
  const idp = crl.issuingDistributionPoint;
  if (!idp) return true;
  const isCa = cert.basicConstraints?.ca === true;
  if (idp.onlyContainsUserCerts && isCa) return false;
  if (idp.onlyContainsCACerts && !isCa) return false;
  return !idp.onlyContainsAttributeCerts;
}

/** The CRLs among `crls` that `issuer` issued for certificates like `cert`, or why one is unusable. */
async function applicableCrls(
  subtle: SubtleCrypto,
  crls: readonly Crl[],
  cert: Certificate,
  issuer: Certificate,
  depth: number,
  at: Date,
  toleranceSeconds: number,
): Promise<Crl[] | Failure> {
  const out: Crl[] = [];
  const now = Math.floor(at.getTime() / 1000) * 1000;
  const tol = toleranceSeconds * 1000;
  for (const crl of crls) {
    if (!namesEqual(crl.issuer, cert.issuer) || !crlCovers(crl, cert)) continue;
    const keyId = crl.authorityKeyIdentifier?.keyIdentifier;
    if (keyId && issuer.subjectKeyIdentifier && !bytesEqual(keyId, issuer.subjectKeyIdentifier))
      continue; // another CA of the same name
    const from = `the CRL issued by "${crl.issuer.text}"`;
    const unusable = (code: 'ERR_CRL_INVALID' | 'ERR_CRL_UNAVAILABLE', why: string) =>
      failure(
        code,
        `cannot check revocation of ${describeCertificate(cert.subject.text, depth)}: ${from} ${why}`,
        depth,
      );
    if (issuer.keyUsage && !issuer.keyUsage.includes('cRLSign'))
      return unusable('ERR_CRL_INVALID', 'comes from a CA whose keyUsage lacks cRLSign');
    const signed =
      !crl.signatureAlgorithmMismatch &&
      (await verifySignature(
        subtle,
        issuer.publicKey.spki,
        crl.signatureAlgorithmNode,
        crl.tbs,
        crl.signature,
      ));
    if (!signed)
      return unusable(
        'ERR_CRL_INVALID',
        "has a signature that does not verify with the issuer's key",
      );
    const critical = crl.problems.find((p) => p.includes('critical') && p.includes('unknown'));
    if (critical) return unusable('ERR_CRL_INVALID', `cannot be used: ${critical}`);
    if (crl.thisUpdate.getTime() > now + tol)
      return unusable(
        'ERR_CRL_UNAVAILABLE',
        `is not valid before ${formatTime(crl.thisUpdate)} (now ${formatTime(new Date(now))})`,
      );
    if (crl.nextUpdate && crl.nextUpdate.getTime() < now - tol)
      return unusable(
        'ERR_CRL_UNAVAILABLE',
        `expired at ${formatTime(crl.nextUpdate)} (now ${formatTime(new Date(now))}); fetch a fresh CRL`,
      );
    out.push(crl);
  }
  return out;
}

/** Checks every certificate of `path` but the trust anchor against the CRLs given. */
export async function checkRevocation(
  subtle: SubtleCrypto,
  path: readonly Certificate[],
  crls: readonly Crl[],
  at: Date,
  toleranceSeconds: number,
): Promise<Failure | undefined> {
  if (crls.length === 0) return undefined;
  for (let depth = 0; depth < path.length - 1; depth++) {
    const cert = path[depth]!;
    const issuer = path[depth + 1]!;
    const applicable = await applicableCrls(
      subtle,
      crls,
      cert,
      issuer,
      depth,
      at,
      toleranceSeconds,
    );
    if (!Array.isArray(applicable)) return applicable;
    for (const crl of applicable) {
      const entry = crl.entries.find(
        (e) => e.serialNumber === cert.serialNumber && e.reason !== 'removeFromCRL',
      );
      if (!entry) continue;
      const reason = entry.reason ? `, reason ${entry.reason}` : '';
      return failure(
        'ERR_REVOKED',
        `${describeCertificate(cert.subject.text, depth)} (serial ${cert.serialNumber}) was revoked at ${formatTime(entry.revokedAt)}${reason} by its issuer's CRL`,
        depth,
      );
    }
  }
  return undefined;
}
