/**
 * CRL distribution points (RFC 5280 §4.2.1.13), shared by the certificate parser
 * (cRLDistributionPoints, freshestCRL) and the CRL parser (issuingDistributionPoint,
 * freshestCRL): DistributionPointName, ReasonFlags and the DistributionPoint SEQUENCE.
 */
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { children, type Der, decode, expectTag, readBitString, Tag, tlv } from './der.js';
import { decodeGeneralName, type GeneralName } from './general-name.js';
import { type DistinguishedName, decodeName, type NameAttribute } from './name.js';

/** ReasonFlags bit names (RFC 5280 §4.2.1.13), in bit order; bit 0 is `unused`. */
export const REASON_FLAGS = [
  'unused',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/** A ReasonFlags bit name. */
export type ReasonFlag = (typeof REASON_FLAGS)[number];

/**
 * The name of a distribution point: a list of full names, or one RDN relative to the CRL
 * issuer's name (RFC 5280 §4.2.1.13: DistributionPointName).
 */
export interface DistributionPointName {
  fullName?: GeneralName[];
  /** nameRelativeToCRLIssuer: one RDN appended to the CRL issuer's name. */
  nameRelativeToCrlIssuer?: NameAttribute[];
  /** @internal the RDN's SET encoding, to rebuild the full name. */
  relativeRaw?: Uint8Array;
}

/** One DistributionPoint of a cRLDistributionPoints or freshestCRL extension. */
export interface DistributionPoint {
  distributionPoint?: DistributionPointName;
  /** The reasons this point's CRLs cover; absent means all reasons. */
  reasons?: ReasonFlag[];
  /** Who issues this point's CRLs, when it is not the certificate's issuer (indirect CRL). */
  crlIssuer?: GeneralName[];
}

/** Decodes a ReasonFlags BIT STRING whose tag was replaced by an implicit one. */
export function decodeReasonFlags(node: Der, code: NodeIdErrorCode): ReasonFlag[] {
  const { bytes } = readBitString({ tag: Tag.BIT_STRING, raw: node.raw, value: node.value }, code);
  const out: ReasonFlag[] = [];
  REASON_FLAGS.forEach((name, bit) => {
    const byte = bytes[bit >> 3];
    if (byte !== undefined && byte & (0x80 >> (bit & 7))) out.push(name);
  });
  return out;
}

/** Decodes a DistributionPointName, given the node of the CHOICE (tag [0] or [1]). */
export function decodeDistributionPointName(
  node: Der,
  code: NodeIdErrorCode,
): DistributionPointName {
  if (node.tag === 0xa0) {
    const names = children(node, code).map((n) => decodeGeneralName(n, code));
    if (names.length === 0) throw new NodeIdError(code, 'empty distribution point fullName');
    return { fullName: names };
  }
  if (node.tag === 0xa1) {
    const set = tlv(Tag.SET, node.value);
    const rdn = decodeName(decode(tlv(Tag.SEQUENCE, set), code), code).rdns[0];
    if (!rdn) throw new NodeIdError(code, 'empty nameRelativeToCRLIssuer');
    return { nameRelativeToCrlIssuer: rdn, relativeRaw: set };
  }
  throw new NodeIdError(code, 'malformed distribution point name');
}

/** Decodes one DistributionPoint SEQUENCE. */
export function decodeDistributionPoint(node: Der, code: NodeIdErrorCode): DistributionPoint {
  const dp: DistributionPoint = {};
  let last = -1;
  for (const item of children(expectTag(node, Tag.SEQUENCE, 'distribution point', code), code)) {
    const n = item.tag & 0x1f;
    if ((item.tag & 0xc0) !== 0x80 || n <= last || n > 2)
      throw new NodeIdError(code, 'malformed distribution point');
    last = n;
    if (item.tag === 0xa0) {
      const [name, more] = children(item, code);
      if (!name || more) throw new NodeIdError(code, 'malformed distribution point name');
      dp.distributionPoint = decodeDistributionPointName(name, code);
    } else if (item.tag === 0x81) dp.reasons = decodeReasonFlags(item, code);
    else if (item.tag === 0xa2) {
      dp.crlIssuer = children(item, code).map((c) => decodeGeneralName(c, code));
      if (dp.crlIssuer.length === 0) throw new NodeIdError(code, 'empty cRLIssuer');
    } else throw new NodeIdError(code, 'malformed distribution point');
  }
  // RFC 5280 §4.2.1.13 forbids a point with only `reasons`; that is the issuing CA's rule (§4),
  // which §6.3 does not check, so such a point is kept and read as "CRLs from the issuer".
  return dp;
}

/** Decodes a CRLDistributionPoints (or FreshestCRL) SEQUENCE. */
export function decodeDistributionPoints(node: Der, code: NodeIdErrorCode): DistributionPoint[] {
  const list = children(expectTag(node, Tag.SEQUENCE, 'distribution points', code), code);
  if (list.length === 0) throw new NodeIdError(code, 'empty distribution points');
  return list.map((dp) => decodeDistributionPoint(dp, code));
}

/**
 * The full names of a distribution point name: its fullName list, or for
 * nameRelativeToCRLIssuer the directory name made of `crlIssuer` and the RDN (§4.2.1.13).
 */
export function fullNamesOf(
  name: DistributionPointName,
  crlIssuer: DistinguishedName,
): GeneralName[] {
  if (name.fullName) return name.fullName;
  if (!name.nameRelativeToCrlIssuer || !name.relativeRaw) return [];
  const inner = decode(crlIssuer.raw).value;
  const raw = tlv(Tag.SEQUENCE, inner, name.relativeRaw);
  const full = decodeName(decode(raw));
  return [{ type: 'dirName', value: full.text, name: full }];
}
