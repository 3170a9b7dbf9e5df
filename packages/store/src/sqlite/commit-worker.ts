/**
 * The threads of `commit-thread.ts`, each with its own connection to the store's file and the
 * store's durability settings. Role `commit`: commits each batch of redemptions it is sent, and
 * never checkpoints (a checkpoint inside a commit held every waiting request for its length:
 * the slowest 2% of /v1/sign answers under load). Role `checkpoint`: copies the WAL into the
 * database every `checkpointMs` with PASSIVE checkpoints, which never block the committing
 * connection, so the WAL stays small.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { type RedemptionInput, sqliteRedeemer } from './redeem-batch.js';
import { sqliteError } from './sqlite-error.js';

const { path, busyTimeoutMs, role, checkpointMs } = workerData as {
  path: string;
  busyTimeoutMs: number;
  role: 'commit' | 'checkpoint';
  checkpointMs: number;
};
const db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('wal_autocheckpoint = 0');

if (role === 'checkpoint') {
  setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // busy with another checkpoint, or the disk: the next one tries again
    }
  }, checkpointMs);
}
const redeem = role === 'commit' ? sqliteRedeemer(db) : () => [];

const plain = (e: unknown) => {
  const error = StoreError.isInstance(e) ? e : sqliteError(e, 'cannot redeem the token');
  return { code: error.code, message: error.message };
};

parentPort?.on('message', ({ id, batch }: { id: number; batch: RedemptionInput[] }) => {
  try {
    const outcomes = redeem(batch).map((o) => ('error' in o ? { error: plain(o.error) } : o));
    parentPort?.postMessage({ id, outcomes });
  } catch (e) {
    parentPort?.postMessage({ id, error: plain(e) });
  }
});
