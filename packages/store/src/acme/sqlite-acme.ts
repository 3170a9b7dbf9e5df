/** The ACME part of the SQLite store: one write transaction per {@link AcmeWrite}. */
import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { checkDate } from '../lib/check-input.js';
import type { sqliteWriters } from '../sqlite/redeem-batch.js';
import { sqliteError } from '../sqlite/sqlite-error.js';
import { acmeObjectFromRow } from './acme-rows.js';
import type { AcmeStore } from './acme-store.js';
import { checkAcmeKey, checkAcmeKind, checkAcmeWrite } from './check-acme.js';

type Row = Record<string, unknown>;

/** Thrown inside the transaction to roll it back when a precondition fails. */
class Precondition extends Error {}

export function sqliteAcme(
  db: Database.Database,
  writers: ReturnType<typeof sqliteWriters>,
  run: <T>(action: string, fn: () => T) => Promise<T>,
  write: <T>(action: string, fn: () => T) => Promise<T>,
): AcmeStore {
  const s = {
    insertNonce: db.prepare('INSERT OR REPLACE INTO acme_nonces (nonce, expires_at) VALUES (?, ?)'),
    pruneNonces: db.prepare('DELETE FROM acme_nonces WHERE expires_at <= ?'),
    useNonce: db.prepare('DELETE FROM acme_nonces WHERE nonce = ? RETURNING expires_at').pluck(),
    get: db.prepare('SELECT * FROM acme_objects WHERE kind = ? AND id = ?'),
    find: db.prepare('SELECT * FROM acme_objects WHERE kind = ? AND lookup = ?'),
    list: db.prepare(
      'SELECT * FROM acme_objects WHERE kind = ? AND account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    ),
    insert: db.prepare(
      `INSERT INTO acme_objects (kind, id, account_id, status, lookup, version, data, created_at)
       VALUES (@kind, @id, @accountId, @status, @lookup, 1, @data, @createdAt)`,
    ),
    update: db.prepare(
      `UPDATE acme_objects SET status = @status, data = @data, version = version + 1,
         lookup = coalesce(@lookup, lookup)
       WHERE kind = @kind AND id = @id AND version = @version`,
    ),
    remove: db.prepare('DELETE FROM acme_objects WHERE kind = ? AND id = ?'),
    consumeToken: db.prepare(
      `UPDATE enrollment_tokens SET used_at = @now
       WHERE id = @id AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > @now`,
    ),
  };
  let sinceCleanup = 0;
  return {
    createAcmeNonce: (nonce, expiresAt) =>
      write('cannot store the nonce', () => {
        const batch = (typeof nonce === 'string' ? [nonce] : [...nonce]).map((n) =>
          checkAcmeKey(n, 'nonce'),
        );
        const at = checkDate(expiresAt, 'expiresAt');
        db.transaction(() => {
          if (++sinceCleanup >= 16) {
            sinceCleanup = 0;
            s.pruneNonces.run(Date.now());
          }
          for (const n of batch) s.insertNonce.run(n, at.getTime());
        }).immediate();
      }),
    useAcmeNonce: (nonce, now) =>
      write('cannot use the nonce', () => {
        const n = checkAcmeKey(nonce, 'nonce');
        const at = checkDate(now, 'now', () => new Date()).getTime();
        const expires = s.useNonce.get(n) as number | undefined;
        return expires !== undefined && expires > at;
      }),
    getAcmeObject: (kind, id) =>
      run('cannot read the ACME object', () => {
        const row = s.get.get(checkAcmeKind(kind), checkAcmeKey(id, 'id')) as Row | undefined;
        return row && acmeObjectFromRow(row);
      }),
    findAcmeObject: (kind, lookup) =>
      run('cannot read the ACME object', () => {
        const row = s.find.get(checkAcmeKind(kind), checkAcmeKey(lookup, 'lookup')) as
          | Row
          | undefined;
        return row && acmeObjectFromRow(row);
      }),
    listAcmeObjects: (kind, accountId, limit = 1000) =>
      run('cannot list ACME objects', () =>
        (
          s.list.all(
            checkAcmeKind(kind),
            checkAcmeKey(accountId, 'accountId'),
            Math.max(0, Math.min(limit, 10_000)),
          ) as Row[]
        ).map(acmeObjectFromRow),
      ),
    writeAcme: (input) =>
      write('cannot write the ACME objects', () => {
        const w = checkAcmeWrite(input);
        try {
          db.transaction(() => {
            for (const u of w.update) if (s.update.run(u).changes !== 1) throw new Precondition();
            if (
              w.consumeTokenId !== undefined &&
              s.consumeToken.run({ id: w.consumeTokenId, now: w.now.getTime() }).changes !== 1
            )
              throw new Precondition();
            for (const r of w.remove) s.remove.run(r.kind, r.id);
            for (const i of w.insert) {
              try {
                s.insert.run({ ...i, createdAt: i.createdAt.getTime() });
              } catch (cause) {
                const error = sqliteError(cause, 'cannot store the ACME object');
                if (error.code !== 'ERR_STORE_CONFLICT') throw error;
                throw new StoreError(
                  'ERR_STORE_CONFLICT',
                  `ACME ${i.kind} ${i.id} or its key already exists`,
                  { cause },
                );
              }
            }
            if (w.certificate) writers.insertCertificate(w.certificate);
            for (const e of w.audit) writers.insertAudit(e);
          }).immediate();
        } catch (e) {
          if (e instanceof Precondition) return false;
          throw e;
        }
        return true;
      }),
  };
}
