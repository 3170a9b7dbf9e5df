/**
 * Checks of one certificate on its own, by its role in the path (leaf, intermediate CA, trust
 * anchor), as a table of named rules, each with the section it comes from and the scope it
 * applies in:
 *
 * - `rfc5280`: always. Steps of RFC 5280 §6 path validation (e.g. §6.1.4 (k) cA, (n)
 *   keyCertSign, (o) unknown critical extensions), rules a relying party cannot skip safely
 *   (an unreadable or ambiguous certificate, an EC key without a named curve, parameters in an
 *   ECDSA signature algorithm), and nodeid's algorithm floor (no SHA-1 or MD5 signatures, no
 *   RSA under 2048 bits or with an even or tiny exponent, no EC curve under 224 bits).
 * - `conformance`: the RFC 5280 §4 rules addressed to the issuing CA ("conforming CAs MUST")
 *   that §6 does not check. A path §6 accepts is not refused for them unless the caller asks
 *   with `strict: true`, or with `policy: 'webpki'` (the BRs require RFC 5280 conformance,
 *   BR 7.1), except where the BRs make an exception (`notUnderWebPki`).
 * - `webpki`: the CA/Browser Forum Baseline Requirements (check-webpki.ts).
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { children, decode, expectTag, readOid, Tag } from '../lib/der.js';
import { decodeGeneralName, formatIp } from '../lib/general-name.js';
import { OID } from '../lib/oids.js';
import { WEBPKI_RULES } from './check-webpki.js';
import { namesEqual } from './compare-names.js';
import { describeCertificate, type Failure, failure } from './failure.js';
import { isDnsName, parseMailbox } from './name-syntax.js';
import type { PublicSuffixList } from './public-suffix.js';

/** Where a certificate sits in a candidate path. */
export type CertificateRole = 'leaf' | 'intermediate' | 'anchor';

/** Which rule set applies: RFC 5280 alone, or RFC 5280 plus the CA/Browser Forum profile. */
export type VerifyPolicy = 'rfc5280' | 'webpki';

/** What the rules of one verification depend on. */
export interface ProfileContext {
  policy: VerifyPolicy;
  /** Also apply the RFC 5280 §4 rules for issuing CAs that §6 does not check. */
  strict: boolean;
  /** The Public Suffix List; loaded under `webpki`, where wildcards need it. */
  publicSuffixes?: PublicSuffixList;
}

/** One rule of the profile. */
export interface ProfileRule {
  /** A stable name, kebab-case. */
  name: string;
  /** Where the rule comes from (RFC 5280 or BR section). */
  source: string;
  /** When it applies: always, for strict conformance (and webpki), or under webpki only. */
  scope: 'rfc5280' | 'conformance' | 'webpki';
  /** A conformance rule the BRs make an exception to, so not applied under webpki. */
  notUnderWebPki?: true;
  /** The roles it applies to. */
  roles: readonly CertificateRole[];
  check(
    cert: Certificate,
    role: CertificateRole,
    depth: number,
    ctx: ProfileContext,
  ): Failure | undefined;
}

/** True when `rule` applies in `ctx` (roles aside). */
export function ruleApplies(
  rule: Pick<ProfileRule, 'scope' | 'notUnderWebPki'>,
  ctx: ProfileContext,
): boolean {
  const webpki = ctx.policy === 'webpki';
  if (rule.scope === 'rfc5280') return true;
  if (rule.scope === 'webpki') return webpki;
  if (webpki) return !rule.notUnderWebPki;
  return ctx.strict;
}

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

/** Extensions conforming CAs mark non-critical, with the section saying so. */
const MUST_BE_NONCRITICAL: Record<string, string> = {
  [OID.authorityKeyIdentifier]: 'authorityKeyIdentifier (RFC 5280 §4.2.1.1)',
  [OID.subjectKeyIdentifier]: 'subjectKeyIdentifier (RFC 5280 §4.2.1.2)',
  [OID.authorityInfoAccess]: 'authorityInfoAccess (RFC 5280 §4.2.2.1)',
  [OID.subjectInfoAccess]: 'subjectInfoAccess (RFC 5280 §4.2.2.2)',
  [OID.freshestCrl]: 'freshestCRL (RFC 5280 §4.2.1.15)',
};

