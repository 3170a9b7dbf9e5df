/**
 * NIST PKITS through the limbo harness, against the built SDK: every case passes under the
 * default settings (revocation required, since every case supplies its CRLs), but the DSA ones,
 * which the SDK deliberately does not verify. The suite is NIST's, not ours: it was written for
 * RFC 3280/5280 path validation by people who never saw this code.
 */
import { verifyCertificate } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { formatScore, runSuite, score } from './harness.mjs';
import { buildPkitsSuite, pkitsDir } from './pkits.mjs';

describe('NIST PKITS', () => {
  let suite;
  const pkits = () => {
    suite ??= buildPkitsSuite();
    return suite;
  };

  it('finds the PKITS data (Debian: python3-cryptography-vectors)', () => {
    expect(
      pkitsDir(),
      'apt-get install python3-cryptography-vectors, or set PKITS_DIR',
    ).toBeTruthy();
  });

  it('gives every test its expected result under the default settings', async () => {
    const suite = pkits();
    // 4.1 to 4.16 of the 2011 edition: 223 end-entity certificates
    expect(suite.testcases.length).toBe(223);
    expect(suite.testcases.filter((t) => t.expected_result === 'FAILURE').length).toBeGreaterThan(
      100,
    );
    const results = await runSuite(suite, verifyCertificate);
    const tally = score(suite, results);
    console.log(formatScore(tally).replace(/^limbo/, 'pkits'));
    expect(tally.wrongAccepts.map((r) => r.id)).toEqual([]);
    expect(tally.wrongRejects.map((r) => `${r.id}: ${r.context}`)).toEqual([]);
    expect(tally.skipped.map((r) => r.id).sort()).toEqual([
      'pkits::InvalidDSASignatureTest6',
      'pkits::ValidDSAParameterInheritanceTest5',
      'pkits::ValidDSASignaturesTest4',
    ]);
  });

  it('fails a case for its own reason, not by accident: a revoked end entity is ERR_REVOKED', async () => {
    const suite = pkits();
    const results = await runSuite(
      {
        version: 1,
        testcases: suite.testcases.filter((t) =>
          ['pkits::InvalidRevokedEETest3', 'pkits::InvalidMissingCRLTest1'].includes(t.id),
        ),
      },
      verifyCertificate,
    );
    const byId = Object.fromEntries(results.results.map((r) => [r.id, r.context]));
    expect(byId['pkits::InvalidRevokedEETest3']).toMatch(/^ERR_REVOKED/);
    expect(byId['pkits::InvalidMissingCRLTest1']).toMatch(/^ERR_CRL_UNAVAILABLE/);
  });
});
