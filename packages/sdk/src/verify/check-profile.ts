/**
 * Checks of one certificate on its own, by its role in the path (leaf, intermediate CA, trust
 * anchor): well-formedness beyond the parser, the RFC 5280 profile rules a relying party
 * enforces, extensions it must understand, key and algorithm strength, and, under the `webpki`
 * policy, the CA/Browser Forum rules. Each rule is a small function returning a Failure.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { children, decode, expectTag, readOid, Tag } from '../lib/der.js';
import { decodeGeneralName, formatIp } from '../lib/general-name.js';
import { nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { namesEqual } from './compare-names.js';
import { describeCertificate, type Failure, failure } from './failure.js';
import { isDnsName, isWildcardName, parseMailbox } from './name-syntax.js';

/** Where a certificate sits in a candidate path. */
export type CertificateRole = 'leaf' | 'intermediate' | 'anchor';

/** Which rule set applies: RFC 5280 alone, or RFC 5280 plus the CA/Browser Forum profile. */
export type VerifyPolicy = 'rfc5280' | 'webpki';

/** Extensions the verifier understands and enforces (or that cannot change the outcome). */
const RECOGNIZED = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  OID.certificatePolicies,
  OID.policyMappings,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.crlDistributionPoints,
  OID.issuerAltName,
]);

/** Extensions RFC 5280 requires to be non-critical. */
const MUST_BE_NONCRITICAL: Record<string, string> = {
  [OID.authorityKeyIdentifier]: 'authorityKeyIdentifier',
  [OID.subjectKeyIdentifier]: 'subjectKeyIdentifier',
  [OID.authorityInfoAccess]: 'authorityInfoAccess',
  [OID.subjectInfoAccess]: 'subjectInfoAccess',
  [OID.freshestCrl]: 'freshestCRL',
};

const who = (cert: Certificate, depth: number) => describeCertificate(cert.subject.text, depth);

/** Self-issued: issuer and subject are the same name (RFC 5280 §6.1). */
export function isSelfIssued(cert: Certificate): boolean {
  return namesEqual(cert.issuer, cert.subject);
}

/** Problems the parser found, and encoding rules it leaves to the verifier. */
export function checkWellFormed(
  cert: Certificate,
  role: CertificateRole,
  depth: number,
): Failure | undefined {
  const bad = (why: string) =>
    failure('ERR_CERTIFICATE_INVALID', `${who(cert, depth)} is malformed: ${why}`, depth);
  if (cert.problems.length > 0) return bad(cert.problems.join('; '));
  if (cert.signatureAlgorithmMismatch)
    return bad('its inner and outer signature algorithms differ');
  // A trust anchor is trusted as given: some long-lived roots have a zero serial number.
  if (role !== 'anchor') {
    if (cert.serialNumberInvalid) return bad('its serial number is zero or negative');
    if (cert.serialNumber.length > 40) return bad('its serial number is longer than 20 octets');
  }
  if (cert.issuer.rdns.length === 0) return bad('its issuer name is empty');
  return undefined;
}

/** A CA certificate carries a subjectKeyIdentifier (RFC 5280 §4.2.1.2). */
export function checkSubjectKeyId(cert: Certificate, depth: number): Failure | undefined {
  if (cert.subjectKeyIdentifier) return undefined;
  return failure(
    'ERR_CERTIFICATE_INVALID',
    `${who(cert, depth)} is a CA certificate without a subjectKeyIdentifier, which RFC 5280 requires`,
    depth,
  );
}

/** The Web PKI only has version 3 certificates. */
export function checkVersion3(
  cert: Certificate,
  depth: number,
  policy: VerifyPolicy,
): Failure | undefined {
  if (policy !== 'webpki' || cert.version === 3) return undefined;
  return failure(
    'ERR_POLICY_VIOLATION',
    `${who(cert, depth)} is a version ${cert.version} certificate; the Web PKI requires version 3`,
    depth,
  );
}

/** Unknown critical extensions, and known ones RFC 5280 requires to be non-critical. */
export function checkCriticalExtensions(cert: Certificate, depth: number): Failure | undefined {
  for (const ext of cert.extensions) {
    if (!ext.critical) continue;
    const name = MUST_BE_NONCRITICAL[ext.oid];
    if (name) {
      return failure(
        'ERR_CERTIFICATE_INVALID',
        `${who(cert, depth)} marks its ${name} extension critical, which RFC 5280 forbids`,
        depth,
      );
    }
    if (!RECOGNIZED.has(ext.oid)) {
      return failure(
        'ERR_UNKNOWN_CRITICAL_EXTENSION',
        `${who(cert, depth)} has an unknown critical extension ${ext.oid}`,
        depth,
      );
    }
  }
  return undefined;
}

