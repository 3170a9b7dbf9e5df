/**
 * Turning found certificates into expiry reports: one row per certificate with the SDK's verdict,
 * the check's exit code, and the text, JSON and Prometheus (node_exporter textfile) renderings.
 * Every rendering names the file, the certificate and the date, so the admin knows what to renew.
 */
import {
  type CrlExpiryAlert,
  crlExpiryStatus,
  DEFAULT_CA_WARN_WITHIN_MS,
  type ExpiryAlert,
  type ExpiryState,
  expiryStatus,
  isCaCertificate,
} from '@nodeid/sdk';
import { certificateNames } from './issue-one.js';
import { painter, relativeTime, table } from './output.js';
import type { FoundCertificate } from './scan-files.js';

/** A row's state: a certificate's expiry state, or a TLS endpoint that presented no chain. */
export type RowState = ExpiryState | 'unreachable';

/** The verdict on one certificate (or on a file that cannot be read, or an unreachable endpoint). */
export interface ExpiryRow {
  /** The file, or for an endpoint the target as given (`tls://kms1:5696`). */
  file: string;
  /** For a certificate presented by a TLS endpoint: the target as given. */
  target?: string;
  /** Position in the file, from 1, and how many the file holds. */
  index: number;
  count: number;
  subject?: string;
  serialNumber?: string;
  names: string[];
  notBefore?: string;
  notAfter?: string;
  /** notAfter minus the time of the check, in ms; negative once expired. */
  remainingMs?: number;
  status: RowState;
  alert?: ExpiryAlert | CrlExpiryAlert | 'unreachable';
  /** `crl` for a CRL row: notBefore/notAfter are then its thisUpdate/nextUpdate. */
  kind?: 'crl';
  /** A CRL's issuer (RFC 4514 text). */
  issuer?: string;
  /** A CRL's cRLNumber (decimal). */
  crlNumber?: string;
  /** In a PKCS#12 keystore: the entry's alias. */
  alias?: string;
  /** True for a CA certificate (judged with the CA warning window). */
  isCa?: boolean;
  message: string;
}

/** The states, in order of severity. */
export const STATES: readonly RowState[] = [
  'valid',
  'expiring',
  'expired',
  'not-yet-valid',
  'invalid',
  'unreachable',
];

/** What to run when a CA certificate is expiring or expired. */
export const CA_RENEW_HINT =
  'a CA: run "nodeid ca renew" (same key, nodes keep trusting it) or "nodeid ca rotate" (new key) well before it ends';

/**
 * Judges one found certificate at `now` with the warning window `warnWithin` (ms), or
 * `caWarnWithin` (ms, default 180 days) when it is a CA certificate.
 */
export function judge(
  found: FoundCertificate,
  now: Date,
  warnWithin: number,
  caWarnWithin: number = DEFAULT_CA_WARN_WITHIN_MS,
): ExpiryRow {
  const base = {
    file: found.file,
    index: found.index,
    count: found.count,
    ...(found.alias !== undefined && { alias: found.alias }),
  };
  if (found.crl) return judgeCrl(found, base, now, warnWithin);
  if (!found.certificate) {
    return {
      ...base,
      names: [],
      status: 'invalid',
      alert: 'tls-cert-invalid',
      message: `cannot be read: ${found.error ?? 'unknown reason'}`,
    };
  }
  const cert = found.certificate;
  const isCa = isCaCertificate(cert);
  const s = expiryStatus(cert, { now, warnWithin: isCa ? caWarnWithin : warnWithin });
  const renew = isCa && (s.status === 'expiring' || s.status === 'expired');
  return {
    ...base,
    subject: cert.subject.text,
    serialNumber: cert.serialNumber,
    names: certificateNames({ certificate: cert }),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    remainingMs: s.remainingMs,
    status: s.status,
    ...(s.alert && { alert: s.alert }),
    ...(isCa && { isCa }),
    message: renew ? `${s.message}; ${CA_RENEW_HINT}` : s.message,
  };
}

/**
 * A CRL's row: the SDK's verdict on its nextUpdate (`crl-will-soon-expire` within the smaller of
 * the warning window and a quarter of its lifetime, `crl-expired` after it).
 */
