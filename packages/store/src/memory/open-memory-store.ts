/**
 * A store in the memory of the process: for tests and one-off runs. It behaves exactly as the
 * SQLite and PostgreSQL stores do, and loses everything on close.
 */
import { memoryAcme } from '../acme/memory-acme.js';
import { StoreError } from '../errors.js';
import {
  asciiLower,
  type CheckedCertificate,
  type CheckedListOptions,
  type CheckedToken,
  checkAuditAction,
  checkAuditInput,
  checkCertificateInput,
  checkCertificateInputs,
  checkDate,
  checkLimit,
  checkListOptions,
  checkRevokeOptions,
  checkSupersede,
  checkTokenHash,
  checkTokenId,
  checkTokenInput,
} from '../lib/check-input.js';
import { normalizeSerial } from '../lib/serial.js';
import { certificateStatus, tokenStatus } from '../lib/status.js';
import { notFound, refuseNotCurrent } from '../lib/supersede.js';
import { nameValue } from '../lib/typed-name.js';
import type {
  AuditRecord,
  CertificateRecord,
  CertificateSortKey,
  CertificateSummary,
  RevocationEntry,
  Store,
  TokenRecord,
} from '../store.js';
import { sameTokenHash } from '../token/same-token-hash.js';

/** What each sort key orders by; strings compare by UTF-16 code unit (byte order for ASCII), as SQLite's BINARY and PostgreSQL's "C" collations do. */
const SORT_KEYS: Record<CertificateSortKey, (c: CertificateRecord) => number | string> = {
  notAfter: (c) => c.notAfter.getTime(),
  notBefore: (c) => c.notBefore.getTime(),
  // serials are lower-case hex with no leading zero byte: the longer one is the larger number
  serialNumber: (c) => `${String(c.serialNumber.length).padStart(4, '0')}${c.serialNumber}`,
  name: (c) => c.names[0] ?? '',
};

const compare = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0);

interface StoredCertificate extends CheckedCertificate {
  revokedAt?: Date;
  revocationReason?: CertificateRecord['revocationReason'];
  supersededBy?: string;
  supersededAt?: Date;
}

interface StoredToken extends CheckedToken {
  usedAt?: Date;
  cancelledAt?: Date;
}

/**
 * Opens an empty store held in memory.
 *
 * @example
 * ```ts
 * const store = await openMemoryStore();
 * await store.recordCertificate({ serialNumber: '01', subject: 'CN=c1', names: ['node1'], notBefore, notAfter, pem });
 * ```
 */
