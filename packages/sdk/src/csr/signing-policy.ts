/**
 * What a CA is willing to sign for a CSR: which names, how long, which keys. Each requested
 * name is granted or denied on its own, with the reason, so an admin can see what happened.
 */
import { wildcardDnsName } from '../enroll/token-names.js';
import { NodeIdError } from '../errors.js';
import { checkPublicKey } from '../keys/check-public-key.js';
import { cidrBytes } from '../lib/extensions.js';
import { parseIp } from '../lib/general-name.js';
import type { PublicKeyInfo, SignatureAlgorithmInfo } from '../lib/signature.js';
import type { PublicSuffixList } from '../verify/public-suffix.js';

/** Names a policy allows, for one type: a list of patterns, or `'any'`. */
export type AllowList = readonly string[] | 'any';

/**
 * The rules {@link signCsr} applies. Secure by default: a name type without an allow list
 * grants nothing of that type.
 */
export interface SigningPolicy {
  /**
   * DNS names: `node1.example.net` (exact), `.example.net` or `*.example.net` (any name below
   * example.net), or `'any'`.
   */
  dns?: AllowList;
  /** IP addresses: `10.0.0.7` (exact), `10.0.0.0/8` (a range), or `'any'`. */
  ips?: AllowList;
  /** URIs: exact, a prefix ending in `*` (`spiffe://cluster/*`), or `'any'`. */
  uris?: AllowList;
  /** Email addresses: exact, `@example.net` (a domain), or `'any'`. */
  emails?: AllowList;
  /** Client CNs (user names) a `client` profile may get: exact names or `'any'`. */
  commonNames?: AllowList;
  /**
   * Read every allow list entry as one exact name (DNS names compared case-insensitively, IP
   * addresses by their bytes), never as a suffix, range or prefix pattern. Enrollment tokens
   * sign with this (see `tokenSigningPolicy`). Default false.
   */
  exactNames?: boolean;
  /**
   * Whether a wildcard DNS name (`*.example.net`) may be granted; default false. Even then only
   * a `*` that is the whole leftmost label, over a name that is no public suffix.
   */
  allowWildcards?: boolean;
  /** Longest lifetime in days; default 365. Longer requests are shortened, with a warning. */
  maxDays?: number;
  /** Smallest RSA modulus accepted; default 2048 (lower values are ignored). */
  minRsaBits?: number;
}

/** A name that was not granted and why. */
export interface DeniedName {
  /** The name as `DNS:…`, `IP:…`, `URI:…` or `email:…`. */
  name: string;
  reason: string;
}

function dnsAllowed(name: string, allow: AllowList, exact: boolean): boolean {
  if (allow === 'any') return true;
  const n = name.toLowerCase();
  return allow.some((pattern) => {
    const p = pattern.toLowerCase();
    if (exact) return n === p;
    if (p.startsWith('*.')) return n.endsWith(p.slice(1)) && n.length > p.length - 1;
    if (p.startsWith('.')) return n.endsWith(p) && n.length > p.length;
    return n === p;
  });
}

function ipAllowed(ip: string, allow: AllowList, exact: boolean): boolean {
  if (allow === 'any') return true;
  const bytes = parseIp(ip);
  if (!bytes) return false;
  return allow.some((pattern) => {
    if (exact || !pattern.includes('/')) {
      // one address: equal bytes, so an IPv4 entry never meets an IPv6 name (nor throws on it)
      const one = parseIp(pattern);
      return (
        one !== undefined && one.length === bytes.length && one.every((b, i) => b === bytes[i])
      );
    }
    const range = cidrBytes(pattern);
    const half = range.length / 2;
    if (half !== bytes.length) return false;
    for (let i = 0; i < half; i++) if ((bytes[i]! & range[half + i]!) !== range[i]) return false;
    return true;
  });
}

function uriAllowed(uri: string, allow: AllowList, exact: boolean): boolean {
  if (allow === 'any') return true;
  return allow.some((p) =>
    !exact && p.endsWith('*') ? uri.startsWith(p.slice(0, -1)) : uri === p,
  );
}

function emailAllowed(email: string, allow: AllowList, exact: boolean): boolean {
  if (allow === 'any') return true;
  const lower = email.toLowerCase();
  return allow.some((p) =>
    !exact && p.startsWith('@') ? lower.endsWith(p.toLowerCase()) : lower === p.toLowerCase(),
  );
}

/**
 * Why a requested name holding `*` is refused, or '' when the policy may grant it: wildcards
 * only with `allowWildcards`, and then only as the whole leftmost label over a name that is not
 * a public suffix (RFC 6125 §6.4.3, CA/Browser Forum BR 3.2.2.6; see `wildcardDnsName`).
 */
