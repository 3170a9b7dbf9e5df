/**
 * The commit thread of a SQLite store (`commitThread: true`): a worker with its own connection
 * to the file that commits batches of token redemptions, so the disk sync of a commit never
 * blocks the event loop. One batch at a time; the store sends the next when the last is done.
 * Beside it a checkpoint thread keeps the WAL small with PASSIVE checkpoints, so no commit (and
 * no request waiting for one) ever waits for a checkpoint; if that thread is lost, `onLost` is
 * told, and the store checkpoints on its own again.
 */
import { Worker } from 'node:worker_threads';
import { StoreError } from '../errors.js';
import type { TokenRecord } from '../store.js';
import type { SqliteStoreOptions } from './open-sqlite-store.js';
import type { RedeemOutcome, RedemptionInput } from './redeem-batch.js';

/** An error as plain data, to cross from the thread. */
export interface ThreadError {
  code: string;
  message: string;
}

export interface CommitThread {
  /** False once the thread has failed or stopped: the store then commits on its own thread. */
  alive(): boolean;
  /** Commits one batch there; rejects when the transaction could not be made. */
  redeem(batch: RedemptionInput[]): Promise<RedeemOutcome[]>;
  stop(): Promise<void>;
}

const asStoreError = (e: ThreadError) => new StoreError(e.code as never, e.message);

/**
 * How often the checkpoint thread copies the WAL into the database. Often and small: a large
 * checkpoint's writes and disk sync delay the commits' syncs on the same disk (every 2 s gave
 * a p99 of about 107 ms under load, every 100-500 ms about 50-60 ms, with no checkpoint at all 45 ms).
 */
const CHECKPOINT_MS = 200;

export function startCommitThread(
  path: string,
  options: SqliteStoreOptions,
  onCheckpointerLost: () => void,
): CommitThread {
  const start = (role: 'commit' | 'checkpoint') =>
    new Worker(new URL('./commit-worker.js', import.meta.url), {
      workerData: {
        path,
        busyTimeoutMs: options.busyTimeoutMs ?? 5000,
        role,
        checkpointMs: CHECKPOINT_MS,
      },
    });
  const worker = start('commit');
  worker.unref();
  const checkpointer = start('checkpoint');
  checkpointer.unref();
  let stopping = false;
  checkpointer.on('error', () => {});
  checkpointer.on('exit', () => {
    if (!stopping) onCheckpointerLost();
  });
  let alive = true;
  let nextId = 1;
  const waiting = new Map<
    number,
    { resolve: (o: RedeemOutcome[]) => void; reject: (e: unknown) => void }
  >();
  worker.on(
    'message',
    (m: {
      id: number;
      outcomes?: ({ token: TokenRecord | undefined } | { error: ThreadError })[];
      error?: ThreadError;
    }) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.error) return w.reject(asStoreError(m.error));
      w.resolve(
        (m.outcomes ?? []).map((o) => ('error' in o ? { error: asStoreError(o.error) } : o)),
      );
    },
  );
  const fail = (why: string) => {
    alive = false;
    for (const w of waiting.values()) w.reject(new StoreError('ERR_STORE_IO', why));
    waiting.clear();
  };
  worker.on('error', (e) => fail(`the commit thread failed: ${e.message}`));
  worker.on('exit', (code) => fail(`the commit thread exited (${code})`));
  return {
    alive: () => alive,
    redeem(batch) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, batch });
      });
    },
    async stop() {
      alive = false;
      stopping = true;
      await Promise.all([worker.terminate(), checkpointer.terminate()]);
    },
  };
}
