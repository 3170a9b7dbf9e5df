/**
 * Our own strict parser for X.509 certificate revocation lists (RFC 5280 §5). It is pure and
 * synchronous so the verifier can call it while checking revocation. Structural errors throw
 * `ERR_CRL_INVALID`; semantic oddities a relying party should know about (an unknown critical
 * extension, a missing cRLNumber) are listed in `problems` so the CRL can still be inspected.
 * It decodes every extension §6.3 needs: issuingDistributionPoint, deltaCRLIndicator,
 * freshestCRL, cRLNumber, and the entry extensions reasonCode, invalidityDate and
 * certificateIssuer (§5.3.3: carried over to the following entries of an indirect CRL).
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
  eachChild,
  expectTag,
  readBigInt,
  readBoolean,
  readOid,
  readSmallInt,
  readTime,
  Tag,
} from '../lib/der.js';
import {
  type DistributionPoint,
  type DistributionPointName,
  decodeDistributionPointName,
  decodeDistributionPoints,
  decodeReasonFlags,
  type ReasonFlag,
} from '../lib/distribution-point.js';
import { decodeGeneralNames, type GeneralName } from '../lib/general-name.js';
import { type DistinguishedName, decodeName } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { encodePem, toBlocks } from '../lib/pem.js';
import {
  describeSignatureAlgorithm,
  readSignatureValue,
  type SignatureAlgorithmInfo,
} from '../lib/signature.js';

const CODE = 'ERR_CRL_INVALID';

/** Revocation reasons (RFC 5280 §5.3.1), indexed by their CRLReason code. Code 7 is unused. */
export const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/** A revocation reason name. */
export type CrlReason = Exclude<(typeof CRL_REASONS)[number], undefined>;

/** One extension of a CRL or of a CRL entry, as found. */
export interface CrlExtension {
  oid: string;
  critical: boolean;
  /** The contents of the extnValue OCTET STRING. */
  value: Uint8Array;
}

/** One revoked certificate. */
export interface CrlEntry {
  /**
   * Serial number as lower-case hex without leading zero bytes: the same form as
   * `Certificate.serialNumber`, so the two compare with `===`.
   */
  serialNumber: string;
  /** The serial number's value as a signed INTEGER (`00 FF` is 255, `FF` is -1). */
  serialNumberValue: bigint;
  /** When the certificate was revoked. */
  revokedAt: Date;
  /** The reason code, when the entry carries one. */
  reason?: CrlReason;
  /** When the key is known or suspected to have been compromised, when given. */
  invalidityDate?: Date;
  /**
   * The issuer of the revoked certificate in an indirect CRL (RFC 5280 §5.3.3): this entry's
   * certificateIssuer extension, else the preceding entry's, else absent (the CRL issuer).
   */
  certificateIssuer?: GeneralName[];
  /** Entry extensions as found. */
  extensions: CrlExtension[];
}

/** The issuingDistributionPoint extension (RFC 5280 §5.2.5), decoded. */
export interface IssuingDistributionPoint {
  critical: boolean;
  /** The distribution point's name (full names, or an RDN relative to the CRL issuer). */
  distributionPoint?: DistributionPointName;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  /** The reasons this CRL covers, when `onlySomeReasons` is present (absent: all reasons). */
  onlySomeReasons?: ReasonFlag[];
  indirectCrl: boolean;
  onlyContainsAttributeCerts: boolean;
}

