/**
 * The vitest side of the conformance suite: one test per case per runtime, so that a failure
 * names the case and the runtime. `run` starts the runtime on the built package and returns the
 * results it reported.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProcessResult } from '@nodeid/testing/runtimes';
import { describe, it } from 'vitest';
import { type CaseResult, cases, RESULT_MARKER } from './suite.mjs';

/** The package root (packages/sdk), where the runners resolve `@nodeid/sdk` to `dist/`. */
export const SDK_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A runner script in this folder. */
export const runner = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Reads the results line a runner printed; throws with the runner's output when there is none. */
export function resultsFrom(output: ProcessResult): CaseResult[] {
  const line = output.stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) {
    throw new Error(
      `the runner printed no results (exit ${output.code ?? output.signal})\n` +
        `stdout:\n${output.stdout.slice(-4000)}\nstderr:\n${output.stderr.slice(-4000)}`,
    );
  }
  return JSON.parse(line.slice(RESULT_MARKER.length)) as CaseResult[];
}

export function conformance(runtime: string, run: () => Promise<CaseResult[]>) {
  // The runtime runs once, on the first case; if it cannot run, every case fails with the reason
  // (a failing beforeAll would only skip them).
  let pending: Promise<Map<string, CaseResult>> | undefined;
  const results = () => {
    pending ??= (async () => {
      if (!existsSync(new URL('../../dist/index.js', import.meta.url))) {
        throw new Error('packages/sdk/dist is missing: build the SDK first (pnpm build)');
      }
      return new Map((await run()).map((result) => [result.name, result]));
    })();
    return pending;
  };

  describe(`conformance on ${runtime}`, () => {
    for (const name of Object.keys(cases)) {
      it(name, { timeout: 180_000 }, async () => {
        const result = (await results()).get(name);
        if (!result) throw new Error(`${runtime} did not report the case "${name}"`);
        if (!result.ok) throw new Error(`${runtime}: ${name}: ${result.error}`);
      });
    }
  });
}
