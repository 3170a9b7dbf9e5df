/** The ACME part of the memory store: maps, written all at once after every check passed. */
import { StoreError } from '../errors.js';
import type { CheckedAudit, CheckedCertificate } from '../lib/check-input.js';
import { checkDate } from '../lib/check-input.js';
import type { AcmeObject, AcmeStore } from './acme-store.js';
import { checkAcmeKey, checkAcmeKind, checkAcmeWrite } from './check-acme.js';

/** What the memory store lends its ACME part. */
export interface MemoryAcmeHost {
  ensureOpen(): void;
  /** True when the token with that id is pending at `at`. */
  tokenPending(id: string, at: Date): boolean;
  /** Marks the token used at `at`. */
  useToken(id: string, at: Date): void;
  /** Throws `ERR_STORE_CONFLICT` when the serial is recorded. */
  checkSerialFree(serialNumber: string): void;
  insertCertificate(c: CheckedCertificate): void;
  pushAudit(e: CheckedAudit): void;
}

const copy = (o: AcmeObject): AcmeObject => ({
  ...o,
  data: structuredClone(o.data),
  createdAt: new Date(o.createdAt),
});

export function memoryAcme(host: MemoryAcmeHost): AcmeStore {
  const objects = new Map<string, AcmeObject>();
  const nonces = new Map<string, number>();
  const keyOf = (kind: string, id: string) => `${kind}\u0000${id}`;
  const byLookup = (kind: string, lookup: string) =>
    [...objects.values()].find((o) => o.kind === kind && o.lookup === lookup);

  return {
    async createAcmeNonce(nonce, expiresAt) {
      host.ensureOpen();
      const at = checkDate(expiresAt, 'expiresAt');
      const now = Date.now();
      for (const [n, t] of nonces) if (t <= now) nonces.delete(n);
      const batch = (typeof nonce === 'string' ? [nonce] : [...nonce]).map((n) =>
        checkAcmeKey(n, 'nonce'),
      );
      for (const n of batch) nonces.set(n, at.getTime());
    },
    async useAcmeNonce(nonce, now) {
      host.ensureOpen();
      const at = checkDate(now, 'now', () => new Date()).getTime();
      const expires = nonces.get(checkAcmeKey(nonce, 'nonce'));
      nonces.delete(nonce);
      return expires !== undefined && expires > at;
    },
    async getAcmeObject(kind, id) {
      host.ensureOpen();
      const o = objects.get(keyOf(checkAcmeKind(kind), checkAcmeKey(id, 'id')));
      return o && copy(o);
    },
    async findAcmeObject(kind, lookup) {
      host.ensureOpen();
      const o = byLookup(checkAcmeKind(kind), checkAcmeKey(lookup, 'lookup'));
      return o && copy(o);
    },
    async listAcmeObjects(kind, accountId, limit = 1000) {
      host.ensureOpen();
      const k = checkAcmeKind(kind);
      const account = checkAcmeKey(accountId, 'accountId');
      return [...objects.values()]
        .filter((o) => o.kind === k && o.accountId === account)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id))
        .slice(0, Math.max(0, Math.min(limit, 10_000)))
        .map(copy);
    },
    async writeAcme(write) {
      host.ensureOpen();
      const w = checkAcmeWrite(write);
      // every check first, then every change: all or nothing
      for (const u of w.update) {
        const o = objects.get(keyOf(u.kind, u.id));
        if (!o || o.version !== u.version) return false;
      }
      if (w.consumeTokenId !== undefined && !host.tokenPending(w.consumeTokenId, w.now))
        return false;
      const removed = new Set(w.remove.map((r) => keyOf(r.kind, r.id)));
      const lookups = new Set<string>();
      for (const i of w.insert) {
        if (objects.has(keyOf(i.kind, i.id)))
          throw new StoreError('ERR_STORE_CONFLICT', `ACME ${i.kind} ${i.id} already exists`);
        if (i.lookup !== null) {
          const taken = byLookup(i.kind, i.lookup);
          if (
            (taken && !removed.has(keyOf(taken.kind, taken.id))) ||
            lookups.has(keyOf(i.kind, i.lookup))
          )
            throw new StoreError(
              'ERR_STORE_CONFLICT',
              `an ACME ${i.kind} with that key already exists`,
            );
          lookups.add(keyOf(i.kind, i.lookup));
        }
      }
      for (const u of w.update) {
        if (u.lookup === null) continue;
        const taken = byLookup(u.kind, u.lookup);
        if ((taken && taken.id !== u.id) || lookups.has(keyOf(u.kind, u.lookup)))
          throw new StoreError(
            'ERR_STORE_CONFLICT',
            `an ACME ${u.kind} with that key already exists`,
          );
        lookups.add(keyOf(u.kind, u.lookup));
      }
      if (w.certificate) host.checkSerialFree(w.certificate.serialNumber);
      if (w.consumeTokenId !== undefined) host.useToken(w.consumeTokenId, w.now);
      for (const r of w.remove) objects.delete(keyOf(r.kind, r.id));
      for (const i of w.insert) {
        const o: AcmeObject = {
          kind: i.kind,
          id: i.id,
          status: i.status,
          version: 1,
          data: JSON.parse(i.data),
          createdAt: i.createdAt,
        };
        if (i.accountId !== null) o.accountId = i.accountId;
        if (i.lookup !== null) o.lookup = i.lookup;
        objects.set(keyOf(i.kind, i.id), o);
      }
      for (const u of w.update) {
        const o = objects.get(keyOf(u.kind, u.id))!;
        o.version += 1;
        o.status = u.status;
        o.data = JSON.parse(u.data);
        if (u.lookup !== null) o.lookup = u.lookup;
      }
      if (w.certificate) host.insertCertificate(w.certificate);
      for (const e of w.audit) host.pushAudit(e);
      return true;
    },
  };
}
