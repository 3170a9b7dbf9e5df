/**
 * The names an enrollment token grants: one builder, used by nodeid-server when a token is
 * created, by `nodeid token create` before it asks, and by the web page; and the signing policy
 * the token stands for when its CSR comes back. A token lists EXACT names, each validated as a
 * name of its type: never a pattern, a suffix or a range, so a token for "." or "*.example.net"
 * cannot exist and a token can never grant more than the names written in it.
 */

import type { SigningPolicy } from '../csr/signing-policy.js';
import { NodeIdError } from '../errors.js';
import { shortName } from '../issue/issue-identity.js';
import { isProfile, type Profile } from '../issue/profiles.js';
import { formatIp, parseIp } from '../lib/general-name.js';
import { optionsArgument } from '../lib/options-argument.js';
import type { PublicSuffixList } from '../verify/public-suffix.js';

/** What an admin asks a token for. */
export interface TokenNamesInput {
  /** The node's FQDN (or IP address); a user name for the `client` profile. */
  name: string;
  /** Default `node`. */
  profile?: Profile | string;
  /** Extra DNS names, exact (`node1-ib.example.net`). */
  dns?: readonly string[];
  /** IP addresses, exact (`10.0.0.1`, `fd00::1`); not ranges. */
  ips?: readonly string[];
  /** Absolute URIs, exact (`spiffe://cluster/node1`). */
  uris?: readonly string[];
}

/** The validated, normalised names of a token, as stored. */
export interface TokenNames {
  /** The main name: a DNS name in A-label form, a canonical IP, or a client's user name. */
  name: string;
  profile: Profile;
  /** Extra DNS names (A-labels, lower case), without duplicates. */
  dns: string[];
  /** IP addresses in canonical form (RFC 5952 for IPv6), without duplicates. */
  ips: string[];
  /** URIs as given (validated), without duplicates. */
  uris: string[];
}

/** Most names of one type a token may list. */
export const MAX_TOKEN_NAMES = 100;

const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function invalid(field: string, value: string, why: string): never {
  throw new NodeIdError(
    'ERR_NAME_INVALID',
    `${field} "${value.length > 80 ? `${value.slice(0, 80)}…` : value}" ${why}`,
  );
}

/**
 * An exact DNS name in the form a certificate carries it (RFC 5280 §4.2.1.6: the preferred name
 * syntax of RFC 1034 §3.5 as relaxed by RFC 1123 §2.1): labels of letters, digits and hyphens,
 * 1 to 63 characters, not starting or ending with a hyphen, 253 characters in all, lower-cased.
 * Internationalised names: U-labels are converted to A-labels (`xn--…`) with UTS #46 processing
 * (the WHATWG URL host parser every runtime ships), then checked as above; an A-label must
 * survive the same conversion unchanged. Wildcards (`*`), a leading or trailing dot, an empty
 * label, and anything that reads as an IP address are refused with `ERR_NAME_INVALID`.
 *
 * @example
 * ```ts
 * exactDnsName('Node1.Example.NET'); // 'node1.example.net'
 * exactDnsName('bücher.example');    // 'xn--bcher-kva.example'
 * exactDnsName('*.example.net');     // throws ERR_NAME_INVALID
 * ```
 */
export function exactDnsName(value: string, field = 'DNS name'): string {
  if (typeof value !== 'string' || value.length === 0) invalid(field, String(value), 'is empty');
  let name = value.toLowerCase();
  if (/[^\x21-\x7e]/.test(name)) {
    if (/[\s\u0000-\u001f\u007f]/.test(name) || /[/?#@:%\\[\]]/.test(name))
      invalid(field, value, 'is not a DNS name');
    name = toASCII(name) ?? invalid(field, value, 'is not a valid internationalised DNS name');
  }
  if (name.length > 253) invalid(field, value, 'is longer than 253 characters');
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '')
      invalid(field, value, 'has an empty label (a leading, trailing or double dot)');
    if (label.includes('*')) invalid(field, value, 'is a wildcard or pattern, not an exact name');
    if (!LDH_LABEL.test(label))
      invalid(
        field,
        value,
        'is not a DNS name: labels are letters, digits and inner hyphens, at most 63 characters',
      );
    if (label.startsWith('xn--') && toASCII(label) !== label)
      invalid(field, value, `has an A-label "${label}" that is not valid punycode`);
  }
  if (parseIp(name) || /^[0-9.]+$/.test(name))
    invalid(field, value, 'looks like an IP address; list it as an IP address');
  return name;
}

