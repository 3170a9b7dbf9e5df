/**
 * The worker threads of bulk issuance (`nodeid cert issue --from-file`, `dist/issue-worker.js`),
 * made in one place for the two moments they are started:
 *
 * - `prestart`, from `bin/nodeid.cjs` before the CLI's own modules load, when the command line
 *   asks for a bulk run: a thread takes about a sixth of a second to boot and load its modules,
 *   which it then does on the other cores while this thread loads the CLI (measured on 3,000
 *   nodes: the worker was ready 170 ms after the pool asked for it, at a third of the run);
 * - `issueThreads`, from the issuing pool (`src/lib/bulk-issue.ts`), which takes the prestarted
 *   threads that are still alive and starts the rest.
 *
 * A thread waits for its CA and settings in its first message (`issue-worker.ts`), so it can
 * start before they are known. Prestarted threads are unref'd until taken: a command that never
 * takes them (a usage error, a CA that does not open) exits as if they did not exist.
 */
import { Worker } from 'node:worker_threads';

/** Young generation of an issuing thread's heap, in MB. */
const YOUNG_GENERATION_MB = 8;

const PRESTARTED = Symbol.for('nodeid.prestarted-issue-threads');

/**
 * Starts one issuing thread of the worker module at `url`.
 * @param {URL} url
 * @returns {{ worker: Worker, exited: boolean }}
 */
function startThread(url, workerData) {
  const worker = new Worker(url, {
    workerData,
    // a thread holds a few chunks of nodes at a time: a small young generation keeps the
    // process's RSS flat and low (V8's default would grow it to tens of MB per thread)
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  const thread = { worker, exited: false };
  worker.once('exit', () => {
    thread.exited = true;
  });
  return thread;
}

/**
 * Starts `count` issuing threads now, unref'd, for {@link issueThreads} to take later. Their
 * errors before that are kept quiet: a thread that failed is simply not taken. With
 * `keyAlgorithm`, each makes key pairs of it while it waits (`issue-worker.ts`).
 * @param {URL} url the worker module (`dist/issue-worker.js`)
 * @param {number} count
 * @param {string} [keyAlgorithm]
 */
export function prestart(url, count, keyAlgorithm) {
  const threads = [];
  for (let i = 0; i < count; i++) {
    const thread = startThread(url, keyAlgorithm ? { keysAhead: keyAlgorithm } : undefined);
    thread.worker.on('error', () => {});
    thread.worker.unref();
    threads.push(thread);
  }
  globalThis[PRESTARTED] = { url: url.href, threads };
}

/**
 * `count` issuing threads of the worker module at `url`: the prestarted ones still alive (ref'd
 * again), then new ones. Prestarted threads beyond `count`, or of another module, are ended.
 * @param {URL} url
 * @param {number} count
 * @returns {Worker[]}
 */
export function issueThreads(url, count) {
  const prestarted = globalThis[PRESTARTED];
  globalThis[PRESTARTED] = undefined;
  const alive = prestarted ? prestarted.threads.filter((t) => !t.exited) : [];
  // threads of another module are of no use; those beyond `count` neither
  const unused = prestarted?.url === url.href ? alive.splice(count) : alive.splice(0);
  for (const extra of unused) extra.worker.terminate();
  const workers = alive.map((t) => {
    t.worker.ref();
    return t.worker;
  });
  while (workers.length < count) workers.push(startThread(url).worker);
  return workers;
}

/**
 * Whether a command line (`process.argv`) is a bulk issuance that would use the threads: `cert
 * issue` with `--from-file` and no `--concurrency` (a run that names its thread count starts
 * them itself). A guess made before the arguments are parsed; a wrong one costs only the start
 * of threads that are then ended.
 * @param {string[]} argv
 */
export function isBulkIssue(argv) {
  const args = argv.slice(2);
  const cert = args.indexOf('cert');
  return (
    cert >= 0 &&
    args[cert + 1] === 'issue' &&
    args.some((a) => a === '--from-file' || a.startsWith('--from-file=')) &&
    !args.some((a) => a === '--concurrency' || a.startsWith('--concurrency='))
  );
}

/**
 * The key algorithm a bulk command line (`process.argv`) asks for: the value of `--algorithm`,
 * else the command's default `P-256`. A guess made before the arguments are parsed: pairs made
 * for a wrong one are dropped unused.
 * @param {string[]} argv
 * @returns {string}
 */
export function keyAlgorithmOf(argv) {
  const args = argv.slice(2);
  let algorithm = 'P-256';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--algorithm' && i + 1 < args.length) algorithm = args[++i];
    else if (args[i].startsWith('--algorithm=')) algorithm = args[i].slice('--algorithm='.length);
  }
  return algorithm;
}
