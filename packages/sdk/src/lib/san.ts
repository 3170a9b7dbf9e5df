/** Validation and normalisation of the names a certificate is issued for. */
import { NodeIdError } from '../errors.js';
import type { SanEntry } from './extensions.js';
import { formatIp, parseIp } from './general-name.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A refused name as an error message shows it: in JSON quotes, so that control characters (NUL,
 * ESC sequences that would drive the reader's terminal) are escaped, and cut at 100 characters,
 * so that a 2 MB line of a node list is not printed back whole.
 */
export function shownName(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}

/** Lower-cases and checks a DNS name (a leading `*.` wildcard label is allowed). Throws ERR_NAME_INVALID. */
export function normalizeDnsName(name: string): string {
  const lower = String(name).trim().toLowerCase().replace(/\.$/, '');
  const labels = lower.split('.');
  const body = labels[0] === '*' && labels.length > 2 ? labels.slice(1) : labels;
  if (
    lower.length === 0 ||
    lower.length > 253 ||
    !body.every((l) => LABEL.test(l)) ||
    parseIp(lower)
  ) {
    throw new NodeIdError('ERR_NAME_INVALID', `${shownName(name)} is not a valid DNS name`);
  }
  return lower;
}

/** Parses and normalises an IP address. Throws ERR_NAME_INVALID. */
export function normalizeIp(ip: string): { text: string; bytes: Uint8Array } {
  const bytes = parseIp(String(ip).trim());
  if (!bytes)
    throw new NodeIdError('ERR_NAME_INVALID', `${shownName(ip)} is not a valid IP address`);
  return { text: formatIp(bytes), bytes };
}

/** Checks a URI SAN (must have a scheme, e.g. `spiffe://cluster/node1`). Throws ERR_NAME_INVALID. */
export function normalizeUri(uri: string): string {
  const text = String(uri).trim();
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(text) || /\s/.test(text) || /[^\x21-\x7e]/.test(text)) {
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      `${shownName(uri)} is not a valid URI (it needs a scheme, e.g. spiffe://cluster/node1)`,
    );
  }
  return text;
}

/** Checks an email SAN. Throws ERR_NAME_INVALID. */
export function normalizeEmail(email: string): string {
  const text = String(email).trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(text) || /[^\x21-\x7e]/.test(text))
    throw new NodeIdError('ERR_NAME_INVALID', `${shownName(email)} is not a valid email address`);
  return text;
}

/** The names a certificate is issued for, as given by a caller. */
export interface SubjectAltNames {
  /** DNS names. */
  dns?: string[];
  /** IPv4 or IPv6 addresses. */
  ips?: string[];
  /** URIs, e.g. `spiffe://cluster/node1`. */
  uris?: string[];
  /** Email addresses (for client certificates). */
  emails?: string[];
}

/** Validated, de-duplicated SAN entries in the order DNS, IP, URI, email. */
export function buildSanEntries(names: SubjectAltNames): SanEntry[] {
  const out: SanEntry[] = [];
  const seen = new Set<string>();
  const add = (key: string, entry: SanEntry) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push(entry);
  };
  for (const d of names.dns ?? []) {
    const v = normalizeDnsName(d);
    add(`dns:${v}`, { type: 'dns', value: v });
  }
  for (const i of names.ips ?? []) {
    const { text, bytes } = normalizeIp(i);
    add(`ip:${text}`, { type: 'ip', value: text, bytes });
  }
  for (const u of names.uris ?? []) {
    const v = normalizeUri(u);
    add(`uri:${v}`, { type: 'uri', value: v });
  }
  for (const e of names.emails ?? []) {
    const v = normalizeEmail(e);
    add(`email:${v}`, { type: 'email', value: v });
  }
  return out;
}