/** authorityInfoAccess / subjectInfoAccess: one or more well-formed AccessDescriptions. */
export function checkAccessDescriptions(cert: Certificate, depth: number): Failure | undefined {
  for (const ext of cert.extensions) {
    if (ext.oid !== OID.authorityInfoAccess && ext.oid !== OID.subjectInfoAccess) continue;
    try {
      const items = children(expectTag(decode(ext.value), Tag.SEQUENCE, 'access descriptions'));
      if (items.length === 0) throw new Error('no access descriptions');
      for (const item of items) {
        const [method, location, extra] = children(
          expectTag(item, Tag.SEQUENCE, 'access description'),
        );
        if (!method || !location || extra) throw new Error('bad access description');
        readOid(method);
        decodeGeneralName(location);
      }
    } catch {
      return failure(
        'ERR_CERTIFICATE_INVALID',
        `${who(cert, depth)} has a malformed ${ext.oid === OID.authorityInfoAccess ? 'authorityInfoAccess' : 'subjectInfoAccess'} extension`,
        depth,
      );
    }
  }
  return undefined;
}

/** SAN entries must be well formed: DNS names in preferred syntax, 4/16-byte IPs, mailboxes. */
export function checkSubjectAltNameSyntax(cert: Certificate, depth: number): Failure | undefined {
  for (const n of cert.subjectAltNames ?? []) {
    let ok = true;
    if (n.type === 'dns') ok = isDnsName(n.value, { wildcard: true });
    else if (n.type === 'ip') ok = n.bytes.length === 4 || n.bytes.length === 16;
    else if (n.type === 'email') ok = parseMailbox(n.value) !== undefined;
    else if (n.type === 'uri') ok = n.value.length > 0 && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(n.value);
    if (!ok) {
      const shown = n.type === 'ip' ? formatIp(n.bytes) : n.value;
      return failure(
        'ERR_CERTIFICATE_INVALID',
        `${who(cert, depth)} has an invalid ${n.type} subject alternative name "${shown}"`,
        depth,
      );
    }
  }
  return undefined;
}

/** A CA needs a subject; a leaf with an empty subject needs a critical SAN (RFC 5280 §4.1.2.6). */
export function checkSubjectPresent(
  cert: Certificate,
  role: CertificateRole,
  depth: number,
): Failure | undefined {
  if (cert.subject.rdns.length > 0) return undefined;
  if (role !== 'leaf')
    return failure(
      'ERR_CERTIFICATE_INVALID',
      `${who(cert, depth)} is a CA with an empty subject`,
      depth,
    );
  const san = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  if (!san?.critical) {
    return failure(
      'ERR_CERTIFICATE_INVALID',
      'certificate has an empty subject and no critical subjectAltName extension',
      depth,
    );
  }
  return undefined;
}

/** RSA keys under 2048 bits are refused; the webpki policy also limits key types and sizes. */
export function checkKeyStrength(
  cert: Certificate,
  depth: number,
  policy: VerifyPolicy,
): Failure | undefined {
  const key = cert.publicKey;
  if ((key.type === 'RSA' || key.type === 'RSA-PSS') && key.bits < 2048) {
    return failure(
      'ERR_KEY_WEAK',
      `${who(cert, depth)} has a ${key.bits}-bit RSA key; at least 2048 bits are required`,
      depth,
    );
  }
  if (policy !== 'webpki') return undefined;
  if (key.type === 'RSA' && key.bits % 8 !== 0) {
    return failure(
      'ERR_KEY_WEAK',
      `${who(cert, depth)} has a ${key.bits}-bit RSA key; the Web PKI requires a size divisible by 8`,
      depth,
    );
  }
  if (key.type === 'EC' && !['P-256', 'P-384', 'P-521'].includes(key.curve ?? '')) {
    return failure(
      'ERR_KEY_WEAK',
      `${who(cert, depth)} has an EC key on curve ${key.curve}, not allowed in the Web PKI`,
      depth,
    );
  }
  if (key.type !== 'RSA' && key.type !== 'EC') {
    return failure(
      'ERR_KEY_WEAK',
      `${who(cert, depth)} has a key of type ${key.type}, not allowed in the Web PKI`,
      depth,
    );
  }
  return undefined;
}

/** SHA-1 and MD5 signatures are refused (not checked on trust anchors, whose signature is not used). */
export function checkSignatureAlgorithm(cert: Certificate, depth: number): Failure | undefined {
  const hash = cert.signatureAlgorithm.hash;
  if (hash === 'SHA-1' || hash === 'MD5') {
    return failure(
      'ERR_ALGORITHM_WEAK',
      `${who(cert, depth)} is signed with ${cert.signatureAlgorithm.name}; ${hash} signatures are not accepted`,
      depth,
    );
  }
  return undefined;
}