export async function openMemoryStore(): Promise<Store> {
  const certificates = new Map<string, StoredCertificate>();
  const tokens = new Map<string, StoredToken>();
  const audit: AuditRecord[] = [];
  let crlNumber = 0n;
  let open = true;

  const ensureOpen = () => {
    if (!open) throw new StoreError('ERR_STORE_IO', 'the store is closed');
  };

  /** Records every certificate, or none when one of the serials is already recorded. */
  const insert = (batch: CheckedCertificate[]) => {
    const taken = batch.find((c) => certificates.has(c.serialNumber));
    if (taken) {
      throw new StoreError(
        'ERR_STORE_CONFLICT',
        `serial ${taken.serialNumber} is already recorded`,
      );
    }
    for (const c of batch) certificates.set(c.serialNumber, { ...c, names: [...c.names] });
  };

  const toRecord = (c: StoredCertificate, now: Date): CertificateRecord => {
    const record: CertificateRecord = {
      ...c,
      names: [...c.names],
      notBefore: new Date(c.notBefore),
      notAfter: new Date(c.notAfter),
      recordedAt: new Date(c.recordedAt),
      status: certificateStatus(c.notAfter, c.revokedAt, now, c.supersededAt),
    };
    if (c.revokedAt) record.revokedAt = new Date(c.revokedAt);
    if (c.supersededAt) record.supersededAt = new Date(c.supersededAt);
    return record;
  };

  /** The records at `filter.now` that pass every filter, in no particular order. */
  const matching = (filter: CheckedListOptions): CertificateRecord[] => {
    const name = filter.name && asciiLower(filter.name);
    const { search, searchSerial } = filter;
    return [...certificates.values()]
      .map((c) => toRecord(c, filter.now))
      .filter(
        (c) =>
          (filter.status === undefined || c.status === filter.status) &&
          (name === undefined ||
            c.names.some((n) => asciiLower(n) === name || asciiLower(nameValue(n)) === name)) &&
          (search === undefined ||
            c.names.some((n) => asciiLower(n).includes(search)) ||
            (searchSerial !== undefined && c.serialNumber.includes(searchSerial))) &&
          (filter.profile === undefined || c.profile === filter.profile) &&
          (filter.expiringBefore === undefined || c.notAfter < filter.expiringBefore),
      );
  };

  const toToken = (t: StoredToken, now: Date): TokenRecord => {
    const { tokenHash: _hash, ...rest } = t;
    const record: TokenRecord = {
      ...rest,
      dns: [...t.dns],
      ips: [...t.ips],
      uris: [...t.uris],
      expiresAt: new Date(t.expiresAt),
      createdAt: new Date(t.createdAt),
      status: tokenStatus(t, now),
    };
    if (t.usedAt) record.usedAt = new Date(t.usedAt);
    if (t.cancelledAt) record.cancelledAt = new Date(t.cancelledAt);
    return record;
  };

  const pushAudit = (e: ReturnType<typeof checkAuditInput>): void => {
    const record: AuditRecord = { id: audit.length + 1, at: e.at, action: e.action };
    if (e.actor !== undefined) record.actor = e.actor;
    if (e.serialNumber !== undefined) record.serialNumber = e.serialNumber;
    if (e.detail !== undefined) record.detail = JSON.parse(e.detail);
    audit.push(record);
  };

  const acme = memoryAcme({
    ensureOpen,
    tokenPending: (id, at) => {
      const t = tokens.get(id);
      return t !== undefined && tokenStatus(t, at) === 'pending';
    },
    useToken: (id, at) => {
      tokens.get(id)!.usedAt = at;
    },
    checkSerialFree: (serial) => {
      if (certificates.has(serial))
        throw new StoreError('ERR_STORE_CONFLICT', `serial ${serial} is already recorded`);
    },
    insertCertificate: (c) => insert([c]),
    pushAudit,
  });

  return {
    kind: 'memory',
    ...acme,

    async recordCertificate(input) {
      ensureOpen();
      insert([checkCertificateInput(input)]);
    },

    async recordCertificates(inputs, events = []) {
      ensureOpen();
      const checkedEvents = events.map(checkAuditInput);
      insert(checkCertificateInputs(inputs));
      for (const e of checkedEvents) pushAudit(e);
    },

    async getCertificate(serialNumber, options = {}) {
      ensureOpen();
      const now = checkDate(options.now, 'now', () => new Date());
      const c = certificates.get(normalizeSerial(serialNumber));
      return c && toRecord(c, now);
    },

    async certificateSummary(options = {}) {
      ensureOpen();
      const now = checkDate(options.now, 'now', () => new Date());
      const summary: CertificateSummary = {
        counts: { valid: 0, superseded: 0, revoked: 0, expired: 0 },
        valid: [],
      };
      for (const c of certificates.values()) {
        const r = toRecord(c, now);
        summary.counts[r.status]++;
        if (r.status === 'valid')
          summary.valid.push({
            serialNumber: r.serialNumber,
            subject: r.subject,
            notAfter: r.notAfter,
          });
      }
      summary.valid.sort(
        (a, b) =>
          a.notAfter.getTime() - b.notAfter.getTime() ||
          a.serialNumber.localeCompare(b.serialNumber),
      );
      return summary;
    },

    async listCertificates(options) {
      ensureOpen();
      const filter = checkListOptions(options);
      const key = SORT_KEYS[filter.sort];
      const bySerial = SORT_KEYS.serialNumber;
      const sign = filter.order === 'desc' ? -1 : 1;
      const found = matching(filter).sort(
        (a, b) => sign * (compare(key(a), key(b)) || compare(bySerial(a), bySerial(b))),
      );
      return found.slice(
        filter.offset,
        filter.limit === undefined ? undefined : filter.offset + filter.limit,
      );
    },

    async countCertificates(options) {
      ensureOpen();
      return matching(checkListOptions(options)).length;
    },

    async revokeCertificate(serialNumber, options) {
      ensureOpen();
      const serial = normalizeSerial(serialNumber);
      const { reason, revokedAt } = checkRevokeOptions(options);
      const c = certificates.get(serial);
      if (!c) throw notFound(serial);
      const alreadyRevoked = c.revokedAt !== undefined;
      if (!alreadyRevoked) {
        c.revokedAt = revokedAt;
        if (reason !== undefined) c.revocationReason = reason;
      }
      return { ...toRecord(c, new Date()), alreadyRevoked };
    },

    async markSuperseded(serialNumber, bySerialNumber, at) {
      ensureOpen();
      const checked = checkSupersede(serialNumber, bySerialNumber, at);
      const c = certificates.get(checked.serial);
      if (!c) throw notFound(checked.serial);
      if (!certificates.has(checked.by)) throw notFound(checked.by);
      refuseNotCurrent(c.serialNumber, c.revokedAt, c.supersededBy);
      c.supersededBy = checked.by;
      c.supersededAt = checked.at;
      return toRecord(c, checked.at);
    },

    async listRevocations() {
      ensureOpen();
      return [...certificates.values()]
        .filter((c) => c.revokedAt !== undefined)
        .sort(
          (a, b) =>
            a.revokedAt!.getTime() - b.revokedAt!.getTime() ||
            a.serialNumber.localeCompare(b.serialNumber),
        )
        .map((c) => {
          const entry: RevocationEntry = {
            serialNumber: c.serialNumber,
            revokedAt: new Date(c.revokedAt!),
          };
          if (c.revocationReason !== undefined) entry.reason = c.revocationReason;
          return entry;
        });
    },

    async nextCrlNumber() {
      ensureOpen();
      crlNumber += 1n;
      return crlNumber;
    },

    async createToken(input) {
      ensureOpen();
      const t = checkTokenInput(input);
      if (tokens.has(t.id) || [...tokens.values()].some((x) => x.tokenHash === t.tokenHash)) {
        throw new StoreError('ERR_STORE_CONFLICT', `token ${t.id} or its hash is already stored`);
      }
      tokens.set(t.id, t);
    },

    async consumeToken(tokenHash, now) {
      ensureOpen();
      const hash = checkTokenHash(tokenHash);
      const at = checkDate(now, 'now', () => new Date());
      const t = [...tokens.values()].find((x) => x.tokenHash === hash);
      if (!t || tokenStatus(t, at) !== 'pending') return undefined;
      t.usedAt = at;
      return toToken(t, at);
    },

    async redeemToken(input) {
      ensureOpen();
      const hash = checkTokenHash(input?.tokenHash);
      const at = checkDate(input.now, 'now', () => new Date());
      const certificate = checkCertificateInput(input.certificate);
      const event = checkAuditInput(input.audit);
      const t = [...tokens.values()].find((x) => x.tokenHash === hash);
      if (!t || tokenStatus(t, at) !== 'pending') return undefined;
      insert([certificate]);
      t.usedAt = at;
      pushAudit(event);
      return toToken(t, at);
    },

    async listTokens(options = {}) {
      ensureOpen();
      const now = checkDate(options.now, 'now', () => new Date());
      return [...tokens.values()]
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.id.localeCompare(b.id))
        .map((t) => toToken(t, now));
    },

    async getToken(id, options = {}) {
      ensureOpen();
      const key = checkTokenId(id);
      const now = checkDate(options.now, 'now', () => new Date());
      const t = tokens.get(key);
      if (t && options.tokenHash !== undefined) {
        if (!sameTokenHash(t.tokenHash, checkTokenHash(options.tokenHash))) return undefined;
      }
      return t && toToken(t, now);
    },

    async cancelToken(id, options = {}) {
      ensureOpen();
      const key = checkTokenId(id);
      const now = checkDate(options.now, 'now', () => new Date());
      const t = tokens.get(key);
      if (!t) throw new StoreError('ERR_STORE_NOT_FOUND', `no token with id ${key}`);
      if (t.usedAt) throw new StoreError('ERR_STORE_CONFLICT', `token ${key} was already used`);
      if (!t.cancelledAt) t.cancelledAt = now;
      return toToken(t, now);
    },

    async appendAudit(event) {
      ensureOpen();
      pushAudit(checkAuditInput(event));
    },

    async listAudit(limit = 100, options = {}) {
      ensureOpen();
      const n = checkLimit(limit);
      const action = checkAuditAction(options.action);
      return audit
        .filter((e) => action === undefined || e.action === action)
        .slice(-n)
        .reverse()
        .map((e) => ({
          ...e,
          at: new Date(e.at),
          ...(e.detail && { detail: structuredClone(e.detail) }),
        }));
    },

    async checkHealth() {
      ensureOpen();
    },

    async close() {
      open = false;
    },
  };
}
