/**
 * A small, strict DER reader and writer. Everything the SDK parses or encodes (certificates,
 * CSRs, CRLs, keys) goes through here, so hostile input is bounded in one place: definite
 * minimal lengths only, no reads past the end, nesting depth limited.
 */
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { toHex } from './bytes.js';

/** Universal tag numbers used by the SDK. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
} as const;

/** One decoded TLV. `tag` is the full identifier octet (class, constructed bit and number). */
export interface Der {
  readonly tag: number;
  /** The whole TLV: identifier, length and contents. */
  readonly raw: Uint8Array;
  /** The contents octets. */
  readonly value: Uint8Array;
  /** The children of a constructed value once {@link children} has read them (internal cache). */
  kids?: Der[];
}

/**
 * Nesting limit: a value may sit at most this many constructed values below the outermost one.
 * X.509 structures nest about 10 deep (a Name inside a GeneralName inside a DistributionPoint
 * inside an extension); 64 leaves room for anything real.
 */
export const MAX_DEPTH = 64;

/**
 * Limit on the count of TLVs (X.690 §8.1.1) in one decoded value, nested ones included: one TLV
 * per 4 bytes of the largest input the SDK reads (`MAX_INPUT_BYTES`, 8 MiB). The densest real
 * structure is a CRL's revokedCertificates of entries with one-byte serials and a reasonCode
 * (RFC 5280 §5.3.1): 34 bytes and 7 TLVs an entry, 0.21 TLVs a byte, so an 8 MiB CRL of those
 * (1.7 million TLVs) is still read. A run of tiny TLVs (two bytes each, `05 00`) is refused
 * before any of them is turned into an object.
 */
export const MAX_TLVS = 2 * 1024 * 1024;

function fail(code: NodeIdErrorCode, message: string): never {
  throw new NodeIdError(code, message);
}

// where the contents and the whole TLV read by the last readHeader() end (one reader at a time)
let headerBody = 0;
let headerEnd = 0;

/**
 * Reads the identifier and length octets of the TLV at `offset`, which must end by `limit`.
 * Returns the identifier octet and leaves the offsets of its contents and of its end in
 * `headerBody` and `headerEnd`, so that a walk over millions of TLVs allocates nothing.
 * Only single-octet identifiers (tag numbers below 31) are accepted: nothing in X.509 uses more.
 * Lengths are definite (X.690 §10.1), minimal (§8.1.3.5, §10.1) and at most 4 octets.
 */
function readHeader(buf: Uint8Array, offset: number, limit: number, code: NodeIdErrorCode): number {
  if (offset + 2 > limit) fail(code, 'truncated DER: a value is cut off');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) fail(code, 'malformed DER: multi-byte tags are not supported');
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) fail(code, 'malformed DER: indefinite lengths are not allowed');
    if (n > 4) fail(code, 'malformed DER: length too large');
    if (pos + n > limit) fail(code, 'truncated DER: a length is cut off');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    if (buf[pos] === 0 || len < 0x80) fail(code, 'malformed DER: length is not minimally encoded');
    pos += n;
  }
  const end = pos + len;
  if (end > limit) fail(code, 'truncated DER: a value is cut off');
  headerBody = pos;
  headerEnd = end;
  return tag;
}

/**
 * Reads one TLV at `offset` of `buf` and leaves the offset just past it in `headerEnd` (one
 * allocation fewer per value read than answering an [node, end] pair).
 * Only single-octet identifiers (tag numbers below 31) are accepted: nothing in X.509 uses more.
 */
function readTlv(buf: Uint8Array, offset: number, code: NodeIdErrorCode): Der {
  const tag = readHeader(buf, offset, buf.length, code);
  return {
    tag,
    raw: buf.subarray(offset, headerEnd),
    value: buf.subarray(headerBody, headerEnd),
    kids: undefined,
  };
}

/**
 * Checks every TLV of `buf` (one value, the TLVs nested in it, and nothing after it) without
 * making an object of any: definite minimal lengths inside their parents, at most
 * {@link MAX_DEPTH} levels of nesting and at most {@link MAX_TLVS} TLVs. Time is linear in the
 * count of TLVs and memory constant, so a hostile input costs a pass over its bytes before
 * any parser reads it.
 */
function walk(buf: Uint8Array, code: NodeIdErrorCode): void {
  // the ends of the constructed values the walk is inside, innermost last
  const ends: number[] = [];
  let limit = buf.length;
  let pos = 0;
  let count = 0;
  do {
    const tag = readHeader(buf, pos, limit, code);
    if (++count > MAX_TLVS)
      fail(code, `malformed DER: more than ${MAX_TLVS} values (a run of tiny values is refused)`);
    if (ends.length > MAX_DEPTH)
      fail(code, `malformed DER: nesting too deep (more than ${MAX_DEPTH} levels)`);
    if (tag & 0x20) {
      ends.push(limit);
      limit = headerEnd;
      pos = headerBody;
    } else pos = headerEnd;
    while (pos === limit && ends.length > 0) limit = ends.pop()!;
  } while (pos < limit);
}

