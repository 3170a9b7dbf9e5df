import { describe, expect, it } from 'vitest';
import type { Certificate, GeneralSubtree } from '../certificate/parse-certificate.js';
import type { GeneralName } from '../lib/general-name.js';
import { checkConstraintSyntax, checkNameConstraints } from './name-constraints.js';

const dns = (value: string): GeneralName => ({ type: 'dns', value });
const email = (value: string): GeneralName => ({ type: 'email', value });
const ip = (...bytes: number[]): GeneralName => ({
  type: 'ip',
  value: '',
  bytes: Uint8Array.from(bytes),
});
const subtree = (base: GeneralName): GeneralSubtree => ({ base, minimum: 0 });

function ca(permitted: GeneralName[] = [], excluded: GeneralName[] = []): Certificate {
  return {
    subject: { raw: new Uint8Array(), rdns: [], text: 'CN=ca' },
    nameConstraints: {
      critical: true,
      ...(permitted.length ? { permitted: permitted.map(subtree) } : {}),
      ...(excluded.length ? { excluded: excluded.map(subtree) } : {}),
    },
  } as unknown as Certificate;
}

function leaf(sans: GeneralName[]): Certificate {
  return {
    subject: { raw: new Uint8Array(), rdns: [], text: '' },
    subjectAltNames: sans,
  } as unknown as Certificate;
}

const check = (c: Certificate, l: Certificate) =>
  checkNameConstraints(c, 1, l, 0, { remaining: 1e6 });

describe('checkNameConstraints', () => {
  it('rejects a URI whose host is an IP address under a URI constraint, permitted or excluded (RFC 5280 §4.2.1.10)', () => {
    const uri = (value: string): GeneralName => ({ type: 'uri', value });
    for (const host of ['192.0.2.1', '10.1', '0x7f.1', '3232235777', '[2001:db8::1]']) {
      const l = leaf([dns('www.example.com'), uri(`https://${host}/x`)]);
      expect(check(ca([], [uri('example.com')]), l)?.code, host).toBe('ERR_NAME_CONSTRAINTS');
      expect(check(ca([uri('example.com')]), l)?.code, host).toBe('ERR_NAME_CONSTRAINTS');
    }
    // a domain name host is compared as usual, and a digit inside a label is fine
    expect(check(ca([], [uri('example.com')]), leaf([uri('https://1.node.net/')]))).toBeUndefined();
    expect(
      check(ca([uri('.example.com')]), leaf([uri('https://a1.example.com:8443/')])),
    ).toBeUndefined();
    // no URI constraint: a URI name is not looked at
    expect(check(ca([], [dns('example.com')]), leaf([uri('https://192.0.2.1/')]))).toBeUndefined();
  });

  it('permits names in a DNS subtree, adding labels on the left only', () => {
    const c = ca([dns('example.com')]);
    expect(check(c, leaf([dns('example.com')]))).toBeUndefined();
    expect(check(c, leaf([dns('foo.bar.EXAMPLE.com')]))).toBeUndefined();
    expect(check(c, leaf([dns('not-example.com')]))?.code).toBe('ERR_NAME_CONSTRAINTS');
    expect(check(c, leaf([dns('example.com.evil')]))?.code).toBe('ERR_NAME_CONSTRAINTS');
  });

  it('a leading dot permits subdomains only', () => {
    const c = ca([dns('.example.com')]);
    expect(check(c, leaf([dns('a.example.com')]))).toBeUndefined();
    expect(check(c, leaf([dns('example.com')]))?.code).toBe('ERR_NAME_CONSTRAINTS');
  });

  it('exclusion wins over permission, and a wildcard is excluded when it could match', () => {
    expect(
      check(ca([dns('example.com')], [dns('example.com')]), leaf([dns('example.com')]))?.code,
    ).toBe('ERR_NAME_CONSTRAINTS');
    const c = ca([dns('example.com')], [dns('bar.example.com')]);
    expect(check(c, leaf([dns('*.example.com')]))?.code).toBe('ERR_NAME_CONSTRAINTS');
    expect(check(c, leaf([dns('foo.example.com')]))).toBeUndefined();
  });

  it('leaves names of an unconstrained type alone', () => {
    expect(check(ca([dns('example.com')]), leaf([ip(192, 0, 2, 1)]))).toBeUndefined();
  });

  it('matches IP ranges by mask and family', () => {
    const c = ca([ip(192, 0, 2, 0, 255, 255, 255, 0)]);
    expect(check(c, leaf([ip(192, 0, 2, 77)]))).toBeUndefined();
    expect(check(c, leaf([ip(192, 0, 3, 1)]))?.code).toBe('ERR_NAME_CONSTRAINTS');
    expect(check(c, leaf([ip(...new Array(16).fill(0))]))?.code).toBe('ERR_NAME_CONSTRAINTS');
  });

  it('treats email constraints as mailbox, host or domain, with literal asterisks', () => {
    expect(check(ca([email('foo@example.com')]), leaf([email('foo@EXAMPLE.com')]))).toBeUndefined();
    expect(check(ca([email('foo@example.com')]), leaf([email('Foo@example.com')]))?.code).toBe(
      'ERR_NAME_CONSTRAINTS',
    );
    expect(check(ca([email('example.com')]), leaf([email('a@example.com')]))).toBeUndefined();
    expect(check(ca([email('example.com')]), leaf([email('a@sub.example.com')]))?.code).toBe(
      'ERR_NAME_CONSTRAINTS',
    );
    expect(check(ca([email('.example.com')]), leaf([email('a@sub.example.com')]))).toBeUndefined();
    expect(check(ca([email('**@example.com')]), leaf([email('*@example.com')]))?.code).toBe(
      'ERR_NAME_CONSTRAINTS',
    );
  });

  it('refuses to do unbounded work', () => {
    const c = ca(Array.from({ length: 100 }, (_, i) => dns(`t${i}.test`)));
    const l = leaf(Array.from({ length: 100 }, (_, i) => dns(`t${i}.test`)));
    expect(checkNameConstraints(c, 1, l, 0, { remaining: 5000 })?.message).toMatch(/too much work/);
    expect(checkNameConstraints(c, 1, l, 0, { remaining: 20000 })).toBeUndefined();
  });
});

describe('checkConstraintSyntax', () => {
  it.each([
    [email('invalid@invalid@example.com')],
    [dns('foo_bar.example.com')],
    [ip(10, 0, 0, 0)],
    [ip(10, 0, 0, 0, 255, 0, 255, 0)],
  ])('rejects a malformed constraint %j', (base) => {
    expect(checkConstraintSyntax(ca([base]), 1)?.code).toBe('ERR_NAME_CONSTRAINTS');
  });

  it('accepts well-formed constraints', () => {
    expect(
      checkConstraintSyntax(
        ca([dns(''), dns('.example.com'), email('a@example.com'), ip(10, 0, 0, 0, 255, 0, 0, 0)]),
        1,
      ),
    ).toBeUndefined();
  });
});
