/**
 * Our own strict X.509 certificate parser. It keeps the raw bytes verification needs (the
 * TBSCertificate, names as encoded, extension values) and decodes the extensions nodeid uses.
 * Structural errors throw `ERR_CERTIFICATE_INVALID`; semantic oddities a verifier must reject
 * (duplicate extensions, a malformed known extension) are listed in `problems` so the certificate
 * can still be inspected.
 */
import { NodeIdError, parseFailure } from '../errors.js';
import {
  type AuthorityKeyIdentifier,
  decodeAuthorityKeyIdentifier,
} from '../lib/authority-key-identifier.js';
import { bytesEqual, toHex } from '../lib/bytes.js';
import {
  children,
  type Der,
  decode,
  expectTag,
  readBigInt,
  readBitString,
  readBoolean,
  readOid,
  readSmallInt,
  readTime,
  Tag,
} from '../lib/der.js';
import { type DistributionPoint, decodeDistributionPoints } from '../lib/distribution-point.js';
import { decodeGeneralName, decodeGeneralNames, type GeneralName } from '../lib/general-name.js';
import { type DistinguishedName, decodeName } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { encodePem, toBlocks } from '../lib/pem.js';
import {
  describePublicKey,
  describeSignatureAlgorithm,
  type PublicKeyInfo,
  readSignatureValue,
  type SignatureAlgorithmInfo,
} from '../lib/signature.js';

const CODE = 'ERR_CERTIFICATE_INVALID';

/** One extension as found in the certificate. */
export interface Extension {
  oid: string;
  critical: boolean;
  /** The contents of the extnValue OCTET STRING. */
  value: Uint8Array;
}

/** Key usage bit names, in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

/** A key usage bit name. */
export type KeyUsage = (typeof KEY_USAGE_NAMES)[number];

/** One subtree of a name constraint. */
export interface GeneralSubtree {
  base: GeneralName;
  /** minimum/maximum other than the defaults are not allowed by RFC 5280; recorded for the verifier. */
  minimum: number;
  maximum?: number;
}

/** A parsed certificate: plain data, safe to serialise except for the byte arrays. */
export interface Certificate {
  /** The certificate DER. */
  der: Uint8Array;
  /** The certificate as PEM. */
  pem: string;
  /** The raw TBSCertificate, the bytes the issuer signed. */
  tbs: Uint8Array;
  /** X.509 version: 1, 2 or 3. */
  version: number;
  /** Serial number as lower-case hex, without sign or leading zero bytes. */
  serialNumber: string;
  /**
   * The serial number's value as the signed INTEGER it encodes (`00 FF` is 255, `FF` is -1).
   * Revocation compares this, not the hex text (RFC 5280 §5.3.3, §6.3.3 (i), (j)).
   */
  serialNumberValue: bigint;
  /** True when the serial's encoding is negative or zero (not allowed by RFC 5280). */
  serialNumberInvalid: boolean;
  /** Length in octets of the serial number's encoding. */
  serialNumberLength: number;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /**
   * The validity fields written as GeneralizedTime for a date from 1950 through 2049, which
   * RFC 5280 §4.1.2.5 requires as UTCTime; absent when there are none.
   */
  generalizedTimeBefore2050?: ('notBefore' | 'notAfter')[];
  publicKey: PublicKeyInfo;
  /** The outer signature algorithm. */
  signatureAlgorithm: SignatureAlgorithmInfo;
  /** @internal the outer AlgorithmIdentifier node, for verification. */
  signatureAlgorithmNode: Der;
  /** True when the outer and inner (TBS) signature algorithms differ, which RFC 5280 forbids. */
  signatureAlgorithmMismatch: boolean;
  /** The signature value. */
  signature: Uint8Array;
  extensions: Extension[];
  /** basicConstraints, when present. */
  basicConstraints?: { ca: boolean; pathLength?: number; critical: boolean };
  /** keyUsage bits set, when the extension is present. */
  keyUsage?: KeyUsage[];
  /** extKeyUsage OIDs, when present. */
  extendedKeyUsage?: string[];
  /** subjectAltName entries, when present. */
  subjectAltNames?: GeneralName[];
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: AuthorityKeyIdentifier;
  nameConstraints?: {
    permitted?: GeneralSubtree[];
    excluded?: GeneralSubtree[];
    critical: boolean;
  };
  /** cRLDistributionPoints (RFC 5280 §4.2.1.13), when present. */
  crlDistributionPoints?: DistributionPoint[];
  /** Semantic problems found while decoding; a verifier rejects a certificate that has any. */
  problems: string[];
}

