#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
/**
 * `pnpm fuzz` (in tools/fuzz): runs the seeded mutation fuzzer over every target (or those named
 * by --target) and prints, per target, the inputs that were values, the NodeIdError codes, and
 * every finding (a crash, an unknown code, an unhandled rejection or a hang) with the seed and
 * index that reproduce it. Exits 1 when anything was found.
 *
 *   node run.mjs [--runs 2000] [--seed 1] [--target der --target crl] [--guard-ms 15000]
 *                [--findings findings/] [--format text|json]
 *   node run.mjs --target crl --seed 1 --index 812     (one input again, written to a file)
 */
import { parseArgs } from 'node:util';
import { fuzz, reproduce } from './dist/fuzz.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    target: { type: 'string', multiple: true },
    'guard-ms': { type: 'string', default: '15000' },
    findings: { type: 'string', default: 'findings' },
    format: { type: 'string', default: 'text' },
    index: { type: 'string' },
  },
});
const number = (name) => {
  const n = Number(values[name]);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`error: --${name} must be a non-negative integer`);
    process.exit(2);
  }
  return n;
};
const json = values.format === 'json';
if (values.index !== undefined) {
  // one input again, on this thread: `node run.mjs --target crl --seed 1 --index 812`
  const target = values.target?.[0];
  if (!target) {
    console.error('error: --index needs --target');
    process.exit(2);
  }
  const r = await reproduce(target, number('seed'), number('index'));
  const file = `${target}-${number('seed')}-${number('index')}.bin`;
  writeFileSync(file, r.input);
  console.log(
    `${r.ops}: ${r.input.length} ${typeof r.input === 'string' ? 'characters' : 'bytes'} (${file}), ${r.ms.toFixed(0)} ms\n${r.outcome}`,
  );
  process.exit(r.outcome.startsWith('CRASH') ? 1 : 0);
}
const reports = await fuzz({
  runs: number('runs'),
  seed: number('seed'),
  guardMs: number('guard-ms'),
  findingsDir: values.findings,
  ...(values.target ? { targets: values.target } : {}),
  onProgress: json
    ? undefined
    : (target, done, runs) => process.stderr.write(`\r${target}: ${done}/${runs}   `),
});
if (json) console.log(JSON.stringify(reports, null, 2));
else {
  process.stderr.write('\r\x1b[K');
  for (const r of reports) {
    const codes = Object.entries(r.errors)
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    console.log(`${r.target}: ${r.runs} inputs, ${r.values} values; ${codes}`);
    if (r.slowest)
      console.log(
        `  slowest: index ${r.slowest.index} (${r.slowest.ops}) ${r.slowest.ms.toFixed(0)} ms`,
      );
    if (r.masked) console.log(`  ${r.masked} caught TypeError/RangeError, e.g. ${r.maskedExample}`);
    for (const f of r.findings)
      console.log(`  FOUND ${f.kind} at seed ${f.seed} index ${f.index} (${f.ops}): ${f.error}`);
  }
}
process.exitCode = reports.some((r) => r.findings.length) ? 1 : 0;