/** A parsed CRL: plain data, safe to serialise except for the byte arrays and the bigint. */
export interface Crl {
  /** The CRL DER. */
  der: Uint8Array;
  /** The CRL as PEM (`X509 CRL`). */
  pem: string;
  /** The raw TBSCertList, the bytes the issuer signed. */
  tbs: Uint8Array;
  /** CRL version: 1 or 2. */
  version: number;
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The cRLNumber extension, when present. */
  crlNumber?: bigint;
  /** The base CRL number of a delta CRL (deltaCRLIndicator, §5.2.4), when present. */
  deltaCrlIndicator?: bigint;
  /** Where the delta CRLs for this CRL are (freshestCRL, §5.2.6), when present. */
  freshestCrl?: DistributionPoint[];
  /** The authorityKeyIdentifier extension, when present (same shape as a certificate's). */
  authorityKeyIdentifier?: AuthorityKeyIdentifier;
  /** The issuingDistributionPoint extension, when present. */
  issuingDistributionPoint?: IssuingDistributionPoint;
  /** Revoked certificates, in the order listed. */
  entries: CrlEntry[];
  /** The outer signature algorithm. */
  signatureAlgorithm: SignatureAlgorithmInfo;
  /** @internal the outer AlgorithmIdentifier node, for verification. */
  signatureAlgorithmNode: Der;
  /** True when the outer and inner (TBS) signature algorithms differ, which RFC 5280 forbids. */
  signatureAlgorithmMismatch: boolean;
  /** The signature value. */
  signature: Uint8Array;
  /** CRL extensions as found. */
  extensions: CrlExtension[];
  /** Semantic problems found while decoding; a verifier should not rely on a CRL that has any. */
  problems: string[];
  /**
   * OIDs of critical extensions, in the CRL or in any entry, that this parser cannot process
   * (unknown or malformed). RFC 5280 §5.2 and §5.3: a relying party must not use a CRL with a
   * critical CRL or entry extension it cannot process.
   */
  unhandledCriticalExtensions: string[];
  /**
   * Dates through the year 2049 encoded as GeneralizedTime, which RFC 5280 §5.1.2.4
   * (thisUpdate), §5.1.2.5 (nextUpdate) and §5.1.2.6 (revocationDate) forbid: "CRL issuers
   * conforming to this profile MUST encode thisUpdate as UTCTime for dates through the year
   * 2049". Each item names the field (`thisUpdate`, `nextUpdate`, `revocationDate of <serial>`).
   */
  timeEncodingErrors: string[];
}

/** Anything the SDK accepts as a CRL: PEM text, DER bytes, or an already parsed one. */
export type CrlInput = string | Uint8Array | Crl;

const KNOWN_CRL_EXTENSIONS = new Set<string>([
  OID.authorityKeyIdentifier,
  OID.issuerAltName,
  OID.crlNumber,
  OID.deltaCrlIndicator,
  OID.issuingDistributionPoint,
  OID.freshestCrl,
  OID.authorityInfoAccess,
]);

function addOnce(list: string[], oid: string): void {
  if (!list.includes(oid)) list.push(oid);
}

function fail(message: string): never {
  throw new NodeIdError(CODE, message);
}

function readExtensions(node: Der, where: string, problems: string[]): CrlExtension[] {
  const list = children(expectTag(node, Tag.SEQUENCE, `${where} extensions`, CODE), CODE);
  if (list.length === 0) problems.push(`${where} extensions field is present but empty`);
  const out: CrlExtension[] = [];
  for (const e of list) {
    const fields = children(expectTag(e, Tag.SEQUENCE, `${where} extension`, CODE), CODE);
    const extOid = readOid(expectTag(fields[0], Tag.OID, `${where} extension id`, CODE), CODE);
    let critical = false;
    let k = 1;
    if (fields[k]?.tag === Tag.BOOLEAN) {
      critical = readBoolean(fields[k]!, CODE);
      if (!critical)
        problems.push(`${where} extension ${extOid} encodes the default critical FALSE explicitly`);
      k++;
    }
    const value = expectTag(fields[k], Tag.OCTET_STRING, `${where} extension value`, CODE).value;
    if (fields.length !== k + 1) fail(`malformed ${where} extension ${extOid}`);
    if (out.some((x) => x.oid === extOid)) problems.push(`duplicate ${where} extension ${extOid}`);
    out.push({ oid: extOid, critical, value });
  }
  return out;
}

function readSerial(node: Der | undefined): { hex: string; value: bigint } {
  const n = expectTag(node, Tag.INTEGER, 'revoked serial number', CODE);
  const sv = n.value;
  if (sv.length === 0) fail('malformed revoked serial number');
  if (
    (sv.length > 1 && sv[0] === 0 && !(sv[1]! & 0x80)) ||
    (sv.length > 1 && sv[0] === 0xff && sv[1]! & 0x80)
  ) {
    fail('malformed revoked serial number: not minimally encoded');
  }
  let bytes = sv;
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
  return { hex: toHex(bytes), value: readBigInt(n, CODE) };
}

/**
 * Reads a CRL time and records, in `errors`, a date through 2049 that is not a UTCTime
 * (RFC 5280 §5.1.2.4-§5.1.2.6; GeneralizedTime is for 2050 and later, and for the years before
 * 1950 that UTCTime cannot express, §4.1.2.5.1).
 */
function readCrlTime(node: Der, field: string, errors: string[]): Date {
  const date = readTime(node, CODE);
  const year = date.getUTCFullYear();
  if (node.tag === Tag.GENERALIZED_TIME && year >= 1950 && year < 2050) errors.push(field);
  return date;
}