/** Anything the SDK accepts as a certificate: PEM text, DER bytes, or an already parsed one. */
export type CertificateInput = string | Uint8Array | Certificate;

/** Extensions decoded below; the value of any other extension is kept as opaque bytes. */
const DECODED_EXTENSIONS = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.nameConstraints,
  OID.crlDistributionPoints,
]);

function decodeExtension(cert: Certificate, ext: Extension): void {
  if (!DECODED_EXTENSIONS.has(ext.oid)) return;
  const v = decode(ext.value, CODE);
  switch (ext.oid) {
    case OID.basicConstraints: {
      const items = children(expectTag(v, Tag.SEQUENCE, 'basicConstraints', CODE), CODE);
      let i = 0;
      let ca = false;
      if (items[i]?.tag === Tag.BOOLEAN) {
        ca = readBoolean(items[i]!, CODE);
        if (!ca) cert.problems.push('basicConstraints encodes the default cA FALSE explicitly');
        i++;
      }
      let pathLength: number | undefined;
      if (items[i]?.tag === Tag.INTEGER) {
        pathLength = readSmallInt(items[i]!, CODE);
        if (pathLength < 0)
          throw new NodeIdError(CODE, 'basicConstraints has a negative path length');
        i++;
      }
      if (i !== items.length) throw new NodeIdError(CODE, 'malformed basicConstraints');
      cert.basicConstraints =
        pathLength === undefined
          ? { ca, critical: ext.critical }
          : { ca, pathLength, critical: ext.critical };
      return;
    }
    case OID.keyUsage: {
      const { bytes, unusedBits } = readBitString(v, CODE);
      const usages: KeyUsage[] = [];
      KEY_USAGE_NAMES.forEach((name, bit) => {
        const byte = bytes[bit >> 3];
        if (byte !== undefined && byte & (0x80 >> (bit & 7))) usages.push(name);
      });
      if (
        bytes.length > 0 &&
        unusedBits > 0 &&
        bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)
      ) {
        throw new NodeIdError(CODE, 'malformed keyUsage: unused bits are set');
      }
      if (usages.length === 0) cert.problems.push('keyUsage extension has no bits set');
      cert.keyUsage = usages;
      return;
    }
    case OID.extKeyUsage: {
      const items = children(expectTag(v, Tag.SEQUENCE, 'extKeyUsage', CODE), CODE);
      if (items.length === 0) cert.problems.push('extKeyUsage extension is empty');
      cert.extendedKeyUsage = items.map((o) => readOid(o, CODE));
      return;
    }
    case OID.subjectAltName: {
      const names = decodeGeneralNames(v, CODE);
      if (names.length === 0) cert.problems.push('subjectAltName extension is empty');
      cert.subjectAltNames = names;
      return;
    }
    case OID.subjectKeyIdentifier:
      cert.subjectKeyIdentifier = expectTag(
        v,
        Tag.OCTET_STRING,
        'subjectKeyIdentifier',
        CODE,
      ).value;
      return;
    case OID.authorityKeyIdentifier:
      cert.authorityKeyIdentifier = decodeAuthorityKeyIdentifier(v, CODE);
      return;
    case OID.nameConstraints: {
      const nc: NonNullable<Certificate['nameConstraints']> = { critical: ext.critical };
      for (const item of children(expectTag(v, Tag.SEQUENCE, 'nameConstraints', CODE), CODE)) {
        const subtrees = children(item, CODE).map((st) => decodeSubtree(st));
        if (item.tag === 0xa0) nc.permitted = subtrees;
        else if (item.tag === 0xa1) nc.excluded = subtrees;
        else throw new NodeIdError(CODE, 'malformed nameConstraints');
      }
      // an empty NameConstraints is valid ASN.1; RFC 5280 §4.2.1.10 forbids it to CAs only,
      // so the verifier's conformance rules judge it (check-profile.ts)
      cert.nameConstraints = nc;
      return;
    }
    case OID.crlDistributionPoints:
      cert.crlDistributionPoints = decodeDistributionPoints(v, CODE);
      return;
  }
}

