/**
 * The seeded PRNG, one module shared with tools/differential (`createRandom(seed, index)`): the
 * same target, seed and index name one input for ever, on every machine and Node version.
 */
export { createRandom, type Random } from '../../differential/src/prng.mjs';
