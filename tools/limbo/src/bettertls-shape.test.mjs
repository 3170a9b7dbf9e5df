/**
 * The shape of BetterTLS's `nameconstraints` suite (x509-limbo's `bettertls::` namespace),
 * re-created with pyca/cryptography by `cases/build-bettertls-nc.py` with BetterTLS's own
 * expected-result rule: every combination of CN, DNS and IP SANs and permitted/excluded DNS and
 * IP subtrees, asked for a DNS name or an IP literal. The test builds one case in nine of the
 * 8,748 (the full run: `python3 tools/limbo/cases/build-bettertls-nc.py | pnpm -s limbo`).
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyCertificate } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { runSuite, score } from './harness.mjs';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../cases/build-bettertls-nc.py');

describe('BetterTLS nameconstraints shape', () => {
  it('gives every generated case BetterTLS’s expected result', async () => {
    const built = spawnSync('python3', [script, '--every', '9'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(built.status, built.stderr).toBe(0);
    const suite = JSON.parse(built.stdout);
    expect(suite.testcases.length).toBe(972);
    const outcomes = new Set(suite.testcases.map((t) => t.expected_result));
    expect(outcomes).toEqual(new Set(['SUCCESS', 'FAILURE']));
    const tally = score(suite, await runSuite(suite, verifyCertificate));
    expect(tally.wrongAccepts.map((r) => r.id)).toEqual([]);
    expect(tally.wrongRejects.map((r) => `${r.id}: ${r.context}`)).toEqual([]);
    expect(tally.passed).toBe(suite.testcases.length);
  });
});