const who = (cert: Certificate, depth: number) => describeCertificate(cert.subject.text, depth);

const invalid = (cert: Certificate, depth: number, why: string): Failure =>
  failure('ERR_CERTIFICATE_INVALID', `${who(cert, depth)} ${why}`, depth);

/** Self-issued: issuer and subject are the same name (RFC 5280 §6.1). */
export function isSelfIssued(cert: Certificate): boolean {
  return namesEqual(cert.issuer, cert.subject);
}

/**
 * What the parser found: DER that is not DER (a DEFAULT value encoded), values outside the
 * ASN.1 module of RFC 5280 Appendix A (an empty extKeyUsage or subjectAltName: SIZE (1..MAX)),
 * extensions that do not decode, and duplicate extensions (§4.2: a relying party could not
 * tell which instance applies).
 */
function checkDecoded(cert: Certificate, depth: number): Failure | undefined {
  if (cert.problems.length > 0)
    return invalid(cert, depth, `is malformed: ${cert.problems.join('; ')}`);
  return undefined;
}

/**
 * §4.1.1.2: signatureAlgorithm MUST equal the signature field of the TBSCertificate. Kept
 * always: the outer identifier is not covered by the signature, so a certificate whose two
 * identifiers differ does not say which algorithm its issuer used.
 */
function checkSignatureAlgorithmsMatch(cert: Certificate, depth: number): Failure | undefined {
  if (!cert.signatureAlgorithmMismatch) return undefined;
  return invalid(cert, depth, 'is malformed: its inner and outer signature algorithms differ');
}

/**
 * §4.1.2.2: conforming CAs use positive serial numbers of at most 20 octets; the same section
 * asks certificate users to "gracefully handle" zero and negative ones. Not checked on trust
 * anchors: some long-lived roots have a zero serial.
 */
function checkSerialNumber(cert: Certificate, depth: number): Failure | undefined {
  if (cert.serialNumberInvalid)
    return invalid(cert, depth, 'has a zero or negative serial number (RFC 5280 §4.1.2.2)');
  if (cert.serialNumber.length > 40)
    return invalid(cert, depth, 'has a serial number longer than 20 octets (RFC 5280 §4.1.2.2)');
  return undefined;
}

/** §4.1.2.4: the issuer field MUST contain a non-empty distinguished name. */
function checkIssuerNotEmpty(cert: Certificate, depth: number): Failure | undefined {
  if (cert.issuer.rdns.length > 0) return undefined;
  return invalid(cert, depth, 'has an empty issuer name (RFC 5280 §4.1.2.4)');
}

/**
 * §4.2 and §6.1.4 (o) / §6.1.5 (f): a certificate with a critical extension the relying party
 * does not recognise MUST be rejected.
 */
function checkUnknownCritical(cert: Certificate, depth: number): Failure | undefined {
  for (const ext of cert.extensions) {
    if (!ext.critical || RECOGNIZED.has(ext.oid) || MUST_BE_NONCRITICAL[ext.oid]) continue;
    return failure(
      'ERR_UNKNOWN_CRITICAL_EXTENSION',
      `${who(cert, depth)} has an unknown critical extension ${ext.oid}`,
      depth,
    );
  }
  return undefined;
}

/** Extensions conforming CAs MUST mark non-critical (the sections are in the table). */
function checkMustBeNonCritical(cert: Certificate, depth: number): Failure | undefined {
  for (const ext of cert.extensions) {
    const name = ext.critical ? MUST_BE_NONCRITICAL[ext.oid] : undefined;
    if (name)
      return invalid(
        cert,
        depth,
        `marks its ${name.replace(' (', ' extension critical (')}, which a conforming CA must not do`,
      );
  }
  return undefined;
}

/**
 * §4.2.2.1, §4.2.2.2: authorityInfoAccess / subjectInfoAccess hold one or more well-formed
 * AccessDescriptions. Path validation does not read them.
 */
function checkAccessDescriptions(cert: Certificate, depth: number): Failure | undefined {
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
      return invalid(
        cert,
        depth,
        `has a malformed ${ext.oid === OID.authorityInfoAccess ? 'authorityInfoAccess' : 'subjectInfoAccess'} extension`,
      );
    }
  }
  return undefined;
}