/**
 * A wildcard DNS name as a certificate may carry one, checked by its form alone: `*.` and then
 * an exact DNS name ({@link exactDnsName}). The asterisk is the whole leftmost label and the only
 * one (RFC 6125 §6.4.3, RFC 8555 §7.1.3, CA/Browser Forum BR 1.6.1 "Wildcard Domain Name": no
 * `f*.example.net`, `*.*.example.net` or `www.*.example.net`); a wildcard over an IP address
 * does not exist (RFC 8738 §7). The
 * result is `*.` and the normalised name below it; anything else: `ERR_NAME_INVALID`. Whether
 * the name below is a public suffix needs the list: see {@link wildcardDnsName}.
 */
export function wildcardDnsNameForm(value: string, field = 'wildcard DNS name'): string {
  if (typeof value !== 'string' || !value.startsWith('*.'))
    invalid(
      field,
      String(value),
      'is not a wildcard: it must start with "*." (the leftmost label)',
    );
  const base = value.slice(2);
  if (base.includes('*')) invalid(field, value, 'has a wildcard below its leftmost label');
  if (parseIp(base) || /^[0-9.]+$/.test(base))
    invalid(field, value, 'is a wildcard over an IP address, which does not exist');
  return `*.${exactDnsName(base, field)}`;
}

/**
 * A wildcard DNS name nodeid may grant: of the form {@link wildcardDnsNameForm} checks, and not
 * directly over a public suffix (CA/Browser Forum BR 3.2.2.6: no `*.com`, `*.co.uk`, `*.local`;
 * both sections of the Public Suffix List count, so `*.github.io` is refused too). The result
 * is `*.` and the normalised name below it; anything else: `ERR_NAME_INVALID`.
 *
 * @example
 * ```ts
 * const psl = await loadPublicSuffixList();
 * wildcardDnsName('*.Cluster.Example.NET', psl); // '*.cluster.example.net'
 * wildcardDnsName('*.co.uk', psl);               // throws ERR_NAME_INVALID
 * ```
 */
export function wildcardDnsName(
  value: string,
  publicSuffixes: PublicSuffixList,
  field = 'wildcard DNS name',
): string {
  const name = wildcardDnsNameForm(value, field);
  if (publicSuffixes.isPublicSuffix(name.slice(2)))
    invalid(field, value, `is a wildcard directly over the public suffix "${name.slice(2)}"`);
  return name;
}

/**
 * The wildcard DNS names an admin grants an ACME token explicitly (`wildcards`, apart from its
 * exact `dns` names, so no wildcard is ever granted by accident): each one
 * {@link wildcardDnsName}, normalised, without duplicates, at most {@link MAX_TOKEN_NAMES}.
 * An ACME account made with the token may then order them, each proven by dns-01 (RFC 8555
 * §8.4); `/v1/sign` never grants one.
 *
 * @example
 * ```ts
 * tokenWildcards(['*.Cluster.Example'], await loadPublicSuffixList()); // ['*.cluster.example']
 * ```
 */
export function tokenWildcards(
  values: readonly string[] | undefined,
  publicSuffixes: PublicSuffixList,
): string[] {
  return uniqueList('wildcards', values, (v, field) => wildcardDnsName(v, publicSuffixes, field));
}

