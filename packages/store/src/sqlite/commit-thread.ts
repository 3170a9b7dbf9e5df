/**
 * The commit thread of a SQLite store (`commitThread: true`): a worker with its own connection
 * to the file that commits batches of token redemptions, so the disk sync of a commit never
 * blocks the event loop. One batch at a time; the store sends the next when the last is done.
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

export function startCommitThread(path: string, options: SqliteStoreOptions): CommitThread {
  const worker = new Worker(new URL('./commit-worker.js', import.meta.url), {
    workerData: { path, busyTimeoutMs: options.busyTimeoutMs ?? 5000 },
  });
  worker.unref();
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
      await worker.terminate();
    },
  };
}
