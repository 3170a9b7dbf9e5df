/** The ACME part of the PostgreSQL store: one transaction per {@link AcmeWrite}, row versions for compare-and-set. */
import type pg from 'pg';
import { StoreError } from '../errors.js';
import { type CheckedCertificate, checkDate } from '../lib/check-input.js';
import { acmeObjectFromRow } from './acme-rows.js';
import type { AcmeStore } from './acme-store.js';
import { checkAcmeKey, checkAcmeKind, checkAcmeWrite } from './check-acme.js';

type Row = Record<string, unknown>;

/** Rolls the transaction back when a precondition fails. */
class Precondition extends Error {}

export interface PostgresAcmeHost {
  run: <T>(action: string, fn: () => Promise<T>) => Promise<T>;
  query: (sql: string, params?: unknown[]) => Promise<Row[]>;
  transaction: <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  insertCertificate: (db: pg.PoolClient, c: CheckedCertificate) => Promise<void>;
}

export function postgresAcme(host: PostgresAcmeHost): AcmeStore {
  const { run, query, transaction } = host;
  let sinceCleanup = 0;
  return {
    createAcmeNonce: (nonce, expiresAt) =>
      run('cannot store the nonce', async () => {
        const batch = (typeof nonce === 'string' ? [nonce] : [...nonce]).map((n) =>
          checkAcmeKey(n, 'nonce'),
        );
        const at = checkDate(expiresAt, 'expiresAt');
        if (++sinceCleanup >= 16) {
          sinceCleanup = 0;
          await query('DELETE FROM acme_nonces WHERE expires_at <= now()');
        }
        await query(
          'INSERT INTO acme_nonces (nonce, expires_at) SELECT unnest($1::text[]), $2 ON CONFLICT (nonce) DO UPDATE SET expires_at = $2',
          [batch, at],
        );
      }),
    useAcmeNonce: (nonce, now) =>
      run('cannot use the nonce', async () => {
        const n = checkAcmeKey(nonce, 'nonce');
        const at = checkDate(now, 'now', () => new Date());
        const rows = await query('DELETE FROM acme_nonces WHERE nonce = $1 RETURNING expires_at', [
          n,
        ]);
        return rows.length === 1 && (rows[0]!['expires_at'] as Date) > at;
      }),
    getAcmeObject: (kind, id) =>
      run('cannot read the ACME object', async () => {
        const rows = await query('SELECT * FROM acme_objects WHERE kind = $1 AND id = $2', [
          checkAcmeKind(kind),
          checkAcmeKey(id, 'id'),
        ]);
        return rows[0] && acmeObjectFromRow(rows[0]);
      }),
    findAcmeObject: (kind, lookup) =>
      run('cannot read the ACME object', async () => {
        const rows = await query('SELECT * FROM acme_objects WHERE kind = $1 AND lookup = $2', [
          checkAcmeKind(kind),
          checkAcmeKey(lookup, 'lookup'),
        ]);
        return rows[0] && acmeObjectFromRow(rows[0]);
      }),
    listAcmeObjects: (kind, accountId, limit = 1000) =>
      run('cannot list ACME objects', async () =>
        (
          await query(
            'SELECT * FROM acme_objects WHERE kind = $1 AND account_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3',
            [
              checkAcmeKind(kind),
              checkAcmeKey(accountId, 'accountId'),
              Math.max(0, Math.min(limit, 10_000)),
            ],
          )
        ).map(acmeObjectFromRow),
      ),
    writeAcme: (input) =>
      run('cannot write the ACME objects', async () => {
        const w = checkAcmeWrite(input);
        try {
          await transaction(async (client) => {
            for (const u of w.update) {
              const r = await client.query(
                `UPDATE acme_objects SET status = $1, data = $2::jsonb, version = version + 1,
                   lookup = coalesce($3, lookup)
                 WHERE kind = $4 AND id = $5 AND version = $6`,
                [u.status, u.data, u.lookup, u.kind, u.id, u.version],
              );
              if (r.rowCount !== 1) throw new Precondition();
            }
            if (w.consumeTokenId !== undefined) {
              const r = await client.query(
                `UPDATE enrollment_tokens SET used_at = $2
                 WHERE id = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2`,
                [w.consumeTokenId, w.now],
              );
              if (r.rowCount !== 1) throw new Precondition();
            }
            for (const r of w.remove)
              await client.query('DELETE FROM acme_objects WHERE kind = $1 AND id = $2', [
                r.kind,
                r.id,
              ]);
            for (const i of w.insert) {
              const r = await client.query(
                `INSERT INTO acme_objects (kind, id, account_id, status, lookup, version, data, created_at)
                 VALUES ($1, $2, $3, $4, $5, 1, $6::jsonb, $7) ON CONFLICT DO NOTHING RETURNING id`,
                [i.kind, i.id, i.accountId, i.status, i.lookup, i.data, i.createdAt],
              );
              if (r.rowCount !== 1)
                throw new StoreError(
                  'ERR_STORE_CONFLICT',
                  `ACME ${i.kind} ${i.id} or its key already exists`,
                );
            }
            if (w.certificate) await host.insertCertificate(client, w.certificate);
            for (const e of w.audit)
              await client.query(
                'INSERT INTO audit_events (at, action, actor, serial_number, detail) VALUES ($1, $2, $3, $4, $5::json)',
                [e.at, e.action, e.actor ?? null, e.serialNumber ?? null, e.detail ?? null],
              );
          });
        } catch (e) {
          if (e instanceof Precondition) return false;
          throw e;
        }
        return true;
      }),
  };
}