/**
 * §4.2.1.6: DNS names in the preferred name syntax, IP addresses of 4 or 16 octets, mailboxes
 * as addr-spec, URIs with a scheme. Without `strict`, a malformed name is not refused here: it
 * matches no host, IP or email asked for, and name constraints treat it as outside every
 * subtree of its type (name-constraints.ts).
 */
function checkSubjectAltNameSyntax(cert: Certificate, depth: number): Failure | undefined {
  for (const n of cert.subjectAltNames ?? []) {
    let ok = true;
    if (n.type === 'dns') ok = isDnsName(n.value, { wildcard: true });
    else if (n.type === 'ip') ok = n.bytes.length === 4 || n.bytes.length === 16;
    else if (n.type === 'email') ok = parseMailbox(n.value) !== undefined;
    else if (n.type === 'uri') ok = n.value.length > 0 && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(n.value);
    if (!ok) {
      const shown = n.type === 'ip' ? formatIp(n.bytes) : n.value;
      return invalid(cert, depth, `has an invalid ${n.type} subject alternative name "${shown}"`);
    }
  }
  return undefined;
}

/**
 * §4.1.2.5: validity dates through 2049 MUST be UTCTime (GeneralizedTime only from 2050). An
 * issuer-side rule that §6 does not check, so it applies under `strict` and `webpki` (BR 7.1.2
 * takes the RFC 5280 encoding), as the same rule does for CRLs (§5.1.2.4).
 */
function checkValidityEncoding(cert: Certificate, depth: number): Failure | undefined {
  const fields = cert.generalizedTimeBefore2050;
  if (!fields?.length) return undefined;
  return invalid(
    cert,
    depth,
    `encodes ${fields.join(' and ')} as GeneralizedTime before 2050 (RFC 5280 §4.1.2.5 requires UTCTime)`,
  );
}

/**
 * §4.1.2.6: "If the subject is a CA (e.g., the basic constraints extension ... is present and
 * the value of cA is TRUE), then the subject field MUST be populated with a non-empty
 * distinguished name": issuing CAs, and a leaf that says it is a CA.
 */
function checkCaSubjectNotEmpty(
  cert: Certificate,
  role: CertificateRole,
  depth: number,
): Failure | undefined {
  if (cert.subject.rdns.length > 0) return undefined;
  if (role === 'leaf' && !cert.basicConstraints?.ca) return undefined;
  return invalid(cert, depth, 'is a CA with an empty subject (RFC 5280 §4.1.2.6)');
}

/** §4.1.2.6, §4.2.1.6: with an empty subject, subjectAltName MUST be present and critical. */
function checkEmptySubjectHasCriticalSan(cert: Certificate, depth: number): Failure | undefined {
  if (cert.subject.rdns.length > 0) return undefined;
  const san = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  if (san?.critical) return undefined;
  return invalid(
    cert,
    depth,
    'has an empty subject and no critical subjectAltName extension (RFC 5280 §4.2.1.6)',
  );
}

/** nodeid's floor under every policy: RSA keys of at least 2048 bits (NIST SP 800-131A). */
function checkRsaSize(cert: Certificate, depth: number): Failure | undefined {
  const key = cert.publicKey;
  if ((key.type !== 'RSA' && key.type !== 'RSA-PSS') || key.bits >= 2048) return undefined;
  return failure(
    'ERR_KEY_WEAK',
    `${who(cert, depth)} has a ${key.bits}-bit RSA key; at least 2048 bits are required`,
    depth,
  );
}

/**
 * RFC 5758 §3.2 (ECDSA) and RFC 8410 §3 (Ed25519, Ed448): the signature AlgorithmIdentifier
 * "MUST omit the parameters field". Said plainly here, where the signature check would only
 * report a signature that does not verify.
 */
function checkSignatureParameters(cert: Certificate, depth: number): Failure | undefined {
  const family = cert.signatureAlgorithm.family;
  if (family !== 'ECDSA' && family !== 'Ed25519' && family !== 'Ed448') return undefined;
  if (children(cert.signatureAlgorithmNode).length === 1) return undefined;
  return invalid(
    cert,
    depth,
    `has parameters in its ${cert.signatureAlgorithm.name} signature algorithm, which RFC 5758 §3.2 and RFC 8410 §3 require to be absent`,
  );
}

