/**
 * The store for several server instances (HA head nodes) sharing one PostgreSQL database
 * through `pg`. Every write that must be atomic is one statement or one transaction with a row
 * lock, so a token yields one certificate and a CRL number is handed out once across instances.
 */
import type pg from 'pg';
import { postgresAcme } from '../acme/postgres-acme.js';
import { StoreError } from '../errors.js';
import {
  type CheckedCertificate,
  type CheckedListOptions,
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
import { pendingMigrations } from '../lib/migration.js';
import { auditFromRow, certificateFromRow, revocationFromRow, tokenFromRow } from '../lib/rows.js';
import { normalizeSerial } from '../lib/serial.js';
import { notFound, refuseNotCurrent } from '../lib/supersede.js';
import type { CertificateSortKey, Store } from '../store.js';
import { sameTokenHash } from '../token/same-token-hash.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { postgresError } from './postgres-error.js';

type Row = Record<string, unknown>;

/** Any key will do as long as every nodeid instance uses the same one. */
const MIGRATION_LOCK = 0x6e6f6465; // 'node'

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Most connections this instance opens; default 10. */
  maxConnections?: number;
}

/**
 * Connects to PostgreSQL at `url` (`postgres://user@host:port/database`) and brings the schema
 * up to date; instances starting together migrate one at a time. A database written by a
 * newer nodeid gives `ERR_STORE_VERSION`, an unreachable server `ERR_STORE_IO`. Use a database
 * of its own for nodeid.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore('postgres://nodeid@db.internal:5432/nodeid');
 * const number = await store.nextCrlNumber();
 * ```
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  // loaded here, not at import: `pg` takes longer to load than the rest of the CLI, and most
  // commands open SQLite or nothing at all
  const { default: postgres } = await import('pg');
  const pool = new postgres.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    await migrate(pool);
  } catch (cause) {
    await pool.end().catch(() => {});
    throw postgresError(cause, `cannot open the store at ${describeUrl(url)}`);
  }
  return postgresStore(pool);
}

/** The URL without its password, for messages. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the PostgreSQL URL given';
  }
}

/** Applies the pending migrations in one transaction, one instance at a time. */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
    );
    const { rows } = await client.query(
      'SELECT coalesce(max(version), 0) AS current FROM schema_migrations',
    );
    for (const migration of pendingMigrations(Number(rows[0].current), POSTGRES_MIGRATIONS)) {
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())',
        [migration.version, migration.name],
      );
    }
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => {});
    throw cause;
  } finally {
    client.release();
  }
}

/** Inserts one certificate; a serial already recorded: `ERR_STORE_CONFLICT`. */
async function insertCertificate(
  db: pg.Pool | pg.PoolClient,
  c: CheckedCertificate,
): Promise<void> {
  const { rows } = await db.query(
    `INSERT INTO certificates (serial_number, subject, names, not_before, not_after, profile, pem, issued_by, recorded_at)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (serial_number) DO NOTHING RETURNING serial_number`,
    [
      c.serialNumber,
      c.subject,
      JSON.stringify(c.names),
      c.notBefore,
      c.notAfter,
      c.profile ?? null,
      c.pem,
      c.issuedBy ?? null,
      c.recordedAt,
    ],
  );
  if (rows.length === 0) {
    throw new StoreError('ERR_STORE_CONFLICT', `serial ${c.serialNumber} is already recorded`);
  }
}

/** The ORDER BY expression of each sort key ("C" collation: byte order, as the other stores). */
const POSTGRES_SORT: Record<CertificateSortKey, string> = {
  notAfter: 'not_after',
  notBefore: 'not_before',
  serialNumber: 'length(serial_number)',
  name: `coalesce(names->>0, '') COLLATE "C"`,
};