/** UTS #46 ToASCII through the WHATWG URL host parser; `undefined` when it refuses. */
function toASCII(name: string): string | undefined {
  try {
    const host = new URL(`http://${name}/`).hostname;
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

/**
 * An exact IP address (IPv4 dotted decimal, IPv6 in any RFC 4291 §2.2 text form), returned in
 * canonical form (RFC 5952 for IPv6). A range (`10.0.0.0/8`, `0.0.0.0/0`) or anything else is
 * refused with `ERR_NAME_INVALID`.
 */
export function exactIpAddress(value: string, field = 'IP address'): string {
  if (typeof value !== 'string' || value.length === 0) invalid(field, String(value), 'is empty');
  if (value.includes('/'))
    invalid(field, value, 'is a range; a token lists exact IP addresses only');
  const bytes = parseIp(value);
  if (!bytes) invalid(field, value, 'is not an IPv4 or IPv6 address');
  return formatIp(bytes);
}

// RFC 3986 §3.1 scheme, and the characters of §2 (unreserved, sub-delims, ":", "@", "/", "?",
// and "%" only as pct-encoded)
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const URI_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/**
 * An absolute URI (RFC 3986 §4.3: `scheme ":" hier-part [ "?" query ]`, no fragment), as a URI
 * SAN must be (RFC 5280 §4.2.1.6: a scheme and a scheme-specific part; when it has an authority,
 * a non-empty host). `*`, a relative reference or a URI with a fragment, spaces or invalid
 * percent-escapes is refused with `ERR_NAME_INVALID`.
 *
 * @example
 * ```ts
 * exactUri('spiffe://scale.cluster/node1'); // accepted as is
 * exactUri('*');                            // throws ERR_NAME_INVALID
 * ```
 */
export function exactUri(value: string, field = 'URI'): string {
  if (typeof value !== 'string' || value.length === 0) invalid(field, String(value), 'is empty');
  const colon = value.indexOf(':');
  if (colon < 1 || !SCHEME.test(value.slice(0, colon)))
    invalid(
      field,
      value,
      'is not an absolute URI (it needs a scheme, e.g. spiffe://cluster/node1)',
    );
  if (value.includes('#')) invalid(field, value, 'has a fragment; an absolute URI has none');
  if (!URI_CHARS.test(value) || /%(?![0-9A-Fa-f]{2})/.test(value))
    invalid(field, value, 'has characters a URI cannot hold (RFC 3986 §2)');
  const rest = value.slice(colon + 1);
  if (rest === '') invalid(field, value, 'has no scheme-specific part');
  if (rest.startsWith('//')) {
    const authority = rest.slice(2).split(/[/?]/, 1)[0]!;
    const host = authority.replace(/^[^@]*@/, '').replace(/:\d*$/, '');
    if (host === '') invalid(field, value, 'has an authority with no host');
  }
  return value;
}

function uniqueList(
  field: string,
  values: readonly string[] | undefined,
  check: (v: string, field: string) => string,
): string[] {
  if (values === undefined) return [];
  if (!Array.isArray(values))
    throw new NodeIdError('ERR_NAME_INVALID', `"${field}" must be a list of names`);
  if (values.length > MAX_TOKEN_NAMES)
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      `"${field}" lists ${values.length} names; at most ${MAX_TOKEN_NAMES}`,
    );
  return [...new Set(values.map((v) => check(v, `"${field}" entry`)))];
}

/**
 * Validates and normalises the names a token is asked for: the main name by the profile (a DNS
 * name or IP address, or for `client` a user name of printable characters), and every extra DNS
 * name, IP address and URI as an exact name of its type ({@link exactDnsName},
 * {@link exactIpAddress}, {@link exactUri}). Patterns are refused, never reinterpreted: `.`,
 * `*.`, `*.example.net`, `.example.net`, `0.0.0.0/0` and `*` all fail with `ERR_NAME_INVALID`,
 * naming the field and the value.
 *
 * @example
 * ```ts
 * const names = tokenNames({ name: 'node1.example.net', ips: ['10.0.0.1', 'fd00::1'] });
 * // { name: 'node1.example.net', profile: 'node', dns: [], ips: ['10.0.0.1', 'fd00::1'], uris: [] }
 * ```
 */
export function tokenNames(input: TokenNamesInput): TokenNames {
  optionsArgument(input, 'tokenNames');
  const profile = input.profile ?? 'node';
  if (!isProfile(profile))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `unknown profile "${String(profile)}"; use node, server, client or control`,
    );
  const raw = input.name;
  if (typeof raw !== 'string' || raw.trim() === '')
    throw new NodeIdError('ERR_NAME_INVALID', 'the token needs a name');
  let name: string;
  if (profile === 'client') {
    if (raw.length > 128 || /[\u0000-\u001f\u007f]/.test(raw) || raw !== raw.trim())
      invalid('the client name', raw, 'must be printable text of at most 128 characters');
    name = raw;
  } else {
    name = parseIp(raw) ? exactIpAddress(raw, 'the name') : exactDnsName(raw, 'the name');
  }
  return {
    name,
    profile,
    dns: uniqueList('dns', input.dns, exactDnsName),
    ips: uniqueList('ips', input.ips, exactIpAddress),
    uris: uniqueList('uris', input.uris, exactUri),
  };
}