/** The CRL entry extensions this parser reads (RFC 5280 §5.3). */
const ENTRY_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.crlReason,
  OID.invalidityDate,
  OID.certificateIssuer,
]);

function readEntry(
  node: Der,
  version: number,
  index: number,
  problems: string[],
  unhandledCritical: string[],
  timeErrors: string[],
): CrlEntry {
  const parts = children(expectTag(node, Tag.SEQUENCE, 'revoked certificate', CODE), CODE);
  if (parts.length < 2 || parts.length > 3) fail(`malformed revoked certificate #${index + 1}`);
  const serial = readSerial(parts[0]);
  const entry: CrlEntry = {
    serialNumber: serial.hex,
    serialNumberValue: serial.value,
    revokedAt: readCrlTime(parts[1]!, `revocationDate of ${serial.hex}`, timeErrors),
    extensions: [],
  };
  if (parts[2]) {
    if (version !== 2) fail('CRL entry extensions require CRL version 2');
    const where = `entry ${entry.serialNumber}`;
    entry.extensions = readExtensions(parts[2], where, problems);
    for (const ext of entry.extensions) {
      // §5.3: only the entry extensions we know are decoded; an unknown one's extnValue is
      // opaque (it need not hold DER at all) and matters only when it is critical
      if (!ENTRY_EXTENSIONS.has(ext.oid)) {
        if (ext.critical) {
          problems.push(`${where} has an unknown critical extension ${ext.oid}`);
          addOnce(unhandledCritical, ext.oid);
        }
        continue;
      }
      const v = decode(ext.value, CODE);
      switch (ext.oid) {
        case OID.crlReason: {
          const code = readSmallInt(
            {
              tag: Tag.INTEGER,
              raw: v.raw,
              value: expectTag(v, Tag.ENUMERATED, 'reason', CODE).value,
            },
            CODE,
          );
          const reason = code >= 0 ? CRL_REASONS[code] : undefined;
          if (reason === undefined) problems.push(`${where} has an unknown reason code ${code}`);
          else entry.reason = reason;
          break;
        }
        case OID.invalidityDate:
          entry.invalidityDate = readTime(
            expectTag(v, Tag.GENERALIZED_TIME, 'invalidity date', CODE),
            CODE,
          );
          break;
        case OID.certificateIssuer: {
          const names = decodeGeneralNames(v, CODE);
          if (names.length === 0) fail(`${where} has an empty certificateIssuer`);
          // §5.3.3: "CRL issuers MUST mark this extension as critical".
          if (!ext.critical) problems.push(`${where} has a non-critical certificateIssuer`);
          entry.certificateIssuer = names;
          break;
        }
      }
    }
  }
  return entry;
}

function readCrlNumber(v: Der, what: string, problems: string[]): bigint {
  const n = readBigInt(expectTag(v, Tag.INTEGER, what, CODE), CODE);
  if (n < 0n) fail(`${what} is negative`);
  if (v.value.length > 20) problems.push(`${what} is longer than 20 octets`);
  return n;
}