function decodeSubtree(node: Der): GeneralSubtree {
  const [base, ...rest] = children(expectTag(node, Tag.SEQUENCE, 'general subtree', CODE), CODE);
  if (!base) throw new NodeIdError(CODE, 'malformed general subtree');
  const st: GeneralSubtree = { base: decodeGeneralName(base, CODE), minimum: 0 };
  for (const r of rest) {
    const n = readSmallInt({ tag: Tag.INTEGER, raw: r.raw, value: r.value }, CODE);
    if (r.tag === 0x80) st.minimum = n;
    else if (r.tag === 0x81) st.maximum = n;
    else throw new NodeIdError(CODE, 'malformed general subtree');
  }
  return st;
}

/**
 * RFC 5280 §4.1.2.5: "CAs conforming to this profile MUST always encode certificate validity
 * dates through the year 2049 as UTCTime; certificate validity dates in 2050 or later MUST be
 * encoded as GeneralizedTime". The fields that break the first half, for the profile checks.
 */
function generalizedBefore2050(
  nb: Der,
  na: Der,
): { generalizedTimeBefore2050?: ('notBefore' | 'notAfter')[] } {
  const fields = (
    [
      ['notBefore', nb],
      ['notAfter', na],
    ] as const
  )
    .filter(([, node]) => {
      if (node.tag !== Tag.GENERALIZED_TIME) return false;
      const year = readTime(node, CODE).getUTCFullYear();
      return year >= 1950 && year < 2050;
    })
    .map(([field]) => field);
  return fields.length > 0 ? { generalizedTimeBefore2050: fields } : {};
}

