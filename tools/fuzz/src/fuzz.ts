/**
 * The fuzz driver: runs each target's inputs on a worker thread and collects what is not a
 * value or a NodeIdError with a known code. A per-input guard (not a limit on the run) stops a
 * worker whose input has not finished after `guardMs`, reports that input as a hang, and goes on
 * with the next one on a new worker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { loadSeeds, makeInput } from './inputs.js';
import { createContext, TARGETS } from './targets.js';
import {
  describe,
  type Finding,
  isNodeIdError,
  type WorkerData,
  type WorkerStats,
} from './worker.js';

export { TARGETS } from './targets.js';
export type { Finding } from './worker.js';

/** Options of {@link fuzz}. */
export interface FuzzOptions {
  /** Target names; default all of {@link TARGETS}. */
  targets?: readonly string[];
  /** Inputs per target; default 2,000. */
  runs?: number;
  /** The seed; default 1. */
  seed?: number;
  /** How long one input may run before it counts as a hang; default 15 s. */
  guardMs?: number;
  /** Where to write each finding's input (`<target>-<seed>-<index>.bin`); default nowhere. */
  findingsDir?: string;
  /** Called as inputs finish (at most every 100 ms). */
  onProgress?: (target: string, done: number, runs: number) => void;
}

/** What one target's run found. */
export interface TargetReport extends WorkerStats {
  target: string;
  runs: number;
  findings: Finding[];
}

const WORKER = new URL('../dist/worker.mjs', import.meta.url);

/** Runs inputs [start, runs) of a target on one worker until they finish or one hangs. */
function runWorker(
  target: string,
  seed: number,
  start: number,
  runs: number,
  guardMs: number,
  report: TargetReport,
  onProgress?: FuzzOptions['onProgress'],
): Promise<number | undefined> {
  const progress = new SharedArrayBuffer(8);
  const view = new Int32Array(progress);
  view[0] = start;
  const data: WorkerData = { target, seed, start, end: runs, progress };
  const worker = new Worker(WORKER, { workerData: data });
  return new Promise((resolve) => {
    let last = start;
    let since = Date.now();
    let settled = false;
    const finish = (next: number | undefined) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      void worker.terminate();
      resolve(next);
    };
    const timer = setInterval(() => {
      const at = Atomics.load(view, 0);
      if (at !== last) {
        last = at;
        since = Date.now();
        onProgress?.(target, at, runs);
      } else if (Date.now() - since > guardMs) {
        const { ops } = makeInput(TARGETS[target]!, loadSeeds(TARGETS[target]!), seed, at);
        report.findings.push({
          target,
          seed,
          index: at,
          ops,
          kind: 'hang',
          error: `input still running after ${guardMs} ms`,
        });
        finish(at + 1);
      }
    }, 100);
    worker.on(
      'message',
      (m: { type: string; finding?: Finding; stats?: WorkerStats; error?: string }) => {
        if (m.type === 'finding') report.findings.push(m.finding!);
        else if (m.type === 'stats') {
          const s = m.stats!;
          report.values += s.values;
          for (const [code, n] of Object.entries(s.errors))
            report.errors[code] = (report.errors[code] ?? 0) + n;
          report.masked += s.masked;
          report.maskedExample ??= s.maskedExample;
          if (s.slowest && (!report.slowest || s.slowest.ms > report.slowest.ms))
            report.slowest = s.slowest;
        } else if (m.type === 'done') finish(undefined);
        else if (m.type === 'fatal') {
          report.findings.push({
            target,
            seed,
            index: -1,
            ops: '',
            kind: 'crash',
            error: `worker setup: ${m.error}`,
          });
          finish(undefined);
        }
      },
    );
    // an exception that escaped the target's promise chain ends the worker: the input it was at
    worker.on('error', (e) => {
      const at = Atomics.load(view, 0);
      report.findings.push({
        target,
        seed,
        index: at,
        ops: '',
        kind: 'unhandled',
        error: `${e.name}: ${e.message}`,
        stack: e.stack,
      });
      finish(at + 1);
    });
    worker.on('exit', () => finish(Atomics.load(view, 1) ? undefined : Atomics.load(view, 0) + 1));
  });
}

/**
 * Fuzzes the targets one after the other and returns a report per target.
 *
 * @example
 * ```ts
 * const reports = await fuzz({ targets: ['der', 'crl'], runs: 5000, seed: 7 });
 * for (const r of reports) console.log(r.target, r.findings.length);
 * ```
 */
export async function fuzz(options: FuzzOptions = {}): Promise<TargetReport[]> {
  const names = options.targets ?? Object.keys(TARGETS);
  const runs = options.runs ?? 2_000;
  const seed = options.seed ?? 1;
  const guardMs = options.guardMs ?? 15_000;
  const reports: TargetReport[] = [];
  for (const target of names) {
    if (!TARGETS[target])
      throw new Error(`unknown target "${target}": ${Object.keys(TARGETS).join(', ')}`);
    const report: TargetReport = { target, runs, values: 0, errors: {}, masked: 0, findings: [] };
    let next: number | undefined = 0;
    while (next !== undefined && next < runs)
      next = await runWorker(target, seed, next, runs, guardMs, report, options.onProgress);
    if (options.findingsDir && report.findings.length) {
      mkdirSync(options.findingsDir, { recursive: true });
      const seeds = loadSeeds(TARGETS[target]!);
      for (const f of report.findings) {
        if (f.index < 0) continue;
        const { input } = makeInput(TARGETS[target]!, seeds, seed, f.index);
        writeFileSync(`${options.findingsDir}/${target}-${seed}-${f.index}.bin`, input);
      }
    }
    reports.push(report);
  }
  return reports;
}

/** What one input did when run again by {@link reproduce}. */
export interface Reproduction {
  ops: string;
  input: Uint8Array | string;
  /** `value`, the NodeIdError's code, or what else was thrown. */
  outcome: string;
  ms: number;
}

/**
 * Runs input `index` of a target for `seed` again, on this thread, to see what it does.
 *
 * @example
 * ```ts
 * const r = await reproduce('crl', 1, 812);
 * console.log(r.ops, r.outcome, r.ms);
 * ```
 */
export async function reproduce(
  target: string,
  seed: number,
  index: number,
): Promise<Reproduction> {
  const t = TARGETS[target];
  if (!t) throw new Error(`unknown target "${target}"`);
  const { input, ops } = makeInput(t, loadSeeds(t), seed, index);
  const ctx = await createContext();
  const start = performance.now();
  let outcome = 'value';
  try {
    await t.run(input, ctx);
  } catch (e) {
    outcome = isNodeIdError(e)
      ? `${e.code}: ${e.message}`
      : `CRASH ${describe(e)}\n${(e as Error)?.stack ?? ''}`;
  }
  return { ops, input, outcome, ms: performance.now() - start };
}
