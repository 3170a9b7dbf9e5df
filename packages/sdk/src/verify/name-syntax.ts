/**
 * Syntax of the names found in certificates: DNS names in the preferred name syntax
 * (RFC 1034 §3.5 as amended by RFC 1123 §2.1, RFC 5280 §4.2.1.6), mailboxes (RFC 5322
 * addr-spec, unquoted), and the host part of URIs.
 */

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** True for a DNS name in preferred syntax; with `wildcard`, `*` may be the whole leftmost label. */
export function isDnsName(name: string, options: { wildcard?: boolean } = {}): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels[0] === '*' && labels.length < 2) return false;
  return labels.every(
    (label, i) => LABEL.test(label) || (options.wildcard === true && i === 0 && label === '*'),
  );
}

/** True when `name` starts with a `*` leftmost label. */
export function isWildcardName(name: string): boolean {
  return name.startsWith('*.') || name === '*';
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Splits a mailbox into local part and domain; `undefined` when it is not a valid mailbox. */
export function parseMailbox(value: string): { local: string; domain: string } | undefined {
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return undefined;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!LOCAL_PART.test(local) || local.length > 64 || !isDnsName(domain)) return undefined;
  return { local, domain };
}

/**
 * The host of a URI (RFC 3986 authority without userinfo and port), lower-cased.
 * `undefined` when the URI has no authority (e.g. `urn:`, `mailto:`) or is malformed.
 */
export function uriHost(uri: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m) return undefined;
  let authority = m[1]!;
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end > 0 ? authority.slice(0, end + 1).toLowerCase() : undefined;
  }
  const colon = authority.indexOf(':');
  const host = colon >= 0 ? authority.slice(0, colon) : authority;
  return host === '' ? undefined : host.toLowerCase();
}