/**
 * Decodes exactly one TLV spanning all of `buf`. The whole tree under it is checked first (see
 * {@link validateTree}), so every reader after this sees well-formed DER of a bounded size.
 */
export function decode(buf: Uint8Array, code: NodeIdErrorCode = 'ERR_DER_INVALID'): Der {
  const node = readTlv(buf, 0, code);
  if (headerEnd !== buf.length) fail(code, 'malformed DER: trailing data after the value');
  walk(buf, code);
  return node;
}

/**
 * The children of a constructed value, in order. Read once per node: a parser that walks the
 * tree twice does not decode anything twice. Callers get a copy of the list, never the cache
 * itself.
 *
 * `limit` bounds how many are read: a value with more children is refused without reading the
 * rest, so a hostile value (a million elements where three belong) is never turned into objects.
 * A parser that takes a fixed number of fields passes one more than it takes, so that its own
 * check of extra fields (and its message) still sees the first extra one.
 */
export function children(
  node: Der,
  code: NodeIdErrorCode = 'ERR_DER_INVALID',
  limit = Number.POSITIVE_INFINITY,
): Der[] {
  if (node.kids && node.kids.length <= limit) return node.kids.slice();
  if (!(node.tag & 0x20)) fail(code, 'malformed DER: expected a constructed value');
  const out: Der[] = [];
  let pos = 0;
  while (pos < node.value.length && out.length < limit) {
    out.push(readTlv(node.value, pos, code));
    pos = headerEnd;
  }
  if (pos < node.value.length)
    fail(code, `malformed DER: more than ${limit} elements in a value that holds fewer`);
  if (Object.isExtensible(node)) node.kids = out;
  return out.slice();
}

/**
 * The children of a constructed value one at a time, for a SEQUENCE OF or SET OF that a parser
 * reads element by element: each is decoded when the loop reaches it and nothing is kept, so a
 * list whose first element is wrong is refused before the rest of it is read, and a long list
 * never exists as a million objects at once.
 */
export function* eachChild(node: Der, code: NodeIdErrorCode = 'ERR_DER_INVALID'): Generator<Der> {
  if (node.kids) {
    yield* node.kids.slice();
    return;
  }
  if (!(node.tag & 0x20)) fail(code, 'malformed DER: expected a constructed value');
  const v = node.value;
  let pos = 0;
  while (pos < v.length) {
    const child = readTlv(v, pos, code);
    pos = headerEnd;
    yield child;
  }
}

/** Checks that `node` has the given tag, else throws `code`. Returns the node. */
export function expectTag(
  node: Der | undefined,
  tag: number,
  what: string,
  code: NodeIdErrorCode = 'ERR_DER_INVALID',
): Der {
  if (!node) fail(code, `malformed DER: ${what} is missing`);
  if (node.tag !== tag)
    fail(
      code,
      `malformed DER: ${what} has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`,
    );
  return node;
}

/**
 * Checks the whole structure under `node` is well formed: definite minimal lengths, at most
 * {@link MAX_DEPTH} levels of nesting and {@link MAX_TLVS} TLVs, without making an object of
 * any TLV (a caller reads only the nodes it needs). {@link decode} already does this for the
 * whole of its input: a node it returned needs no second pass.
 */
export function validateTree(node: Der, code: NodeIdErrorCode = 'ERR_DER_INVALID'): void {
  walk(node.raw, code);
}

// ---- readers of primitive values ----

/** The OID of an OBJECT IDENTIFIER node in dotted form. */
export function readOid(node: Der, code: NodeIdErrorCode = 'ERR_DER_INVALID'): string {
  expectTag(node, Tag.OID, 'object identifier', code);
  const v = node.value;
  if (v.length === 0 || v[v.length - 1]! & 0x80) fail(code, 'malformed DER: bad object identifier');
  const parts: number[] = [];
  let acc = 0;
  let first = true;
  for (let i = 0; i < v.length; i++) {
    const b = v[i]!;
    if (acc === 0 && b === 0x80)
      fail(code, 'malformed DER: object identifier not minimally encoded');
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 256)
      fail(code, 'malformed DER: object identifier arc too large');
    if (!(b & 0x80)) {
      if (first) {
        const x = acc < 40 ? 0 : acc < 80 ? 1 : 2;
        parts.push(x, acc - x * 40);
        first = false;
      } else parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

/** An INTEGER's contents as a bigint (two's complement). */
export function readBigInt(node: Der, code: NodeIdErrorCode = 'ERR_DER_INVALID'): bigint {
  expectTag(node, Tag.INTEGER, 'integer', code);
  const v = node.value;
  if (v.length === 0) fail(code, 'malformed DER: empty integer');
  let n = BigInt(`0x${toHex(v)}`);
  if (v[0]! & 0x80) n -= 1n << BigInt(v.length * 8);
  return n;
}

/** A small INTEGER as a number. */
export function readSmallInt(node: Der, code: NodeIdErrorCode = 'ERR_DER_INVALID'): number {
  const n = readBigInt(node, code);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER))
    fail(code, 'integer too large');
  return Number(n);
}

