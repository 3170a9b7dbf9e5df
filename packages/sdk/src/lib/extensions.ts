/**
 * DER encoders for the X.509 extensions the SDK writes. Each returns a whole `Extension`
 * SEQUENCE; the layout matches what @peculiar/x509 produces for the same inputs (a test proves it).
 */

import { KEY_USAGE_NAMES, type KeyUsage } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import { bool, int, octets, oid, seq, Tag, tlv } from './der.js';
import { encodeGeneralName, parseIp } from './general-name.js';
import { OID } from './oids.js';

/** A SAN entry the SDK issues. */
export type SanEntry =
  | { type: 'dns' | 'email' | 'uri'; value: string }
  | { type: 'ip'; value: string; bytes: Uint8Array };

/** Wraps an extension value: `SEQUENCE { extnID, critical?, OCTET STRING value }`. */
export function extension(extOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(extOid), bool(true), octets(value)) : seq(oid(extOid), octets(value));
}

/** basicConstraints, always critical. */
export function basicConstraintsExtension(ca: boolean, pathLength?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  if (ca) parts.push(bool(true));
  if (ca && pathLength !== undefined) parts.push(int(pathLength));
  return extension(OID.basicConstraints, true, seq(...parts));
}

/** keyUsage, critical, as a minimal DER BIT STRING. */
export function keyUsageExtension(usages: readonly KeyUsage[]): Uint8Array {
  let mask = 0;
  for (const u of usages) mask |= 1 << KEY_USAGE_NAMES.indexOf(u);
  if (mask === 0)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'keyUsage needs at least one usage');
  const highest = 31 - Math.clz32(mask);
  const byteCount = (highest >> 3) + 1;
  const bytes = new Uint8Array(byteCount);
  for (let bit = 0; bit <= highest; bit++)
    if (mask & (1 << bit)) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return extension(OID.keyUsage, true, tlv(Tag.BIT_STRING, Uint8Array.of(unused), bytes));
}

/** extKeyUsage, not critical. */
export function extKeyUsageExtension(oids: readonly string[]): Uint8Array {
  return extension(OID.extKeyUsage, false, seq(...oids.map((o) => oid(o))));
}

/** subjectAltName; critical only when the subject is empty (RFC 5280 §4.2.1.6). */
export function subjectAltNameExtension(names: readonly SanEntry[], critical = false): Uint8Array {
  return extension(
    OID.subjectAltName,
    critical,
    seq(
      ...names.map((n) => encodeGeneralName(n.type === 'ip' ? { type: 'ip', bytes: n.bytes } : n)),
    ),
  );
}

/** subjectKeyIdentifier. */
export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extension(OID.subjectKeyIdentifier, false, octets(keyId));
}

/** authorityKeyIdentifier with the issuer's key identifier only. */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyId)));
}

/**
 * cRLDistributionPoints, not critical (RFC 5280 §4.2.1.13 recommends it not be): one
 * DistributionPoint per URL, each `distributionPoint [0] { fullName [0] { URI } }`, with no
 * `reasons` and no `cRLIssuer`, so the CRL covers every reason and is signed by the issuer.
 */
export function crlDistributionPointsExtension(urls: readonly string[]): Uint8Array {
  return extension(
    OID.crlDistributionPoints,
    false,
    seq(
      ...urls.map((u) => seq(tlv(0xa0, tlv(0xa0, encodeGeneralName({ type: 'uri', value: u }))))),
    ),
  );
}

/** Name constraints for a CA: DNS subtrees and IP ranges (CIDR). */
export interface NameConstraintsOptions {
  /** DNS names (and their subdomains) the CA may issue for, e.g. `example.net`. */
  permittedDns?: string[];
  /** DNS names (and their subdomains) the CA must not issue for. */
  excludedDns?: string[];
  /** IP ranges the CA may issue for, in CIDR form (`10.0.0.0/8`, `fd00::/8`). */
  permittedIps?: string[];
  /** IP ranges the CA must not issue for. */
  excludedIps?: string[];
}

/** Parses a CIDR range into the 8- or 32-byte address+mask form of name constraints. */
export function cidrBytes(cidr: string): Uint8Array {
  const [addr, prefixText] = cidr.split('/');
  const ip = parseIp(addr ?? '');
  const max = ip ? ip.length * 8 : 0;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!ip || !/^\d+$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      `"${cidr}" is not an IP range in CIDR form (e.g. 10.0.0.0/8)`,
    );
  }
  const out = new Uint8Array(ip.length * 2);
  for (let i = 0; i < ip.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
    out[i] = ip[i]! & mask;
    out[ip.length + i] = mask;
  }
  return out;
}

/** nameConstraints, critical; `undefined` when no constraint is given. */
export function nameConstraintsExtension(options: NameConstraintsOptions): Uint8Array | undefined {
  const subtrees = (dns: string[] = [], ips: string[] = []) => [
    ...dns.map((d) => seq(tlv(0x82, new TextEncoder().encode(d)))),
    ...ips.map((c) => seq(tlv(0x87, cidrBytes(c)))),
  ];
  const permitted = subtrees(options.permittedDns, options.permittedIps);
  const excluded = subtrees(options.excludedDns, options.excludedIps);
  if (permitted.length === 0 && excluded.length === 0) return undefined;
  const parts: Uint8Array[] = [];
  if (permitted.length) parts.push(tlv(0xa0, ...permitted));
  if (excluded.length) parts.push(tlv(0xa1, ...excluded));
  return extension(OID.nameConstraints, true, seq(...parts));
}
