// The conformance suite on Deno (from the `deno` npm package), with no permissions granted:
// `@nodeid/sdk` and its dependencies resolve from the workspace's node_modules.
import { denoPath, runProcess } from '@nodeid/testing/runtimes';
import { conformance, resultsFrom, runner, SDK_DIR } from './harness.js';

conformance('Deno', async () =>
  resultsFrom(
    await runProcess(denoPath, ['run', '--node-modules-dir=manual', runner('run-esm.mjs')], {
      cwd: SDK_DIR,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    }),
  ),
);