/**
 * The exact names a token grants, by type: its main name (and, for a `node` token, the node's
 * short name, as node identities carry it) plus the extra names it lists. Every value is checked
 * again here, so a stored token from before names were validated grants nothing that is not an
 * exact name.
 */
export function tokenGrantedNames(token: TokenNamesInput): {
  dns: string[];
  ips: string[];
  uris: string[];
  commonNames: string[];
} {
  const t = tokenNames(token);
  const dns = [...t.dns];
  const ips = [...t.ips];
  if (t.profile !== 'client') {
    if (parseIp(t.name)) ips.unshift(t.name);
    else
      dns.unshift(
        ...(t.profile === 'node' && t.name.includes('.') ? [shortName(t.name)] : []),
        t.name,
      );
  }
  return {
    dns: [...new Set(dns)],
    ips: [...new Set(ips)],
    uris: t.uris,
    commonNames: t.profile === 'client' ? [t.name] : [],
  };
}

/**
 * The signing policy a token stands for at `/v1/sign`: exactly the names of
 * {@link tokenGrantedNames}, matched exactly (`exactNames: true`: no suffix, range or prefix
 * reading of any entry), for at most `validityDays` (default 365).
 *
 * @example
 * ```ts
 * const policy = tokenSigningPolicy({ name: 'node1.example.net', ips: ['10.0.0.1'] });
 * await signCsr({ csr, ca, policy }); // grants node1, node1.example.net, 10.0.0.1 and nothing else
 * ```
 */
export function tokenSigningPolicy(
  token: TokenNamesInput & { validityDays?: number },
): SigningPolicy {
  const granted = tokenGrantedNames(token);
  return { ...granted, exactNames: true, maxDays: token.validityDays ?? 365 };
}

/**
 * The `nodeid enroll` arguments that request every name a token allows (beyond `--name`, from
 * which the node derives its FQDN and short name): one `--dns`, `--ip` or `--uri` per name, and
 * `--profile` when it is not `node`.
 */
export function enrollArguments(token: TokenNamesInput): string[] {
  const t = tokenNames(token);
  return [
    '--name',
    t.name,
    ...(t.profile === 'node' ? [] : ['--profile', t.profile]),
    ...t.dns.flatMap((d) => ['--dns', d]),
    ...t.ips.flatMap((ip) => ['--ip', ip]),
    ...t.uris.flatMap((u) => ['--uri', u]),
  ];
}
