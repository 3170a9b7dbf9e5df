/**
 * Test helper: certificates and CRLs with exactly the fields a revocation rule needs
 * (distribution points, keyUsage, issuingDistributionPoint, delta indicators, entry
 * extensions, raw serial encodings), built on our DER writer and signed with WebCrypto.
 */
import { generateKeyPair } from '../../src/keys/generate-key-pair.js';
import { bits, bool, explicit, int, octets, oid, seq, Tag, time, tlv } from '../../src/lib/der.js';
import { encodeName } from '../../src/lib/name.js';
import { OID } from '../../src/lib/oids.js';
import { sign, signatureAlgorithmFor, signedEnvelope } from '../../src/lib/signature.js';

/** A party that signs: its name, key pair and key identifier. */
export interface Party {
  name: Uint8Array;
  privateKey: CryptoKey;
  spki: Uint8Array;
  ski: Uint8Array;
}

/** A party with a certificate. */
export interface Issued extends Party {
  der: Uint8Array;
  /** The contents of its serial INTEGER. */
  serial: Uint8Array;
}

export const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
export const NOT_AFTER = new Date('2026-01-01T00:00:00Z');
/** When the tests verify: inside every validity period below. */
export const AT = new Date('2025-06-01T00:00:00Z');

export const KU = { digitalSignature: 0x80, keyCertSign: 0x04, cRLSign: 0x02 } as const;

