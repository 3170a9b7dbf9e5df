/**
 * Renders an inspection result as text an admin reads at a glance: `openssl x509 -text` trimmed
 * to what matters, with labels aligned and the time left spelled out.
 */
import { formatDuration } from '../lib/duration.js';
import { optionsArgument } from '../lib/options-argument.js';
import type { Inspected, InspectedKey } from './inspect.js';
import type { InspectedCertificate, InspectedSubjectAltNames } from './inspect-certificate.js';
import type { InspectedCrl } from './inspect-crl.js';
import type { InspectedCsr } from './inspect-csr.js';

/** Options of {@link renderText}. */
export interface RenderTextOptions {
  /** The time to count "time left" from; default the system clock. */
  now?: Date;
}

type Row = [label: string, value: string | string[] | undefined];

function table(title: string, rows: Row[]): string {
  const kept = rows.filter(
    (r): r is [string, string | string[]] =>
      r[1] !== undefined && !(Array.isArray(r[1]) && r[1].length === 0),
  );
  const width = Math.max(...kept.map(([label]) => label.length)) + 2;
  const lines = [title];
  for (const [label, value] of kept) {
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => {
      lines.push(`  ${(i === 0 ? `${label}:` : '').padEnd(width)}${v}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

/** `2025-04-01T00:00:00Z` from an ISO string with milliseconds. */
function when(iso: string): string {
  return iso.replace(/\.000Z$/, 'Z');
}

function colonSerial(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1:');
}

function sanLines(names: InspectedSubjectAltNames): string[] {
  const out: string[] = [];
  if (names.dns.length) out.push(`DNS: ${names.dns.join(', ')}`);
  if (names.ip.length) out.push(`IP: ${names.ip.join(', ')}`);
  if (names.email.length) out.push(`email: ${names.email.join(', ')}`);
  if (names.uri.length) out.push(`URI: ${names.uri.join(', ')}`);
  out.push(...names.other);
  return out;
}

function keyText(k: { type: string; curve?: string; bits: number }): string {
  if (k.type === 'EC') return `EC ${k.curve ?? 'unknown curve'} (${k.bits} bits)`;
  if (k.type === 'Ed25519' || k.type === 'Ed448') return k.type;
  return k.bits ? `${k.type} ${k.bits} bits` : k.type;
}

function notAfterText(notBefore: string, notAfter: string, now: Date): string {
  const end = Date.parse(notAfter);
  const left = end - now.getTime();
  const suffix =
    now.getTime() < Date.parse(notBefore)
      ? 'not valid yet'
      : left < 0
        ? `expired ${formatDuration(left)} ago`
        : `${formatDuration(left)} left`;
  return `${when(notAfter)} (${suffix})`;
}

function renderCertificate(c: InspectedCertificate, now: Date): string {
  const bc = c.basicConstraints;
  const basic = bc
    ? `CA:${bc.ca ? 'TRUE' : 'FALSE'}${bc.pathLength !== undefined ? `, pathlen:${bc.pathLength}` : ''}${bc.critical ? ' (critical)' : ''}`
    : undefined;
  const crit = (name: string) =>
    c.extensions.find((e) => e.name === name)?.critical ? ' (critical)' : '';
  const nc = c.nameConstraints;
  return table(c.isCa ? 'Certificate (CA)' : 'Certificate', [
    ['Subject', c.subject.text || '(empty)'],
    [
      'Issuer',
      c.selfSigned ? `${c.issuer.text || '(empty)'} (self-issued)` : c.issuer.text || '(empty)',
    ],
    ['Serial', colonSerial(c.serialNumber)],
    ['Not Before', when(c.notBefore)],
    ['Not After', notAfterText(c.notBefore, c.notAfter, now)],
    ['Subject Alt Names', sanLines(c.subjectAltNames)],
    ['Key', keyText(c.publicKey)],
    ['Signature', c.signatureAlgorithm],
    ['Basic Constraints', basic],
    ['Key Usage', c.keyUsage ? `${c.keyUsage.join(', ')}${crit('keyUsage')}` : undefined],
    [
      'Extended Key Usage',
      c.extendedKeyUsage ? `${c.extendedKeyUsage.join(', ')}${crit('extKeyUsage')}` : undefined,
    ],
    [
      'Name Constraints',
      nc
        ? [...nc.permitted.map((p) => `permitted ${p}`), ...nc.excluded.map((x) => `excluded ${x}`)]
        : undefined,
    ],
    ['Subject Key ID', c.subjectKeyIdentifier],
    ['Authority Key ID', c.authorityKeyIdentifier],
    ['SHA-256 Fingerprint', c.fingerprints.sha256],
    ['Problems', c.problems],
  ]);
}

function renderCrl(c: InspectedCrl, now: Date): string {
  const next = c.nextUpdate;
  const nextText = next
    ? `${when(next)} (${Date.parse(next) < now.getTime() ? `overdue by ${formatDuration(now.getTime() - Date.parse(next))}` : `in ${formatDuration(Date.parse(next) - now.getTime())}`})`
    : 'none';
  const entries = c.entries.map(
    (e) =>
      `${colonSerial(e.serialNumber)}  ${when(e.revokedAt)}${e.reason ? `  ${e.reason}` : ''}${e.certificateIssuer ? `  (issuer ${e.certificateIssuer.join(', ')})` : ''}`,
  );
  const delta = c.baseCrlNumber !== undefined;
  return table(delta ? 'Certificate Revocation List (delta)' : 'Certificate Revocation List', [
    ['Issuer', c.issuer.text || '(empty)'],
    ['CRL Number', c.crlNumber ?? 'none'],
    ['Type', delta ? `delta CRL, on top of base CRL number ${c.baseCrlNumber}` : 'complete CRL'],
    ['Scope', scopeLines(c.scope)],
    ['This Update', when(c.thisUpdate)],
    ['Next Update', nextText],
    ['Authority Key ID', c.authorityKeyIdentifier],
    ['Signature', c.signatureAlgorithm],
    [
      'Revoked',
      entries.length
        ? [`${entries.length} certificate${entries.length === 1 ? '' : 's'}`, ...entries]
        : 'none',
    ],
    ['SHA-256 Fingerprint', c.fingerprints.sha256],
    ['Problems', c.problems],
  ]);
}

/** The issuingDistributionPoint of a CRL as lines (RFC 5280 §5.2.5). */
function scopeLines(scope: InspectedCrl['scope']): string[] {
  if (!scope)
    return ['every certificate of the issuer, every reason (no issuingDistributionPoint)'];
  const out: string[] = [];
  for (const name of scope.distributionPoint ?? []) out.push(`distribution point ${name}`);
  if (scope.onlyContainsUserCerts) out.push('only end-entity certificates (onlyContainsUserCerts)');
  if (scope.onlyContainsCACerts) out.push('only CA certificates (onlyContainsCACerts)');
  if (scope.onlyContainsAttributeCerts)
    out.push('only attribute certificates (onlyContainsAttributeCerts)');
  out.push(
    scope.onlySomeReasons
      ? `only the reasons ${scope.onlySomeReasons.join(', ')} (onlySomeReasons)`
      : 'every reason',
  );
  if (scope.indirectCrl) out.push('indirect CRL: entries may revoke certificates of other issuers');
  if (!scope.critical) out.push('issuingDistributionPoint is not critical (RFC 5280 requires it)');
  return out;
}

function renderCsr(c: InspectedCsr): string {
  return table('Certificate Request', [
    ['Subject', c.subject.text || '(empty)'],
    ['Requested Names', sanLines(c.requestedNames)],
    ['Key', keyText(c.publicKey)],
    ['Signature', `${c.signatureAlgorithm} (${c.signatureValid ? 'valid' : 'INVALID'})`],
    ['Requests CA', c.requestsCa ? 'yes' : undefined],
    ['Key Usage', c.requestedKeyUsage?.join(', ')],
    ['Extended Key Usage', c.requestedExtendedKeyUsage?.join(', ')],
    ['SHA-256 Fingerprint', c.fingerprints.sha256],
    ['Problems', c.problems],
  ]);
}

function renderKey(k: InspectedKey): string {
  const enc = k.encryption;
  return table(k.keyKind === 'private' ? 'Private Key (secret parts not shown)' : 'Public Key', [
    ['Format', k.format],
    [
      'Encrypted',
      enc
        ? `yes: ${enc.scheme}, ${enc.kdf} ${enc.prf}, ${enc.iterations} iterations, ${enc.cipher}`
        : k.encrypted
          ? 'yes'
          : undefined,
    ],
    ['Key', k.type ? keyText({ type: k.type, curve: k.curve, bits: k.bits ?? 0 }) : undefined],
    ['Algorithm', k.algorithm],
    ['Public Key SHA-256', k.spkiSha256],
    ['Problem', k.problem],
  ]);
}

/**
 * Renders what {@link inspect}, {@link inspectCertificate}, {@link inspectCsr} or
 * {@link inspectCrl} returned as aligned, readable text ending with a newline.
 *
 * @example
 * ```ts
 * process.stdout.write(renderText(await inspectCertificate(pem)));
 * // Certificate
 * //   Subject:              CN=storage
 * //   Issuer:               CN=storage CA
 * //   Serial:               5f:3a:9c:01
 * //   Not Before:           2025-01-01T00:00:00Z
 * //   Not After:            2025-04-01T00:00:00Z (76d 0h left)
 * //   ...
 * ```
 */
export function renderText(inspected: Inspected, options: RenderTextOptions = {}): string {
  optionsArgument(inspected, 'renderText');
  const now = options.now ?? new Date();
  switch (inspected.kind) {
    case 'certificate':
      return renderCertificate(inspected, now);
    case 'crl':
      return renderCrl(inspected, now);
    case 'csr':
      return renderCsr(inspected);
    case 'key':
      return renderKey(inspected);
  }
}