function decodeCrlExtension(crl: Crl, ext: CrlExtension): void {
  const v = decode(ext.value, CODE);
  switch (ext.oid) {
    case OID.crlNumber:
      crl.crlNumber = readCrlNumber(v, 'cRLNumber', crl.problems);
      if (ext.critical) crl.problems.push('cRLNumber extension is marked critical');
      return;
    case OID.deltaCrlIndicator:
      crl.deltaCrlIndicator = readCrlNumber(v, 'deltaCRLIndicator', crl.problems);
      // §5.2.4: "This extension MUST be marked as critical" (so that no one takes it as complete).
      if (!ext.critical) crl.problems.push('deltaCRLIndicator extension is not critical');
      return;
    case OID.freshestCrl:
      crl.freshestCrl = decodeDistributionPoints(v, CODE);
      // §5.2.6: "The extension MUST be marked as non-critical".
      if (ext.critical) crl.problems.push('freshestCRL extension is marked critical');
      return;
    case OID.authorityKeyIdentifier:
      crl.authorityKeyIdentifier = decodeAuthorityKeyIdentifier(v, CODE);
      return;
    case OID.issuingDistributionPoint: {
      const idp: IssuingDistributionPoint = {
        critical: ext.critical,
        onlyContainsUserCerts: false,
        onlyContainsCACerts: false,
        indirectCrl: false,
        onlyContainsAttributeCerts: false,
      };
      const flag = (n: Der) => readBoolean({ tag: Tag.BOOLEAN, raw: n.raw, value: n.value }, CODE);
      for (const item of children(
        expectTag(v, Tag.SEQUENCE, 'issuingDistributionPoint', CODE),
        CODE,
      )) {
        switch (item.tag) {
          case 0xa0: {
            const [dpName, more] = children(item, CODE);
            if (!dpName || more) fail('malformed issuingDistributionPoint');
            idp.distributionPoint = decodeDistributionPointName(dpName, CODE);
            break;
          }
          case 0x81:
            idp.onlyContainsUserCerts = flag(item);
            break;
          case 0x82:
            idp.onlyContainsCACerts = flag(item);
            break;
          case 0x83:
            idp.onlySomeReasons = decodeReasonFlags(item, CODE);
            break;
          case 0x84:
            idp.indirectCrl = flag(item);
            break;
          case 0x85:
            idp.onlyContainsAttributeCerts = flag(item);
            break;
          default:
            fail('malformed issuingDistributionPoint');
        }
      }
      if (!ext.critical) crl.problems.push('issuingDistributionPoint extension is not critical');
      // §5.2.5: at most one of the onlyContains* fields may be TRUE.
      const only = [
        idp.onlyContainsUserCerts,
        idp.onlyContainsCACerts,
        idp.onlyContainsAttributeCerts,
      ].filter(Boolean).length;
      if (only > 1) fail('issuingDistributionPoint asserts more than one onlyContains* field');
      crl.issuingDistributionPoint = idp;
      return;
    }
    case OID.issuerAltName:
      decodeGeneralNames(v, CODE);
      return;
    default:
      if (ext.critical && !KNOWN_CRL_EXTENSIONS.has(ext.oid)) {
        crl.problems.push(`unknown critical CRL extension ${ext.oid}`);
        addOnce(crl.unhandledCriticalExtensions, ext.oid);
      }
  }
}

/**
 * RFC 5280 §5.3.3: in an indirect CRL, an entry without certificateIssuer belongs to the same
 * issuer as the entry before it (the first ones to the CRL issuer). A certificateIssuer in a CRL
 * that is not indirect is meaningless: it is kept as found, and the verifier refuses the CRL.
 */
function carryCertificateIssuers(crl: Crl): void {
  if (!crl.issuingDistributionPoint?.indirectCrl) {
    if (crl.entries.some((e) => e.certificateIssuer))
      crl.problems.push('an entry has certificateIssuer but the CRL is not indirect');
    return;
  }
  let current: GeneralName[] | undefined;
  for (const entry of crl.entries) {
    if (entry.certificateIssuer) current = entry.certificateIssuer;
    else if (current) entry.certificateIssuer = current;
  }
}

/**
 * Parses one CRL from DER. Throws `ERR_CRL_INVALID` for anything that is not a well-formed
 * CRL; never throws another kind of error.
 */