/** The WHERE clause of a listing's filters and its positional parameters (`$1` is `now`). */
function postgresFilter(filter: CheckedListOptions): { where: string; params: unknown[] } {
  const params: unknown[] = [filter.now];
  const where: string[] = [];
  const current = 'revoked_at IS NULL AND superseded_at IS NULL';
  if (filter.status === 'revoked') where.push('revoked_at IS NOT NULL');
  if (filter.status === 'superseded')
    where.push('revoked_at IS NULL AND superseded_at IS NOT NULL');
  if (filter.status === 'valid') where.push(`${current} AND not_after >= $1`);
  if (filter.status === 'expired') where.push(`${current} AND not_after < $1`);
  if (filter.name !== undefined) {
    params.push(filter.name);
    where.push(
      `EXISTS (SELECT 1 FROM jsonb_array_elements_text(names) AS n(v)
               WHERE lower(n.v COLLATE "C") = lower($${params.length}::text COLLATE "C")
                  OR lower(substr(n.v, strpos(n.v, ':') + 1) COLLATE "C")
                     = lower($${params.length}::text COLLATE "C"))`,
    );
  }
  if (filter.search !== undefined) {
    // strpos, not LIKE: the text is matched as it is; lower() under "C" is ASCII-only, as SQLite's
    params.push(filter.search);
    const names = `EXISTS (SELECT 1 FROM jsonb_array_elements_text(names) AS n(v)
                           WHERE strpos(lower(n.v COLLATE "C"), $${params.length}::text) > 0)`;
    if (filter.searchSerial === undefined) where.push(names);
    else {
      params.push(filter.searchSerial);
      where.push(`(${names} OR strpos(serial_number, $${params.length}::text) > 0)`);
    }
  }
  if (filter.profile !== undefined) {
    params.push(filter.profile);
    where.push(`profile = $${params.length}`);
  }
  if (filter.expiringBefore !== undefined) {
    params.push(filter.expiringBefore);
    where.push(`not_after < $${params.length}`);
  }
  return {
    where: `WHERE $1::timestamptz IS NOT NULL ${where.map((w) => `AND ${w}`).join(' ')}`,
    params,
  };
}