/**
 * RFC 8017 §3.1: "The RSA public exponent e is an integer between 3 and n - 1 satisfying
 * GCD(e, \lambda(n)) = 1", so odd and at least 3 (BR 6.1.6 says the same). With e = 1 a
 * "signature" is the encoded message itself, so any certificate below such a CA would verify.
 * e = 3 is allowed, as RFC 8017 and the BRs allow it (nodeid's own issuance asks for 65537).
 */
function checkRsaExponent(cert: Certificate, depth: number): Failure | undefined {
  const key = cert.publicKey;
  if (key.type !== 'RSA' && key.type !== 'RSA-PSS') return undefined;
  const e = key.publicExponent;
  if (e !== undefined && e >= 3n && e % 2n === 1n) return undefined;
  return failure(
    'ERR_KEY_WEAK',
    `${who(cert, depth)} has an RSA key with public exponent ${e ?? 'missing'}; RFC 8017 §3.1 requires an odd e of at least 3`,
    depth,
  );
}

/**
 * Named curves whose group order is under 224 bits (SEC 2 v1 §2-§3, X9.62 prime192v1-v3,
 * RFC 5639 brainpoolP160/P192): under the 112-bit security floor of NIST SP 800-57 Part 1 §5.6.1
 * and SP 800-131A, the EC counterpart of RSA under 2048 bits.
 */
const WEAK_CURVES = new Set([
  '1.2.840.10045.3.1.1', // prime192v1 (P-192)
  '1.2.840.10045.3.1.2', // prime192v2
  '1.2.840.10045.3.1.3', // prime192v3
  '1.3.132.0.6', // secp112r1
  '1.3.132.0.7', // secp112r2
  '1.3.132.0.28', // secp128r1
  '1.3.132.0.29', // secp128r2
  '1.3.132.0.8', // secp160r1
  '1.3.132.0.9', // secp160k1
  '1.3.132.0.30', // secp160r2
  '1.3.132.0.31', // secp192k1
  '1.3.132.0.4', // sect113r1
  '1.3.132.0.5', // sect113r2
  '1.3.132.0.22', // sect131r1
  '1.3.132.0.23', // sect131r2
  '1.3.132.0.1', // sect163k1
  '1.3.132.0.2', // sect163r1
  '1.3.132.0.15', // sect163r2
  '1.3.132.0.24', // sect193r1
  '1.3.132.0.25', // sect193r2
  '1.3.36.3.3.2.8.1.1.1', // brainpoolP160r1
  '1.3.36.3.3.2.8.1.1.2', // brainpoolP160t1
  '1.3.36.3.3.2.8.1.1.3', // brainpoolP192r1
  '1.3.36.3.3.2.8.1.1.4', // brainpoolP192t1
]);

/** nodeid's floor under every policy: no EC key on a curve of under 224 bits (see WEAK_CURVES). */
function checkEcCurveStrength(cert: Certificate, depth: number): Failure | undefined {
  const key = cert.publicKey;
  if (key.type !== 'EC' || !WEAK_CURVES.has(key.curve ?? '')) return undefined;
  return failure(
    'ERR_KEY_WEAK',
    `${who(cert, depth)} has an EC key on curve ${key.curve}, whose order is under 224 bits (less than 112-bit security)`,
    depth,
  );
}

/**
 * RFC 5480 §2.1.1: an EC key's parameters "MUST always be present" and are a namedCurve OID;
 * "specifiedCurve ... MUST NOT be used in PKIX" and implicitCurve "MUST NOT be used" (explicit
 * parameters are how CVE-2020-0601 passed a forged curve off as a named one). Refused under
 * every policy, as OpenSSL (X509_V_ERR_EC_KEY_EXPLICIT_PARAMS) and Go do, even in a leaf whose
 * key the path never uses.
 */
function checkEcNamedCurve(cert: Certificate, depth: number): Failure | undefined {
  const key = cert.publicKey;
  if (key.type !== 'EC' || key.curve !== 'unknown') return undefined;
  return invalid(
    cert,
    depth,
    'has an EC key without a namedCurve (explicit or absent curve parameters; RFC 5480 §2.1.1 allows only a named curve)',
  );
}