/** A BOOLEAN. */
export function readBoolean(node: Der, code: NodeIdErrorCode = 'ERR_DER_INVALID'): boolean {
  expectTag(node, Tag.BOOLEAN, 'boolean', code);
  if (node.value.length !== 1) fail(code, 'malformed DER: bad boolean');
  return node.value[0] !== 0;
}

/** A BIT STRING: its bytes and the number of unused bits in the last one. */
export function readBitString(
  node: Der,
  code: NodeIdErrorCode = 'ERR_DER_INVALID',
): { bytes: Uint8Array; unusedBits: number } {
  expectTag(node, Tag.BIT_STRING, 'bit string', code);
  const v = node.value;
  if (v.length === 0 || v[0]! > 7 || (v.length === 1 && v[0] !== 0))
    fail(code, 'malformed DER: bad bit string');
  return { bytes: v.subarray(1), unusedBits: v[0]! };
}

/** The value of the `n` ASCII digits of `v` at `at`; -1 when one of them is not a digit. */
function digitsAt(v: Uint8Array, at: number, n: number): number {
  let x = 0;
  for (let i = at; i < at + n; i++) {
    const d = v[i]! - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    x = x * 10 + d;
  }
  return x;
}

/**
 * A time (UTCTime or GeneralizedTime, in the forms RFC 5280 allows) as a Date: RFC 5280
 * §4.1.2.5.1 UTCTime `YYMMDDHHMMSSZ` (YY of 50 and above is 19YY, below 50 is 20YY), §4.1.2.5.2
 * GeneralizedTime `YYYYMMDDHHMMSSZ`, both in Zulu time with seconds and without fractions. Read
 * byte by byte: every certificate parse reads two.
 */
export function readTime(node: Der, code: NodeIdErrorCode = 'ERR_DER_INVALID'): Date {
  const v = node.value;
  let year: number;
  let at: number;
  if (node.tag === Tag.UTC_TIME) {
    const yy = v.length === 13 && v[12] === 0x5a ? digitsAt(v, 0, 2) : -1;
    if (yy < 0) fail(code, `malformed time "${printable(latin1(v))}"`);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    at = 2;
  } else if (node.tag === Tag.GENERALIZED_TIME) {
    year = v.length === 15 && v[14] === 0x5a ? digitsAt(v, 0, 4) : -1;
    if (year < 0) fail(code, `malformed time "${printable(latin1(v))}"`);
    at = 4;
  } else fail(code, 'malformed DER: expected a time');
  const mo = digitsAt(v, at, 2);
  const d = digitsAt(v, at + 2, 2);
  const h = digitsAt(v, at + 4, 2);
  const mi = digitsAt(v, at + 6, 2);
  const se = digitsAt(v, at + 8, 2);
  if (mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0)
    fail(code, `malformed time "${printable(latin1(v))}"`);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
    fail(code, `invalid time "${latin1(v)}"`);
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, se));
  if (date.getUTCDate() !== d) fail(code, `invalid time "${latin1(v)}"`);
  if (year < 100) date.setUTCFullYear(year);
  return date;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}

