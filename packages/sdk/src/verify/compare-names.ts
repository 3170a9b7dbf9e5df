/**
 * Distinguished-name comparison for path building and name constraints. Names are compared by
 * their encoding first; when the bytes differ, by the RFC 5280 §7.1 rules (attribute types equal,
 * string values equal after case folding and whitespace collapsing), as openssl does.
 */
import { bytesEqual } from '../lib/bytes.js';
import type { DistinguishedName, NameAttribute } from '../lib/name.js';

/** Folds a directory string value for comparison (RFC 4518, simplified: case, spaces). */
function foldValue(a: NameAttribute): string {
  return a.value.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function attributeKey(a: NameAttribute): string {
  // Values that are not strings keep their tag so they never equal a string value.
  return `${a.oid}=${a.value === '' ? `#${a.tag}` : foldValue(a)}`;
}

function rdnKey(rdn: NameAttribute[]): string {
  return rdn.map(attributeKey).sort().join('+');
}

/** True when two RDNs are equal under the comparison rules. */
export function rdnsEqual(a: NameAttribute[], b: NameAttribute[]): boolean {
  return a.length === b.length && rdnKey(a) === rdnKey(b);
}

/** True when two names are equal: same bytes, or equal after normalisation. */
export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  if (bytesEqual(a.raw, b.raw)) return true;
  if (a.rdns.length !== b.rdns.length) return false;
  return a.rdns.every((rdn, i) => rdnsEqual(rdn, b.rdns[i]!));
}

/** True when `prefix` is an initial sequence of RDNs of `name` (directoryName constraints). */
export function nameHasPrefix(name: DistinguishedName, prefix: DistinguishedName): boolean {
  if (prefix.rdns.length > name.rdns.length) return false;
  return prefix.rdns.every((rdn, i) => rdnsEqual(rdn, name.rdns[i]!));
}

/** A stable key for a name, for maps and loop detection. */
export function nameKey(name: DistinguishedName): string {
  return name.rdns.map(rdnKey).join(',');
}
