/**
 * The shape of BetterTLS's `nameconstraints` suite (x509-limbo's `bettertls::` namespace),
 * re-created with pyca/cryptography by `cases/build-bettertls-nc.py` with BetterTLS's own
 * expected-result rule: every combination of CN, DNS and IP SANs and permitted/excluded DNS and
 * IP subtrees, asked for a DNS name or an IP literal. The test builds one case in nine of the
 * 8,748 (the full run: `python3 tools/limbo/cases/build-bettertls-nc.py | pnpm -s limbo`), and
 * one in two of the 364 cases of the `pathbuilding` shape (`cases/build-bettertls-paths.py`).
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyCertificate } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { runSuite, score } from './harness.mjs';

const cases = resolve(dirname(fileURLToPath(import.meta.url)), '../cases');

/** Runs a generator script and returns its suite. */
function generate(script, every) {
  const built = spawnSync('python3', [resolve(cases, script), '--every', String(every)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(built.status, built.stderr).toBe(0);
  return JSON.parse(built.stdout);
}

/** Every case of `suite` gets its expected result. */
async function expectAllPass(suite) {
  const outcomes = new Set(suite.testcases.map((t) => t.expected_result));
  expect(outcomes).toEqual(new Set(['SUCCESS', 'FAILURE']));
  const tally = score(suite, await runSuite(suite, verifyCertificate));
  expect(tally.wrongAccepts.map((r) => r.id)).toEqual([]);
  expect(tally.wrongRejects.map((r) => `${r.id}: ${r.context}`)).toEqual([]);
  expect(tally.passed).toBe(suite.testcases.length);
}

describe('BetterTLS suite shapes', () => {
  it('nameconstraints: gives every generated case BetterTLS’s expected result', async () => {
    const suite = generate('build-bettertls-nc.py', 9);
    expect(suite.testcases.length).toBe(972);
    await expectAllPass(suite);
  });

  it('pathbuilding: backtracks round each kind of invalid edge and cycles (RFC 4158)', async () => {
    const suite = generate('build-bettertls-paths.py', 2);
    expect(suite.testcases.length).toBe(182);
    await expectAllPass(suite);
  });
});
