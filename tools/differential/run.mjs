#!/usr/bin/env node
/**
 * The differential harness CLI: `pnpm differential [--seeds N] [--seed-start S] [--out FILE]`.
 * Generates N cases from seed S on (default 200 from 1, about 30 s), runs them through the built
 * @nodeid/sdk, openssl, pyca/cryptography and Go's crypto/x509, prints the agreement counts per
 * peer and writes every disagreement (seed, mutations, each result with its reason) to FILE
 * (default nodeid-differential-disagreements.json in the system's temporary folder). Exits 0 when the run
 * completed, whatever the peers said; 2 on bad arguments or when a peer could not run.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyCertificate } from '@nodeid/sdk';
import {
  acceptedAgainstReference,
  buildCases,
  compare,
  deviationFor,
  formatCounts,
  generateCases,
  readDeviations,
  runCases,
} from './src/harness.mjs';

const usage = 'usage: pnpm differential [--seeds N] [--seed-start S] [--out FILE]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '200' },
      'seed-start': { type: 'string', default: '1' },
      out: { type: 'string', default: join(tmpdir(), 'nodeid-differential-disagreements.json') },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (e) {
  console.error(`${e instanceof Error ? e.message : String(e)}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const seeds = Number(values.seeds);
const start = Number(values['seed-start']);
if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(start) || start < 0) {
  console.error(`--seeds must be a positive integer and --seed-start a non-negative one\n${usage}`);
  process.exit(2);
}

try {
  const cases = buildCases(generateCases(start, seeds));
  const run = await runCases(cases, verifyCertificate);
  const { counts, disagreements } = compare(run);
  const deviations = readDeviations();
  const flagged = acceptedAgainstReference(run).map((c) => ({
    ...c,
    deviation: deviationFor(c, deviations)?.row ?? null,
  }));
  const out = resolve(process.cwd(), values.out);
  writeFileSync(
    out,
    `${JSON.stringify({ seedStart: start, seeds, counts, acceptedAgainstReference: flagged, disagreements }, null, 2)}\n`,
  );
  console.log(`differential: ${seeds} cases (seeds ${start}..${start + seeds - 1})`);
  for (const [name, peer] of Object.entries(run.peers))
    if (peer.available) console.log(`  ${name}: ${peer.version}`);
  console.log(formatCounts(counts, seeds));
  const undocumented = flagged.filter((f) => !f.deviation);
  console.log(
    `nodeid accepts, openssl and Go reject: ${flagged.length} (${undocumented.length} not in the README's deviations${undocumented.length ? `: seeds ${undocumented.map((f) => f.seed).join(', ')}` : ''})`,
  );
  console.log(`${disagreements.length} cases with a disagreement written to ${out}`);
} catch (e) {
  console.error(`differential: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