function wildcardRefusal(
  name: string,
  policy: SigningPolicy,
  publicSuffixes: PublicSuffixList | undefined,
): string {
  if (!policy.allowWildcards) return 'wildcard names are not allowed by the policy';
  if (!publicSuffixes) return 'wildcard names need the Public Suffix List to be judged';
  try {
    wildcardDnsName(name, publicSuffixes);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Splits requested names into granted and denied under `policy`; a wildcard name is judged
 * with `publicSuffixes` (refused without it). @internal
 */
export function applyNamePolicy(
  requested: { dns: string[]; ips: string[]; uris: string[]; emails: string[]; other: string[] },
  policy: SigningPolicy,
  publicSuffixes?: PublicSuffixList,
): {
  granted: { dns: string[]; ips: string[]; uris: string[]; emails: string[] };
  denied: DeniedName[];
} {
  const granted = {
    dns: [] as string[],
    ips: [] as string[],
    uris: [] as string[],
    emails: [] as string[],
  };
  const denied: DeniedName[] = [];
  const exact = policy.exactNames === true;
  for (const d of requested.dns) {
    const refused = d.includes('*') && wildcardRefusal(d, policy, publicSuffixes);
    if (refused) denied.push({ name: `DNS:${d}`, reason: refused });
    else if (dnsAllowed(d, policy.dns ?? [], exact)) granted.dns.push(d);
    else denied.push({ name: `DNS:${d}`, reason: 'not in the allowed DNS names' });
  }
  for (const ip of requested.ips) {
    if (ipAllowed(ip, policy.ips ?? [], exact)) granted.ips.push(ip);
    else denied.push({ name: `IP:${ip}`, reason: 'not in the allowed IP ranges' });
  }
  for (const u of requested.uris) {
    if (uriAllowed(u, policy.uris ?? [], exact)) granted.uris.push(u);
    else denied.push({ name: `URI:${u}`, reason: 'not in the allowed URIs' });
  }
  for (const e of requested.emails) {
    if (emailAllowed(e, policy.emails ?? [], exact)) granted.emails.push(e);
    else denied.push({ name: `email:${e}`, reason: 'not in the allowed email addresses' });
  }
  for (const o of requested.other)
    denied.push({ name: o, reason: 'this name type is never granted' });
  return { granted, denied };
}

/**
 * A policy that grants exactly the names a CSR asks for (and its CN, for a `client` profile),
 * matched exactly: the admin approves the request by hand. Never a default: a caller asks for it
 * explicitly (`nodeid csr sign --allow-requested`); a policy without allow lists grants nothing.
 * The CA's own name constraints still apply on top of it.
 *
 * @example
 * ```ts
 * const csr = await parseCsr(pem);
 * // after a person has read csr.requestedNames and approved them:
 * await signCsr({ csr, ca, policy: requestedNamesPolicy(csr, { maxDays: 90 }) });
 * ```
 */
export function requestedNamesPolicy(
  request: {
    requestedNames: { dns: string[]; ips: string[]; uris: string[]; emails: string[] };
    subject: { rdns: { type?: string; value: string }[][] };
  },
  options: { maxDays?: number } = {},
): SigningPolicy {
  const { dns, ips, uris, emails } = request.requestedNames;
  const cn = request.subject.rdns.flat().find((a) => a.type === 'CN')?.value;
  return {
    dns: [...dns],
    ips: [...ips],
    uris: [...uris],
    emails: [...emails],
    commonNames: cn ? [cn] : [],
    exactNames: true,
    ...(options.maxDays !== undefined && { maxDays: options.maxDays }),
  };
}

/** True when `cn` may be a client certificate's CN under `policy`. @internal */
export function commonNameAllowed(cn: string, policy: SigningPolicy): boolean {
  const allow = policy.commonNames ?? [];
  return allow === 'any' || allow.includes(cn);
}

/**
 * Refuses weak or unsupported keys and signature algorithms, each with its own code: the key
 * first ({@link checkPublicKey}: `ERR_KEY_WEAK`, `ERR_KEY_UNSUPPORTED`), then the CSR's
 * signature algorithm (`ERR_ALGORITHM_WEAK` for MD5 and SHA-1, RFC 6151 and RFC 9155 / CA/B BR
 * §7.1.3.2). Called before the CSR's signature is checked, so a crafted key (whose proof of
 * possession cannot verify) is reported for what it is. @internal
 */
export function checkKeyStrength(
  key: PublicKeyInfo,
  signature: SignatureAlgorithmInfo,
  policy: SigningPolicy,
): void {
  checkPublicKey(key, { minRsaBits: policy.minRsaBits });
  if (signature.hash === 'SHA-1' || signature.hash === 'MD5') {
    throw new NodeIdError(
      'ERR_ALGORITHM_WEAK',
      `the CSR is signed with ${signature.name}; ${signature.hash} signatures are refused, sign it with SHA-256 or better`,
    );
  }
}
