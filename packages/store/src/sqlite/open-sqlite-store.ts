/**
 * The default store: one SQLite file (in the CA folder) through better-sqlite3. WAL journal with
 * synchronous=FULL, so a certificate is on disk before anyone is handed it; a busy timeout so
 * that the CLI and a server can share the file; the file is created 0600.
 */
import Database from 'better-sqlite3';
import { sqliteAcme } from '../acme/sqlite-acme.js';
import { StoreError } from '../errors.js';
import {
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
import { typeStoredName } from '../lib/typed-name.js';
import type { CertificateSortKey, Store, TokenRecord } from '../store.js';
import { sameTokenHash } from '../token/same-token-hash.js';
import { checkDatabaseFile, watchDatabaseFile } from './check-database-file.js';
import { startCommitThread } from './commit-thread.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import {
  type RedeemOutcome,
  type RedemptionInput,
  sqliteRedeemer,
  sqliteWriters,
} from './redeem-batch.js';
import { sqliteError } from './sqlite-error.js';

type Row = Record<string, unknown>;

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** How long to wait for another process holding the write lock, in ms; default 5000. */
  busyTimeoutMs?: number;
  /**
   * Commit token redemptions on a thread of their own (a second connection to the file), so
   * the event loop never waits for the disk; redemptions asked for during a commit gather into
   * the next one. For servers; default false.
   */
  commitThread?: boolean;
}

/**
 * Opens (creating it when missing) the SQLite store at `path` and brings its schema up to date.
 * A file that is not a nodeid store gives `ERR_STORE_CORRUPT`, one written by a newer nodeid
 * `ERR_STORE_VERSION`; in both cases the file is left unchanged. `:memory:` opens a private
 * in-memory database.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore(join(caDir, DEFAULT_STORE_FILE));
 * const revoked = await store.listCertificates({ status: 'revoked' });
 * await store.close();
 * ```
 */
export async function openSqliteStore(
  path: string,
  options: SqliteStoreOptions = {},
): Promise<Store> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new StoreError('ERR_STORE_INVALID', 'the SQLite store needs a file path');
  }
  if (path !== ':memory:') checkDatabaseFile(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, {
      fileMustExist: path !== ':memory:',
      timeout: options.busyTimeoutMs ?? 5000,
    });
    schemaVersion(db); // refuse a foreign or newer database before any pragma writes to it
    // used by migration 3, which types the bare names of older stores
    db.function('nodeid_type_stored_name', { deterministic: true }, (name: unknown) =>
      typeof name === 'string' ? typeStoredName(name) : name,
    );
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (cause) {
    db?.close();
    throw sqliteError(cause, `cannot open the store ${path}`);
  }
  return sqliteStore(db, path, options);
}

/**
 * The schema version of the database (0 when it is empty). A database with tables but no
 * `schema_migrations` is not ours: `ERR_STORE_CORRUPT`; one newer than the code: `ERR_STORE_VERSION`.
 */
function schemaVersion(db: Database.Database): number {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .all() as string[];
  if (!tables.includes('schema_migrations')) {
    if (tables.length > 0) {
      throw new StoreError(
        'ERR_STORE_CORRUPT',
        'this SQLite database is not a nodeid store; it was left unchanged',
      );
    }
    return 0;
  }
  const current = db
    .prepare('SELECT coalesce(max(version), 0) FROM schema_migrations')
    .pluck()
    .get() as number;
  pendingMigrations(current, SQLITE_MIGRATIONS);
  return current;
}

/** Applies the pending migrations in one write transaction (another process may be doing the same). */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const current = schemaVersion(db);
    if (current === 0) {
      db.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
      );
    }
    const insert = db.prepare(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const migration of pendingMigrations(current, SQLITE_MIGRATIONS)) {
      db.exec(migration.sql);
      insert.run(migration.version, migration.name, Date.now());
    }
  }).immediate();
}

/** The ORDER BY expression of each sort key (BINARY collation: byte order, as the other stores). */
const SQLITE_SORT: Record<CertificateSortKey, string> = {
  notAfter: 'not_after',
  notBefore: 'not_before',
  serialNumber: 'length(serial_number)',
  name: "coalesce(json_extract(names, '$[0]'), '')",
};

