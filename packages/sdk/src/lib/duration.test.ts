import { describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { formatDuration, parseDuration, parseRenewalThreshold } from './duration.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
  }
  return undefined;
}

describe('parseDuration', () => {
  it('reads each unit', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('250ms')).toBe(250);
  });

  it('reads compound, fractional, spaced and upper-case values', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration(' 30D ')).toBe(30 * 86_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('passes milliseconds through', () => {
    expect(parseDuration(1234)).toBe(1234);
  });

  it('refuses bare numbers, percentages, junk and negative values', () => {
    for (const bad of ['30', '66%', '', 'abc', '3x', 'd', '-5d', '5d-', '1h 30m', '1e3s']) {
      expect(codeOf(() => parseDuration(bad))).toBe('ERR_INVALID_ARGUMENT');
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codeOf(() => parseDuration(bad))).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(codeOf(() => parseDuration('99999999999w'))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => parseDuration(null as unknown as string))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('tells the user to add a unit to a bare number', () => {
    expect(() => parseDuration('30')).toThrow(/add a unit/);
  });
});

describe('parseRenewalThreshold', () => {
  it('reads percentages as a fraction of the lifetime elapsed', () => {
    expect(parseRenewalThreshold('66%')).toEqual({ type: 'elapsed', fraction: 0.66 });
    expect(parseRenewalThreshold(' 75.5 % ')).toEqual({ type: 'elapsed', fraction: 0.755 });
    expect(parseRenewalThreshold('100%')).toEqual({ type: 'elapsed', fraction: 1 });
  });

  it('reads durations and numbers as time remaining', () => {
    expect(parseRenewalThreshold('30d')).toEqual({ type: 'remaining', ms: 30 * 86_400_000 });
    expect(parseRenewalThreshold(60_000)).toEqual({ type: 'remaining', ms: 60_000 });
  });

  it('refuses out-of-range percentages', () => {
    for (const bad of ['0%', '101%', '-5%', 'x%', '%']) {
      expect(codeOf(() => parseRenewalThreshold(bad))).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('formatDuration', () => {
  it('uses the two largest units', () => {
    expect(formatDuration(30 * 86_400_000 - 3_600_000)).toBe('29d 23h');
    expect(formatDuration(5 * 3_600_000)).toBe('5h 0m');
    expect(formatDuration(90_000)).toBe('1m 30s');
    expect(formatDuration(42_500)).toBe('42s');
    expect(formatDuration(-90 * 60_000)).toBe('1h 30m');
  });
});
