/**
 * Key usage and extended key usage of the path: the leaf must allow what the caller asks for
 * (`usage: 'server'` needs serverAuth, `'client'` clientAuth, plus any explicit `keyUsage` and
 * `extendedKeyUsage`); under the `webpki` policy an intermediate's extKeyUsage also limits
 * what certificates below it may be used for.
 */
import type { Certificate, KeyUsage } from '../certificate/parse-certificate.js';
import { OID } from '../lib/oids.js';
import { describeCertificate, type Failure, failure } from './failure.js';

const EKU_NAMES: Record<string, string> = {
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  [OID.codeSigning]: 'codeSigning',
  [OID.emailProtection]: 'emailProtection',
  [OID.timeStamping]: 'timeStamping',
  [OID.ocspSigning]: 'OCSPSigning',
  [OID.anyExtendedKeyUsage]: 'anyExtendedKeyUsage',
};

/** Readable name of an EKU OID. */
export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

/** OID of an EKU given by name (`serverAuth`) or as an OID. */
export function ekuOid(nameOrOid: string): string | undefined {
  if (/^\d+(\.\d+)+$/.test(nameOrOid)) return nameOrOid;
  const entry = Object.entries(EKU_NAMES).find(
    ([, n]) => n.toLowerCase() === nameOrOid.toLowerCase(),
  );
  return entry?.[0];
}

/** The leaf allows each requested key usage (when it has a keyUsage extension). */
export function checkLeafKeyUsage(
  leaf: Certificate,
  wanted: readonly KeyUsage[],
): Failure | undefined {
  if (!leaf.keyUsage) return undefined;
  const missing = wanted.filter((u) => !leaf.keyUsage!.includes(u));
  if (missing.length === 0) return undefined;
  return failure(
    'ERR_KEY_USAGE',
    `certificate's keyUsage (${leaf.keyUsage.join(', ')}) does not allow ${missing.join(', ')}`,
    0,
  );
}

/**
 * The key usage bits consistent with each purpose, from the list under RFC 5280 §4.2.1.12
 * ("Key usage bits that may be consistent"): the purpose needs at least one of them.
 */
const CONSISTENT_KEY_USAGES: Record<string, readonly KeyUsage[]> = {
  [OID.serverAuth]: ['digitalSignature', 'keyEncipherment', 'keyAgreement'],
  [OID.clientAuth]: ['digitalSignature', 'keyAgreement'],
  [OID.codeSigning]: ['digitalSignature'],
  [OID.emailProtection]: ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'keyAgreement'],
  [OID.timeStamping]: ['digitalSignature', 'nonRepudiation'],
  [OID.ocspSigning]: ['digitalSignature', 'nonRepudiation'],
};

/**
 * When the leaf has both keyUsage and extKeyUsage, its keyUsage is consistent with each purpose
 * asked for. RFC 5280 §4.2.1.12: "If a certificate contains both a key usage extension and an
 * extended key usage extension, then both extensions MUST be processed independently and the
 * certificate MUST only be used for a purpose consistent with both extensions." A leaf with a
 * keyUsage alone is not held to a purpose (RFC 5280 sets no rule for it; x509-limbo's
 * `rfc5280::ca-as-leaf` is such a certificate, and valid).
 */
export function checkLeafKeyUsageForPurpose(
  leaf: Certificate,
  wantedEku: readonly string[],
): Failure | undefined {
  const ku = leaf.keyUsage;
  if (!ku || !leaf.extendedKeyUsage) return undefined;
  for (const purpose of wantedEku) {
    const consistent = CONSISTENT_KEY_USAGES[purpose];
    if (!consistent || consistent.some((u) => ku.includes(u))) continue;
    return failure(
      'ERR_KEY_USAGE',
      `certificate's keyUsage (${ku.join(', ') || 'none'}) is not consistent with ${ekuName(purpose)}, which needs ${consistent.join(' or ')} (RFC 5280 §4.2.1.12)`,
      0,
    );
  }
  return undefined;
}

/** The leaf allows each requested extended key usage (anyExtendedKeyUsage allows all, except under webpki). */
export function checkLeafExtendedKeyUsage(
  leaf: Certificate,
  wanted: readonly string[],
  allowAny: boolean,
): Failure | undefined {
  const eku = leaf.extendedKeyUsage;
  if (!eku || wanted.length === 0) return undefined;
  if (allowAny && eku.includes(OID.anyExtendedKeyUsage)) return undefined;
  const missing = wanted.filter((o) => !eku.includes(o));
  if (missing.length === 0) return undefined;
  return failure(
    'ERR_EXTENDED_KEY_USAGE',
    `certificate is valid for ${eku.map(ekuName).join(', ')}, not ${missing.map(ekuName).join(', ')} (check the extendedKeyUsage it was issued with)`,
    0,
  );
}

/** Under webpki, an issuer's extKeyUsage (when present) must include each requested usage. */
export function checkIssuerExtendedKeyUsage(
  ca: Certificate,
  depth: number,
  wanted: readonly string[],
): Failure | undefined {
  const eku = ca.extendedKeyUsage;
  if (!eku || eku.includes(OID.anyExtendedKeyUsage)) return undefined;
  const missing = wanted.filter((o) => !eku.includes(o));
  if (missing.length === 0) return undefined;
  return failure(
    'ERR_EXTENDED_KEY_USAGE',
    `${describeCertificate(ca.subject.text, depth)} limits its certificates to ${eku.map(ekuName).join(', ')}, not ${missing.map(ekuName).join(', ')}`,
    depth,
  );
}
