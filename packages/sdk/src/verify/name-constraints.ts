/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c)): a CA's permitted and excluded subtrees
 * applied to the names of every certificate below it: SANs of every type, the subject DN as a
 * directoryName, and subject emailAddress attributes as rfc822Names. The work is bounded: a
 * certificate with thousands of names under thousands of constraints is rejected, not searched.
 */
import type { Certificate, GeneralSubtree } from '../certificate/parse-certificate.js';
import type { GeneralName } from '../lib/general-name.js';
import { nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { nameHasPrefix } from './compare-names.js';
import { type Failure, failure } from './failure.js';
import { isDnsName, parseMailbox, uriHost } from './name-syntax.js';

/** How many name-versus-constraint comparisons one verification may make. */
export const MAX_CONSTRAINT_COMPARISONS = 1 << 18;

/** A mutable counter shared by every constraint check of one verification. */
export interface ConstraintBudget {
  remaining: number;
}

const SUPPORTED = new Set(['dns', 'email', 'uri', 'ip', 'dirName']);

/** Why a constraint is malformed, or `undefined` when it is well formed. */
function malformedConstraint(st: GeneralSubtree): string | undefined {
  if (st.minimum !== 0 || st.maximum !== undefined)
    return 'minimum and maximum must be absent in a general subtree';
  const b = st.base;
  switch (b.type) {
    case 'dns':
      return b.value === '' || isDnsName(b.value.replace(/^\./, ''))
        ? undefined
        : `invalid DNS name constraint "${b.value}"`;
    case 'email':
      if (b.value.includes('@'))
        return parseMailbox(b.value) ? undefined : `invalid email constraint "${b.value}"`;
      return isDnsName(b.value.replace(/^\./, ''))
        ? undefined
        : `invalid email constraint "${b.value}"`;
    case 'uri':
      return isDnsName(b.value.replace(/^\./, ''))
        ? undefined
        : `invalid URI constraint "${b.value}"`;
    case 'ip': {
      const n = b.bytes.length;
      if (n !== 8 && n !== 32) return `invalid IP constraint (${n} bytes)`;
      const mask = b.bytes.subarray(n / 2);
      let seenZero = false;
      for (const byte of mask)
        for (let bit = 7; bit >= 0; bit--) {
          const set = (byte >> bit) & 1;
          if (set && seenZero)
            return `invalid IP constraint ${b.value}: the mask is not contiguous`;
          if (!set) seenZero = true;
        }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Checks that a CA's name constraints are well formed. */
export function checkConstraintSyntax(ca: Certificate, depth: number): Failure | undefined {
  const nc = ca.nameConstraints;
  if (!nc) return undefined;
  for (const st of [...(nc.permitted ?? []), ...(nc.excluded ?? [])]) {
    const why = malformedConstraint(st);
    if (why) return failure('ERR_NAME_CONSTRAINTS', `malformed name constraints: ${why}`, depth);
  }
  return undefined;
}

function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase();
  const c = constraint.toLowerCase();
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/**
 * For an excluded subtree, a wildcard SAN is treated as every name it could match:
 * `*.example.com` falls in the excluded `bar.example.com` (CVE-2025-61727).
 */
function wildcardCouldMatch(name: string, constraint: string): boolean {
  if (!name.startsWith('*.')) return false;
  const base = name.slice(2).toLowerCase();
  const c = constraint.toLowerCase().replace(/^\./, '');
  if (!c.endsWith(`.${base}`)) return false;
  const label = c.slice(0, c.length - base.length - 1);
  return label.length > 0 && !label.includes('.');
}

function emailWithin(value: string, constraint: string): boolean {
  const m = parseMailbox(value);
  if (!m) return false;
  const domain = m.domain.toLowerCase();
  if (constraint.includes('@')) {
    const c = parseMailbox(constraint);
    return c !== undefined && c.local === m.local && c.domain.toLowerCase() === domain;
  }
  const c = constraint.toLowerCase();
  return c.startsWith('.') ? domain.endsWith(c) : domain === c;
}

/**
 * The host of a URI when it is a domain name, else `undefined`. §4.2.1.10: a URI "with a host
 * name specified as an IP address" has no fully qualified domain name: an IPv6 literal
 * (`[...]`), and an IPv4 address, which RFC 3986 §3.2.2 reads as one whenever the host
 * matches IPv4address; any host whose last label is all digits is taken as an address too,
 * since no top-level domain is all-numeric (RFC 3696 §2) and resolvers read `10.1`,
 * `0x7f.1` or `3232235777` as addresses.
 */
function uriDomainHost(value: string): string | undefined {
  const host = uriHost(value);
  if (!host || host.startsWith('[') || !isDnsName(host)) return undefined;
  const last = host.slice(host.lastIndexOf('.') + 1);
  return /^(\d+|0x[0-9a-f]*)$/.test(last) ? undefined : host;
}

function uriWithin(value: string, constraint: string): boolean {
  const host = uriDomainHost(value);
  if (!host) return false;
  const c = constraint.toLowerCase();
  return c.startsWith('.') ? host.endsWith(c) : host === c;
}

function ipWithin(bytes: Uint8Array, constraint: Uint8Array): boolean {
  const n = bytes.length;
  if (constraint.length !== n * 2) return false;
  for (let i = 0; i < n; i++) {
    const mask = constraint[n + i]!;
    if ((bytes[i]! & mask) !== (constraint[i]! & mask)) return false;
  }
  return true;
}

/**
 * Why `name` cannot be compared with constraints of its type, or `undefined`. RFC 5280
 * §6.1.3 (b), (c): every name must lie within the permitted subtrees and outside the excluded
 * ones; a malformed name lies within no subtree, so it cannot be shown to lie outside an
 * excluded one either, and fails under any constraint of its type. §4.2.1.10: a URI without
 * a DNS host name under a URI constraint MUST be rejected.
 */
function uncheckableName(name: GeneralName): string | undefined {
  switch (name.type) {
    case 'dns':
      return isDnsName(name.value, { wildcard: true }) ? undefined : 'is not a valid DNS name';
    case 'ip':
      return name.bytes.length === 4 || name.bytes.length === 16
        ? undefined
        : `is ${name.bytes.length} bytes long, not an IPv4 or IPv6 address`;
    case 'email':
      return parseMailbox(name.value) ? undefined : 'is not a valid mailbox';
    case 'uri': {
      return uriDomainHost(name.value)
        ? undefined
        : 'has no host name, or an IP address as host (RFC 5280 §4.2.1.10)';
    }
    default:
      return undefined;
  }
}

/** True when `name` lies in the subtree `base` (same type assumed). */
function within(name: GeneralName, base: GeneralName, excluded: boolean): boolean {
  if (name.type === 'dns' && base.type === 'dns')
    return (
      dnsWithin(name.value, base.value) || (excluded && wildcardCouldMatch(name.value, base.value))
    );
  if (name.type === 'email' && base.type === 'email') return emailWithin(name.value, base.value);
  if (name.type === 'uri' && base.type === 'uri') return uriWithin(name.value, base.value);
  if (name.type === 'ip' && base.type === 'ip') return ipWithin(name.bytes, base.bytes);
  if (name.type === 'dirName' && base.type === 'dirName')
    return nameHasPrefix(name.name, base.name);
  return false;
}

/** The names of `cert` that constraints apply to. */
export function constrainedNames(cert: Certificate): GeneralName[] {
  const names: GeneralName[] = [...(cert.subjectAltNames ?? [])];
  if (cert.subject.rdns.length > 0)
    names.push({ type: 'dirName', value: cert.subject.text, name: cert.subject });
  for (const email of nameValues(cert.subject, OID.emailAddress))
    names.push({ type: 'email', value: email });
  return names;
}

/**
 * Checks the names of `cert` (at `depth`) against the constraints of `ca` (at `caDepth`).
 */
export function checkNameConstraints(
  ca: Certificate,
  caDepth: number,
  cert: Certificate,
  depth: number,
  budget: ConstraintBudget,
): Failure | undefined {
  const nc = ca.nameConstraints;
  if (!nc) return undefined;
  const permitted = nc.permitted ?? [];
  const excluded = nc.excluded ?? [];
  const names = constrainedNames(cert);
  budget.remaining -= names.length * (permitted.length + excluded.length);
  if (budget.remaining < 0) {
    return failure(
      'ERR_NAME_CONSTRAINTS',
      `too much work checking name constraints (${names.length} names against ${permitted.length + excluded.length} constraints at depth ${caDepth})`,
      depth,
    );
  }
  const who = `name constraints of the issuer at depth ${caDepth}`;
  for (const name of names) {
    const sameTypeExcluded = excluded.filter((st) => st.base.type === name.type);
    const samePermitted = permitted.filter((st) => st.base.type === name.type);
    if (!SUPPORTED.has(name.type)) {
      if (sameTypeExcluded.length > 0 || samePermitted.length > 0)
        return failure(
          'ERR_NAME_CONSTRAINTS',
          `cannot check ${/^[aeiou]/i.test(name.type) ? 'an' : 'a'} ${name.type} name against the ${who}`,
          depth,
        );
      continue;
    }
    const uncheckable =
      sameTypeExcluded.length > 0 || samePermitted.length > 0 ? uncheckableName(name) : undefined;
    if (uncheckable)
      return failure(
        'ERR_NAME_CONSTRAINTS',
        `${name.type} name "${name.value}" ${uncheckable}, so it cannot be checked against the ${who}`,
        depth,
      );
    const hit = sameTypeExcluded.find((st) => within(name, st.base, true));
    if (hit) {
      return failure(
        'ERR_NAME_CONSTRAINTS',
        `${name.type} name "${name.value}" is excluded by the ${who} (${hit.base.value})`,
        depth,
      );
    }
    if (samePermitted.length > 0 && !samePermitted.some((st) => within(name, st.base, false))) {
      return failure(
        'ERR_NAME_CONSTRAINTS',
        `${name.type} name "${name.value}" is not permitted by the ${who} (permitted: ${samePermitted.map((st) => st.base.value).join(', ')})`,
        depth,
      );
    }
  }
  return undefined;
}