/** The WHERE clause of a listing's filters and its named parameters. */
function sqliteFilter(filter: CheckedListOptions): {
  where: string;
  params: Record<string, unknown>;
} {
  const where: string[] = [];
  const params: Record<string, unknown> = { now: filter.now.getTime() };
  const current = 'revoked_at IS NULL AND superseded_at IS NULL';
  if (filter.status === 'revoked') where.push('revoked_at IS NOT NULL');
  if (filter.status === 'superseded')
    where.push('revoked_at IS NULL AND superseded_at IS NOT NULL');
  if (filter.status === 'valid') where.push(`${current} AND not_after >= @now`);
  if (filter.status === 'expired') where.push(`${current} AND not_after < @now`);
  if (filter.name !== undefined) {
    where.push(
      // the name itself, or the value after its type label (see lib/typed-name.ts)
      `EXISTS (SELECT 1 FROM json_each(certificates.names) AS n
               WHERE lower(n.value) = lower(@name)
                  OR lower(substr(n.value, instr(n.value, ':') + 1)) = lower(@name))`,
    );
    params['name'] = filter.name;
  }
  if (filter.search !== undefined) {
    // instr, not LIKE: the text is matched as it is, % and _ included; lower() is ASCII-only
    const names = `EXISTS (SELECT 1 FROM json_each(certificates.names) AS n
                           WHERE instr(lower(n.value), @search) > 0)`;
    where.push(
      filter.searchSerial === undefined
        ? names
        : `(${names} OR instr(serial_number, @searchSerial) > 0)`,
    );
    params['search'] = filter.search;
    if (filter.searchSerial !== undefined) params['searchSerial'] = filter.searchSerial;
  }
  if (filter.profile !== undefined) {
    where.push('profile = @profile');
    params['profile'] = filter.profile;
  }
  if (filter.expiringBefore !== undefined) {
    where.push('not_after < @expiringBefore');
    params['expiringBefore'] = filter.expiringBefore.getTime();
  }
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

function sqliteStore(db: Database.Database, path: string, options: SqliteStoreOptions): Store {
  let open = true;
  const file = path === ':memory:' ? undefined : watchDatabaseFile(path);
  const statements = {
    getCertificate: db.prepare('SELECT * FROM certificates WHERE serial_number = ?'),
    countByStatus: db
      .prepare(
        `SELECT coalesce(sum(revoked_at IS NOT NULL), 0),
                coalesce(sum(revoked_at IS NULL AND superseded_at IS NOT NULL), 0),
                coalesce(sum(revoked_at IS NULL AND superseded_at IS NULL AND not_after < @now), 0),
                coalesce(sum(revoked_at IS NULL AND superseded_at IS NULL AND not_after >= @now), 0)
         FROM certificates`,
      )
      .raw(),
    validExpiries: db
      .prepare(
        `SELECT serial_number, subject, not_after FROM certificates
         WHERE revoked_at IS NULL AND superseded_at IS NULL AND not_after >= @now
         ORDER BY not_after, serial_number`,
      )
      .raw(),
    revoke: db.prepare(
      `UPDATE certificates SET revoked_at = @revokedAt, revocation_reason = @reason
       WHERE serial_number = @serial AND revoked_at IS NULL`,
    ),
    probeWrite: db.prepare("UPDATE counters SET value = value WHERE name = 'crl_number'"),
    supersede: db.prepare(
      `UPDATE certificates SET superseded_by = @by, superseded_at = @at
       WHERE serial_number = @serial AND revoked_at IS NULL AND superseded_at IS NULL`,
    ),
    listRevocations: db.prepare(
      'SELECT serial_number, revoked_at, revocation_reason FROM certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial_number',
    ),
    nextCrlNumber: db
      .prepare("UPDATE counters SET value = value + 1 WHERE name = 'crl_number' RETURNING value")
      .pluck()
      .safeIntegers(),
    insertToken: db.prepare(
      `INSERT INTO enrollment_tokens (id, token_hash, name, profile, dns, ips, uris, validity_days, created_at, expires_at)
       VALUES (@id, @tokenHash, @name, @profile, @dns, @ips, @uris, @validityDays, @createdAt, @expiresAt)`,
    ),
    consumeToken: db.prepare(
      `UPDATE enrollment_tokens SET used_at = @now
       WHERE token_hash = @hash AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > @now
       RETURNING *`,
    ),
    listTokens: db.prepare('SELECT * FROM enrollment_tokens ORDER BY created_at DESC, id'),
    getToken: db.prepare('SELECT * FROM enrollment_tokens WHERE id = ?'),
    cancelToken: db.prepare(
      'UPDATE enrollment_tokens SET cancelled_at = @now WHERE id = @id AND cancelled_at IS NULL',
    ),
    listAudit: db.prepare('SELECT * FROM audit_events ORDER BY id DESC LIMIT ?'),
    listAuditOf: db.prepare('SELECT * FROM audit_events WHERE action = ? ORDER BY id DESC LIMIT ?'),
  };

  const { insertCertificate, insertAudit } = sqliteWriters(db);
  const redeemHere = sqliteRedeemer(db);

  /**
   * Group commit of token redemptions. Those asked for while no batch is being committed share
   * the next write transaction (one disk sync); every caller is answered after its commit. With
   * a commit thread the commit (and its wait for the disk) happens there, and redemptions asked
   * for meanwhile gather into the next batch; without one, a batch is the redemptions of one
   * turn of the event loop.
   */
  type Redemption = RedemptionInput & {
    resolve: (token: TokenRecord | undefined) => void;
    reject: (error: unknown) => void;
  };
  const redeemQueue: Redemption[] = [];
  let committing: Promise<void> | undefined;
  const answer = (batch: Redemption[], outcomes: RedeemOutcome[]): void => {
    batch.forEach((r, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) r.reject(sqliteError(outcome.error, 'cannot redeem the token'));
      else r.resolve(outcome.token);
    });
  };
  const failAll = (batch: Redemption[], cause: unknown): void => {
    for (const r of batch) r.reject(sqliteError(cause, 'cannot redeem the token'));
  };
  const commitThread =
    options.commitThread && path !== ':memory:'
      ? startCommitThread(path, options, () => {
          // the checkpoint thread is gone: checkpoint on commits again, as SQLite does by default
          if (open) db.pragma('wal_autocheckpoint = 1000');
        })
      : undefined;
  // the checkpoint thread keeps the WAL small; no checkpoint here blocks the event loop
  if (commitThread) db.pragma('wal_autocheckpoint = 0');
  const flushRedeems = (): void => {
    if (committing || redeemQueue.length === 0) return;
    const batch = redeemQueue.splice(0);
    if (!open) {
      failAll(batch, new StoreError('ERR_STORE_IO', 'the store is closed'));
      return;
    }
    try {
      file?.check();
    } catch (cause) {
      failAll(batch, cause);
      return;
    }
    if (commitThread?.alive()) {
      committing = commitThread
        .redeem(batch.map(({ hash, at, certificate, event }) => ({ hash, at, certificate, event })))
        .then(
          (outcomes) => answer(batch, outcomes),
          (cause) => failAll(batch, cause),
        )
        .finally(() => {
          committing = undefined;
          flushRedeems();
        });
      return;
    }
    let outcomes: RedeemOutcome[];
    try {
      outcomes = redeemHere(batch);
    } catch (cause) {
      failAll(batch, cause);
      return;
    }
    answer(batch, outcomes);
  };

  /** Runs `fn` on the open database, mapping every failure to a `StoreError`. */
  const run = <T>(action: string, fn: () => T): Promise<T> => {
    try {
      if (!open) throw new StoreError('ERR_STORE_IO', 'the store is closed');
      return Promise.resolve(fn());
    } catch (cause) {
      return Promise.reject(sqliteError(cause, action));
    }
  };
  /**
   * Runs a write: first checks the file is still the one opened, since SQLite goes on writing
   * into a deleted (or renamed) file, and whatever is written there is lost at the next start.
   */
  const write = <T>(action: string, fn: () => T): Promise<T> =>
    run(action, () => {
      file?.check();
      return fn();
    });

  return {
    kind: 'sqlite',
    ...sqliteAcme(db, sqliteWriters(db), run, write),

    recordCertificate: (input) =>
      write('cannot record the certificate', () => insertCertificate(checkCertificateInput(input))),

    recordCertificates: (inputs, events = []) =>
      write('cannot record the certificates', () => {
        const checked = checkCertificateInputs(inputs);
        const checkedEvents = events.map(checkAuditInput);
        db.transaction(() => {
          checked.forEach(insertCertificate);
          checkedEvents.forEach(insertAudit);
        }).immediate();
      }),

    getCertificate: (serialNumber, options = {}) =>
      run('cannot read the certificate', () => {
        const now = checkDate(options.now, 'now', () => new Date());
        const row = statements.getCertificate.get(normalizeSerial(serialNumber)) as Row | undefined;
        return row && certificateFromRow(row, now);
      }),

    certificateSummary: (options = {}) =>
      run('cannot summarize the certificates', () => {
        const now = checkDate(options.now, 'now', () => new Date()).getTime();
        const [revoked, superseded, expired, valid] = statements.countByStatus.get({
          now,
        }) as number[];
        return {
          counts: {
            valid: valid ?? 0,
            superseded: superseded ?? 0,
            revoked: revoked ?? 0,
            expired: expired ?? 0,
          },
          valid: (statements.validExpiries.all({ now }) as [string, string, number][]).map(
            ([serialNumber, subject, notAfter]) => ({
              serialNumber,
              subject,
              notAfter: new Date(notAfter),
            }),
          ),
        };
      }),

    listCertificates: (options) =>
      run('cannot list certificates', () => {
        const filter = checkListOptions(options);
        const { where, params } = sqliteFilter(filter);
        const dir = filter.order === 'desc' ? 'DESC' : 'ASC';
        // ties by serial, numerically: lower-case hex with no leading zero byte, so the longer is the larger
        let sql = `SELECT * FROM certificates ${where}
          ORDER BY ${SQLITE_SORT[filter.sort]} ${dir}, length(serial_number) ${dir}, serial_number ${dir}`;
        if (filter.limit !== undefined || filter.offset > 0) {
          sql += ' LIMIT @limit OFFSET @offset';
          params['limit'] = filter.limit ?? -1;
          params['offset'] = filter.offset;
        }
        const rows = db.prepare(sql).all(params) as Row[];
        return rows.map((row) => certificateFromRow(row, filter.now));
      }),

    countCertificates: (options) =>
      run('cannot count certificates', () => {
        const { where, params } = sqliteFilter(checkListOptions(options));
        return db
          .prepare(`SELECT count(*) FROM certificates ${where}`)
          .pluck()
          .get(params) as number;
      }),

    revokeCertificate: (serialNumber, options) =>
      write('cannot revoke the certificate', () => {
        const serial = normalizeSerial(serialNumber);
        const { reason, revokedAt } = checkRevokeOptions(options);
        return db
          .transaction(() => {
            const { changes } = statements.revoke.run({
              serial,
              revokedAt: revokedAt.getTime(),
              reason: reason ?? null,
            });
            const row = statements.getCertificate.get(serial) as Row | undefined;
            if (!row) throw notFound(serial);
            return { ...certificateFromRow(row, new Date()), alreadyRevoked: changes === 0 };
          })
          .immediate();
      }),

    markSuperseded: (serialNumber, bySerialNumber, at) =>
      write('cannot mark the certificate superseded', () => {
        const checked = checkSupersede(serialNumber, bySerialNumber, at);
        return db
          .transaction(() => {
            const row = statements.getCertificate.get(checked.serial) as Row | undefined;
            if (!row) throw notFound(checked.serial);
            if (!statements.getCertificate.get(checked.by)) throw notFound(checked.by);
            refuseNotCurrent(checked.serial, row['revoked_at'], row['superseded_by']);
            statements.supersede.run({
              serial: checked.serial,
              by: checked.by,
              at: checked.at.getTime(),
            });
            const updated = statements.getCertificate.get(checked.serial) as Row;
            return certificateFromRow(updated, checked.at);
          })
          .immediate();
      }),

    listRevocations: () =>
      run('cannot list revocations', () =>
        (statements.listRevocations.all() as Row[]).map(revocationFromRow),
      ),

    nextCrlNumber: () =>
      write('cannot take a CRL number', () => statements.nextCrlNumber.get() as bigint),

    createToken: (input) =>
      write('cannot store the token', () => {
        const t = checkTokenInput(input);
        try {
          statements.insertToken.run({
            ...t,
            dns: JSON.stringify(t.dns),
            ips: JSON.stringify(t.ips),
            uris: JSON.stringify(t.uris),
            validityDays: t.validityDays ?? null,
            createdAt: t.createdAt.getTime(),
            expiresAt: t.expiresAt.getTime(),
          });
        } catch (cause) {
          const error = sqliteError(cause, 'cannot store the token');
          if (error.code !== 'ERR_STORE_CONFLICT') throw error;
          throw new StoreError(
            'ERR_STORE_CONFLICT',
            `token ${t.id} or its hash is already stored`,
            { cause },
          );
        }
      }),

    consumeToken: (tokenHash, now) =>
      write('cannot consume the token', () => {
        const hash = checkTokenHash(tokenHash);
        const at = checkDate(now, 'now', () => new Date());
        const row = statements.consumeToken.get({ hash, now: at.getTime() }) as Row | undefined;
        return row && tokenFromRow(row, at);
      }),

    redeemToken: (input) => {
      let item: Omit<Redemption, 'resolve' | 'reject'>;
      try {
        if (!open) throw new StoreError('ERR_STORE_IO', 'the store is closed');
        item = {
          hash: checkTokenHash(input?.tokenHash),
          at: checkDate(input.now, 'now', () => new Date()),
          certificate: checkCertificateInput(input.certificate),
          event: checkAuditInput(input.audit),
        };
      } catch (cause) {
        return Promise.reject(sqliteError(cause, 'cannot redeem the token'));
      }
      return new Promise<TokenRecord | undefined>((resolve, reject) => {
        redeemQueue.push({ ...item, resolve, reject });
        if (redeemQueue.length === 1) setImmediate(flushRedeems);
      });
    },

    listTokens: (options = {}) =>
      run('cannot list tokens', () => {
        const now = checkDate(options.now, 'now', () => new Date());
        return (statements.listTokens.all() as Row[]).map((row) => tokenFromRow(row, now));
      }),

    getToken: (id, options = {}) =>
      run('cannot read the token', () => {
        const key = checkTokenId(id);
        const now = checkDate(options.now, 'now', () => new Date());
        const row = statements.getToken.get(key) as Row | undefined;
        if (row && options.tokenHash !== undefined) {
          const presented = checkTokenHash(options.tokenHash);
          if (!sameTokenHash(row['token_hash'] as string, presented)) return undefined;
        }
        return row && tokenFromRow(row, now);
      }),

    cancelToken: (id, options = {}) =>
      write('cannot cancel the token', () => {
        const key = checkTokenId(id);
        const now = checkDate(options.now, 'now', () => new Date());
        return db
          .transaction(() => {
            const before = statements.getToken.get(key) as Row | undefined;
            if (!before) throw new StoreError('ERR_STORE_NOT_FOUND', `no token with id ${key}`);
            if (before['used_at'] !== null) {
              throw new StoreError('ERR_STORE_CONFLICT', `token ${key} was already used`);
            }
            statements.cancelToken.run({ id: key, now: now.getTime() });
            return tokenFromRow(statements.getToken.get(key) as Row, now);
          })
          .immediate();
      }),

    appendAudit: (event) =>
      write('cannot append to the audit trail', () => insertAudit(checkAuditInput(event))),

    listAudit: (limit = 100, options = {}) =>
      run('cannot read the audit trail', () => {
        const n = checkLimit(limit);
        const action = checkAuditAction(options.action);
        const rows =
          action === undefined
            ? statements.listAudit.all(n)
            : statements.listAuditOf.all(action, n);
        return (rows as Row[]).map(auditFromRow);
      }),

    checkHealth: () =>
      run('the inventory is not healthy', () => {
        file?.check();
        try {
          // a write rolled back: takes the write lock and dirties a page (SQLite refuses the
          // page, not BEGIN, on a read-only file), and leaves the database as it was
          db.exec('BEGIN IMMEDIATE');
          statements.probeWrite.run();
          db.exec('ROLLBACK');
        } catch (cause) {
          if (db.inTransaction) db.exec('ROLLBACK');
          const code = (cause as { code?: string }).code ?? '';
          throw new StoreError(
            'ERR_STORE_IO',
            `the database ${path} cannot be written (${code || String(cause)})`,
            { cause },
          );
        }
      }),

    close: async () => {
      if (!open) return;
      // every redemption asked for is committed (or fails) before the store closes
      flushRedeems();
      while (committing) {
        await committing;
        flushRedeems();
      }
      open = false;
      await commitThread?.stop();
      try {
        db.close();
      } catch (cause) {
        throw sqliteError(cause, 'cannot close the store');
      }
    },
  };
}
