/**
 * A modest fuzz run of every target (1,000 inputs each, seed 1): each input must give a value or
 * a NodeIdError with a code from packages/sdk/src/errors.ts, none may hang (the per-input guard
 * reports it), and every target must see both values and refusals, so that the mutations are
 * neither all refused at the outermost length nor all harmless.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, reproduce, TARGETS } from './fuzz.js';
import { nested } from './mutate.js';
import { knownCodes } from './worker.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);

describe('fuzz', () => {
  it('knows the codes of errors.ts', () => {
    const codes = knownCodes();
    expect(codes.has('ERR_DER_INVALID')).toBe(true);
    expect(codes.has('ERR_INPUT_TOO_LARGE')).toBe(true);
    expect(codes.size).toBeGreaterThan(40);
  });

  it('makes the same input for the same seed and index, and another for another seed', async () => {
    const a = await reproduce('crl', 1, 700);
    const b = await reproduce('crl', 1, 700);
    const c = await reproduce('crl', 2, 700);
    expect(a.input).toEqual(b.input);
    expect(a.ops).toBe(b.ops);
    expect(c.input).not.toEqual(a.input);
  });

  it('builds 10,000 nested SEQUENCEs with minimal definite lengths (X.690 §8.1.3)', () => {
    const deep = nested(10_000);
    expect(deep[0]).toBe(0x30);
    expect(deep.at(-2)).toBe(0x30);
    expect(deep.at(-1)).toBe(0x00);
  });

  for (const target of Object.keys(TARGETS))
    it(`${target}: every input is a value or a NodeIdError with a known code`, async () => {
      const [report] = await fuzz({ targets: [target], runs: RUNS, seed: 1 });
      expect(report!.findings).toEqual([]);
      const refused = Object.values(report!.errors).reduce((a, b) => a + b, 0);
      expect(report!.values + refused).toBe(RUNS);
      expect(report!.values).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
});
