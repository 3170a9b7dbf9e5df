#!/usr/bin/env node
/**
 * x509-limbo harness CLI: `pnpm -s limbo < SUITE.json > RESULTS.json` (or `node tools/limbo/run.mjs SUITE.json`).
 * Runs every case against the built @nodeid/sdk and writes limbo's results JSON on stdout;
 * a one-line score goes to stderr when the suite carries expected results.
 */
import { readFileSync } from 'node:fs';
import { verifyCertificate } from '@nodeid/sdk';
import { formatScore, runSuite, score } from './src/harness.mjs';

const path = process.argv[2];
const text = path ? readFileSync(path, 'utf8') : readFileSync(0, 'utf8');
const suite = JSON.parse(text);
const results = await runSuite(suite, verifyCertificate);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (suite.testcases.every((t) => t.expected_result))
  process.stderr.write(`${formatScore(score(suite, results))}\n`);
