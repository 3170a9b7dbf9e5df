/** Input checks of the ACME part of the store, shared by every implementation. */
import { StoreError } from '../errors.js';
import {
  type CheckedAudit,
  type CheckedCertificate,
  checkAuditInput,
  checkCertificateInput,
  checkDate,
  checkTokenId,
} from '../lib/check-input.js';
import type { AcmeKind, AcmeObjectInput, AcmeObjectUpdate, AcmeWrite } from './acme-store.js';

const KINDS = new Set<string>(['account', 'order', 'authorization', 'eab']);
const invalid = (message: string): never => {
  throw new StoreError('ERR_STORE_INVALID', message);
};

export function checkAcmeKind(kind: unknown): AcmeKind {
  if (typeof kind !== 'string' || !KINDS.has(kind))
    invalid(`unknown ACME object kind "${String(kind)}"`);
  return kind as AcmeKind;
}

/** An id, lookup key or nonce: 1 to 256 printable ASCII characters. */
export function checkAcmeKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(value))
    invalid(`${field} must be 1 to 256 printable ASCII characters`);
  return value as string;
}

function checkData(data: unknown): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    invalid('ACME data must be a JSON object');
  return JSON.stringify(data);
}

/** An object to insert, its data as JSON text. */
export interface CheckedAcmeInsert {
  kind: AcmeKind;
  id: string;
  accountId: string | null;
  status: string;
  lookup: string | null;
  data: string;
  createdAt: Date;
}

/** An update, its data as JSON text. */
export interface CheckedAcmeUpdate {
  kind: AcmeKind;
  id: string;
  version: number;
  status: string;
  lookup: string | null;
  data: string;
}

/** A checked {@link AcmeWrite}. */
export interface CheckedAcmeWrite {
  insert: CheckedAcmeInsert[];
  update: CheckedAcmeUpdate[];
  remove: { kind: AcmeKind; id: string }[];
  consumeTokenId?: string;
  certificate?: CheckedCertificate;
  audit: CheckedAudit[];
  now: Date;
}

const checkInsert = (o: AcmeObjectInput, now: Date): CheckedAcmeInsert => ({
  kind: checkAcmeKind(o?.kind),
  id: checkAcmeKey(o.id, 'id'),
  accountId: o.accountId === undefined ? null : checkAcmeKey(o.accountId, 'accountId'),
  status: checkAcmeKey(o.status, 'status'),
  lookup: o.lookup === undefined ? null : checkAcmeKey(o.lookup, 'lookup'),
  data: checkData(o.data),
  createdAt: checkDate(o.createdAt, 'createdAt', () => now),
});

const checkUpdate = (u: AcmeObjectUpdate): CheckedAcmeUpdate => {
  if (!Number.isInteger(u?.version) || u.version < 1)
    invalid('version must be a whole number from 1');
  return {
    kind: checkAcmeKind(u.kind),
    id: checkAcmeKey(u.id, 'id'),
    version: u.version,
    status: checkAcmeKey(u.status, 'status'),
    lookup: u.lookup === undefined ? null : checkAcmeKey(u.lookup, 'lookup'),
    data: checkData(u.data),
  };
};

export function checkAcmeWrite(write: AcmeWrite): CheckedAcmeWrite {
  if (typeof write !== 'object' || write === null) invalid('the ACME write must be an object');
  const now = checkDate(write.now, 'now', () => new Date());
  return {
    insert: (write.insert ?? []).map((o) => checkInsert(o, now)),
    update: (write.update ?? []).map(checkUpdate),
    remove: (write.remove ?? []).map((r) => ({
      kind: checkAcmeKind(r?.kind),
      id: checkAcmeKey(r.id, 'id'),
    })),
    ...(write.consumeTokenId !== undefined && {
      consumeTokenId: checkTokenId(write.consumeTokenId),
    }),
    ...(write.certificate !== undefined && {
      certificate: checkCertificateInput(write.certificate),
    }),
    audit: (write.audit ?? []).map(checkAuditInput),
    now,
  };
}

/** Nonces live this long at most once handed out. */
export const MAX_NONCE_LIFETIME_MS = 3_600_000;