/** An extension. */
export function ext(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** A directoryName GeneralName for `cn`. */
export const dirName = (cn: string): Uint8Array => tlv(0xa4, encodeName({ commonName: cn }));
/** A URI GeneralName. */
export const uriName = (uri: string): Uint8Array => tlv(0x86, new TextEncoder().encode(uri));

/** A DistributionPoint: `[0] { fullName [0] names }`, `[1] reasons`, `[2] cRLIssuer`. */
export function distributionPoint(o: {
  fullName?: Uint8Array[];
  reasons?: number;
  crlIssuer?: Uint8Array[];
}): Uint8Array {
  const parts: Uint8Array[] = [];
  if (o.fullName) parts.push(tlv(0xa0, tlv(0xa0, ...o.fullName)));
  if (o.reasons !== undefined) parts.push(reasonFlags(0x81, o.reasons));
  if (o.crlIssuer) parts.push(tlv(0xa2, ...o.crlIssuer));
  return seq(...parts);
}

/** ReasonFlags with implicit `tag`, from a mask of bits 1-8 (bit n = REASON_FLAGS[n]). */
export function reasonFlags(tag: number, mask: number): Uint8Array {
  const b0 = ((mask >> 0) & 1) << 7;
  let byte = b0;
  for (let bit = 1; bit < 8; bit++) if (mask & (1 << bit)) byte |= 0x80 >> bit;
  const last = mask & (1 << 8) ? 0x80 : 0;
  return last ? tlv(tag, Uint8Array.of(7, byte, last)) : tlv(tag, Uint8Array.of(0, byte));
}

/** Reason bits of ReasonFlags (RFC 5280 §4.2.1.13). */
export const REASON = {
  keyCompromise: 1 << 1,
  cACompromise: 1 << 2,
  affiliationChanged: 1 << 3,
  superseded: 1 << 4,
  cessationOfOperation: 1 << 5,
  certificateHold: 1 << 6,
  privilegeWithdrawn: 1 << 7,
  aACompromise: 1 << 8,
} as const;

/** A fresh key pair for `cn`. */
export async function party(cn: string): Promise<Party> {
  const keys = await generateKeyPair({ algorithm: 'P-256', extractable: true });
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const ski = new Uint8Array(await crypto.subtle.digest('SHA-1', spki));
  return { name: encodeName({ commonName: cn }), privateKey: keys.privateKey, spki, ski };
}

let nextSerial = 0x1000;

/** A certificate for `subject` signed by `issuer` (self-signed when absent). */
export async function certify(
  subject: Party,
  o: {
    issuer?: Party;
    ca?: boolean;
    keyUsage?: number;
    /** The serial number's INTEGER contents, as encoded (default: a fresh positive one). */
    serial?: Uint8Array;
    crlDistributionPoints?: Uint8Array[];
  } = {},
): Promise<Issued> {
  const issuer = o.issuer ?? subject;
  const serial = o.serial ?? int(nextSerial++).subarray(2);
  const exts = [
    ext(OID.basicConstraints, true, o.ca ? seq(bool(true)) : seq()),
    ext(OID.subjectKeyIdentifier, false, octets(subject.ski)),
    ext(OID.authorityKeyIdentifier, false, seq(tlv(0x80, issuer.ski))),
  ];
  const ku = o.keyUsage ?? (o.ca ? KU.keyCertSign | KU.cRLSign : KU.digitalSignature);
  exts.push(ext(OID.keyUsage, true, bits(Uint8Array.of(ku))));
  if (o.crlDistributionPoints)
    exts.push(ext(OID.crlDistributionPoints, false, seq(...o.crlDistributionPoints)));
  const alg = signatureAlgorithmFor(issuer.privateKey);
  const tbs = seq(
    explicit(0, int(2)),
    tlv(Tag.INTEGER, serial),
    alg,
    issuer.name,
    seq(time(NOT_BEFORE), time(NOT_AFTER)),
    subject.name,
    subject.spki,
    explicit(3, seq(...exts)),
  );
  const der = signedEnvelope(tbs, alg, await sign(crypto.subtle, issuer.privateKey, tbs));
  return { ...subject, der, serial };
}

/** One revoked certificate of a CRL. */
export interface EntryOptions {
  /** The serial's INTEGER contents as encoded, or the certificate whose serial it is. */
  serial: Uint8Array | Issued;
  /** CRLReason code (RFC 5280 §5.3.1): 1 keyCompromise, 6 certificateHold, 8 removeFromCRL. */
  reason?: number;
  certificateIssuer?: Uint8Array[];
  /** More entry extensions, encoded. */
  extensions?: Uint8Array[];
}

/** A CRL signed by `signer` under `issuerName` (default: the signer's name). */
export async function revocationList(
  signer: Party,
  o: {
    issuerName?: Uint8Array;
    entries?: EntryOptions[];
    /** undefined: 1; null: no cRLNumber at all. */
    crlNumber?: number | null;
    crlNumberCritical?: boolean;
    /** The issuingDistributionPoint SEQUENCE contents, encoded. */
    idp?: Uint8Array[];
    /** BaseCRLNumber: makes this a delta CRL. */
    deltaOf?: number;
    thisUpdate?: Date;
    nextUpdate?: Date;
    extensions?: Uint8Array[];
  } = {},
): Promise<Uint8Array> {
  const exts: Uint8Array[] = [ext(OID.authorityKeyIdentifier, false, seq(tlv(0x80, signer.ski)))];
  if (o.crlNumber !== null)
    exts.push(ext(OID.crlNumber, o.crlNumberCritical === true, int(o.crlNumber ?? 1)));
  if (o.deltaOf !== undefined) exts.push(ext(OID.deltaCrlIndicator, true, int(o.deltaOf)));
  if (o.idp) exts.push(ext(OID.issuingDistributionPoint, true, seq(...o.idp)));
  exts.push(...(o.extensions ?? []));
  const entries = (o.entries ?? []).map((e) => {
    const entryExts: Uint8Array[] = [];
    if (e.reason !== undefined)
      entryExts.push(ext(OID.crlReason, false, tlv(Tag.ENUMERATED, Uint8Array.of(e.reason))));
    if (e.certificateIssuer)
      entryExts.push(ext(OID.certificateIssuer, true, seq(...e.certificateIssuer)));
    entryExts.push(...(e.extensions ?? []));
    const serial = e.serial instanceof Uint8Array ? e.serial : e.serial.serial;
    const fields = [tlv(Tag.INTEGER, serial), time(NOT_BEFORE)];
    if (entryExts.length > 0) fields.push(seq(...entryExts));
    return seq(...fields);
  });
  const alg = signatureAlgorithmFor(signer.privateKey);
  const tbs = seq(
    int(1),
    alg,
    o.issuerName ?? signer.name,
    time(o.thisUpdate ?? NOT_BEFORE),
    time(o.nextUpdate ?? NOT_AFTER),
    ...(entries.length > 0 ? [seq(...entries)] : []),
    explicit(0, seq(...exts)),
  );
  return signedEnvelope(tbs, alg, await sign(crypto.subtle, signer.privateKey, tbs));
}