/** nodeid's floor: no SHA-1 or MD5 signatures (not checked on trust anchors, whose signature is not used). */
function checkSignatureHash(cert: Certificate, depth: number): Failure | undefined {
  const hash = cert.signatureAlgorithm.hash;
  if (hash !== 'SHA-1' && hash !== 'MD5') return undefined;
  return failure(
    'ERR_ALGORITHM_WEAK',
    `${who(cert, depth)} is signed with ${cert.signatureAlgorithm.name}; ${hash} signatures are not accepted`,
    depth,
  );
}

/**
 * §4.2.1.3: keyCertSign only with basicConstraints cA; §4.2.1.9: pathLenConstraint only with cA
 * and keyCertSign. (A CA that lacks them fails §6.1.4 (k) or (n) anyway; these catch leaves.)
 */
function checkCaBitsConsistent(cert: Certificate, depth: number): Failure | undefined {
  const isCa = cert.basicConstraints?.ca === true;
  const ku = cert.keyUsage;
  if (ku?.includes('keyCertSign') && !isCa)
    return invalid(
      cert,
      depth,
      'asserts keyCertSign without basicConstraints cA (RFC 5280 §4.2.1.3)',
    );
  if (cert.basicConstraints?.pathLength !== undefined) {
    if (!isCa)
      return invalid(
        cert,
        depth,
        'has a path length constraint but is not a CA (RFC 5280 §4.2.1.9)',
      );
    if (ku && !ku.includes('keyCertSign'))
      return invalid(
        cert,
        depth,
        'has a path length constraint but its keyUsage lacks keyCertSign (RFC 5280 §4.2.1.9)',
      );
  }
  return undefined;
}

/** §4.2.1.10: nameConstraints MUST be used only in a CA certificate (§6 ignores it in a leaf). */
function checkNameConstraintsInCa(cert: Certificate, depth: number): Failure | undefined {
  if (!cert.nameConstraints || cert.basicConstraints?.ca === true) return undefined;
  return invalid(cert, depth, 'has name constraints but is not a CA (RFC 5280 §4.2.1.10)');
}

/**
 * §4.2.1.10: conforming CAs MUST mark nameConstraints critical. BR 7.1.2.10.8 makes an
 * explicit exception (SHOULD be critical, MAY be non-critical), so not under webpki.
 */
function checkNameConstraintsCritical(cert: Certificate, depth: number): Failure | undefined {
  if (!cert.nameConstraints || cert.nameConstraints.critical) return undefined;
  return invalid(
    cert,
    depth,
    'has a non-critical nameConstraints extension (RFC 5280 §4.2.1.10 requires it critical)',
  );
}

/**
 * §4.2.1.11 and §4.2.1.14: conforming CAs MUST mark policyConstraints and inhibitAnyPolicy
 * critical. §6.1.4 (i), (j) process them whatever their criticality.
 */
function checkPolicyExtensionsCritical(cert: Certificate, depth: number): Failure | undefined {
  for (const ext of cert.extensions) {
    if (ext.critical) continue;
    if (ext.oid === OID.policyConstraints)
      return invalid(
        cert,
        depth,
        'has a non-critical policyConstraints extension (RFC 5280 §4.2.1.11 requires it critical)',
      );
    if (ext.oid === OID.inhibitAnyPolicy)
      return invalid(
        cert,
        depth,
        'has a non-critical inhibitAnyPolicy extension (RFC 5280 §4.2.1.14 requires it critical)',
      );
  }
  return undefined;
}

/**
 * §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name constraints is an empty
 * sequence", and GeneralSubtrees is SIZE (1..MAX). An empty one constrains nothing, so §6
 * accepts it: a conformance rule.
 */
function checkNameConstraintsNotEmpty(cert: Certificate, depth: number): Failure | undefined {
  const nc = cert.nameConstraints;
  if (!nc) return undefined;
  if (nc.permitted?.length === 0 || nc.excluded?.length === 0)
    return invalid(
      cert,
      depth,
      'has a nameConstraints extension with an empty list of subtrees (RFC 5280 §4.2.1.10)',
    );
  if (!nc.permitted && !nc.excluded)
    return invalid(cert, depth, 'has an empty nameConstraints extension (RFC 5280 §4.2.1.10)');
  return undefined;
}

