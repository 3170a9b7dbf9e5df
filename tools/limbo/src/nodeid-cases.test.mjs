/**
 * nodeid's own cases in x509-limbo's format (`cases/nodeid-cases.json`, written by
 * `cases/build-cases.py` with pyca/cryptography): RFC 5280 and Baseline Requirements rules the
 * public half of x509-limbo does not exercise, each expectation taken from the section cited in
 * its description. Every case must get its expected result, through the same harness.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyCertificate } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { runSuite, score } from './harness.mjs';

const casesPath = resolve(dirname(fileURLToPath(import.meta.url)), '../cases/nodeid-cases.json');

describe("nodeid's own limbo-format cases", () => {
  const suite = JSON.parse(readFileSync(casesPath, 'utf8'));

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
