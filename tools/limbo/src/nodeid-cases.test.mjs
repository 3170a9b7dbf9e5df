/**
 * nodeid's own cases in x509-limbo's format, built at test time by `cases/build-cases.py` with
 * pyca/cryptography: RFC 5280 and Baseline Requirements rules the public half of x509-limbo does
 * not exercise, each expectation taken from the section cited in its description. Every case
 * must get its expected result, through the same harness.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyCertificate } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { runSuite, score } from './harness.mjs';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../cases/build-cases.py');

describe("nodeid's own limbo-format cases", () => {
  const built = spawnSync('python3', [script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const suite = built.status === 0 ? JSON.parse(built.stdout) : { testcases: [] };

  it('builds the cases with pyca/cryptography', () => {
    expect(built.status, built.stderr).toBe(0);
    expect(suite.testcases.length).toBeGreaterThan(150);
  });

  it('has cases expecting both outcomes', () => {
    const outcomes = new Set(suite.testcases.map((t) => t.expected_result));
    expect(outcomes).toEqual(new Set(['SUCCESS', 'FAILURE']));
  });

  it('gives every case its expected result', async () => {
    const results = await runSuite(suite, verifyCertificate);
    const tally = score(suite, results);
    expect(tally.wrongAccepts.map((r) => r.id)).toEqual([]);
    expect(tally.wrongRejects.map((r) => `${r.id}: ${r.context}`)).toEqual([]);
    expect(tally.skipped).toEqual([]);
    expect(tally.passed).toBe(suite.testcases.length);
  });
});
