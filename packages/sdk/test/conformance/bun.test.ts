// The conformance suite on Bun (from the `bun` npm package).
import { bunPath, runProcess } from '@nodeid/testing/runtimes';
import { conformance, resultsFrom, runner, SDK_DIR } from './harness.js';

conformance('Bun', async () =>
  resultsFrom(await runProcess(bunPath, ['run', runner('run-esm.mjs')], { cwd: SDK_DIR })),
);
