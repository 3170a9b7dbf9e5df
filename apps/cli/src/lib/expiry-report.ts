/**
 * Turning found certificates into expiry reports: one row per certificate with the SDK's verdict,
 * the check's exit code, and the text, JSON and Prometheus (node_exporter textfile) renderings.
 * Every rendering names the file, the certificate and the date, so the admin knows what to renew.
 */
import { type ExpiryAlert, type ExpiryState, expiryStatus } from '@nodeid/sdk';
import { certificateNames } from './issue-one.js';
import { painter, relativeTime, table } from './output.js';
import type { FoundCertificate } from './scan-files.js';

/** The verdict on one certificate (or on a file that cannot be read). */
export interface ExpiryRow {
  file: string;
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
  status: ExpiryState;
  alert?: ExpiryAlert;
  message: string;
}

/** The states, in order of severity. */
export const STATES: readonly ExpiryState[] = [
  'valid',
  'expiring',
  'expired',
  'not-yet-valid',
  'invalid',
];

/** Judges one found certificate at `now` with the warning window `warnWithin` (ms). */
export function judge(found: FoundCertificate, now: Date, warnWithin: number): ExpiryRow {
  const base = { file: found.file, index: found.index, count: found.count };
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
  const s = expiryStatus(cert, { now, warnWithin });
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
    message: s.message,
  };
}

/** Exit code of a check: 0 all valid, 1 something expires within the window, 2 something expired, not yet valid or unreadable. */
export function exitCodeOf(rows: ExpiryRow[]): 0 | 1 | 2 {
  if (
    rows.some(
      (r) => r.status === 'expired' || r.status === 'not-yet-valid' || r.status === 'invalid',
    )
  )
    return 2;
  if (rows.some((r) => r.status === 'expiring')) return 1;
  return 0;
}

/** How many rows are in each state. */
export function summarize(rows: ExpiryRow[]): Record<ExpiryState, number> {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<ExpiryState, number>;
  for (const r of rows) counts[r.status]++;
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

const STATE_STYLE: Record<ExpiryState, 'green' | 'yellow' | 'red'> = {
  valid: 'green',
  expiring: 'yellow',
  expired: 'red',
  'not-yet-valid': 'red',
  invalid: 'red',
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
  const files = new Set(rows.map((r) => r.file)).size;
  const parts = [
    `${counts.valid} valid`,
    `${counts.expiring} expiring within ${options.warn}`,
    `${counts.expired} expired`,
    ...(counts['not-yet-valid'] ? [`${counts['not-yet-valid']} not yet valid`] : []),
    `${counts.invalid} unreadable`,
  ];
  const summary = `${rows.length} certificate${rows.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} at ${options.checkedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}: ${parts.join(', ')}`;
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
  });
  const seconds = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));
  const dated = rows.filter((r) => r.notAfter && r.notBefore);
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
    'State of the certificate at the time of the check (valid, expiring, expired, not-yet-valid, invalid): 1 for its state.',
    rows.map((r) => `nodeid_certificate_expiry_status${labels({ ...id(r), status: r.status })} 1`),
  );
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
