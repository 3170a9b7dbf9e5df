/**
 * The one format of the names of an inventory record: a subjectAltName entry (RFC 5280
 * §4.2.1.6) as `TYPE:value`, with the labels the SDK uses for granted and denied names and
 * openssl prints: `DNS:node1.example.net`, `IP:10.0.0.1`, `IP:fd00::1`, `URI:spiffe://c/n`,
 * `email:ops@example.net`. Searching accepts a typed name or a bare value, which matches a name
 * of any type with that value.
 */
import type { GeneralName } from '@nodeid/sdk';

/** The SAN types an inventory record keeps, and their labels. */
export const NAME_LABELS = { dns: 'DNS', ip: 'IP', uri: 'URI', email: 'email' } as const;

/** A typed name, as records hold them. */
export const TYPED_NAME = /^(DNS|IP|URI|email):./;

/** `DNS:x` for a dNSName `x`, and so on; `undefined` for the types a record does not keep. */
export function typedNameOf(name: GeneralName): string | undefined {
  const label = NAME_LABELS[name.type as keyof typeof NAME_LABELS];
  return label === undefined ? undefined : `${label}:${name.value}`;
}

/** The value of a typed name (what follows the first colon); the text itself when untyped. */
export function nameValue(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/**
 * Patterns of the schema migration that types the bare names older stores held (the store
 * once wrote `node1`, the apps `DNS:node1`). They are POSIX-compatible so that the same text
 * runs as a JavaScript RegExp (SQLite) and a PostgreSQL regex. A SAN value's type shows in its
 * text: an IP address is dotted decimal or hex groups with `::` or eight groups, a URI has a
 * scheme and so a colon (RFC 3986 §3), which a DNS name or an email address never has, and an
 * email address has an `@` (RFC 5322 addr-spec), which a DNS name cannot.
 */
export const MIGRATION_PATTERNS = {
  /** Already labelled, by the store or by the apps (which also wrote `dirName:` and `otherName:`). */
  labelled: '^(DNS|IP|URI|email|dirName|registeredId|otherName|other):',
  ipv4: '^[0-9]{1,3}([.][0-9]{1,3}){3}$',
  ipv6: '^[0-9A-Fa-f.:]*::[0-9A-Fa-f.:]*$|^[0-9A-Fa-f.]+(:[0-9A-Fa-f.]+){7}$',
} as const;

const labelled = new RegExp(MIGRATION_PATTERNS.labelled);
const ipv4 = new RegExp(MIGRATION_PATTERNS.ipv4);
const ipv6 = new RegExp(MIGRATION_PATTERNS.ipv6);

/** The typed form of a name stored by an older nodeid: see {@link MIGRATION_PATTERNS}. */
export function typeStoredName(name: string): string {
  if (labelled.test(name)) return name;
  if (ipv4.test(name) || ipv6.test(name)) return `IP:${name}`;
  if (name.includes(':')) return `URI:${name}`;
  if (name.includes('@')) return `email:${name}`;
  return `DNS:${name}`;
}

/** The same rule as {@link typeStoredName}, as a PostgreSQL expression over the text `v`. */
export function typeStoredNameSql(v: string): string {
  const p = MIGRATION_PATTERNS;
  return `CASE WHEN ${v} ~ '${p.labelled}' THEN ${v}
    WHEN ${v} ~ '${p.ipv4}' OR ${v} ~ '${p.ipv6}' THEN 'IP:' || ${v}
    WHEN strpos(${v}, ':') > 0 THEN 'URI:' || ${v}
    WHEN strpos(${v}, '@') > 0 THEN 'email:' || ${v}
    ELSE 'DNS:' || ${v} END`;
}
