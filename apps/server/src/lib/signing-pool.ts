/**
 * Signing threads for nodeid-server on Node: the CSR checks and certificate signatures of
 * `/v1/sign` and `/v1/renew` (about half of a request's CPU) run beside the event loop, which
 * keeps HTTP, tokens and the inventory. A job goes to the thread with the fewest jobs waiting;
 * the jobs of one turn of the event loop travel to a thread as one message. A thread that dies
 * fails its jobs with `ERR_INTERNAL` and is replaced.
 */
import { Worker } from 'node:worker_threads';
import type { Issuer } from '@nodeid/sdk';
import { fromSignError, type Issued, type SignError, type SignJob } from './issuance.js';

export interface SigningPool {
  /** Signs in a thread; answers as {@link signJob} would on this one. */
  sign(job: SignJob): Promise<Issued>;
  /**
   * Signs with `ca` from now on (a CA folder reloaded, see `ca-reload.ts`): jobs already handed
   * to a thread finish with the CA they were given, every later one uses `ca`; a thread started
   * again after a crash starts with `ca`.
   */
  setCa(ca: Issuer): void;
  /** Stops the threads; jobs still waiting fail. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (issued: Issued) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Jobs asked for in this turn of the event loop, sent together at its end. */
  outbox: { id: number; job: SignJob }[];
}

/**
 * Starts `threads` signing threads for `ca`, running the script at `workerUrl` (the built
 * `signing-worker.js`).
 */
export function createSigningPool(options: {
  ca: Issuer;
  threads: number;
  workerUrl: URL;
}): SigningPool {
  const workerCa = (ca: Issuer) => ({
    certificate: ca.certificate.der,
    chain: (ca.chain ?? []).map((c) => c.der),
    privateKey: ca.privateKey,
    crlDistributionPoints: ca.crlDistributionPoints,
  });
  let workerData = { ca: workerCa(options.ca) };
  let nextId = 1;
  let closed = false;
  const threads: Thread[] = [];

  const start = (slot: number): void => {
    const thread: Thread = {
      worker: new Worker(options.workerUrl, { workerData }),
      pending: new Map(),
      outbox: [],
    };
    thread.worker.on('message', (answers: { id: number; issued?: Issued; error?: SignError }[]) => {
      for (const m of answers) {
        const p = thread.pending.get(m.id);
        if (!p) continue;
        thread.pending.delete(m.id);
        if (m.error) p.reject(fromSignError(m.error));
        else p.resolve(m.issued!);
      }
    });
    const fail = (why: string) => {
      for (const p of thread.pending.values()) p.reject(new Error(why));
      thread.pending.clear();
      if (!closed && threads[slot] === thread) start(slot);
    };
    thread.worker.on('error', (e) => fail(`a signing thread failed: ${e.message}`));
    thread.worker.on('exit', (code) => fail(`a signing thread exited (${code})`));
    // a thread waiting for work does not keep the process alive
    thread.worker.unref();
    threads[slot] = thread;
  };
  for (let i = 0; i < options.threads; i++) start(i);

  return {
    sign(job) {
      if (closed) return Promise.reject(new Error('the signing threads are stopped'));
      let thread = threads[0]!;
      for (const t of threads) if (t.pending.size < thread.pending.size) thread = t;
      const id = nextId++;
      return new Promise<Issued>((resolve, reject) => {
        thread.pending.set(id, { resolve, reject });
        thread.outbox.push({ id, job });
        if (thread.outbox.length === 1)
          setImmediate(() => thread.worker.postMessage(thread.outbox.splice(0)));
      });
    },
    setCa(ca) {
      workerData = { ca: workerCa(ca) };
      // a thread reads its messages in order: the jobs queued before this one keep the old CA
      for (const thread of threads) {
        if (thread.outbox.length) thread.worker.postMessage(thread.outbox.splice(0));
        thread.worker.postMessage({ ca: workerData.ca });
      }
    },
    async close() {
      closed = true;
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
