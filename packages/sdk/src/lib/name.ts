/**
 * X.501 distinguished names: decoding with the raw encoding kept (verification compares names
 * by their bytes), RFC 4514 text, and encoding of the simple names the SDK issues.
 */
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import {
  children,
  type Der,
  expectTag,
  oid,
  printableString,
  readOid,
  readString,
  seq,
  setOf,
  Tag,
  utf8,
} from './der.js';
import { OID } from './oids.js';

/** One attribute of a name, e.g. `CN=node1`. */
export interface NameAttribute {
  /** Attribute type OID. */
  oid: string;
  /** Short name (`CN`, `O`, …) or the OID when unknown. */
  type: string;
  /** The value as text (empty when its encoding is not a string type). */
  value: string;
  /** DER tag of the value (UTF8String 0x0c, PrintableString 0x13, …). */
  tag: number;
}

/** A decoded distinguished name. */
export interface DistinguishedName {
  /** The DER of the whole Name, as found. */
  raw: Uint8Array;
  /** Relative distinguished names in encoding order (most significant first). */
  rdns: NameAttribute[][];
  /** RFC 4514 text (least significant first, as openssl `-nameopt RFC2253` prints). */
  text: string;
}

const SHORT: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.surname]: 'SN',
  [OID.serialNumber]: 'serialNumber',
  [OID.countryName]: 'C',
  [OID.localityName]: 'L',
  [OID.stateOrProvinceName]: 'ST',
  [OID.streetAddress]: 'STREET',
  [OID.organizationName]: 'O',
  [OID.organizationalUnitName]: 'OU',
  [OID.title]: 'title',
  [OID.givenName]: 'GN',
  [OID.emailAddress]: 'emailAddress',
  [OID.domainComponent]: 'DC',
  [OID.userId]: 'UID',
};

/** Escapes an attribute value for RFC 4514 text. */
export function escapeRfc4514(value: string): string {
  let s = value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/[\u0000-\u001f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (s.startsWith(' ') || s.startsWith('#')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** Decodes a Name node. */
export function decodeName(
  node: Der,
  code: NodeIdErrorCode = 'ERR_CERTIFICATE_INVALID',
): DistinguishedName {
  expectTag(node, Tag.SEQUENCE, 'name', code);
  const rdns: NameAttribute[][] = [];
  for (const set of children(node, code)) {
    expectTag(set, Tag.SET, 'relative distinguished name', code);
    const attrs: NameAttribute[] = [];
    const items = children(set, code);
    if (items.length === 0)
      throw new NodeIdError(code, 'malformed name: empty relative distinguished name');
    for (const atv of items) {
      const [t, v, extra] = children(expectTag(atv, Tag.SEQUENCE, 'name attribute', code), code);
      if (!t || !v || extra) throw new NodeIdError(code, 'malformed name attribute');
      const id = readOid(t, code);
      attrs.push({ oid: id, type: SHORT[id] ?? id, value: readString(v) ?? '', tag: v.tag });
    }
    rdns.push(attrs);
  }
  const text = [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.type}=${escapeRfc4514(a.value)}`).join('+'))
    .join(',');
  return { raw: node.raw, rdns, text };
}

/** The values of one attribute type in a name, in order (e.g. all CNs). */
export function nameValues(name: DistinguishedName, attributeOid: string): string[] {
  return name.rdns
    .flat()
    .filter((a) => a.oid === attributeOid)
    .map((a) => a.value);
}

/** The attributes the SDK puts in names it issues. */
export interface NameFields {
  /** Common name (CN). */
  commonName?: string;
  /** Organization (O). */
  organization?: string;
  /** Organizational unit (OU). */
  organizationalUnit?: string;
  /** Two-letter country code (C). */
  country?: string;
  /** State or province (ST). */
  state?: string;
  /** Locality (L). */
  locality?: string;
}

/**
 * Encodes a Name in the conventional order C, ST, L, O, OU, CN, one attribute per RDN.
 * Strings are UTF8String, the country PrintableString, as RFC 5280 recommends.
 */
export function encodeName(fields: NameFields): Uint8Array {
  const parts: Uint8Array[] = [];
  const add = (attrOid: string, value: string | undefined, printable = false) => {
    if (value === undefined || value === '') return;
    if (value.length > 256)
      throw new NodeIdError(
        'ERR_NAME_INVALID',
        `name attribute too long (${value.length} characters)`,
      );
    parts.push(setOf(seq(oid(attrOid), printable ? printableString(value) : utf8(value))));
  };
  if (fields.country !== undefined && !/^[A-Za-z]{2}$/.test(fields.country)) {
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      `country must be a two-letter code, got "${fields.country}"`,
    );
  }
  add(OID.countryName, fields.country, true);
  add(OID.stateOrProvinceName, fields.state);
  add(OID.localityName, fields.locality);
  add(OID.organizationName, fields.organization);
  add(OID.organizationalUnitName, fields.organizationalUnit);
  add(OID.commonName, fields.commonName);
  return seq(...parts);
}