/** Consistency of basicConstraints, keyUsage and nameConstraints (RFC 5280 §4.2.1.3, .9, .10). */
export function checkCaConsistency(
  cert: Certificate,
  depth: number,
  policy: VerifyPolicy,
): Failure | undefined {
  const bad = (why: string) =>
    failure('ERR_CERTIFICATE_INVALID', `${who(cert, depth)} ${why}`, depth);
  const isCa = cert.basicConstraints?.ca === true;
  const ku = cert.keyUsage;
  if (ku?.includes('keyCertSign') && !isCa)
    return bad('asserts keyCertSign without basicConstraints cA');
  if (cert.basicConstraints?.pathLength !== undefined) {
    if (!isCa) return bad('has a path length constraint but is not a CA');
    if (ku && !ku.includes('keyCertSign'))
      return bad('has a path length constraint but its keyUsage lacks keyCertSign');
  }
  if (cert.nameConstraints) {
    if (!isCa) return bad('has name constraints but is not a CA');
    if (policy === 'rfc5280' && !cert.nameConstraints.critical)
      return bad('has a non-critical nameConstraints extension (RFC 5280 requires it critical)');
  }
  return undefined;
}

/** Every certificate but a self-issued one carries an authorityKeyIdentifier keyIdentifier (§4.2.1.1). */
export function checkAuthorityKeyId(cert: Certificate, depth: number): Failure | undefined {
  if (isSelfIssued(cert) || cert.authorityKeyIdentifier?.keyIdentifier) return undefined;
  return failure(
    'ERR_CERTIFICATE_INVALID',
    `${who(cert, depth)} has no authorityKeyIdentifier, which RFC 5280 requires in certificates issued by a CA`,
    depth,
  );
}

/** A CA certificate (intermediate or anchor) must say so in a critical basicConstraints. */
export function checkIsCa(cert: Certificate, depth: number): Failure | undefined {
  const bc = cert.basicConstraints;
  if (!bc?.ca) {
    return failure(
      'ERR_NOT_A_CA',
      `${who(cert, depth)} is not a CA (${bc ? 'basicConstraints cA is false' : 'it has no basicConstraints'}), so it cannot issue certificates`,
      depth,
    );
  }
  if (!bc.critical) {
    return failure(
      'ERR_NOT_A_CA',
      `${who(cert, depth)} has a non-critical basicConstraints, which RFC 5280 forbids in CA certificates`,
      depth,
    );
  }
  if (cert.keyUsage && !cert.keyUsage.includes('keyCertSign')) {
    return failure(
      'ERR_KEY_USAGE',
      `${who(cert, depth)} is a CA whose keyUsage lacks keyCertSign, so it cannot sign certificates`,
      depth,
    );
  }
  return undefined;
}

/** CA/Browser Forum rules for a subscriber (leaf) certificate. */
export function checkWebPkiLeaf(cert: Certificate, depth: number): Failure | undefined {
  const bad = (why: string) =>
    failure('ERR_POLICY_VIOLATION', `certificate ${why} (Web PKI profile)`, depth);
  if (cert.basicConstraints?.ca) return bad('is a CA certificate used as a leaf');
  if (cert.keyUsage?.includes('keyCertSign')) return bad('asserts keyCertSign in a leaf');
  const san = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  if (!san || !cert.subjectAltNames?.length) return bad('has no subjectAltName');
  if (san.critical && cert.subject.rdns.length > 0)
    return bad('has a critical subjectAltName with a non-empty subject');
  if (!cert.extendedKeyUsage) return bad('has no extKeyUsage');
  if (cert.extendedKeyUsage.includes(OID.anyExtendedKeyUsage))
    return bad('asserts anyExtendedKeyUsage');
  for (const n of cert.subjectAltNames) {
    if (n.type === 'dns' && isWildcardName(n.value) && n.value.split('.').length < 3)
      return bad(`has a wildcard "${n.value}" on a top-level domain`);
  }
  // CABF BR 7.1.4.3: a subject CN is a character-for-character copy of a SAN entry. Checked
  // when the certificate names DNS hosts at all (an IP-only certificate's CN is not a host name).
  const sanValues = cert.subjectAltNames.map((n) =>
    n.type === 'ip' ? formatIp(n.bytes) : n.value,
  );
  const hasDns = cert.subjectAltNames.some((n) => n.type === 'dns');
  for (const cn of hasDns ? nameValues(cert.subject, OID.commonName) : []) {
    if (!sanValues.includes(cn))
      return bad(`has a subject CN "${cn}" that is not a copy of one of its SANs`);
  }
  return undefined;
}

