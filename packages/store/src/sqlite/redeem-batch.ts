/**
 * Token redemption on SQLite, batch by batch: the one write of `/v1/sign`. Shared by the store's
 * own thread and its commit thread (`commit-worker.ts`), so both commit exactly alike.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type { CheckedCertificate, checkAuditInput } from '../lib/check-input.js';
import { tokenFromRow } from '../lib/rows.js';
import type { TokenRecord } from '../store.js';
import { sqliteError } from './sqlite-error.js';

/** One redemption, its input already checked. */
export interface RedemptionInput {
  hash: string;
  at: Date;
  certificate: CheckedCertificate;
  event: ReturnType<typeof checkAuditInput>;
}

/** What became of one redemption. */
export type RedeemOutcome = { token: TokenRecord | undefined } | { error: unknown };

/** The statements that write a certificate and an audit event, on `db`. */
export function sqliteWriters(db: Database.Database) {
  const insertCertificateStatement = db.prepare(
    `INSERT INTO certificates (serial_number, subject, names, not_before, not_after, profile, pem, issued_by, recorded_at)
     VALUES (@serialNumber, @subject, @names, @notBefore, @notAfter, @profile, @pem, @issuedBy, @recordedAt)`,
  );
  const insertAuditStatement = db.prepare(
    'INSERT INTO audit_events (at, action, actor, serial_number, detail) VALUES (@at, @action, @actor, @serialNumber, @detail)',
  );
  return {
    insertCertificate(c: CheckedCertificate): void {
      try {
        insertCertificateStatement.run({
          ...c,
          names: JSON.stringify(c.names),
          notBefore: c.notBefore.getTime(),
          notAfter: c.notAfter.getTime(),
          recordedAt: c.recordedAt.getTime(),
          profile: c.profile ?? null,
          issuedBy: c.issuedBy ?? null,
        });
      } catch (cause) {
        const error = sqliteError(cause, 'cannot record the certificate');
        if (error.code !== 'ERR_STORE_CONFLICT') throw error;
        throw new StoreError('ERR_STORE_CONFLICT', `serial ${c.serialNumber} is already recorded`, {
          cause,
        });
      }
    },
    insertAudit(e: ReturnType<typeof checkAuditInput>): void {
      insertAuditStatement.run({
        at: e.at.getTime(),
        action: e.action,
        actor: e.actor ?? null,
        serialNumber: e.serialNumber ?? null,
        detail: e.detail ?? null,
      });
    },
  };
}

/**
 * Redeems batches on `db`: a batch is one write transaction (one disk sync). The whole batch
 * commits without a savepoint per redemption; only when one of them fails (a serial already
 * recorded) is the batch redone with a savepoint each, so that one undoes only itself. A token
 * that is not pending gives `{ token: undefined }`. Throws only when the transaction itself
 * cannot be made (disk, lock).
 */
export function sqliteRedeemer(
  db: Database.Database,
): (batch: RedemptionInput[]) => RedeemOutcome[] {
  const writers = sqliteWriters(db);
  const consume = db.prepare(
    `UPDATE enrollment_tokens SET used_at = @now
     WHERE token_hash = @hash AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > @now
     RETURNING *`,
  );
  const redeem = (r: RedemptionInput): TokenRecord | undefined => {
    const row = consume.get({ hash: r.hash, now: r.at.getTime() }) as
      | Record<string, unknown>
      | undefined;
    if (!row) return undefined;
    writers.insertCertificate(r.certificate);
    writers.insertAudit(r.event);
    return tokenFromRow(row, r.at);
  };
  const redeemOne = db.transaction(redeem);
  const redeemAll = db.transaction((batch: RedemptionInput[]): RedeemOutcome[] =>
    batch.map((r) => ({ token: redeem(r) })),
  );
  const redeemEach = db.transaction((batch: RedemptionInput[]): RedeemOutcome[] =>
    batch.map((r) => {
      try {
        return { token: redeemOne(r) };
      } catch (error) {
        return { error };
      }
    }),
  );
  return (batch) => {
    try {
      return redeemAll.immediate(batch);
    } catch {
      return redeemEach.immediate(batch);
    }
  };
}
