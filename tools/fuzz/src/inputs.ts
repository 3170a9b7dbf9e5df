/**
 * Makes input number `index` of a target for a seed: the same (target, seed, index) gives the
 * same input everywhere, so a finding is reproduced by its three numbers alone.
 */
import { readFileSync } from 'node:fs';
import { boundaryTruncations, mutateDer, mutateLines, mutatePem } from './mutate.js';
import { createRandom } from './prng.js';
import type { Target } from './targets.js';

/** The corpus folder (tools/fuzz/corpus), from src/ under vitest or dist/ when built. */
export const CORPUS = new URL('../corpus/', import.meta.url);

/** One generated input and the mutations that made it. */
export interface FuzzInput {
  input: Uint8Array | string;
  ops: string;
}

/** The seeds of a target as bytes to mutate, and their truncations at every TLV boundary. */
export interface Seeds {
  seeds: Uint8Array[];
  truncations: Uint8Array[];
}

/** Reads a target's corpus seeds. */
export function loadSeeds(target: Target): Seeds {
  const seeds = target.seeds.map((f) => {
    const file = new Uint8Array(readFileSync(new URL(f, CORPUS)));
    return target.seedOf ? target.seedOf(file) : file;
  });
  return {
    seeds,
    truncations: target.truncate === false ? [] : seeds.flatMap(boundaryTruncations),
  };
}

/**
 * Input `index`: first every truncation of every seed at a TLV boundary (X.690 §8.1.1), then
 * seeded mutations; for PEM targets a third of the mutated inputs are PEM text.
 */
export function makeInput(target: Target, seeds: Seeds, seed: number, index: number): FuzzInput {
  if (target.input === 'lines') {
    const { text, op } = mutateLines(createRandom(seed, index));
    return { input: text, ops: op };
  }
  if (index < seeds.truncations.length)
    return { input: seeds.truncations[index]!, ops: 'truncate-at-boundary' };
  const r = createRandom(seed, index);
  const base = r.pick(seeds.seeds);
  const { bytes, ops } = mutateDer(base, r);
  if (target.input === 'pem' && r.chance(0.33)) {
    const { text, op } = mutatePem(bytes, target.label ?? 'CERTIFICATE', r);
    return { input: text, ops: [...ops, op].join('+') };
  }
  return { input: bytes, ops: ops.join('+') };
}
