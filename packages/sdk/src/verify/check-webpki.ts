/**
 * The CA/Browser Forum Baseline Requirements (TLS BRs, version 2.x) as rules, applied on top of
 * RFC 5280 under `policy: 'webpki'`. Each rule cites the BR section it comes from; section
 * numbers are those of BR 2.0 and later (the certificate profiles of §7.1.2). Rules about the
 * whole path (the authorityKeyIdentifier of every certificate but the root) are in
 * check-profile.ts, beside the RFC 5280 rule they extend.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { formatIp, type GeneralName } from '../lib/general-name.js';
import { nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import type { CertificateRole, ProfileContext, ProfileRule } from './check-profile.js';
import { describeCertificate, type Failure, failure } from './failure.js';
import { isWildcardName } from './name-syntax.js';

const who = (cert: Certificate, depth: number) => describeCertificate(cert.subject.text, depth);

const violation = (cert: Certificate, depth: number, why: string): Failure =>
  failure('ERR_POLICY_VIOLATION', `${who(cert, depth)} ${why} (Web PKI profile)`, depth);

/**
 * The text a subject CN must have to be a copy of `name` (BR 7.1.4.3, referenced by the
 * commonName rows of 7.1.2.7.2-7.1.2.7.4): an IPv4 address in dotted decimal as RFC 3986
 * §3.2.2 writes it (no leading zeros, no hex or octal), an IPv6 address in the RFC 5952 §4
 * text form (lower-case hex, no leading zeros, the longest run of zero groups as `::`), and a
 * DNS name as a character-for-character copy of the dNSName (so its A-labels, in the SAN's
 * own letter case). `undefined` for a malformed IP address, which has no text form.
 */
export function commonNameForm(name: GeneralName): string | undefined {
  if (name.type === 'ip')
    return name.bytes.length === 4 || name.bytes.length === 16 ? formatIp(name.bytes) : undefined;
  return name.value;
}

/**
 * BR 7.1.4.3: "If present, this attribute MUST contain exactly one entry that is one of the
 * values contained in the Certificate's subjectAltName extension", encoded as
 * {@link commonNameForm} says. The comparison is exact, letter case included, although DNS
 * names are case-insensitive: the BR asks for a character-for-character copy of the SAN, so
 * that software still reading the CN sees exactly the name the CA validated.
 */
export function checkCommonNameIsSan(cert: Certificate, depth: number): Failure | undefined {
  const cns = nameValues(cert.subject, OID.commonName);
  if (cns.length === 0) return undefined;
  if (cns.length > 1) return violation(cert, depth, `has ${cns.length} subject CNs, not one`);
  const forms = new Set((cert.subjectAltNames ?? []).map(commonNameForm));
  if (forms.has(cns[0]!)) return undefined;
  return violation(
    cert,
    depth,
    `has a subject CN "${cns[0]}" that is not a copy of one of its subjectAltName values in the form the BRs require`,
  );
}

/**
 * BR 3.2.2.6: a wildcard may not sit directly on a public suffix (`*.com`, `*.co.uk`,
 * `*.local`, `*` alone). Both sections of the Public Suffix List count (see public-suffix.ts).
 */
export function checkWildcardNotOnPublicSuffix(
  cert: Certificate,
  depth: number,
  ctx: ProfileContext,
): Failure | undefined {
  for (const n of cert.subjectAltNames ?? []) {
    if (n.type !== 'dns' || !isWildcardName(n.value)) continue;
    if (!ctx.publicSuffixes)
      return failure(
        'ERR_INTERNAL',
        'the Public Suffix List is not loaded, so wildcards cannot be checked',
        depth,
      );
    const base = n.value === '*' ? '' : n.value.slice(2);
    if (ctx.publicSuffixes.isPublicSuffix(base))
      return violation(cert, depth, `has a wildcard "${n.value}" on the public suffix "${base}"`);
  }
  return undefined;
}

/** extKeyUsage, when present, is not critical in any certificate (BR 7.1.2.1.2 forbids it in roots). */
export function checkExtKeyUsageNotCritical(cert: Certificate, depth: number): Failure | undefined {
  const eku = cert.extensions.find((e) => e.oid === OID.extKeyUsage);
  if (!eku?.critical) return undefined;
  return violation(cert, depth, 'marks its extKeyUsage extension critical');
}