/** CA/Browser Forum: every CA certificate has a keyUsage extension (BR 7.1.2.10.7, 7.1.2.1.2). */
export function checkWebPkiCaKeyUsage(cert: Certificate, depth: number): Failure | undefined {
  if (cert.keyUsage) return undefined;
  return failure(
    'ERR_POLICY_VIOLATION',
    `${who(cert, depth)} is a CA certificate without a keyUsage extension (Web PKI profile)`,
    depth,
  );
}

/** CA/Browser Forum rules for a root certificate. */
export function checkWebPkiRoot(cert: Certificate, depth: number): Failure | undefined {
  const bad = (why: string) =>
    failure(
      'ERR_POLICY_VIOLATION',
      `trust anchor "${cert.subject.text}" ${why} (Web PKI profile)`,
      depth,
    );
  if (cert.extendedKeyUsage) return bad('has an extKeyUsage extension');
  const aki = cert.authorityKeyIdentifier;
  if (aki) {
    if (aki.issuer || aki.serialNumber)
      return bad(
        'has authorityCertIssuer or authorityCertSerialNumber in its authorityKeyIdentifier',
      );
    if (
      aki.keyIdentifier &&
      cert.subjectKeyIdentifier &&
      !bytesEqual(aki.keyIdentifier, cert.subjectKeyIdentifier)
    )
      return bad('has an authorityKeyIdentifier that differs from its subjectKeyIdentifier');
  }
  return undefined;
}

/** CA/Browser Forum rules for a subordinate CA certificate. */
export function checkWebPkiIntermediate(cert: Certificate, depth: number): Failure | undefined {
  if (cert.extendedKeyUsage?.length === 0)
    return failure(
      'ERR_POLICY_VIOLATION',
      `${who(cert, depth)} has an empty extKeyUsage (Web PKI profile)`,
      depth,
    );
  return undefined;
}

/** Every role-dependent check of one certificate, in order; the first failure wins. */
export function checkProfile(
  cert: Certificate,
  role: CertificateRole,
  depth: number,
  policy: VerifyPolicy,
): Failure | undefined {
  const checks: (() => Failure | undefined)[] = [
    () => checkWellFormed(cert, role, depth),
    () => checkVersion3(cert, depth, policy),
    () => checkCriticalExtensions(cert, depth),
    () => checkAccessDescriptions(cert, depth),
    () => checkSubjectAltNameSyntax(cert, depth),
    () => checkSubjectPresent(cert, role, depth),
    () => checkKeyStrength(cert, depth, policy),
    () => checkCaConsistency(cert, depth, policy),
    () => (role === 'anchor' ? undefined : checkSignatureAlgorithm(cert, depth)),
    () => (role === 'anchor' ? undefined : checkAuthorityKeyId(cert, depth)),
    () => (role === 'leaf' ? undefined : checkIsCa(cert, depth)),
    () => (role === 'leaf' ? undefined : checkSubjectKeyId(cert, depth)),
    () => (policy === 'webpki' && role === 'leaf' ? checkWebPkiLeaf(cert, depth) : undefined),
    () => (policy === 'webpki' && role !== 'leaf' ? checkWebPkiCaKeyUsage(cert, depth) : undefined),
    () => (policy === 'webpki' && role === 'anchor' ? checkWebPkiRoot(cert, depth) : undefined),
    () =>
      policy === 'webpki' && role === 'intermediate'
        ? checkWebPkiIntermediate(cert, depth)
        : undefined,
  ];
  for (const check of checks) {
    const f = check();
    if (f) return f;
  }
  return undefined;
}

/** Validity period, inclusive at both ends, compared at one-second granularity, with tolerance. */
export function checkValidity(
  cert: Certificate,
  depth: number,
  at: Date,
  toleranceSeconds: number,
): Failure | undefined {
  const now = Math.floor(at.getTime() / 1000) * 1000;
  const tol = toleranceSeconds * 1000;
  const nowText = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (now + tol < cert.notBefore.getTime()) {
    return failure(
      'ERR_CERT_NOT_YET_VALID',
      `${who(cert, depth)} is not valid before ${cert.notBefore.toISOString().replace(/\.\d{3}Z$/, 'Z')} (now ${nowText})`,
      depth,
    );
  }
  if (now - tol > cert.notAfter.getTime()) {
    return failure(
      'ERR_CERT_EXPIRED',
      `${who(cert, depth)} expired at ${cert.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z')} (now ${nowText})`,
      depth,
    );
  }
  return undefined;
}
