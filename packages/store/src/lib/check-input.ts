/**
 * Checks and normalises what callers hand to a store, so that every implementation accepts and
 * refuses the same input (`ERR_STORE_INVALID`) before touching its database.
 */
import { CRL_REASONS, type CrlReason } from '@nodeid/sdk';
import { StoreError } from '../errors.js';
import type {
  AuditInput,
  CertificateInput,
  CertificateSortKey,
  CertificateStatus,
  ListCertificatesOptions,
  RevokeOptions,
  TokenInput,
} from '../store.js';
import { normalizeSerial } from './serial.js';
import { CERTIFICATE_SORT_KEYS, CERTIFICATE_STATUSES } from './status.js';
import { TYPED_NAME } from './typed-name.js';

const MAX_TEXT = 1024;
const MAX_PEM = 256 * 1024;
const MAX_NAMES = 10_000;

function invalid(message: string): never {
  throw new StoreError('ERR_STORE_INVALID', message);
}

/** A valid `Date`, or `fallback` when the value is undefined and a fallback is given. */
export function checkDate(value: unknown, field: string, fallback?: () => Date): Date {
  if (value === undefined && fallback) return fallback();
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    invalid(`${field} is not a valid Date`);
  return new Date(value.getTime());
}

function checkText(value: unknown, field: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    invalid(`${field} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function checkOptionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : checkText(value, field);
}

function checkTextList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_NAMES)
    invalid(`${field} must be an array of strings`);
  return value.map((item, i) => checkText(item, `${field}[${i}]`));
}

/** Names as records hold them: `DNS:x`, `IP:x`, `URI:x` or `email:x`. */
function checkTypedNames(value: unknown): string[] {
  const names = checkTextList(value, 'names');
  names.forEach((name, i) => {
    if (!TYPED_NAME.test(name)) {
      invalid(
        `names[${i}] must be typed as DNS:, IP:, URI: or email: (got "${name.slice(0, 40)}"); certificateRecordOf builds the names from the certificate`,
      );
    }
  });
  return names;
}

/** The normalised form of a {@link CertificateInput}. */
export type CheckedCertificate = Required<Omit<CertificateInput, 'profile' | 'issuedBy'>> &
  Pick<CertificateInput, 'profile' | 'issuedBy'>;

/** Checks a certificate to record. */
export function checkCertificateInput(input: CertificateInput): CheckedCertificate {
  if (typeof input !== 'object' || input === null) invalid('certificate record must be an object');
  const checked: CheckedCertificate = {
    serialNumber: normalizeSerial(input.serialNumber),
    subject:
      typeof input.subject === 'string' ? input.subject : invalid('subject must be a string'),
    names: checkTypedNames(input.names),
    notBefore: checkDate(input.notBefore, 'notBefore'),
    notAfter: checkDate(input.notAfter, 'notAfter'),
    pem: checkText(input.pem, 'pem', MAX_PEM),
    recordedAt: checkDate(input.recordedAt, 'recordedAt', () => new Date()),
  };
  const profile = checkOptionalText(input.profile, 'profile');
  const issuedBy = checkOptionalText(input.issuedBy, 'issuedBy');
  if (profile !== undefined) checked.profile = profile;
  if (issuedBy !== undefined) checked.issuedBy = issuedBy;
  return checked;
}

/** Checks a batch of certificates to record: an array, no serial twice. */
export function checkCertificateInputs(inputs: CertificateInput[]): CheckedCertificate[] {
  if (!Array.isArray(inputs)) invalid('certificate records must be an array');
  const checked = inputs.map(checkCertificateInput);
  const seen = new Set<string>();
  for (const c of checked) {
    if (seen.has(c.serialNumber)) {
      throw new StoreError(
        'ERR_STORE_CONFLICT',
        `serial ${c.serialNumber} appears twice in the batch`,
      );
    }
    seen.add(c.serialNumber);
  }
  return checked;
}

/** Checks a revocation reason: a CRL reason name other than `removeFromCRL`. */
export function checkReason(reason: unknown): CrlReason | undefined {
  if (reason === undefined) return undefined;
  const known = CRL_REASONS.filter((r): r is CrlReason => r !== undefined && r !== 'removeFromCRL');
  if (typeof reason !== 'string' || !known.includes(reason as CrlReason)) {
    invalid(
      `unknown revocation reason "${String(reason).slice(0, 40)}" (one of: ${known.join(', ')})`,
    );
  }
  return reason as CrlReason;
}

/** Checks the options of a revocation. */
export function checkRevokeOptions(options: RevokeOptions = {}): {
  reason?: CrlReason;
  revokedAt: Date;
} {
  const revokedAt = checkDate(options.revokedAt, 'revokedAt', () => new Date());
  const reason = checkReason(options.reason);
  return reason === undefined ? { revokedAt } : { reason, revokedAt };
}

/** Checks the arguments of {@link Store.markSuperseded}: two different serials and a date. */
export function checkSupersede(
  serialNumber: unknown,
  bySerialNumber: unknown,
  at: unknown,
): { serial: string; by: string; at: Date } {
  const serial = normalizeSerial(serialNumber);
  const by = normalizeSerial(bySerialNumber);
  if (serial === by) invalid(`certificate ${serial} cannot supersede itself`);
  return { serial, by, at: checkDate(at, 'at', () => new Date()) };
}

/** The normalised filters of a listing. */
export interface CheckedListOptions {
  status?: CertificateStatus;
  name?: string;
  /** ASCII lower case. */
  search?: string;
  /** The search as a serial fragment (lower-case hex, colons removed), when it is hex. */
  searchSerial?: string;
  profile?: string;
  expiringBefore?: Date;
  now: Date;
  sort: CertificateSortKey;
  order: 'asc' | 'desc';
  offset: number;
  limit?: number;
}

/** ASCII letters in lower case, nothing else changed (what SQLite's and PostgreSQL's C-collation lower() do). */
export const asciiLower = (text: string): string => text.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Checks the filters of a listing. */
export function checkListOptions(options: ListCertificatesOptions = {}): CheckedListOptions {
  const checked: CheckedListOptions = {
    now: checkDate(options.now, 'now', () => new Date()),
    sort: options.sort ?? 'notAfter',
    order: options.order ?? 'asc',
    offset: options.offset ?? 0,
  };
  if (options.status !== undefined) {
    if (!CERTIFICATE_STATUSES.includes(options.status))
      invalid(`status must be one of ${CERTIFICATE_STATUSES.join(', ')}`);
    checked.status = options.status;
  }
  if (options.name !== undefined) checked.name = checkText(options.name, 'name');
  if (options.expiringBefore !== undefined) {
    checked.expiringBefore = checkDate(options.expiringBefore, 'expiringBefore');
  }
  if (options.search !== undefined) {
    checked.search = asciiLower(checkText(options.search, 'search', 253));
    const hex = checked.search.replace(/:/g, '');
    if (/^[0-9a-f]+$/.test(hex)) checked.searchSerial = hex;
  }
  if (options.profile !== undefined) checked.profile = checkText(options.profile, 'profile', 64);
  if (options.sort !== undefined && !CERTIFICATE_SORT_KEYS.includes(options.sort))
    invalid(`sort must be one of ${CERTIFICATE_SORT_KEYS.join(', ')}`);
  if (options.order !== undefined && options.order !== 'asc' && options.order !== 'desc')
    invalid('order must be asc or desc');
  if (
    options.offset !== undefined &&
    (typeof options.offset !== 'number' ||
      !Number.isSafeInteger(options.offset) ||
      options.offset < 0)
  )
    invalid('offset must be a non-negative integer');
  if (options.limit !== undefined) checked.limit = checkLimit(options.limit);
  return checked;
}

/** The `action` filter of an audit listing: a non-empty string, or undefined. */
export function checkAuditAction(action: unknown): string | undefined {
  return action === undefined ? undefined : checkText(action, 'action', 128);
}

/** A positive integer. */
export function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    invalid('limit must be a positive integer');
  }
  return limit;
}

/** The normalised form of a {@link TokenInput}. */
export type CheckedToken = Required<Omit<TokenInput, 'validityDays'>> & { validityDays?: number };

/** Checks a new enrollment token. */
export function checkTokenInput(input: TokenInput): CheckedToken {
  if (typeof input !== 'object' || input === null) invalid('token record must be an object');
  const checked: CheckedToken = {
    id: checkText(input.id, 'id'),
    tokenHash: checkTokenHash(input.tokenHash),
    name: checkText(input.name, 'name'),
    profile: checkText(input.profile, 'profile'),
    dns: checkTextList(input.dns, 'dns'),
    ips: checkTextList(input.ips, 'ips'),
    uris: checkTextList(input.uris, 'uris'),
    expiresAt: checkDate(input.expiresAt, 'expiresAt'),
    createdAt: checkDate(input.createdAt, 'createdAt', () => new Date()),
  };
  if (input.validityDays !== undefined) {
    const days = input.validityDays;
    if (typeof days !== 'number' || !Number.isSafeInteger(days) || days < 1) {
      invalid('validityDays must be a positive integer');
    }
    checked.validityDays = days;
  }
  return checked;
}

/** A SHA-256 hash as 64 hex digits, lower-cased. */
export function checkTokenHash(hash: unknown): string {
  if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) {
    invalid('tokenHash must be a SHA-256 hash as 64 hex digits (see hashToken)');
  }
  return hash.toLowerCase();
}

/** Checks a token id. */
export function checkTokenId(id: unknown): string {
  return checkText(id, 'id');
}

/** The normalised form of an {@link AuditInput}, its detail as JSON text. */
export interface CheckedAudit {
  at: Date;
  action: string;
  actor?: string;
  serialNumber?: string;
  detail?: string;
}

/** Checks an audit line; its detail must be a JSON-serialisable object. */
export function checkAuditInput(event: AuditInput): CheckedAudit {
  if (typeof event !== 'object' || event === null) invalid('audit event must be an object');
  const checked: CheckedAudit = {
    at: checkDate(event.at, 'at'),
    action: checkText(event.action, 'action'),
  };
  const actor = checkOptionalText(event.actor, 'actor');
  if (actor !== undefined) checked.actor = actor;
  if (event.serialNumber !== undefined) checked.serialNumber = normalizeSerial(event.serialNumber);
  if (event.detail !== undefined) {
    if (typeof event.detail !== 'object' || event.detail === null || Array.isArray(event.detail)) {
      invalid('detail must be an object');
    }
    try {
      checked.detail = JSON.stringify(event.detail);
    } catch {
      invalid('detail must be JSON-serialisable');
    }
  }
  return checked;
}