function judgeCrl(
  found: FoundCertificate,
  base: Pick<ExpiryRow, 'file' | 'index' | 'count'>,
  now: Date,
  warnWithin: number,
): ExpiryRow {
  const s = crlExpiryStatus(found.crl!, { now, warnWithin });
  return {
    ...base,
    kind: 'crl',
    subject: `CRL of ${s.issuer}`,
    ...(s.issuer !== undefined && { issuer: s.issuer }),
    ...(s.crlNumber !== undefined && { crlNumber: s.crlNumber }),
    names: [],
    ...(s.thisUpdate && { notBefore: s.thisUpdate.toISOString() }),
    ...(s.nextUpdate && { notAfter: s.nextUpdate.toISOString() }),
    ...(s.remainingMs !== undefined && { remainingMs: s.remainingMs }),
    status: s.status,
    ...(s.alert && { alert: s.alert }),
    message: s.message,
  };
}

/** Exit code of a check: 0 all valid, 1 something expires within the window, 2 something expired, not yet valid or unreadable. */
export function exitCodeOf(rows: ExpiryRow[]): 0 | 1 | 2 {
  if (
    rows.some(
      (r) =>
        r.status === 'expired' ||
        r.status === 'not-yet-valid' ||
        r.status === 'invalid' ||
        r.status === 'unreachable',
    )
  )
    return 2;
  if (rows.some((r) => r.status === 'expiring')) return 1;
  return 0;
}

