// The conformance suite on Node, importing the built package as ES modules.
import { runProcess } from '@nodeid/testing/runtimes';
import { conformance, resultsFrom, runner, SDK_DIR } from './harness.js';

conformance('Node (ESM)', async () =>
  resultsFrom(await runProcess(process.execPath, [runner('run-esm.mjs')], { cwd: SDK_DIR })),
);
