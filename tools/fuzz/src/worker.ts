/**
 * The fuzz worker: runs inputs `start`..`end` of one target and posts what is not a value or a
 * NodeIdError with a known code. It writes the index it is at into shared memory before each
 * input, so that the driver can tell which input hangs and stop this thread.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { loadSeeds, makeInput } from './inputs.js';
import { createContext, TARGETS } from './targets.js';

/** What the driver passes. */
export interface WorkerData {
  target: string;
  seed: number;
  start: number;
  end: number;
  /** Int32Array view: [0] the input being run, [1] 1 once finished. */
  progress: SharedArrayBuffer;
}

/** A finding the worker posts. */
export interface Finding {
  target: string;
  seed: number;
  index: number;
  ops: string;
  /** `crash`: not a NodeIdError; `unknown-code`: a code errors.ts does not list; `hang`: stopped by the guard. */
  kind: 'crash' | 'unknown-code' | 'unhandled' | 'hang';
  error: string;
  stack?: string;
}

/** Counts of one run of a worker. */
export interface WorkerStats {
  values: number;
  errors: Record<string, number>;
  /** NodeIdErrors wrapping a TypeError or RangeError: a crash that a parser caught. */
  masked: number;
  maskedExample?: string;
  /** The input that took longest, to see what is slow (reported, never judged). */
  slowest?: { index: number; ops: string; ms: number };
}

const ERRORS_TS = new URL('../../../packages/sdk/src/errors.ts', import.meta.url);

/** The codes errors.ts lists, read from its text so that a new code needs no change here. */
export function knownCodes(): Set<string> {
  const text = readFileSync(ERRORS_TS, 'utf8');
  const union = text.slice(0, text.indexOf(';', text.indexOf('export type NodeIdErrorCode')));
  return new Set([...union.matchAll(/'(ERR_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
}

/** True for a NodeIdError of any copy of the SDK. */
export const isNodeIdError = (e: unknown): e is Error & { code: string; cause?: unknown } =>
  typeof e === 'object' &&
  e !== null &&
  (e as Record<symbol, unknown>)[Symbol.for('@nodeid/sdk/NodeIdError')] === true;

/** One line saying what was thrown. */
export const describe = (e: unknown) =>
  e instanceof Error
    ? `${e.name}: ${e.message}`.slice(0, 300)
    : `thrown ${typeof e}: ${String(e).slice(0, 200)}`;

async function main(data: WorkerData): Promise<void> {
  const target = TARGETS[data.target];
  if (!target) throw new Error(`no target ${data.target}`);
  const progress = new Int32Array(data.progress);
  const codes = knownCodes();
  const seeds = loadSeeds(target);
  const ctx = await createContext();
  let stats: WorkerStats = { values: 0, errors: {}, masked: 0 };
  // counts go to the driver as they grow, so that a worker stopped by the guard loses none
  const flush = () => {
    parentPort!.postMessage({ type: 'stats', stats });
    stats = { values: 0, errors: {}, masked: 0 };
  };
  let current = { index: -1, ops: '' };
  const post = (f: Omit<Finding, 'target' | 'seed' | 'index' | 'ops'>) =>
    parentPort!.postMessage({
      type: 'finding',
      finding: {
        target: data.target,
        seed: data.seed,
        index: current.index,
        ops: current.ops,
        ...f,
      },
    });
  process.on('unhandledRejection', (e) => post({ kind: 'unhandled', error: describe(e) }));
  for (let index = data.start; index < data.end; index++) {
    if ((index - data.start) % 50 === 49) flush();
    Atomics.store(progress, 0, index);
    const { input, ops } = makeInput(target, seeds, data.seed, index);
    current = { index, ops };
    const started = performance.now();
    try {
      await target.run(input, ctx);
      stats.values++;
    } catch (e) {
      if (!isNodeIdError(e)) {
        post({
          kind: 'crash',
          error: describe(e),
          stack: e instanceof Error ? e.stack : undefined,
        });
        continue;
      }
      if (!codes.has(e.code)) post({ kind: 'unknown-code', error: describe(e) });
      stats.errors[e.code] = (stats.errors[e.code] ?? 0) + 1;
      let cause = e.cause;
      while (isNodeIdError(cause)) cause = cause.cause;
      if (
        cause instanceof TypeError ||
        cause instanceof RangeError ||
        cause instanceof ReferenceError
      ) {
        stats.masked++;
        stats.maskedExample ??= `#${index} ${ops}: ${e.code} ← ${describe(cause)}`;
      }
    } finally {
      const ms = performance.now() - started;
      if (!stats.slowest || ms > stats.slowest.ms) stats.slowest = { index, ops, ms };
    }
  }
  flush();
  Atomics.store(progress, 1, 1);
  parentPort!.postMessage({ type: 'done' });
}

if (parentPort && workerData) {
  main(workerData as WorkerData).catch((e) =>
    parentPort!.postMessage({ type: 'fatal', error: describe(e), stack: (e as Error)?.stack }),
  );
}
