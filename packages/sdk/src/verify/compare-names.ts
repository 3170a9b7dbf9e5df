/**
 * Distinguished-name comparison for path building (name chaining), name constraints and CRL
 * scope, as RFC 5280 §7.1 asks: names are equal when they have the same RDNs in the same
 * order, RDNs are equal when they have the same set of attributes, and attribute values are
 * compared with caseIgnoreMatch after the LDAP string preparation of RFC 4518 §2:
 *
 * 1. transcode (§2.1): every directory string type (PrintableString, UTF8String, IA5String,
 *    TeletexString, BMPString, UniversalString, VisibleString) to Unicode, so a PrintableString
 *    and a UTF8String of the same text compare equal (§7.1, "rollover" to UTF8String);
 * 2. map (§2.2): soft hyphens, joiners, variation selectors and control characters to
 *    nothing, tabs, line breaks and every space separator to SPACE, then case folding (RFC 3454
 *    table B.2, approximated by Unicode full case mapping: upper then lower case);
 * 3. normalize (§2.3): NFKC;
 * 4. prohibit (§2.4): unassigned and private-use code points, non-characters, lone surrogates
 *    and U+FFFD make the value unprepared (RFC 5280 §7.1: values are treated as stored
 *    values), and an unprepared value equals only the same encoding;
 * 5. bidi (§2.5): nothing to check, bidirectional characters are ignored;
 * 6. insignificant spaces (§2.6.1): leading and trailing spaces dropped, every inner run of
 *    spaces one space (a SPACE followed by a combining mark is not a space).
 *
 * Values that are not strings (and strings whose bytes are invalid for their type) compare by
 * their encoding, tag included. Two names with the same DER are always equal.
 */
import { bytesEqual, toHex } from '../lib/bytes.js';
import { children, decode, readOid, readString, Tag } from '../lib/der.js';
import type { DistinguishedName, NameAttribute } from '../lib/name.js';

/** The string types RFC 4518 §2.1 transcodes (DirectoryString, IA5String, VisibleString). */
const STRING_TAGS = new Set<number>([
  Tag.UTF8_STRING,
  Tag.PRINTABLE_STRING,
  Tag.T61_STRING,
  Tag.IA5_STRING,
  Tag.BMP_STRING,
  Tag.UNIVERSAL_STRING,
  0x1a, // VisibleString
]);

/** RFC 4518 §2.2: code points mapped to nothing (controls, joiners, soft hyphens, ...). */
const MAP_TO_NOTHING: readonly [number, number][] = [
  [0x0000, 0x0008],
  [0x000e, 0x001f],
  [0x007f, 0x0084],
  [0x0086, 0x009f],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x1806, 0x1806],
  [0x180b, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2063],
  [0x206a, 0x206f],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffc],
  [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001],
  [0xe0020, 0xe007f],
];

/** RFC 4518 §2.2: code points mapped to SPACE (tab, line breaks, Zs, Zl, Zp). */
const MAP_TO_SPACE: readonly [number, number][] = [
  [0x0009, 0x000d],
  [0x0085, 0x0085],
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

const within = (cp: number, ranges: readonly [number, number][]) =>
  ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

/** RFC 4518 §2.2, the character mappings (case folding aside). */
function mapCharacters(value: string): string {
  let out = '';
  for (const c of value) {
    const cp = c.codePointAt(0)!;
    if (within(cp, MAP_TO_NOTHING)) continue;
    out += within(cp, MAP_TO_SPACE) ? ' ' : c;
  }
  return out;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** A combining mark (a SPACE before one is not an insignificant space, RFC 4518 §2.6.1). */
const COMBINING = /^\p{M}/u;

/**
 * RFC 4518 §2.4: unassigned (Cn, which includes the non-characters), private use (Co), lone
 * surrogates (Cs) and U+FFFD. (The display-changing code points of RFC 3454 C.8 are already
 * mapped to nothing by §2.2.)
 */
const PROHIBITED = /[\p{Cn}\p{Co}\p{Cs}\ufffd]/u;

/** Case folding for caseIgnoreMatch (RFC 4518 §2.2, RFC 3454 B.2), then NFKC (§2.3). */
function foldAndNormalize(s: string): string {
  // B.2 is case folding closed under NFKC: fold, normalize, and fold what NFKC produced
  // (e.g. U+2121 TELEPHONE SIGN becomes "TEL", then "tel").
  const once = s.toUpperCase().toLowerCase().normalize('NFKC');
  return once.toUpperCase().toLowerCase().normalize('NFKC');
}

/**
 * RFC 4518 §2.6.1 for equality: no leading or trailing spaces, inner runs of spaces as one. A
 * SPACE followed by a combining mark belongs to that mark and is kept.
 */
function squeezeSpaces(s: string): string {
  const chars = [...s];
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === ' ' && !COMBINING.test(chars[i + 1] ?? '')) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += c;
  }
  return out;
}

