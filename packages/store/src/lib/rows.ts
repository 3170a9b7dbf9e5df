/**
 * Turns database rows into records. SQLite and PostgreSQL name their columns the same way; dates
 * come as milliseconds (SQLite) or `Date` (PostgreSQL), lists as JSON text or arrays.
 */
import type { CrlReason } from '@nodeid/sdk';
import type { AuditRecord, CertificateRecord, RevocationEntry, TokenRecord } from '../store.js';
import { certificateStatus, tokenStatus } from './status.js';

type Row = Record<string, unknown>;

const date = (value: unknown): Date => new Date(value as number | Date);
const optionalDate = (value: unknown): Date | undefined =>
  value === null || value === undefined ? undefined : date(value);
const list = (value: unknown): string[] =>
  typeof value === 'string' ? JSON.parse(value) : [...(value as string[])];

/** A `certificates` row as a record, its status judged at `now`. */
export function certificateFromRow(row: Row, now: Date): CertificateRecord {
  const revokedAt = optionalDate(row['revoked_at']);
  const supersededAt = optionalDate(row['superseded_at']);
  const record: CertificateRecord = {
    serialNumber: row['serial_number'] as string,
    subject: row['subject'] as string,
    names: list(row['names']),
    notBefore: date(row['not_before']),
    notAfter: date(row['not_after']),
    pem: row['pem'] as string,
    recordedAt: date(row['recorded_at']),
    status: certificateStatus(date(row['not_after']), revokedAt, now, supersededAt),
  };
  if (row['profile'] != null) record.profile = row['profile'] as string;
  if (row['issued_by'] != null) record.issuedBy = row['issued_by'] as string;
  if (revokedAt) record.revokedAt = revokedAt;
  if (row['revocation_reason'] != null)
    record.revocationReason = row['revocation_reason'] as CrlReason;
  if (row['superseded_by'] != null) record.supersededBy = row['superseded_by'] as string;
  if (supersededAt) record.supersededAt = supersededAt;
  return record;
}

/** A revoked `certificates` row as a CRL entry. */
export function revocationFromRow(row: Row): RevocationEntry {
  const entry: RevocationEntry = {
    serialNumber: row['serial_number'] as string,
    revokedAt: date(row['revoked_at']),
  };
  if (row['revocation_reason'] != null) entry.reason = row['revocation_reason'] as CrlReason;
  return entry;
}

/** An `enrollment_tokens` row as a record (without its hash), its status judged at `now`. */
export function tokenFromRow(row: Row, now: Date): TokenRecord {
  const record: TokenRecord = {
    id: row['id'] as string,
    name: row['name'] as string,
    profile: row['profile'] as string,
    dns: list(row['dns']),
    ips: list(row['ips']),
    uris: list(row['uris']),
    expiresAt: date(row['expires_at']),
    createdAt: date(row['created_at']),
    status: 'pending',
  };
  const usedAt = optionalDate(row['used_at']);
  const cancelledAt = optionalDate(row['cancelled_at']);
  if (row['validity_days'] != null) record.validityDays = Number(row['validity_days']);
  if (usedAt) record.usedAt = usedAt;
  if (cancelledAt) record.cancelledAt = cancelledAt;
  record.status = tokenStatus(record, now);
  return record;
}

/** An `audit_events` row as a record. */
export function auditFromRow(row: Row): AuditRecord {
  const record: AuditRecord = {
    id: Number(row['id']),
    at: date(row['at']),
    action: row['action'] as string,
  };
  if (row['actor'] != null) record.actor = row['actor'] as string;
  if (row['serial_number'] != null) record.serialNumber = row['serial_number'] as string;
  if (row['detail'] != null) {
    record.detail = typeof row['detail'] === 'string' ? JSON.parse(row['detail']) : row['detail'];
  }
  return record;
}