/** Bytes as a Latin-1 string (one char per byte). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** A directory or IA5 string as text; `undefined` when its bytes are invalid for its type. */
export function readString(node: Der): string | undefined {
  try {
    switch (node.tag) {
      case Tag.UTF8_STRING:
        return utf8Decoder.decode(node.value);
      case Tag.PRINTABLE_STRING:
      case Tag.IA5_STRING:
      case Tag.T61_STRING:
      case 0x1a: // VisibleString
        return latin1(node.value);
      case Tag.BMP_STRING: {
        if (node.value.length % 2) return undefined;
        let s = '';
        for (let i = 0; i < node.value.length; i += 2)
          s += String.fromCharCode((node.value[i]! << 8) | node.value[i + 1]!);
        return s;
      }
      case Tag.UNIVERSAL_STRING: {
        if (node.value.length % 4) return undefined;
        let s = '';
        const v = node.value;
        for (let i = 0; i < v.length; i += 4)
          s += String.fromCodePoint(
            ((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0,
          );
        return s;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

// ---- writer ----

/** Octets of a DER length's long form: 0 when `len` takes the short form (X.690 §8.1.3.4, §8.1.3.5). */
function longLengthOctets(len: number): number {
  let n = 0;
  for (let v = len; v >= 1; v = Math.floor(v / 256)) n++;
  return len < 0x80 ? 0 : n;
}

/** Encodes one TLV from a tag and contents made of byte arrays. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let len = 0;
  for (let i = 0; i < contents.length; i++) len += contents[i]!.length;
  const long = longLengthOctets(len);
  const out = new Uint8Array(2 + long + len);
  out[0] = tag;
  if (long === 0) out[1] = len;
  else {
    // X.690 §8.1.3.5: 0x80 | the count of length octets, then the length big-endian
    out[1] = 0x80 | long;
    for (let k = long, v = len; k >= 1; k--, v = Math.floor(v / 256)) out[1 + k] = v % 256;
  }
  let pos = 2 + long;
  for (let i = 0; i < contents.length; i++) {
    const c = contents[i]!;
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** SEQUENCE of already-encoded values. */
export const seq = (...items: Uint8Array[]): Uint8Array => tlv(Tag.SEQUENCE, ...items);

/** SET OF already-encoded values, sorted as DER requires. */
export function setOf(...items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return tlv(Tag.SET, ...sorted);
}

/** Lexicographic byte comparison. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Context-specific constructed tag `[n]` wrapping encoded values (EXPLICIT tagging). */
export const explicit = (n: number, ...items: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...items);

/** Context-specific primitive tag `[n]` with raw contents (IMPLICIT tagging of a primitive). */
export const implicit = (n: number, contents: Uint8Array): Uint8Array => tlv(0x80 | n, contents);

/** INTEGER from a bigint or a non-negative number. */
export function int(n: bigint | number): Uint8Array {
  let v = BigInt(n);
  const bytes: number[] = [];
  if (v === 0n) bytes.push(0);
  const negative = v < 0n;
  while (v !== 0n && v !== -1n) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  if (!negative && bytes[0]! & 0x80) bytes.unshift(0);
  if (negative && (bytes.length === 0 || !(bytes[0]! & 0x80))) bytes.unshift(0xff);
  return tlv(Tag.INTEGER, Uint8Array.from(bytes));
}

/** INTEGER from unsigned big-endian bytes (a serial number, an RSA modulus). */
export function uintBytes(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && !(bytes[i + 1]! & 0x80)) i++;
  const v = bytes.subarray(i);
  return v[0]! & 0x80 ? tlv(Tag.INTEGER, Uint8Array.of(0), v) : tlv(Tag.INTEGER, v);
}

const oidCache = new Map<string, Uint8Array>();

/** OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Uint8Array {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [];
  const push = (n: number) => {
    const chunk: number[] = [n & 0x7f];
    n = Math.floor(n / 128);
    while (n > 0) {
      chunk.unshift((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    body.push(...chunk);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  const out = tlv(Tag.OID, Uint8Array.from(body));
  oidCache.set(dotted, out);
  return out;
}

/** BOOLEAN. */
export const bool = (b: boolean): Uint8Array => tlv(Tag.BOOLEAN, Uint8Array.of(b ? 0xff : 0));
/** NULL. */
export const nul = (): Uint8Array => Uint8Array.of(Tag.NULL, 0);
/** OCTET STRING. */
export const octets = (b: Uint8Array): Uint8Array => tlv(Tag.OCTET_STRING, b);
/** BIT STRING with no unused bits. */
export const bits = (b: Uint8Array): Uint8Array => tlv(Tag.BIT_STRING, Uint8Array.of(0), b);
/** UTF8String. */
export const utf8 = (s: string): Uint8Array => tlv(Tag.UTF8_STRING, utf8Encoder.encode(s));
/** IA5String (ASCII). */
export const ia5 = (s: string): Uint8Array => tlv(Tag.IA5_STRING, utf8Encoder.encode(s));
/** PrintableString. */
export const printableString = (s: string): Uint8Array =>
  tlv(Tag.PRINTABLE_STRING, utf8Encoder.encode(s));

/** UTF-8 bytes of a string. */
export const utf8Bytes = (s: string): Uint8Array => utf8Encoder.encode(s);

/**
 * A certificate time: UTCTime through 2049, GeneralizedTime from 2050 on, as RFC 5280 §4.1.2.5
 * requires. Milliseconds are dropped.
 */
export function time(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(Tag.UTC_TIME, utf8Encoder.encode(p(y % 100) + rest));
  return tlv(Tag.GENERALIZED_TIME, utf8Encoder.encode(p(y, 4) + rest));
}
