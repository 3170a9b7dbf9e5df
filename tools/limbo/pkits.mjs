#!/usr/bin/env node
/**
 * NIST PKITS through the x509-limbo harness: `pnpm -s pkits` prints the score and every case
 * the SDK got wrong; `--write FILE` also writes the suite as limbo JSON (for other harnesses),
 * `--results FILE` the results.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyCertificate } from '@nodeid/sdk';
import { formatScore, runSuite, score } from './src/harness.mjs';
import { buildPkitsSuite } from './src/pkits.mjs';

const { values } = parseArgs({
  options: { write: { type: 'string' }, results: { type: 'string' } },
});
const suite = buildPkitsSuite();
if (values.write) writeFileSync(values.write, `${JSON.stringify(suite, null, 2)}\n`);
const results = await runSuite(suite, verifyCertificate);
if (values.results) writeFileSync(values.results, `${JSON.stringify(results, null, 2)}\n`);
const tally = score(suite, results);
for (const r of tally.wrongAccepts) console.log(`wrong accept  ${r.id}`);
for (const r of tally.wrongRejects) console.log(`wrong reject  ${r.id}: ${r.context}`);
for (const r of tally.skipped) console.log(`skipped       ${r.id}: ${r.context}`);
console.log(formatScore(tally).replace(/^limbo/, 'pkits'));
