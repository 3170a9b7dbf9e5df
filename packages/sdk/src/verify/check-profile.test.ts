import { describe, expect, it } from 'vitest';
import { PROFILE_RULES, type ProfileContext, ruleApplies } from './check-profile.js';

const ctx = (policy: ProfileContext['policy'], strict: boolean): ProfileContext => ({
  policy,
  strict,
});

describe('the profile rule table', () => {
  it('names every rule once and cites where it comes from', () => {
    const names = PROFILE_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const r of PROFILE_RULES) {
      expect(r.source, r.name).toMatch(/RFC \d+ §|BR \d|X\.690|nodeid \(/);
      expect(r.roles.length, r.name).toBeGreaterThan(0);
      if (r.scope === 'webpki') expect(r.source, r.name).toMatch(/BR /);
    }
  });

  it('applies rfc5280 rules always, conformance rules under strict or webpki, BR rules under webpki', () => {
    const at = (scope: 'rfc5280' | 'conformance' | 'webpki', notUnderWebPki?: true) =>
      [ctx('rfc5280', false), ctx('rfc5280', true), ctx('webpki', false), ctx('webpki', true)].map(
        (c) => ruleApplies({ scope, notUnderWebPki }, c),
      );
    expect(at('rfc5280')).toEqual([true, true, true, true]);
    expect(at('conformance')).toEqual([false, true, true, true]);
    expect(at('conformance', true)).toEqual([false, true, false, false]);
    expect(at('webpki')).toEqual([false, false, true, true]);
  });

  it('keeps the §6 steps and the must-reject rules out of the strict-only set', () => {
    const always = PROFILE_RULES.filter((r) => r.scope === 'rfc5280').map((r) => r.name);
    for (const name of ['unknown-critical-extension', 'is-ca', 'ca-key-cert-sign', 'decoded'])
      expect(always).toContain(name);
    const strictOnly = PROFILE_RULES.filter((r) => r.scope === 'conformance').map((r) => r.name);
    for (const name of ['basic-constraints-critical', 'serial-number', 'name-constraints-critical'])
      expect(strictOnly).toContain(name);
  });
});