/**
 * §4.2.1.10: a dNSName constraint is a host name ("host.example.com": the names made by adding
 * labels on its left); the leading-period form is defined only for rfc822Name and URI
 * constraints. A leading period is a CA's encoding error that §6 does not check, so this is a
 * conformance rule; without it, `.example.com` is read as OpenSSL, Go and mozilla::pkix read
 * it (subdomains only), which is narrower than `example.com` when permitted and is honoured
 * when excluded, so it never lets more through.
 */
function checkDnsConstraintsAreHostNames(cert: Certificate, depth: number): Failure | undefined {
  const nc = cert.nameConstraints;
  for (const st of [...(nc?.permitted ?? []), ...(nc?.excluded ?? [])]) {
    if (st.base.type === 'dns' && st.base.value.startsWith('.'))
      return failure(
        'ERR_NAME_CONSTRAINTS',
        `malformed name constraints: the dNSName constraint "${st.base.value}" has a leading period (RFC 5280 §4.2.1.10: a dNSName constraint is a host name)`,
        depth,
      );
  }
  return undefined;
}

/**
 * §6.1.4 (k): an intermediate must have basicConstraints with cA TRUE. The same is required of
 * trust anchors: a certificate the caller trusts to issue must say it is a CA.
 */
function checkIsCa(cert: Certificate, depth: number): Failure | undefined {
  const bc = cert.basicConstraints;
  if (bc?.ca) return undefined;
  return failure(
    'ERR_NOT_A_CA',
    `${who(cert, depth)} is not a CA (${bc ? 'basicConstraints cA is false' : 'it has no basicConstraints'}), so it cannot issue certificates`,
    depth,
  );
}

/**
 * §4.2.1.9: conforming CAs MUST mark basicConstraints critical in CA certificates. §6.1.4 (k)
 * checks the cA boolean only (NIST PKITS 4.6.4 is a valid path with a non-critical one).
 */
function checkBasicConstraintsCritical(cert: Certificate, depth: number): Failure | undefined {
  if (!cert.basicConstraints || cert.basicConstraints.critical) return undefined;
  return failure(
    'ERR_NOT_A_CA',
    `${who(cert, depth)} has a non-critical basicConstraints (RFC 5280 §4.2.1.9 requires it critical in CA certificates)`,
    depth,
  );
}

/**
 * §6.1.4 (n): a CA whose keyUsage is present must assert keyCertSign. Applied to trust anchors
 * too: RFC 5937 §3 lets the anchor's own extensions constrain it.
 */
function checkCaKeyCertSign(cert: Certificate, depth: number): Failure | undefined {
  if (!cert.keyUsage || cert.keyUsage.includes('keyCertSign')) return undefined;
  return failure(
    'ERR_KEY_USAGE',
    `${who(cert, depth)} is a CA whose keyUsage lacks keyCertSign, so it cannot sign certificates`,
    depth,
  );
}

/** §4.2.1.2: the subjectKeyIdentifier MUST appear in all conforming CA certificates. */
function checkCaSubjectKeyId(cert: Certificate, depth: number): Failure | undefined {
  if (cert.subjectKeyIdentifier) return undefined;
  return invalid(
    cert,
    depth,
    'is a CA certificate without a subjectKeyIdentifier (RFC 5280 §4.2.1.2)',
  );
}

const ALL: readonly CertificateRole[] = ['leaf', 'intermediate', 'anchor'];
const ISSUED: readonly CertificateRole[] = ['leaf', 'intermediate'];
const CAS: readonly CertificateRole[] = ['intermediate', 'anchor'];

