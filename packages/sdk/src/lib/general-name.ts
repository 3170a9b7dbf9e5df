/** GeneralName (RFC 5280 §4.2.1.6): the names in SANs, name constraints, AKI and CRL extensions. */
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { children, type Der, decode, latin1, readOid, Tag, tlv } from './der.js';
import { type DistinguishedName, decodeName } from './name.js';

/** A decoded GeneralName. */
export type GeneralName =
  | { type: 'dns'; value: string }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string }
  /** `bytes` is 4 or 16 bytes for a SAN, 8 or 32 (address + mask) in name constraints. */
  | { type: 'ip'; value: string; bytes: Uint8Array }
  | { type: 'dirName'; value: string; name: DistinguishedName }
  | { type: 'registeredId'; value: string }
  | { type: 'otherName'; value: string; raw: Uint8Array }
  | { type: 'other'; value: string; raw: Uint8Array };

/** Text form of an IPv4 or IPv6 address (or address/prefix for constraint bytes). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    // compress the longest run of zero groups
    let best = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== '0') {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > bestLen && j - i > 1) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (best < 0) return groups.join(':');
    return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
  }
  if (bytes.length === 8 || bytes.length === 32) {
    const half = bytes.length / 2;
    const mask = bytes.subarray(half);
    let prefix = 0;
    for (const b of mask) prefix += popcount(b);
    return `${formatIp(bytes.subarray(0, half))}/${prefix}`;
  }
  return `<${bytes.length}-byte address>`;
}

function popcount(b: number): number {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
}

/** Parses an IPv4 or IPv6 address into bytes; `undefined` when it is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p, i) => p > 255 || (v4[i + 1]!.length > 1 && v4[i + 1]!.startsWith('0'))))
      return undefined;
    return Uint8Array.from(parts);
  }
  if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return undefined;
  let head = text;
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseIp(text.slice(lastColon + 1));
    if (tail4?.length !== 4) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const left = parse(dbl[0]!);
  const right = dbl.length === 2 ? parse(dbl[1]!) : [];
  const missing = 8 - left.length - right.length;
  if ((dbl.length === 1 && missing !== 0) || (dbl.length === 2 && missing < 1)) return undefined;
  const groups = [...left, ...Array(dbl.length === 2 ? missing : 0).fill('0'), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 255;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** Decodes one GeneralName node. */
export function decodeGeneralName(
  node: Der,
  code: NodeIdErrorCode = 'ERR_CERTIFICATE_INVALID',
): GeneralName {
  const cls = node.tag & 0xc0;
  const num = node.tag & 0x1f;
  if (cls !== 0x80) throw new NodeIdError(code, 'malformed general name');
  switch (num) {
    case 1:
      return { type: 'email', value: latin1(node.value) };
    case 2:
      return { type: 'dns', value: latin1(node.value) };
    case 6:
      return { type: 'uri', value: latin1(node.value) };
    case 7:
      return { type: 'ip', value: formatIp(node.value), bytes: node.value };
    case 4: {
      if (!(node.tag & 0x20)) throw new NodeIdError(code, 'malformed directory name');
      const name = decodeName(decode(node.value, code), code);
      return { type: 'dirName', value: name.text, name };
    }
    case 8:
      return {
        type: 'registeredId',
        value: readOid({ tag: Tag.OID, raw: node.raw, value: node.value }, code),
      };
    case 0:
      return { type: 'otherName', value: 'othername:<unsupported>', raw: node.raw };
    default:
      return { type: 'other', value: `<unsupported general name [${num}]>`, raw: node.raw };
  }
}

/** Decodes a `GeneralNames` SEQUENCE. */
export function decodeGeneralNames(
  node: Der,
  code: NodeIdErrorCode = 'ERR_CERTIFICATE_INVALID',
): GeneralName[] {
  if (node.tag !== Tag.SEQUENCE) throw new NodeIdError(code, 'malformed general names');
  return children(node, code).map((c) => decodeGeneralName(c, code));
}

/** Encodes a DNS, email, URI or IP GeneralName. */
export function encodeGeneralName(
  name: { type: 'dns' | 'email' | 'uri'; value: string } | { type: 'ip'; bytes: Uint8Array },
): Uint8Array {
  switch (name.type) {
    case 'email':
      return tlv(0x81, new TextEncoder().encode(name.value));
    case 'dns':
      return tlv(0x82, new TextEncoder().encode(name.value));
    case 'uri':
      return tlv(0x86, new TextEncoder().encode(name.value));
    case 'ip':
      return tlv(0x87, name.bytes);
  }
}
