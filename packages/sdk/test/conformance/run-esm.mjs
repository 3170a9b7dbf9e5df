// Conformance runner for ESM runtimes (Node, Deno, Bun): imports the built package by its name,
// the way users do, and prints the results on one marked line.
import * as sdk from '@nodeid/sdk';
import { RESULT_MARKER, runSuite } from './suite.mjs';

// An optional argument runs only the cases whose name includes it.
const filter = globalThis.Deno?.args[0] ?? globalThis.process?.argv[2] ?? '';
const results = await runSuite(sdk, { filter });
console.log(RESULT_MARKER + JSON.stringify(results));