/**
 * The value prepared for caseIgnoreMatch (RFC 4518 §2), or `undefined` when it cannot be
 * prepared (a prohibited code point), in which case it equals only its own encoding.
 */
export function prepareCaseIgnore(value: string): string | undefined {
  // Printable ASCII, the common case: no §2.2 mapping applies, NFKC changes nothing, case
  // folding is ASCII lower case, and no SPACE can precede a combining mark.
  if (PRINTABLE_ASCII.test(value)) return value.toLowerCase().replace(/ +/g, ' ').trim();
  const mapped = mapCharacters(value);
  const normalized = foldAndNormalize(mapped);
  if (PROHIBITED.test(normalized)) return undefined;
  return squeezeSpaces(normalized);
}

/** The comparison key of one attribute value: prepared text, or the exact encoding. */
function valueKey(tag: number, bytes: Uint8Array, text: string | undefined): string {
  if (STRING_TAGS.has(tag) && text !== undefined) {
    const prepared = prepareCaseIgnore(text);
    if (prepared !== undefined) return `=${prepared}`;
  }
  return `#${tag.toString(16)}:${toHex(bytes)}`;
}

function attributeKey(oid: string, tag: number, bytes: Uint8Array, text: string | undefined) {
  return `${oid}${valueKey(tag, bytes, text)}`;
}

/** The key of an RDN: its attribute keys as a set (order does not matter inside an RDN). */
function rdnKeyOf(keys: string[]): string {
  return [...keys].sort().join('+');
}

const keyCache = new WeakMap<DistinguishedName, string[]>();

/**
 * The RDN keys of a name. The decoded attributes carry the text of string values; a name with
 * a value that is not a string (or not a valid one) is read again from its DER, since only
 * the encoding of such a value can be compared.
 */
function rdnKeys(name: DistinguishedName): string[] {
  const cached = keyCache.get(name);
  if (cached) return cached;
  // (an empty or invalid string decodes to '' too, and takes the DER route: same result)
  const allStrings = name.rdns.every((rdn) =>
    rdn.every((a) => STRING_TAGS.has(a.tag) && a.value !== ''),
  );
  let keys: string[];
  if (allStrings) keys = name.rdns.map((rdn) => rdnKeyOf(rdn.map(decodedAttributeKey)));
  else {
    try {
      keys = children(decode(name.raw)).map((set) =>
        rdnKeyOf(
          children(set).map((atv) => {
            const [type, value] = children(atv);
            return attributeKey(readOid(type!), value!.tag, value!.value, readString(value!));
          }),
        ),
      );
    } catch {
      keys = name.rdns.map((rdn) => rdnKeyOf(rdn.map(decodedAttributeKey)));
    }
  }
  keyCache.set(name, keys);
  return keys;
}

function decodedAttributeKey(a: NameAttribute): string {
  const text = a.value === '' ? undefined : a.value;
  return attributeKey(a.oid, a.tag, new Uint8Array(0), text);
}

/** True when two names are equal: same bytes, or equal after RFC 4518 preparation (§7.1). */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  if (bytesEqual(a.raw, b.raw)) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  const ka = rdnKeys(a);
  const kb = rdnKeys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/**
 * True when `prefix` is an initial sequence of RDNs of `name` (directoryName constraints,
 * RFC 5280 §4.2.1.10, compared as §7.1 says).
 */
export function nameHasPrefix(name: DistinguishedName, prefix: DistinguishedName): boolean {
  if (prefix.rdns.length > name.rdns.length) return false;
  const kn = rdnKeys(name);
  return rdnKeys(prefix).every((k, i) => k === kn[i]);
}

/** A stable key for a name, equal for equal names: for maps and loop detection. */
export function nameKey(name: DistinguishedName): string {
  return rdnKeys(name).join(',');
}
