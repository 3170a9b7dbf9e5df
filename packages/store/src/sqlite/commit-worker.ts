/**
 * The commit thread's side (see `commit-thread.ts`): opens its own connection to the store's
 * file, with the store's durability settings, and commits each batch it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { type RedemptionInput, sqliteRedeemer } from './redeem-batch.js';
import { sqliteError } from './sqlite-error.js';

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const db = new Database(path, { fileMustExist: true, timeout: busyTimeoutMs });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
const redeem = sqliteRedeemer(db);

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