/** The RFC 5280 rules applied to single certificates, in order. */
export const RFC5280_RULES: readonly ProfileRule[] = [
  {
    name: 'decoded',
    source: 'X.690 DER, RFC 5280 §4.2, Appendix A',
    scope: 'rfc5280',
    roles: ALL,
    check: (c, _r, d) => checkDecoded(c, d),
  },
  {
    name: 'signature-algorithms-match',
    source: 'RFC 5280 §4.1.1.2',
    scope: 'rfc5280',
    roles: ALL,
    check: (c, _r, d) => checkSignatureAlgorithmsMatch(c, d),
  },
  {
    name: 'serial-number',
    source: 'RFC 5280 §4.1.2.2',
    scope: 'conformance',
    roles: ISSUED,
    check: (c, _r, d) => checkSerialNumber(c, d),
  },
  {
    name: 'signature-algorithm-parameters',
    source: 'RFC 5758 §3.2, RFC 8410 §3',
    scope: 'rfc5280',
    roles: ISSUED,
    check: (c, _r, d) => checkSignatureParameters(c, d),
  },
  {
    name: 'validity-time-encoding',
    source: 'RFC 5280 §4.1.2.5',
    scope: 'conformance',
    roles: ALL,
    check: (c, _r, d) => checkValidityEncoding(c, d),
  },
  {
    name: 'issuer-not-empty',
    source: 'RFC 5280 §4.1.2.4',
    scope: 'conformance',
    roles: ALL,
    check: (c, _r, d) => checkIssuerNotEmpty(c, d),
  },
  {
    name: 'unknown-critical-extension',
    source: 'RFC 5280 §4.2, §6.1.4 (o), §6.1.5 (f)',
    scope: 'rfc5280',
    roles: ALL,
    check: (c, _r, d) => checkUnknownCritical(c, d),
  },
  {
    name: 'must-be-non-critical',
    source: 'RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.1.15, §4.2.2.1, §4.2.2.2',
    scope: 'conformance',
    roles: ALL,
    check: (c, _r, d) => checkMustBeNonCritical(c, d),
  },
  {
    name: 'access-descriptions',
    source: 'RFC 5280 §4.2.2.1, §4.2.2.2',
    scope: 'conformance',
    roles: ALL,
    check: (c, _r, d) => checkAccessDescriptions(c, d),
  },
  {
    name: 'subject-alt-name-syntax',
    source: 'RFC 5280 §4.2.1.6',
    scope: 'conformance',
    roles: ALL,
    check: (c, _r, d) => checkSubjectAltNameSyntax(c, d),
  },
  {
    name: 'ca-subject-not-empty',
    source: 'RFC 5280 §4.1.2.6',
    scope: 'conformance',
    roles: ALL,
    check: (c, r, d) => checkCaSubjectNotEmpty(c, r, d),
  },
  {
    name: 'empty-subject-critical-san',
    source: 'RFC 5280 §4.1.2.6, §4.2.1.6',
    scope: 'conformance',
    roles: ['leaf'],
    check: (c, _r, d) => checkEmptySubjectHasCriticalSan(c, d),
  },
  {
    name: 'rsa-2048',
    source: 'nodeid (NIST SP 800-131A)',
    scope: 'rfc5280',
    roles: ALL,
    check: (c, _r, d) => checkRsaSize(c, d),
  },
  {
    name: 'rsa-exponent',
    source: 'RFC 8017 §3.1; BR 6.1.6',
    scope: 'rfc5280',
    roles: ALL,
    check: (c, _r, d) => checkRsaExponent(c, d),
  },
  {
    name: 'ec-named-curve',
    source: 'RFC 5480 §2.1.1',
    scope: 'rfc5280',
    roles: ALL,
    check: (c, _r, d) => checkEcNamedCurve(c, d),
  },
  {
    name: 'ec-curve-224',
    source: 'nodeid (NIST SP 800-57 Part 1 §5.6.1, SP 800-131A)',
    scope: 'rfc5280',
    roles: ALL,
    check: (c, _r, d) => checkEcCurveStrength(c, d),
  },
  {
    name: 'ca-bits-consistent',
    source: 'RFC 5280 §4.2.1.3, §4.2.1.9',
    scope: 'conformance',
    roles: ALL,
    check: (c, _r, d) => checkCaBitsConsistent(c, d),
  },
  {
    name: 'name-constraints-in-ca',
    source: 'RFC 5280 §4.2.1.10',
    scope: 'conformance',
    roles: ALL,
    check: (c, _r, d) => checkNameConstraintsInCa(c, d),
  },
  {
    name: 'name-constraints-critical',
    source: 'RFC 5280 §4.2.1.10 (BR 7.1.2.10.8 excepts it)',
    scope: 'conformance',
    notUnderWebPki: true,
    roles: CAS,
    check: (c, _r, d) => checkNameConstraintsCritical(c, d),
  },
  {
    name: 'policy-extensions-critical',
    source: 'RFC 5280 §4.2.1.11, §4.2.1.14',
    scope: 'conformance',
    roles: CAS,
    check: (c, _r, d) => checkPolicyExtensionsCritical(c, d),
  },
  {
    name: 'name-constraints-not-empty',
    source: 'RFC 5280 §4.2.1.10',
    scope: 'conformance',
    roles: CAS,
    check: (c, _r, d) => checkNameConstraintsNotEmpty(c, d),
  },
  {
    name: 'dns-constraints-are-host-names',
    source: 'RFC 5280 §4.2.1.10, §4.2.1.6',
    scope: 'conformance',
    roles: CAS,
    check: (c, _r, d) => checkDnsConstraintsAreHostNames(c, d),
  },
  {
    name: 'signature-hash',
    source: 'nodeid (SHA-1 and MD5 refused)',
    scope: 'rfc5280',
    roles: ISSUED,
    check: (c, _r, d) => checkSignatureHash(c, d),
  },
  {
    name: 'is-ca',
    source: 'RFC 5280 §6.1.4 (k)',
    scope: 'rfc5280',
    roles: CAS,
    check: (c, _r, d) => checkIsCa(c, d),
  },
  {
    name: 'basic-constraints-critical',
    source: 'RFC 5280 §4.2.1.9',
    scope: 'conformance',
    roles: CAS,
    check: (c, _r, d) => checkBasicConstraintsCritical(c, d),
  },
  {
    name: 'ca-key-cert-sign',
    source: 'RFC 5280 §6.1.4 (n), RFC 5937 §3',
    scope: 'rfc5280',
    roles: CAS,
    check: (c, _r, d) => checkCaKeyCertSign(c, d),
  },
  {
    name: 'ca-subject-key-identifier',
    source: 'RFC 5280 §4.2.1.2',
    scope: 'conformance',
    roles: CAS,
    check: (c, _r, d) => checkCaSubjectKeyId(c, d),
  },
];