/** Precertificate Signing Certificate (RFC 6962 §3.1), MUST NOT be in a subscriber certificate. */
const PRECERTIFICATE_SIGNING = '1.3.6.1.4.1.11129.2.4.4';

/**
 * BR 7.1.2.7.10: the extKeyUsage purposes a TLS subscriber certificate MUST NOT hold (other
 * unlisted purposes are only NOT RECOMMENDED, so they are let through).
 */
const SUBSCRIBER_FORBIDDEN_EKU: Record<string, string> = {
  [OID.anyExtendedKeyUsage]: 'anyExtendedKeyUsage',
  [OID.codeSigning]: 'codeSigning',
  [OID.emailProtection]: 'emailProtection',
  [OID.timeStamping]: 'timeStamping',
  [OID.ocspSigning]: 'OCSPSigning',
  [PRECERTIFICATE_SIGNING]: 'Precertificate Signing',
};

/**
 * BR 7.1.2.7.11, the key usages a subscriber certificate may assert, by key type (when the
 * extension is present; 7.1.2.7.6 makes it a SHOULD): for RSA keys digitalSignature,
 * keyEncipherment and dataEncipherment ("at least one Key Usage MUST be set"); for ECC keys
 * digitalSignature, which MUST be set, and keyAgreement. Every other bit is "Permitted: N".
 */
const SUBSCRIBER_KEY_USAGE: Record<string, { allowed: readonly string[]; required?: string }> = {
  RSA: { allowed: ['digitalSignature', 'keyEncipherment', 'dataEncipherment'] },
  EC: { allowed: ['digitalSignature', 'keyAgreement'], required: 'digitalSignature' },
};

function checkSubscriberKeyUsage(cert: Certificate, depth: number): Failure | undefined {
  const rule = SUBSCRIBER_KEY_USAGE[cert.publicKey.type];
  if (!cert.keyUsage || !rule) return undefined;
  const type = cert.publicKey.type === 'EC' ? 'an ECC' : 'an RSA';
  if (rule.required && !cert.keyUsage.includes(rule.required as never))
    return violation(cert, depth, `has ${type} key without the ${rule.required} key usage`);
  const other = cert.keyUsage.find((u) => !rule.allowed.includes(u));
  if (other) return violation(cert, depth, `asserts the ${other} key usage for ${type} key`);
  return undefined;
}

/** Rules for subscriber certificates (BR 7.1.2.7). */
function checkSubscriber(cert: Certificate, depth: number): Failure | undefined {
  const bad = (why: string) => violation(cert, depth, why);
  // 7.1.2.7.8: basicConstraints cA MUST be FALSE; 7.1.2.7.11: keyCertSign MUST NOT be set
  if (cert.basicConstraints?.ca) return bad('is a CA certificate used as a leaf');
  if (cert.keyUsage?.includes('keyCertSign')) return bad('asserts keyCertSign in a leaf');
  const usage = checkSubscriberKeyUsage(cert, depth);
  if (usage) return usage;
  // 7.1.2.7.12: subjectAltName MUST be present, critical only when the subject is empty
  const san = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  if (!san || !cert.subjectAltNames?.length) return bad('has no subjectAltName');
  if (san.critical && cert.subject.rdns.length > 0)
    return bad('has a critical subjectAltName with a non-empty subject');
  // 7.1.2.7.12: only dNSName and iPAddress entries (otherName, rfc822Name, URI, ... MUST NOT)
  const other = cert.subjectAltNames.find((n) => n.type !== 'dns' && n.type !== 'ip');
  if (other)
    return bad(`has a ${other.type} subjectAltName; only DNS names and IP addresses are allowed`);
  // 7.1.2.7.10: extKeyUsage MUST be present, without anyExtendedKeyUsage or another MUST NOT
  if (!cert.extendedKeyUsage) return bad('has no extKeyUsage');
  const forbidden = cert.extendedKeyUsage.find((o) => SUBSCRIBER_FORBIDDEN_EKU[o]);
  if (forbidden) return bad(`asserts ${SUBSCRIBER_FORBIDDEN_EKU[forbidden]}`);
  return undefined;
}

