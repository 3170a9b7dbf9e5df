/**
 * Matching the peer's identity against the leaf certificate: DNS host names (RFC 6125 §6.4,
 * wildcard only as the whole leftmost label), IP addresses (only against IP SANs), email
 * addresses, and nodeid's cluster name (the subject CN). There is deliberately no fallback to
 * the subject CN for host names.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { formatIp, type GeneralName, parseIp } from '../lib/general-name.js';
import { nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { type Failure, failure } from './failure.js';
import { isDnsName, parseMailbox } from './name-syntax.js';

function sans<T extends GeneralName['type']>(
  cert: Certificate,
  type: T,
): Extract<GeneralName, { type: T }>[] {
  return (cert.subjectAltNames ?? []).filter(
    (n): n is Extract<GeneralName, { type: T }> => n.type === type,
  );
}

/**
 * Normalises the host name asked for (the reference identifier) for comparison: lower case,
 * and an absolute name's trailing dot dropped (`www.example.com.` is `www.example.com`).
 */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * True when the presented DNS identifier `pattern` (from a SAN) matches `host`. A wildcard
 * is accepted only as the whole leftmost label, matches exactly one label, and needs at least
 * two labels after it (`*.com` matches nothing). Only the reference identifier may end in a
 * dot: a dNSName "MUST be in the 'preferred name syntax'" (RFC 5280 §4.2.1.6, RFC 1034 §3.5),
 * which has no trailing dot, so a SAN `www.example.com.` is malformed and matches nothing (as
 * in OpenSSL, Go and pyca/cryptography).
 */
export function matchesHostPattern(pattern: string, host: string): boolean {
  if (pattern.endsWith('.')) return false;
  const p = pattern.toLowerCase();
  const h = normalizeHost(host);
  if (!p.startsWith('*.')) return p === h;
  const base = p.slice(2);
  if (base.split('.').length < 2 || base.includes('*')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === base;
}

/** Checks that the leaf is valid for DNS name `host`. */
export function checkHost(leaf: Certificate, host: string): Failure | undefined {
  const h = normalizeHost(host);
  if (!isDnsName(h))
    return failure('ERR_INVALID_ARGUMENT', `"${host}" is not a valid host name to verify`);
  const names = sans(leaf, 'dns').map((n) => n.value);
  if (names.some((n) => matchesHostPattern(n, h))) return undefined;
  if (names.length === 0) {
    return failure(
      'ERR_HOSTNAME_MISMATCH',
      `certificate is not valid for any names, but wanted to match ${host} (it has no DNS subject alternative names; the CN is not used)`,
      0,
    );
  }
  return failure(
    'ERR_HOSTNAME_MISMATCH',
    `certificate is valid for ${names.join(', ')}, not ${host}`,
    0,
  );
}

/** Checks that the leaf is valid for IP address `ip` (IP SANs only). */
export function checkIp(leaf: Certificate, ip: string): Failure | undefined {
  const bytes = parseIp(ip);
  if (!bytes) return failure('ERR_INVALID_ARGUMENT', `"${ip}" is not a valid IP address to verify`);
  const ips = sans(leaf, 'ip');
  if (ips.some((n) => bytesEqual(n.bytes, bytes))) return undefined;
  if (ips.length === 0) {
    return failure(
      'ERR_IP_MISMATCH',
      `cannot validate certificate for ${ip} because it doesn't contain any IP SANs`,
      0,
    );
  }
  return failure(
    'ERR_IP_MISMATCH',
    `certificate is valid for ${ips.map((n) => formatIp(n.bytes)).join(', ')}, not ${ip}`,
    0,
  );
}

/** Checks that the leaf is valid for mailbox `email` (rfc822Name SANs; the domain is case-insensitive). */
export function checkEmail(leaf: Certificate, email: string): Failure | undefined {
  const want = parseMailbox(email);
  if (!want)
    return failure('ERR_INVALID_ARGUMENT', `"${email}" is not a valid email address to verify`);
  const emails = sans(leaf, 'email').map((n) => n.value);
  const match = emails.some((e) => {
    const got = parseMailbox(e);
    return (
      got && got.local === want.local && got.domain.toLowerCase() === want.domain.toLowerCase()
    );
  });
  if (match) return undefined;
  if (emails.length === 0) {
    return failure(
      'ERR_HOSTNAME_MISMATCH',
      `cannot validate certificate for ${email} because it doesn't contain any email SANs`,
      0,
    );
  }
  return failure(
    'ERR_HOSTNAME_MISMATCH',
    `certificate is valid for ${emails.join(', ')}, not ${email}`,
    0,
  );
}

/** Checks that the leaf's subject CN is the cluster name, as Storage Scale nodes do. */
export function checkClusterName(leaf: Certificate, clusterName: string): Failure | undefined {
  const cns = nameValues(leaf.subject, OID.commonName);
  if (cns.length === 1 && cns[0] === clusterName) return undefined;
  if (cns.length === 0) {
    return failure(
      'ERR_CLUSTER_NAME_MISMATCH',
      `certificate has no subject CN, expected the cluster name "${clusterName}"`,
      0,
    );
  }
  return failure(
    'ERR_CLUSTER_NAME_MISMATCH',
    `certificate belongs to cluster "${cns.join('", "')}", not "${clusterName}" (the subject CN must be the cluster name)`,
    0,
  );
}