/** Every rule applied to single certificates: RFC 5280's, then the Baseline Requirements'. */
export const PROFILE_RULES: readonly ProfileRule[] = [...RFC5280_RULES, ...WEBPKI_RULES];

/**
 * Every role-dependent check of one certificate, in order; the first failure wins. A bare
 * policy stands for that policy without `strict`.
 */
export function checkProfile(
  cert: Certificate,
  role: CertificateRole,
  depth: number,
  context: ProfileContext | VerifyPolicy,
): Failure | undefined {
  const ctx = typeof context === 'string' ? { policy: context, strict: false } : context;
  for (const rule of PROFILE_RULES) {
    if (!rule.roles.includes(role) || !ruleApplies(rule, ctx)) continue;
    const f = rule.check(cert, role, depth, ctx);
    if (f) return f;
  }
  return undefined;
}

/**
 * §4.2.1.1: the keyIdentifier of the authorityKeyIdentifier MUST be included in every
 * certificate a conforming CA makes, except that a self-signed certificate MAY omit it; BR
 * 7.1.2.7.6 and the subordinate CA profiles (7.1.2.2-7.1.2.6, 7.1.2.11.1) require it in every
 * certificate but the root. Checked over the path, where "self-signed" is known: a
 * self-issued certificate whose issuer in the path has the same key. A self-issued trust
 * anchor is exempt (a root; BR 7.1.2.1.2: RECOMMENDED there); an anchor issued by another CA
 * (a cross-certificate trusted directly) is not self-signed, so the MUST holds for it too.
 */
export function checkPathAuthorityKeyIds(
  path: readonly Certificate[],
  ctx: ProfileContext,
): Failure | undefined {
  if (!ruleApplies({ scope: 'conformance' }, ctx)) return undefined;
  for (let p = 0; p < path.length; p++) {
    const cert = path[p]!;
    if (cert.authorityKeyIdentifier?.keyIdentifier) continue;
    const issuer = path[p + 1];
    const selfSigned = issuer
      ? isSelfIssued(cert) && bytesEqual(issuer.publicKey.spki, cert.publicKey.spki)
      : isSelfIssued(cert);
    if (selfSigned) continue;
    return invalid(
      cert,
      p,
      'has no authorityKeyIdentifier keyIdentifier, which RFC 5280 §4.2.1.1 requires in certificates issued by a CA',
    );
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