/** Parses one certificate from DER. */
export function parseCertificateDer(der: Uint8Array): Certificate {
  try {
    const root = decode(der, CODE);
    const [tbsNode, sigAlg, sigValue, extra] = children(
      expectTag(root, Tag.SEQUENCE, 'certificate', CODE),
      CODE,
      4,
    );
    if (extra) throw new NodeIdError(CODE, 'malformed certificate: extra fields');
    // RFC 5280 §4.1: at most 10 fields (version to extensions)
    const tbsParts = children(expectTag(tbsNode, Tag.SEQUENCE, 'TBSCertificate', CODE), CODE, 11);
    let i = 0;
    let version = 1;
    if (tbsParts[0]?.tag === 0xa0) {
      const [vNode] = children(tbsParts[0], CODE);
      version = readSmallInt(expectTag(vNode, Tag.INTEGER, 'version', CODE), CODE) + 1;
      if (version < 1 || version > 3)
        throw new NodeIdError(CODE, `unsupported certificate version ${version}`);
      i++;
    }
    const serialNode = expectTag(tbsParts[i++], Tag.INTEGER, 'serial number', CODE);
    const innerSigAlg = expectTag(tbsParts[i++], Tag.SEQUENCE, 'signature algorithm', CODE);
    const issuer = decodeName(tbsParts[i++]!, CODE);
    const [nb, na, vExtra] = children(
      expectTag(tbsParts[i++], Tag.SEQUENCE, 'validity', CODE),
      CODE,
    );
    if (!nb || !na || vExtra) throw new NodeIdError(CODE, 'malformed validity');
    const subject = decodeName(tbsParts[i++]!, CODE);
    const spki = expectTag(tbsParts[i++], Tag.SEQUENCE, 'subject public key info', CODE);
    const sv = serialNode.value;
    if (sv.length === 0) throw new NodeIdError(CODE, 'malformed serial number');
    let serialBytes = sv;
    while (serialBytes.length > 1 && serialBytes[0] === 0) serialBytes = serialBytes.subarray(1);
    const cert: Certificate = {
      der,
      pem: encodePem('CERTIFICATE', der),
      tbs: tbsNode!.raw,
      version,
      serialNumber: toHex(serialBytes),
      serialNumberValue: readBigInt(serialNode, CODE),
      serialNumberInvalid: (sv[0]! & 0x80) !== 0 || sv.every((b) => b === 0),
      serialNumberLength: sv.length,
      issuer,
      subject,
      notBefore: readTime(nb, CODE),
      notAfter: readTime(na, CODE),
      ...generalizedBefore2050(nb!, na!),
      publicKey: describePublicKey(spki),
      signatureAlgorithm: describeSignatureAlgorithm(
        expectTag(sigAlg, Tag.SEQUENCE, 'signature algorithm', CODE),
      ),
      signatureAlgorithmNode: sigAlg!,
      signatureAlgorithmMismatch: !bytesEqual(innerSigAlg.raw, sigAlg!.raw),
      signature: readSignatureValue(sigValue, CODE),
      extensions: [],
      problems: [],
    };
    if (
      (sv.length > 1 && sv[0] === 0 && !(sv[1]! & 0x80)) ||
      (sv.length > 1 && sv[0] === 0xff && sv[1]! & 0x80)
    ) {
      throw new NodeIdError(CODE, 'malformed serial number: not minimally encoded');
    }
    for (; i < tbsParts.length; i++) {
      const part = tbsParts[i]!;
      if (part.tag === 0x81 || part.tag === 0x82) {
        if (version < 2)
          throw new NodeIdError(CODE, 'unique identifiers require certificate version 2 or 3');
        continue;
      }
      if (part.tag !== 0xa3)
        throw new NodeIdError(CODE, 'malformed TBSCertificate: unexpected field');
      if (version !== 3) throw new NodeIdError(CODE, 'extensions require certificate version 3');
      const [extsNode, more] = children(part, CODE);
      if (more) throw new NodeIdError(CODE, 'malformed extensions');
      const exts = children(expectTag(extsNode, Tag.SEQUENCE, 'extensions', CODE), CODE);
      if (exts.length === 0) cert.problems.push('extensions field is present but empty');
      for (const e of exts) {
        const fields = children(expectTag(e, Tag.SEQUENCE, 'extension', CODE), CODE);
        const extOid = readOid(fields[0]!, CODE);
        let critical = false;
        let k = 1;
        if (fields[k]?.tag === Tag.BOOLEAN) {
          critical = readBoolean(fields[k]!, CODE);
          if (!critical)
            cert.problems.push(`extension ${extOid} encodes the default critical FALSE explicitly`);
          k++;
        }
        const value = expectTag(fields[k], Tag.OCTET_STRING, 'extension value', CODE).value;
        if (fields.length !== k + 1) throw new NodeIdError(CODE, 'malformed extension');
        if (cert.extensions.some((x) => x.oid === extOid))
          cert.problems.push(`duplicate extension ${extOid}`);
        cert.extensions.push({ oid: extOid, critical, value });
      }
    }
    for (const ext of cert.extensions) {
      try {
        decodeExtension(cert, ext);
      } catch (e) {
        cert.problems.push(
          `malformed extension ${ext.oid}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    return cert;
  } catch (e) {
    throw parseFailure(e, CODE, 'certificate');
  }
}

/**
 * Parses a certificate from PEM text or DER bytes. With several PEM blocks, the first
 * `CERTIFICATE` is taken; use {@link parseCertificates} for bundles.
 *
 * @example
 * ```ts
 * const cert = parseCertificate(pemText);
 * console.log(cert.subject.text, cert.notAfter.toISOString());
 * ```
 */
export function parseCertificate(input: CertificateInput): Certificate {
  if (isCertificate(input)) return input;
  const certs = parseCertificates(input);
  return certs[0]!;
}

/**
 * Parses every certificate in PEM text (a bundle or chain) or one from DER bytes.
 * Throws `ERR_CERTIFICATE_INVALID` when there is none.
 *
 * @example
 * ```ts
 * const [leaf, ...intermediates] = parseCertificates(chainPem);
 * ```
 */
export function parseCertificates(input: string | Uint8Array): Certificate[] {
  const blocks = toBlocks(input, 'CERTIFICATE').filter(
    (b) =>
      b.label === 'CERTIFICATE' ||
      b.label === 'X509 CERTIFICATE' ||
      b.label === 'TRUSTED CERTIFICATE',
  );
  if (blocks.length === 0) throw new NodeIdError(CODE, 'no CERTIFICATE block found in the input');
  return blocks.map((b) => parseCertificateDer(b.der));
}

/** True for an already parsed {@link Certificate}. */
export function isCertificate(value: unknown): value is Certificate {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    'tbs' in value &&
    'der' in value &&
    'problems' in value
  );
}
