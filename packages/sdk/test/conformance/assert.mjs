/**
 * The few assertions the conformance suite needs, with no dependency, so that the same suite runs
 * unchanged in Node, Deno, Bun and a browser page (which has no `node:assert`).
 */

class AssertionError extends Error {
  name = 'AssertionError';
}

function show(value) {
  if (value instanceof Uint8Array) return `Uint8Array(${Array.from(value).join(',')})`;
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function same(a, b) {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => same(item, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => same(a[k], b[k]));
  }
  return false;
}

export const assert = {
  /** Fails unless `value` is truthy. */
  ok(value, message = 'expected a truthy value') {
    if (!value) throw new AssertionError(`${message} (got ${show(value)})`);
  },

  /** Fails unless `actual` and `expected` are the same value (Object.is). */
  equal(actual, expected, message = 'values differ') {
    if (!Object.is(actual, expected)) {
      throw new AssertionError(`${message}: expected ${show(expected)}, got ${show(actual)}`);
    }
  },

  /** Structural equality for plain objects, arrays, Dates and Uint8Arrays. */
  deepEqual(actual, expected, message = 'values differ') {
    if (!same(actual, expected)) {
      throw new AssertionError(`${message}: expected ${show(expected)}, got ${show(actual)}`);
    }
  },

  /**
   * Fails unless `fn` throws (or its promise rejects with) a NodeIdError whose code is one of
   * `codes`. Returns the error so the case can look at it further.
   */
  async nodeIdError(sdk, fn, codes, message = 'expected a NodeIdError') {
    const allowed = Array.isArray(codes) ? codes : [codes];
    let error;
    try {
      await fn();
    } catch (caught) {
      error = caught;
    }
    if (error === undefined) throw new AssertionError(`${message}, but nothing was thrown`);
    if (!sdk.NodeIdError.isInstance(error)) {
      throw new AssertionError(`${message}, got ${error?.name}: ${error?.message}`);
    }
    if (!allowed.includes(error.code)) {
      throw new AssertionError(
        `${message} with code ${allowed.join(' or ')}, got ${error.code}: ${error.message}`,
      );
    }
    return error;
  },
};
