// Conformance runner for browsers: bundled with the built package into one script, loaded by a
// page, and read back by the test through `globalThis.__conformance`.
import * as sdk from '@nodeid/sdk';
import { runSuite } from './suite.mjs';

globalThis.__conformance = runSuite(sdk).catch((error) => [
  { name: 'runner', ok: false, error: String(error) },
]);
