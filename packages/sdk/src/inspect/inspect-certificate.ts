/**
 * Describes a certificate as plain JSON-safe data (strings, numbers, booleans, arrays): what an
 * admin wants to see, and what `nodeid certificate inspect --format json` prints. Inspection
 * only: it verifies nothing (no signature, chain, or dates judged); `problems` lists what the
 * parser found wrong with the encoding.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
} from '../certificate/parse-certificate.js';
import { toColonHex } from '../lib/bytes.js';
import type { CryptoOptions } from '../lib/crypto.js';
import type { GeneralName } from '../lib/general-name.js';
import type { DistinguishedName } from '../lib/name.js';
import {
  describeExtension,
  describeName,
  type InspectedExtension,
  type InspectedName,
} from './describe.js';
import { fingerprints } from './fingerprints.js';

/** Subject alternative names grouped by type. */
export interface InspectedSubjectAltNames {
  dns: string[];
  ip: string[];
  email: string[];
  uri: string[];
  /** Other kinds, as `type:value` text (e.g. `dirName:CN=x`, `registeredId:1.2.3`). */
  other: string[];
}

/** A certificate as {@link inspectCertificate} describes it. */
export interface InspectedCertificate {
  kind: 'certificate';
  /** X.509 version (1 to 3). */
  version: number;
  /** Serial number, lower-case hex without leading zero bytes. */
  serialNumber: string;
  subject: InspectedName;
  issuer: InspectedName;
  /** ISO 8601 UTC. */
  notBefore: string;
  /** ISO 8601 UTC (inclusive). */
  notAfter: string;
  subjectAltNames: InspectedSubjectAltNames;
  publicKey: { type: string; curve?: string; bits: number };
  /** e.g. `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `ED25519`, or the OID when unknown. */
  signatureAlgorithm: string;
  basicConstraints?: { ca: boolean; pathLength?: number; critical: boolean };
  /** Key usage names (`digitalSignature`, `keyCertSign`, …), when the extension is present. */
  keyUsage?: string[];
  /** Extended key usage names (`serverAuth`, `clientAuth`, …) or OIDs, when present. */
  extendedKeyUsage?: string[];
  /** Colon-separated upper-case hex, as openssl prints it. */
  subjectKeyIdentifier?: string;
  /** The AKI key identifier, colon-separated upper-case hex. */
  authorityKeyIdentifier?: string;
  nameConstraints?: { permitted: string[]; excluded: string[]; critical: boolean };
  /** Colon-separated upper-case hex of the DER's digests, as `openssl x509 -fingerprint` prints. */
  fingerprints: { sha256: string; sha1: string };
  /** Issuer and subject are the same name, byte for byte (a root or a self-issued certificate). */
  selfSigned: boolean;
  /** basicConstraints says cA: TRUE. */
  isCa: boolean;
  /** Every extension present, with its name when known. */
  extensions: InspectedExtension[];
  /** What is wrong with the encoding; empty for a clean certificate. */
  problems: string[];
}

/** Groups general names by type. @internal */
export function groupGeneralNames(names: GeneralName[] | undefined): InspectedSubjectAltNames {
  const out: InspectedSubjectAltNames = { dns: [], ip: [], email: [], uri: [], other: [] };
  for (const n of names ?? []) {
    if (n.type === 'dns' || n.type === 'ip' || n.type === 'email' || n.type === 'uri')
      out[n.type].push(n.value);
    else out.other.push(`${n.type}:${n.value}`);
  }
  return out;
}

function subtreeText(name: GeneralName): string {
  return `${name.type}:${name.value}`;
}

function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.raw.length !== b.raw.length) return false;
  for (let i = 0; i < a.raw.length; i++) if (a.raw[i] !== b.raw[i]) return false;
  return true;
}

/**
 * Describes a certificate from PEM text, DER bytes or a parsed {@link Certificate}. Async only
 * because fingerprints use WebCrypto's digest. Throws `ERR_CERTIFICATE_INVALID` (or a PEM error)
 * when the input is not a certificate.
 *
 * @example
 * ```ts
 * const info = await inspectCertificate(pem);
 * console.log(info.subject.text, info.notAfter, info.subjectAltNames.dns, info.fingerprints.sha256);
 * console.log(JSON.stringify(info, null, 2));
 * ```
 */
export async function inspectCertificate(
  input: CertificateInput,
  options: CryptoOptions = {},
): Promise<InspectedCertificate> {
  const cert: Certificate = parseCertificate(input);
  const problems = [...cert.problems];
  if (cert.serialNumberInvalid) problems.push('serial number is zero or negative');
  if (cert.serialNumberLength > 20) problems.push('serial number is longer than 20 octets');
  if (cert.signatureAlgorithmMismatch)
    problems.push('the inner and outer signature algorithms differ');
  const out: InspectedCertificate = {
    kind: 'certificate',
    version: cert.version,
    serialNumber: cert.serialNumber,
    subject: describeName(cert.subject),
    issuer: describeName(cert.issuer),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    subjectAltNames: groupGeneralNames(cert.subjectAltNames),
    publicKey:
      cert.publicKey.curve === undefined
        ? { type: cert.publicKey.type, bits: cert.publicKey.bits }
        : { type: cert.publicKey.type, curve: cert.publicKey.curve, bits: cert.publicKey.bits },
    signatureAlgorithm: cert.signatureAlgorithm.name,
    fingerprints: await fingerprints(cert.der, options),
    selfSigned: sameName(cert.issuer, cert.subject),
    isCa: cert.basicConstraints?.ca === true,
    extensions: cert.extensions.map(describeExtension),
    problems,
  };
  if (cert.basicConstraints) out.basicConstraints = { ...cert.basicConstraints };
  if (cert.keyUsage) out.keyUsage = [...cert.keyUsage];
  if (cert.extendedKeyUsage)
    out.extendedKeyUsage = cert.extendedKeyUsage.map((o) => describeExtendedKeyUsage(o));
  if (cert.subjectKeyIdentifier) out.subjectKeyIdentifier = toColonHex(cert.subjectKeyIdentifier);
  if (cert.authorityKeyIdentifier?.keyIdentifier)
    out.authorityKeyIdentifier = toColonHex(cert.authorityKeyIdentifier.keyIdentifier);
  if (cert.nameConstraints)
    out.nameConstraints = {
      permitted: (cert.nameConstraints.permitted ?? []).map((s) => subtreeText(s.base)),
      excluded: (cert.nameConstraints.excluded ?? []).map((s) => subtreeText(s.base)),
      critical: cert.nameConstraints.critical,
    };
  return out;
}

const EKU_NAMES: Record<string, string> = {
  '2.5.29.37.0': 'anyExtendedKeyUsage',
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};

/** The name of an extended key usage OID, or the OID itself when unknown. */
export function describeExtendedKeyUsage(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}
