import { describe, expect, it } from 'vitest';
import { matchesHostPattern } from './match-host.js';
import { isDnsName } from './name-syntax.js';

describe('matchesHostPattern', () => {
  it.each([
    ['node1.example.net', 'node1.example.net', true],
    ['NODE1.Example.NET', 'node1.example.net', true],
    ['node1.example.net', 'node1.example.net.', true],
    // RFC 5280 §4.2.1.6: a dNSName is in RFC 1034 §3.5 preferred name syntax, no trailing dot
    ['node1.example.net.', 'node1.example.net', false],
    ['node1.example.net.', 'node1.example.net.', false],
    ['*.example.net.', 'node1.example.net', false],
    ['*.example.net', 'node1.example.net', true],
    ['*.example.net', 'EXAMPLE.net', false],
    ['*.example.net', 'a.b.example.net', false],
    ['*.example.net', '.example.net', false],
    ['*.com', 'example.com', false],
    ['f*.example.net', 'foo.example.net', false],
    ['foo.*.example.net', 'foo.bar.example.net', false],
    ['node1', 'node1', true],
    ['node1', 'node2', false],
  ])('%s vs %s -> %s', (pattern, host, want) => {
    expect(matchesHostPattern(pattern, host)).toBe(want);
  });
});

describe('isDnsName', () => {
  it('accepts LDH names and a leading wildcard label only when asked', () => {
    expect(isDnsName('node-1.example.net')).toBe(true);
    expect(isDnsName('xn--n3h.com')).toBe(true);
    expect(isDnsName('*.example.net')).toBe(false);
    expect(isDnsName('*.example.net', { wildcard: true })).toBe(true);
    expect(isDnsName('*', { wildcard: true })).toBe(false);
  });

  it.each([
    'foo_bar.example.net',
    '.example.net',
    'example..net',
    '-a.example.net',
    'a-.example.net',
    '',
    'a'.repeat(64),
  ])('rejects %j', (name) => {
    expect(isDnsName(name, { wildcard: true })).toBe(false);
  });
});
