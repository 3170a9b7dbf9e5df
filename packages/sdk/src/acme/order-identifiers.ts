/**
 * Which identifiers an ACME account may order: exactly the names of the enrollment token it was
 * created with (the SDK's exact token-name rules), and the wildcards it lists explicitly, nothing
 * a client merely proves control of.
 * And the finalize rule: the CSR names exactly the order's identifiers (RFC 8555 §7.4).
 */
import type { CertificateRequest } from '../csr/parse-csr.js';
import {
  exactDnsName,
  exactIpAddress,
  type TokenNamesInput,
  tokenGrantedNames,
  wildcardDnsName,
  wildcardDnsNameForm,
} from '../enroll/token-names.js';
import { NodeIdError } from '../errors.js';
import { nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import type { PublicSuffixList } from '../verify/public-suffix.js';
import { type AcmeProblemType, acmeError } from './acme-problem.js';

/** An ACME identifier (RFC 8555 §9.7.7: `dns`; RFC 8738 §3: `ip`). */
export interface AcmeIdentifier {
  type: 'dns' | 'ip';
  value: string;
}

/** One identifier refused, as a subproblem (RFC 8555 §6.7.1). */
export interface RejectedIdentifier {
  type: AcmeProblemType;
  detail: string;
  identifier: { type: string; value: string };
}

/** What {@link acmeOrderIdentifiers} decided. */
export interface AcmeOrderIdentifiers {
  /** The identifiers, normalised (DNS names lower-case A-labels, IPs canonical), without duplicates. */
  identifiers: AcmeIdentifier[];
  /** The identifiers refused, each with its reason; an order is made only when this is empty. */
  rejected: RejectedIdentifier[];
}

/**
 * The names an ACME account stands on: its enrollment token's, and the wildcard DNS names the
 * admin granted it explicitly (`nodeid token create --acme --wildcard '*.cluster.example'`);
 * an exact name never grants a wildcard.
 */
export type AcmeTokenGrant = TokenNamesInput & { wildcards?: readonly string[] };

/** Options of {@link acmeOrderIdentifiers}. */
export interface AcmeOrderIdentifiersOptions {
  /**
   * The Public Suffix List ({@link loadPublicSuffixList}), needed to judge a wildcard
   * identifier; without it every wildcard is refused.
   */
  publicSuffixes?: PublicSuffixList;
}

/** Most identifiers in one order (RFC 8555 leaves it to the CA; Let's Encrypt takes 100). */
export const MAX_ORDER_IDENTIFIERS = 100;

/**
 * Checks the identifiers of a newOrder against the token an account was made with: each must be
 * a `dns` or `ip` identifier (else `unsupportedIdentifier`), an exact name of its type (a
 * malformed name: `rejectedIdentifier`), and one of the names the token grants (else
 * `rejectedIdentifier`; `token` `'any'` skips this last check). A wildcard DNS identifier
 * (`*.cluster.example`, RFC 8555 §7.1.3) is accepted only when the token lists exactly that
 * wildcard in `wildcards`, and it is of the wildcard form ({@link wildcardDnsName}: `*` the
 * whole leftmost label, not over a public suffix); an account made without a token (`'any'`)
 * never gets one. A list that is not a non-empty array of `{type, value}`: `malformed`.
 *
 * @example
 * ```ts
 * const { identifiers, rejected } = acmeOrderIdentifiers(payload.identifiers, token);
 * if (rejected.length) throw …; // a rejectedIdentifier problem with one subproblem per name
 * ```
 */
export function acmeOrderIdentifiers(
  requested: unknown,
  token: AcmeTokenGrant | 'any',
  options: AcmeOrderIdentifiersOptions = {},
): AcmeOrderIdentifiers {
  if (!Array.isArray(requested) || requested.length === 0)
    throw acmeError('malformed', 'the order needs "identifiers": a non-empty array');
  if (requested.length > MAX_ORDER_IDENTIFIERS)
    throw acmeError('malformed', `an order may have at most ${MAX_ORDER_IDENTIFIERS} identifiers`);
  // 'any': an account made without a token (nodeid-server --acme-open) may order any exact name
  const granted = token === 'any' ? undefined : tokenGrantedNames(token);
  const identifiers: AcmeIdentifier[] = [];
  const rejected: RejectedIdentifier[] = [];
  const seen = new Set<string>();
  for (const item of requested) {
    if (
      typeof item !== 'object' ||
      item === null ||
      typeof item.type !== 'string' ||
      typeof item.value !== 'string'
    )
      throw acmeError('malformed', 'each identifier must be {"type", "value"} strings');
    const shown = { type: item.type as string, value: String(item.value).slice(0, 253) };
    if (item.type !== 'dns' && item.type !== 'ip') {
      rejected.push({
        type: 'unsupportedIdentifier',
        detail: `identifier type "${shown.type}" is not supported; use dns or ip`,
        identifier: shown,
      });
      continue;
    }
    const wildcard = item.type === 'dns' && item.value.includes('*');
    let value: string;
    try {
      if (wildcard) {
        if (token === 'any')
          throw new NodeIdError(
            'ERR_NAME_INVALID',
            `${shown.value} is a wildcard: only an enrollment token that lists it grants one`,
          );
        if (!options.publicSuffixes)
          throw new NodeIdError(
            'ERR_NAME_INVALID',
            `${shown.value} is a wildcard, which cannot be judged without the Public Suffix List`,
          );
        value = wildcardDnsName(item.value, options.publicSuffixes, 'wildcard DNS identifier');
      } else
        value =
          item.type === 'dns'
            ? exactDnsName(item.value, 'DNS identifier')
            : exactIpAddress(item.value, 'IP identifier');
    } catch (e) {
      if (!NodeIdError.isInstance(e)) throw e;
      rejected.push({ type: 'rejectedIdentifier', detail: e.message, identifier: shown });
      continue;
    }
    // a wildcard is granted only by the same wildcard in the token's explicit list, never by
    // an exact name (nor an exact name by a wildcard)
    const allowed =
      token === 'any'
        ? undefined
        : wildcard
          ? grantedWildcards(token, options.publicSuffixes!)
          : item.type === 'dns'
            ? granted!.dns
            : granted!.ips;
    if (allowed && !allowed.includes(value)) {
      rejected.push({
        type: 'rejectedIdentifier',
        detail: wildcard
          ? `${value} is not a wildcard this account's enrollment token grants`
          : `${value} is not a name of this account's enrollment token`,
        identifier: shown,
      });
      continue;
    }
    const key = `${item.type}:${value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    identifiers.push({ type: item.type, value });
  }
  return { identifiers, rejected };
}

/** A token's wildcards, each checked again (a stored value grants only what is valid now). */
function grantedWildcards(token: AcmeTokenGrant, psl: PublicSuffixList): string[] {
  const list = Array.isArray(token.wildcards) ? token.wildcards : [];
  return list.flatMap((w) => {
    try {
      return [wildcardDnsName(w, psl)];
    } catch {
      return [];
    }
  });
}

/** A DNS name of a CSR, exact or wildcard, normalised; throws ERR_NAME_INVALID. */
function csrDnsName(value: string): string {
  return value.includes('*') ? wildcardDnsNameForm(value) : exactDnsName(value);
}

/** The canonical form of an IP address, or '' for anything else. */
function tryIp(text: string): string {
  try {
    return exactIpAddress(text);
  } catch {
    return '';
  }
}

/**
 * Checks a finalize CSR against its order (RFC 8555 §7.4: "The CSR MUST indicate the exact same
 * set of requested identifiers as the initial newOrder request"): its subjectAltName DNS names
 * and IP addresses are exactly the order's identifiers, it asks for no other kind of name, and
 * a subject CN, when present, is one of them; a DNS identifier may be named by the CN alone
 * (§7.4). Anything else: `badCSR`. The names to sign are then exactly the order's identifiers.
 */
export function checkCsrMatchesOrder(
  csr: CertificateRequest,
  identifiers: readonly AcmeIdentifier[],
): void {
  const names = csr.requestedNames;
  const others = [...names.uris, ...names.emails, ...names.other.map(String)];
  if (others.length > 0)
    throw acmeError(
      'badCSR',
      `the CSR asks for names that are not identifiers of the order: ${others.join(', ')}`,
    );
  const wanted = new Set(identifiers.map((i) => `${i.type}:${i.value}`));
  const asked = new Set<string>();
  for (const d of names.dns) {
    try {
      asked.add(`dns:${csrDnsName(d)}`);
    } catch {
      throw acmeError('badCSR', `the CSR's DNS name "${d}" is not a DNS name`);
    }
  }
  for (const ip of names.ips) asked.add(`ip:${exactIpAddress(ip)}`);
  // "Identifiers of type dns MUST appear either in the commonName portion of the requested
  // subject name or in an extensionRequest attribute [...] requesting a subjectAltName
  // extension, or both" (§7.4): a CN that is a DNS name counts as one
  for (const cn of nameValues(csr.subject, OID.commonName)) {
    if (tryIp(String(cn))) continue; // an IP identifier must be an iPAddress subjectAltName
    try {
      asked.add(`dns:${csrDnsName(String(cn))}`);
    } catch {
      // not a DNS name: judged below as a CN
    }
  }
  const extra = [...asked].filter((n) => !wanted.has(n));
  const missing = [...wanted].filter((n) => !asked.has(n));
  if (extra.length || missing.length)
    throw acmeError(
      'badCSR',
      `the CSR's names must be exactly the order's identifiers${extra.length ? `; not in the order: ${extra.join(', ')}` : ''}${missing.length ? `; missing: ${missing.join(', ')}` : ''}`,
    );
  for (const cn of nameValues(csr.subject, OID.commonName)) {
    if (cn === '') continue;
    const lowered = String(cn).toLowerCase();
    if (
      !wanted.has(`dns:${lowered}`) &&
      !wanted.has(`ip:${lowered}`) &&
      !wanted.has(`ip:${tryIp(lowered)}`)
    )
      throw acmeError('badCSR', `the CSR's common name "${cn}" is not an identifier of the order`);
  }
}