export function parseCrlDer(der: Uint8Array): Crl {
  try {
    const root = decode(der, CODE);
    const [tbsNode, sigAlg, sigValue, extra] = children(
      expectTag(root, Tag.SEQUENCE, 'CRL', CODE),
      CODE,
      4,
    );
    if (extra) fail('malformed CRL: extra fields');
    // RFC 5280 §5.1: at most 7 fields (version to crlExtensions)
    const parts = children(expectTag(tbsNode, Tag.SEQUENCE, 'TBSCertList', CODE), CODE, 8);
    let i = 0;
    let version = 1;
    if (parts[0]?.tag === Tag.INTEGER) {
      const v = readSmallInt(parts[0], CODE);
      if (v !== 1) fail(`unsupported CRL version ${v + 1}`);
      version = 2;
      i++;
    }
    const innerSigAlg = expectTag(parts[i++], Tag.SEQUENCE, 'signature algorithm', CODE);
    const issuerNode = parts[i++];
    if (!issuerNode) fail('malformed CRL: issuer is missing');
    const issuer = decodeName(issuerNode, CODE);
    const thisUpdateNode = parts[i++];
    if (!thisUpdateNode) fail('malformed CRL: thisUpdate is missing');
    const problems: string[] = [];
    const timeEncodingErrors: string[] = [];
    const crl: Crl = {
      der,
      pem: encodePem('X509 CRL', der),
      tbs: tbsNode!.raw,
      version,
      issuer,
      thisUpdate: readCrlTime(thisUpdateNode, 'thisUpdate', timeEncodingErrors),
      entries: [],
      signatureAlgorithm: describeSignatureAlgorithm(
        expectTag(sigAlg, Tag.SEQUENCE, 'signature algorithm', CODE),
      ),
      signatureAlgorithmNode: sigAlg!,
      signatureAlgorithmMismatch: !bytesEqual(innerSigAlg.raw, sigAlg!.raw),
      signature: readSignatureValue(sigValue, CODE),
      extensions: [],
      problems,
      unhandledCriticalExtensions: [],
      timeEncodingErrors,
    };
    if (parts[i] && (parts[i]!.tag === Tag.UTC_TIME || parts[i]!.tag === Tag.GENERALIZED_TIME)) {
      crl.nextUpdate = readCrlTime(parts[i++]!, 'nextUpdate', timeEncodingErrors);
      if (crl.nextUpdate < crl.thisUpdate) problems.push('nextUpdate is before thisUpdate');
    } else {
      problems.push('nextUpdate is missing (RFC 5280 requires it)');
    }
    if (parts[i]?.tag === Tag.SEQUENCE) {
      // read entry by entry: a list of a million empty SEQUENCEs fails at the first
      const entries: CrlEntry[] = [];
      for (const e of eachChild(parts[i++]!, CODE))
        entries.push(
          readEntry(
            e,
            version,
            entries.length,
            problems,
            crl.unhandledCriticalExtensions,
            timeEncodingErrors,
          ),
        );
      if (entries.length === 0)
        problems.push('revokedCertificates is present but empty (it must then be absent)');
      crl.entries = entries;
    }
    if (parts[i]?.tag === 0xa0) {
      if (version !== 2) fail('CRL extensions require CRL version 2');
      const [extsNode, more] = children(parts[i++]!, CODE);
      if (!extsNode || more) fail('malformed CRL extensions');
      crl.extensions = readExtensions(extsNode, 'CRL', problems);
    }
    if (i !== parts.length) fail('malformed TBSCertList: unexpected field');
    for (const ext of crl.extensions) {
      try {
        decodeCrlExtension(crl, ext);
      } catch (e) {
        problems.push(
          `malformed CRL extension ${ext.oid}: ${e instanceof Error ? e.message : String(e)}`,
        );
        if (ext.critical) addOnce(crl.unhandledCriticalExtensions, ext.oid);
      }
    }
    if (crl.crlNumber === undefined) problems.push('cRLNumber is missing (RFC 5280 requires it)');
    for (const field of timeEncodingErrors)
      problems.push(`${field} is a GeneralizedTime before 2050 (RFC 5280 requires UTCTime)`);
    carryCertificateIssuers(crl);
    return crl;
  } catch (e) {
    throw parseFailure(e, CODE, 'CRL');
  }
}

/**
 * Parses a CRL from PEM text (an `X509 CRL` block) or DER bytes, strictly: anything that is
 * not a well-formed CRL throws a `NodeIdError` with code `ERR_CRL_INVALID` (or
 * `ERR_INPUT_TOO_LARGE` for oversized input). Pure and synchronous: it checks no signature
 * (see `verifyCrlSignature`) and no dates.
 *
 * Serial numbers of entries use the same form as `Certificate.serialNumber`, so a revocation
 * check is `crl.entries.some((e) => e.serialNumber === cert.serialNumber)` once the CRL's
 * issuer and signature have been checked.
 *
 * @example
 * ```ts
 * const crl = parseCrl(crlPem);
 * console.log(crl.issuer.text, crl.crlNumber, crl.entries.map((e) => e.serialNumber));
 * ```
 */
export function parseCrl(input: CrlInput): Crl {
  if (isCrl(input)) return input;
  let blocks: ReturnType<typeof toBlocks>;
  try {
    blocks = toBlocks(input, 'X509 CRL');
  } catch (e) {
    if (NodeIdError.isInstance(e) && e.code === 'ERR_INPUT_TOO_LARGE') throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new NodeIdError(CODE, `not a valid CRL: ${message}`, { cause: e });
  }
  const block = blocks.find((b) => b.label === 'X509 CRL' || b.label === 'CRL');
  if (!block) {
    const labels = blocks.map((b) => b.label).join(', ');
    throw new NodeIdError(CODE, `no X509 CRL block found in the input (found: ${labels})`);
  }
  return parseCrlDer(block.der);
}

/** True for an already parsed {@link Crl}. */
export function isCrl(value: unknown): value is Crl {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    'tbs' in value &&
    'entries' in value &&
    'thisUpdate' in value &&
    'problems' in value
  );
}
