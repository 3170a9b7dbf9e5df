// The conformance suite on Node, requiring the built package as CommonJS.
import { runProcess } from '@nodeid/testing/runtimes';
import { conformance, resultsFrom, runner, SDK_DIR } from './harness.js';

conformance('Node (CJS)', async () =>
  resultsFrom(await runProcess(process.execPath, [runner('run-cjs.cjs')], { cwd: SDK_DIR })),
);