/** Rules for root certificates (BR 7.1.2.1). */
function checkRoot(cert: Certificate, depth: number): Failure | undefined {
  const bad = (why: string) => violation(cert, depth, why);
  // 7.1.2.1.2: extKeyUsage MUST NOT be present in a root
  if (cert.extendedKeyUsage) return bad('is a root with an extKeyUsage extension');
  // 7.1.2.1.3: keyIdentifier MUST be present and equal the subjectKeyIdentifier; issuer and
  // serial MUST NOT be present
  const aki = cert.authorityKeyIdentifier;
  if (aki) {
    if (!aki.keyIdentifier) return bad('has an authorityKeyIdentifier without a keyIdentifier');
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

/** keyUsage MUST be present in CA certificates (BR 7.1.2.1.2 for roots, 7.1.2.10.7 for the others). */
function checkCaKeyUsage(cert: Certificate, depth: number): Failure | undefined {
  if (cert.keyUsage) return undefined;
  return violation(cert, depth, 'is a CA certificate without a keyUsage extension');
}

/** Only version 3 certificates (BR 7.1.1). */
function checkVersion3(cert: Certificate, depth: number): Failure | undefined {
  if (cert.version === 3) return undefined;
  return violation(cert, depth, `is a version ${cert.version} certificate, not version 3`);
}

/**
 * Key types and sizes (BR 6.1.5, 7.1.3.1): RSA with a modulus size divisible by 8, or ECDSA on
 * P-256, P-384 or P-521; nothing else. (RSA under 2048 bits is refused under any policy.)
 */
function checkKeyType(cert: Certificate, depth: number): Failure | undefined {
  const key = cert.publicKey;
  const weak = (why: string) =>
    failure('ERR_KEY_WEAK', `${who(cert, depth)} ${why}, not allowed in the Web PKI`, depth);
  if (key.type === 'RSA')
    return key.bits % 8 === 0
      ? undefined
      : weak(`has a ${key.bits}-bit RSA key; the size must be divisible by 8`);
  if (key.type === 'EC')
    return ['P-256', 'P-384', 'P-521'].includes(key.curve ?? '')
      ? undefined
      : weak(`has an EC key on curve ${key.curve}`);
  return weak(`has a key of type ${key.type}`);
}

const ALL: readonly CertificateRole[] = ['leaf', 'intermediate', 'anchor'];
const CAS: readonly CertificateRole[] = ['intermediate', 'anchor'];

/** The Baseline Requirements rules applied to single certificates, in order. */
export const WEBPKI_RULES: readonly ProfileRule[] = [
  {
    name: 'webpki-version-3',
    source: 'BR 7.1.1',
    scope: 'webpki',
    roles: ALL,
    check: (c, _r, d) => checkVersion3(c, d),
  },
  {
    name: 'webpki-key-type',
    source: 'BR 6.1.5, 7.1.3.1',
    scope: 'webpki',
    roles: ALL,
    check: (c, _r, d) => checkKeyType(c, d),
  },
  {
    name: 'webpki-subscriber',
    source: 'BR 7.1.2.7.8, 7.1.2.7.10-12',
    scope: 'webpki',
    roles: ['leaf'],
    check: (c, _r, d) => checkSubscriber(c, d),
  },
  {
    name: 'webpki-eku-not-critical',
    source: 'BR 7.1.2.7.6, 7.1.2.2-7.1.2.6 (extKeyUsage: critical N)',
    scope: 'webpki',
    roles: ALL,
    check: (c, _r, d) => checkExtKeyUsageNotCritical(c, d),
  },
  {
    name: 'webpki-wildcard-public-suffix',
    source: 'BR 3.2.2.6',
    scope: 'webpki',
    roles: ['leaf'],
    check: (c, _r, d, ctx) => checkWildcardNotOnPublicSuffix(c, d, ctx),
  },
  {
    name: 'webpki-common-name-is-san',
    source: 'BR 7.1.4.3, 7.1.2.7.2',
    scope: 'webpki',
    roles: ['leaf'],
    check: (c, _r, d) => checkCommonNameIsSan(c, d),
  },
  {
    name: 'webpki-ca-key-usage',
    source: 'BR 7.1.2.1.2, 7.1.2.10.7',
    scope: 'webpki',
    roles: CAS,
    check: (c, _r, d) => checkCaKeyUsage(c, d),
  },
  {
    name: 'webpki-root',
    source: 'BR 7.1.2.1.2, 7.1.2.1.3',
    scope: 'webpki',
    roles: ['anchor'],
    check: (c, _r, d) => checkRoot(c, d),
  },
];
