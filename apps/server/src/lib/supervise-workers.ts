/**
 * `nodeid-server --workers N`: the supervisor process forks N workers that share the port and
 * the inventory, replaces a worker that dies, and hands them the one server identity it keeps
 * (`keepServerIdentity`): when it re-issues the certificate it tells every worker to load the
 * files, each worker reports the serial it serves, and once all serve the same one the
 * supervisor logs `server-identity-shared`. Workers never issue the server certificate
 * themselves, so N workers present one certificate and the inventory records one.
 */
import cluster, { type Worker } from 'node:cluster';

/** Supervisor to worker: load the server certificate and key files again. */
export const LOAD_SERVER_IDENTITY = 'nodeid:server-identity';
/** Worker to supervisor: the serial of the server certificate the worker now serves. */
export const SERVER_IDENTITY_LOADED = 'nodeid:server-identity-loaded';

/** The messages between the supervisor and its workers. */
export type WorkerMessage =
  | { type: typeof LOAD_SERVER_IDENTITY; serialNumber: string }
  | { type: typeof SERVER_IDENTITY_LOADED; serialNumber: string };

/** A running {@link superviseWorkers}. */
export interface WorkerSupervisor {
  /** Tells every worker that the server certificate `serialNumber` is in the files now. */
  shareServerIdentity(serialNumber: string): void;
  /** Sends `signal` to every worker (SIGHUP: reload the CA folder now). */
  signalAll(signal: NodeJS.Signals): void;
}

/**
 * Runs `count` server processes; one that dies is replaced until the supervisor is told to stop
 * (SIGTERM, SIGINT). Exit codes 2 and 3 of a worker are refusals to start (bad options, a busy
 * port): the supervisor then stops all and exits with that code. `serverIdentity` is the serial
 * of the certificate the supervisor keeps in the files (none with plain HTTP).
 */
export function superviseWorkers(
  count: number,
  options: {
    serverIdentity: () => string | undefined;
    onEvent: (event: Record<string, unknown>) => void;
  },
): WorkerSupervisor {
  let stopping = false;
  /** What each worker last reported serving, by worker id. */
  const serving = new Map<number, string>();
  let announced: string | undefined;

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  const checkShared = () => {
    const serial = options.serverIdentity();
    if (!serial || serial === announced) return;
    const workers = live();
    if (workers.length < count || workers.some((w) => serving.get(w.id) !== serial)) return;
    announced = serial;
    options.onEvent({ event: 'server-identity-shared', serialNumber: serial, workers: count });
  };
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (m: WorkerMessage) => {
      if (m?.type !== SERVER_IDENTITY_LOADED || typeof m.serialNumber !== 'string') return;
      serving.set(worker.id, m.serialNumber);
      checkShared();
    });
  };

  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    serving.delete(worker.id);
    if (stopping) {
      if (live().length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (code === 2 || code === 3) {
      stopping = true;
      for (const w of live()) w.kill('SIGTERM');
      process.exitCode = code;
      if (live().length === 0) process.exit(code);
      return;
    }
    options.onEvent({ event: 'worker-exit', pid: worker.process.pid, code, signal });
    fork();
  });
  const stop = () => {
    stopping = true;
    for (const w of live()) w.kill('SIGTERM');
    setTimeout(() => process.exit(0), 6000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  return {
    shareServerIdentity(serialNumber) {
      const message: WorkerMessage = { type: LOAD_SERVER_IDENTITY, serialNumber };
      for (const w of live()) w.send(message);
    },
    signalAll(signal) {
      for (const w of live()) w.process.kill(signal);
    },
  };
}