/** How many rows are in each state (`unreachable` only when an endpoint was checked). */
export function summarize(
  rows: ExpiryRow[],
): Record<ExpiryState, number> & { unreachable?: number } {
  const counts: Record<ExpiryState, number> & { unreachable?: number } = {
    valid: 0,
    expiring: 0,
    expired: 0,
    'not-yet-valid': 0,
    invalid: 0,
  };
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** `file` or `file (certificate 2 of 3)`: which certificate a line is about. */
export function where(row: Pick<ExpiryRow, 'file' | 'index' | 'count'>): string {
  return row.count > 1 ? `${row.file} (certificate ${row.index} of ${row.count})` : row.file;
}

function shortNames(names: string[]): string {
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')}, +${names.length - 3} more`;
}

const STATE_STYLE: Record<RowState, 'green' | 'yellow' | 'red'> = {
  valid: 'green',
  expiring: 'yellow',
  expired: 'red',
  'not-yet-valid': 'red',
  invalid: 'red',
  unreachable: 'red',
};

/** The text report of `expiry check`: a table, one line per problem, a summary. */
export function renderText(
  rows: ExpiryRow[],
  options: { warn: string; color: boolean; checkedAt: Date },
): string {
  const paint = painter(options.color);
  const body = table(
    ['FILE', 'CERT', 'SUBJECT', 'NAMES', 'NOT AFTER', 'LEFT', 'STATUS'],
    rows.map((r) => [
      r.file,
      `${r.index}/${r.count}`,
      r.subject ?? '-',
      shortNames(r.names) || '-',
      r.notAfter?.replace(/\.\d{3}Z$/, 'Z') ?? '-',
      r.remainingMs === undefined ? '-' : relativeTime(r.remainingMs),
      paint(STATE_STYLE[r.status], r.status),
    ]),
  );
  const problems = rows
    .filter((r) => r.status !== 'valid')
    .map(
      (r) =>
        `${paint(STATE_STYLE[r.status], r.status)}: ${where(r)}${r.serialNumber ? ` serial ${r.serialNumber}` : ''}: ${r.message}`,
    );
  const counts = summarize(rows);
  const files = new Set(rows.filter((r) => r.target === undefined).map((r) => r.file)).size;
  const endpoints = new Set(rows.flatMap((r) => (r.target === undefined ? [] : [r.target]))).size;
  const certificates = rows.filter((r) => r.status !== 'unreachable' && r.kind !== 'crl').length;
  const crls = rows.filter((r) => r.kind === 'crl').length;
  const crlText = crls ? ` and ${crls} CRL${crls === 1 ? '' : 's'}` : '';
  const fileText = `${files} file${files === 1 ? '' : 's'}`;
  const endpointText = `${endpoints} endpoint${endpoints === 1 ? '' : 's'}`;
  const from = !endpoints ? fileText : files ? `${fileText} and ${endpointText}` : endpointText;
  const parts = [
    `${counts.valid} valid`,
    `${counts.expiring} expiring within ${options.warn}`,
    `${counts.expired} expired`,
    ...(counts['not-yet-valid'] ? [`${counts['not-yet-valid']} not yet valid`] : []),
    `${counts.invalid} unreadable`,
    ...(counts.unreachable ? [`${counts.unreachable} unreachable`] : []),
  ];
  const summary = `${certificates} certificate${certificates === 1 ? '' : 's'}${crlText} in ${from} at ${options.checkedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}: ${parts.join(', ')}`;
  return [body, ...(problems.length ? ['', ...problems] : []), '', summary].join('\n');
}

/** A Prometheus label value, escaped as the text exposition format asks. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;
}

/**
 * The report in the Prometheus text exposition format, for node_exporter's textfile collector.
 * Alert on `nodeid_certificate_expiry_status{status!="valid"} == 1`, or on
 * `nodeid_certificate_not_after_seconds - time() < 30 * 86400`.
 */
export function renderPrometheus(
  rows: ExpiryRow[],
  options: { warnWithinMs: number; checkedAt: Date },
): string {
  const out: string[] = [];
  const metric = (name: string, help: string, lines: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines);
  };
  const id = (r: ExpiryRow) => ({
    file: r.file,
    index: String(r.index),
    subject: r.subject ?? '',
    serial: r.serialNumber ?? '',
    ...(r.target !== undefined && { target: r.target }),
  });
  const seconds = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));
  const crlRows = rows.filter((r) => r.kind === 'crl');
  const certRows = rows.filter((r) => r.kind !== 'crl');
  const dated = certRows.filter((r) => r.notAfter && r.notBefore);
  metric(
    'nodeid_certificate_not_after_seconds',
    'End of the certificate validity (notAfter) as a Unix time in seconds.',
    dated.map(
      (r) => `nodeid_certificate_not_after_seconds${labels(id(r))} ${seconds(r.notAfter!)}`,
    ),
  );
  metric(
    'nodeid_certificate_not_before_seconds',
    'Start of the certificate validity (notBefore) as a Unix time in seconds.',
    dated.map(
      (r) => `nodeid_certificate_not_before_seconds${labels(id(r))} ${seconds(r.notBefore!)}`,
    ),
  );
  metric(
    'nodeid_certificate_expiry_status',
    'State of the certificate at the time of the check (valid, expiring, expired, not-yet-valid, invalid; unreachable for an endpoint that presented none): 1 for its state.',
    certRows.map(
      (r) => `nodeid_certificate_expiry_status${labels({ ...id(r), status: r.status })} 1`,
    ),
  );
  if (crlRows.length) {
    const crlId = (r: ExpiryRow) => ({
      file: r.file,
      index: String(r.index),
      issuer: r.issuer ?? '',
      crl_number: r.crlNumber ?? '',
    });
    metric(
      'nodeid_crl_next_update_seconds',
      'nextUpdate of the CRL as a Unix time in seconds: relying parties that check revocation refuse every certificate of the issuer after it.',
      crlRows
        .filter((r) => r.notAfter)
        .map((r) => `nodeid_crl_next_update_seconds${labels(crlId(r))} ${seconds(r.notAfter!)}`),
    );
    metric(
      'nodeid_crl_this_update_seconds',
      'thisUpdate of the CRL (when it was issued) as a Unix time in seconds.',
      crlRows
        .filter((r) => r.notBefore)
        .map((r) => `nodeid_crl_this_update_seconds${labels(crlId(r))} ${seconds(r.notBefore!)}`),
    );
    metric(
      'nodeid_crl_expiry_status',
      'State of the CRL at the time of the check (valid, expiring, expired): 1 for its state.',
      crlRows.map((r) => `nodeid_crl_expiry_status${labels({ ...crlId(r), status: r.status })} 1`),
    );
  }
  metric(
    'nodeid_expiry_check_warn_seconds',
    'Warning window of the check: certificates expiring within it are "expiring".',
    [`nodeid_expiry_check_warn_seconds ${Math.floor(options.warnWithinMs / 1000)}`],
  );
  metric(
    'nodeid_expiry_check_timestamp_seconds',
    'When the check ran, as a Unix time in seconds.',
    [`nodeid_expiry_check_timestamp_seconds ${Math.floor(options.checkedAt.getTime() / 1000)}`],
  );
  return `${out.join('\n')}\n`;
}