function postgresStore(pool: pg.Pool): Store {
  let open = true;

  /** Runs `fn` while the store is open, mapping every failure to a `StoreError`. */
  const run = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      if (!open) throw new StoreError('ERR_STORE_IO', 'the store is closed');
      return await fn();
    } catch (cause) {
      throw postgresError(cause, action);
    }
  };

  const query = async (sql: string, params: unknown[] = []): Promise<Row[]> =>
    (await pool.query(sql, params)).rows;

  /** Runs `fn` in a transaction on one connection. */
  const transaction = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => {});
      throw cause;
    } finally {
      client.release();
    }
  };

  return {
    kind: 'postgres',
    ...postgresAcme({ run, query, transaction, insertCertificate }),

    recordCertificate: (input) =>
      run('cannot record the certificate', () =>
        insertCertificate(pool, checkCertificateInput(input)),
      ),

    recordCertificates: (inputs, events = []) =>
      run('cannot record the certificates', async () => {
        const checked = checkCertificateInputs(inputs);
        const checkedEvents = events.map(checkAuditInput);
        await transaction(async (client) => {
          for (const c of checked) await insertCertificate(client, c);
          for (const e of checkedEvents)
            await client.query(
              'INSERT INTO audit_events (at, action, actor, serial_number, detail) VALUES ($1, $2, $3, $4, $5::json)',
              [e.at, e.action, e.actor ?? null, e.serialNumber ?? null, e.detail ?? null],
            );
        });
      }),

    getCertificate: (serialNumber, options = {}) =>
      run('cannot read the certificate', async () => {
        const now = checkDate(options.now, 'now', () => new Date());
        const rows = await query('SELECT * FROM certificates WHERE serial_number = $1', [
          normalizeSerial(serialNumber),
        ]);
        return rows[0] && certificateFromRow(rows[0], now);
      }),

    certificateSummary: (options = {}) =>
      run('cannot summarize the certificates', async () => {
        const now = checkDate(options.now, 'now', () => new Date());
        const [counts] = await query(
          `SELECT count(*) FILTER (WHERE revoked_at IS NOT NULL)::int AS revoked,
                  count(*) FILTER (WHERE revoked_at IS NULL AND superseded_at IS NOT NULL)::int AS superseded,
                  count(*) FILTER (WHERE revoked_at IS NULL AND superseded_at IS NULL AND not_after < $1)::int AS expired,
                  count(*) FILTER (WHERE revoked_at IS NULL AND superseded_at IS NULL AND not_after >= $1)::int AS valid
           FROM certificates`,
          [now],
        );
        const rows = await query(
          `SELECT serial_number, subject, not_after FROM certificates
           WHERE revoked_at IS NULL AND superseded_at IS NULL AND not_after >= $1
           ORDER BY not_after, serial_number`,
          [now],
        );
        return {
          counts: {
            valid: Number(counts?.['valid'] ?? 0),
            superseded: Number(counts?.['superseded'] ?? 0),
            revoked: Number(counts?.['revoked'] ?? 0),
            expired: Number(counts?.['expired'] ?? 0),
          },
          valid: rows.map((r) => ({
            serialNumber: String(r['serial_number']),
            subject: String(r['subject']),
            notAfter: new Date(r['not_after'] as Date),
          })),
        };
      }),

    listCertificates: (options) =>
      run('cannot list certificates', async () => {
        const filter = checkListOptions(options);
        const { where, params } = postgresFilter(filter);
        const dir = filter.order === 'desc' ? 'DESC' : 'ASC';
        // ties by serial, numerically: lower-case hex with no leading zero byte, so the longer is the larger
        let sql = `SELECT * FROM certificates ${where}
          ORDER BY ${POSTGRES_SORT[filter.sort]} ${dir}, length(serial_number) ${dir}, serial_number COLLATE "C" ${dir}`;
        if (filter.limit !== undefined) {
          params.push(filter.limit);
          sql += ` LIMIT $${params.length}`;
        }
        if (filter.offset > 0) {
          params.push(filter.offset);
          sql += ` OFFSET $${params.length}`;
        }
        return (await query(sql, params)).map((row) => certificateFromRow(row, filter.now));
      }),

    countCertificates: (options) =>
      run('cannot count certificates', async () => {
        const { where, params } = postgresFilter(checkListOptions(options));
        const [row] = await query(`SELECT count(*)::int AS n FROM certificates ${where}`, params);
        return Number(row?.['n'] ?? 0);
      }),

    revokeCertificate: (serialNumber, options) =>
      run('cannot revoke the certificate', async () => {
        const serial = normalizeSerial(serialNumber);
        const { reason, revokedAt } = checkRevokeOptions(options);
        return transaction(async (client) => {
          const found = await client.query(
            'SELECT * FROM certificates WHERE serial_number = $1 FOR UPDATE',
            [serial],
          );
          const row = found.rows[0];
          if (!row) throw notFound(serial);
          if (row.revoked_at !== null) {
            return { ...certificateFromRow(row, new Date()), alreadyRevoked: true };
          }
          const updated = await client.query(
            'UPDATE certificates SET revoked_at = $2, revocation_reason = $3 WHERE serial_number = $1 RETURNING *',
            [serial, revokedAt, reason ?? null],
          );
          return { ...certificateFromRow(updated.rows[0], new Date()), alreadyRevoked: false };
        });
      }),

    markSuperseded: (serialNumber, bySerialNumber, at) =>
      run('cannot mark the certificate superseded', async () => {
        const checked = checkSupersede(serialNumber, bySerialNumber, at);
        return transaction(async (client) => {
          // the row lock makes concurrent calls for one certificate take turns: one supersedes it
          const found = await client.query(
            'SELECT * FROM certificates WHERE serial_number = $1 FOR UPDATE',
            [checked.serial],
          );
          const row = found.rows[0];
          if (!row) throw notFound(checked.serial);
          const by = await client.query('SELECT 1 FROM certificates WHERE serial_number = $1', [
            checked.by,
          ]);
          if (by.rows.length === 0) throw notFound(checked.by);
          refuseNotCurrent(checked.serial, row.revoked_at, row.superseded_by);
          const updated = await client.query(
            'UPDATE certificates SET superseded_by = $2, superseded_at = $3 WHERE serial_number = $1 RETURNING *',
            [checked.serial, checked.by, checked.at],
          );
          return certificateFromRow(updated.rows[0], checked.at);
        });
      }),

    listRevocations: () =>
      run('cannot list revocations', async () =>
        (
          await query(
            'SELECT serial_number, revoked_at, revocation_reason FROM certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial_number',
          )
        ).map(revocationFromRow),
      ),

    nextCrlNumber: () =>
      run('cannot take a CRL number', async () => {
        const rows = await query(
          "UPDATE counters SET value = value + 1 WHERE name = 'crl_number' RETURNING value::text AS value",
        );
        return BigInt(rows[0]!['value'] as string);
      }),

    createToken: (input) =>
      run('cannot store the token', async () => {
        const t = checkTokenInput(input);
        const rows = await query(
          `INSERT INTO enrollment_tokens (id, token_hash, name, profile, dns, ips, uris, validity_days, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10)
           ON CONFLICT DO NOTHING RETURNING id`,
          [
            t.id,
            t.tokenHash,
            t.name,
            t.profile,
            JSON.stringify(t.dns),
            JSON.stringify(t.ips),
            JSON.stringify(t.uris),
            t.validityDays ?? null,
            t.createdAt,
            t.expiresAt,
          ],
        );
        if (rows.length === 0) {
          throw new StoreError('ERR_STORE_CONFLICT', `token ${t.id} or its hash is already stored`);
        }
      }),

    consumeToken: (tokenHash, now) =>
      run('cannot consume the token', async () => {
        const hash = checkTokenHash(tokenHash);
        const at = checkDate(now, 'now', () => new Date());
        const rows = await query(
          `UPDATE enrollment_tokens SET used_at = $2
           WHERE token_hash = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2
           RETURNING *`,
          [hash, at],
        );
        return rows[0] && tokenFromRow(rows[0], at);
      }),

    redeemToken: (input) =>
      run('cannot redeem the token', async () => {
        const hash = checkTokenHash(input?.tokenHash);
        const at = checkDate(input.now, 'now', () => new Date());
        const certificate = checkCertificateInput(input.certificate);
        const e = checkAuditInput(input.audit);
        return transaction(async (client) => {
          const consumed = await client.query(
            `UPDATE enrollment_tokens SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $2
             RETURNING *`,
            [hash, at],
          );
          const row = consumed.rows[0];
          if (!row) return undefined;
          await insertCertificate(client, certificate);
          await client.query(
            'INSERT INTO audit_events (at, action, actor, serial_number, detail) VALUES ($1, $2, $3, $4, $5::json)',
            [e.at, e.action, e.actor ?? null, e.serialNumber ?? null, e.detail ?? null],
          );
          return tokenFromRow(row, at);
        });
      }),

    listTokens: (options = {}) =>
      run('cannot list tokens', async () => {
        const now = checkDate(options.now, 'now', () => new Date());
        const rows = await query('SELECT * FROM enrollment_tokens ORDER BY created_at DESC, id');
        return rows.map((row) => tokenFromRow(row, now));
      }),

    getToken: (id, options = {}) =>
      run('cannot read the token', async () => {
        const key = checkTokenId(id);
        const now = checkDate(options.now, 'now', () => new Date());
        const rows = await query('SELECT * FROM enrollment_tokens WHERE id = $1', [key]);
        if (rows[0] && options.tokenHash !== undefined) {
          const presented = checkTokenHash(options.tokenHash);
          if (!sameTokenHash(rows[0]['token_hash'] as string, presented)) return undefined;
        }
        return rows[0] && tokenFromRow(rows[0], now);
      }),

    cancelToken: (id, options = {}) =>
      run('cannot cancel the token', async () => {
        const key = checkTokenId(id);
        const now = checkDate(options.now, 'now', () => new Date());
        return transaction(async (client) => {
          const found = await client.query(
            'SELECT * FROM enrollment_tokens WHERE id = $1 FOR UPDATE',
            [key],
          );
          const row = found.rows[0];
          if (!row) throw new StoreError('ERR_STORE_NOT_FOUND', `no token with id ${key}`);
          if (row.used_at !== null)
            throw new StoreError('ERR_STORE_CONFLICT', `token ${key} was already used`);
          if (row.cancelled_at !== null) return tokenFromRow(row, now);
          const updated = await client.query(
            'UPDATE enrollment_tokens SET cancelled_at = $2 WHERE id = $1 RETURNING *',
            [key, now],
          );
          return tokenFromRow(updated.rows[0], now);
        });
      }),

    appendAudit: (event) =>
      run('cannot append to the audit trail', async () => {
        const e = checkAuditInput(event);
        await query(
          'INSERT INTO audit_events (at, action, actor, serial_number, detail) VALUES ($1, $2, $3, $4, $5::json)',
          [e.at, e.action, e.actor ?? null, e.serialNumber ?? null, e.detail ?? null],
        );
      }),

    listAudit: (limit = 100, options = {}) =>
      run('cannot read the audit trail', async () => {
        const n = checkLimit(limit);
        const action = checkAuditAction(options.action);
        const rows =
          action === undefined
            ? await query('SELECT * FROM audit_events ORDER BY id DESC LIMIT $1', [n])
            : await query(
                'SELECT * FROM audit_events WHERE action = $2 ORDER BY id DESC LIMIT $1',
                [n, action],
              );
        return rows.map(auditFromRow);
      }),

    checkHealth: () =>
      run('the inventory is not healthy', async () => {
        const [row] = await query('SELECT current_setting($1) AS read_only', [
          'transaction_read_only',
        ]);
        if (row?.['read_only'] !== 'off') {
          throw new StoreError('ERR_STORE_IO', 'the PostgreSQL database is read-only');
        }
      }),

    close: async () => {
      if (!open) return;
      open = false;
      await pool.end().catch((cause) => {
        throw postgresError(cause, 'cannot close the store');
      });
    },
  };
}
