/**
 * The seeded PRNG of the test tools (splitmix32 seeding a mulberry32 stream), so that a seed
 * names one case for ever: the same seed gives the same case on every machine and in every Node
 * version. tools/differential draws a case from `createRandom(seed)`; tools/fuzz draws input
 * `index` of a seed from `createRandom(seed, index)` (its `src/prng.ts` re-exports this module).
 */

/**
 * A random source.
 * @typedef {object} Random
 * @property {() => number} next a float in [0, 1)
 * @property {(n: number) => number} int an integer in [0, n)
 * @property {(p: number) => boolean} chance true with probability p
 * @property {<T>(items: readonly T[]) => T} pick one element of a non-empty array
 */

/** @param {number} x */
function splitmix32(x) {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A random source for one seed, or for one input of a seed: with `index`, the seed and the index
 * are mixed so that neighbouring inputs differ; without it, the stream of the seed alone.
 * @param {number} seed a non-negative integer
 * @param {number} [index] a non-negative integer
 * @returns {Random}
 */
export function createRandom(seed, index) {
  const base = splitmix32(seed >>> 0);
  let state =
    index === undefined ? base : splitmix32((base ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0);
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (items) => /** @type {any} */ (items[Math.floor(next() * items.length)]),
  };
}
