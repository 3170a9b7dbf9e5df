/**
 * A small seeded PRNG (splitmix32 seeding a mulberry32 stream), so that a seed names one case
 * for ever: the same seed gives the same case on every machine and in every Node version.
 */

/** @param {number} x */
function splitmix32(x) {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A random source for one seed.
 * @param {number} seed a non-negative integer
 */
export function createRandom(seed) {
  let state = splitmix32(seed >>> 0);
  /** A float in [0, 1). */
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [0, n). */
    int: (/** @type {number} */ n) => Math.floor(next() * n),
    /** True with probability p. */
    chance: (/** @type {number} */ p) => next() < p,
    /** One element of a non-empty array. */
    pick: (/** @type {readonly any[]} */ items) => items[Math.floor(next() * items.length)],
  };
}
