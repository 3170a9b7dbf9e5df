/**
 * Defect 1 (issue 10): a token's names were patterns, so a token for "." let its holder get a
 * certificate for any name. Tokens now list exact names, validated when the token is made, and
 * match exactly when the CSR comes back.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { createCsr } from '../csr/create-csr.js';
import { signCsr } from '../csr/sign-csr.js';
import type { Issuer } from '../issue/identity.js';
import { loadPublicSuffixList } from '../verify/public-suffix.js';
import {
  enrollArguments,
  exactDnsName,
  exactIpAddress,
  exactUri,
  tokenGrantedNames,
  tokenNames,
  tokenSigningPolicy,
  tokenWildcards,
  wildcardDnsName,
} from './token-names.js';

let ca: Issuer;
beforeAll(async () => {
  ca = await createCa({ clusterName: 'tok.cluster' });
});

async function csrFor(names: { dns?: string[]; ips?: string[]; uris?: string[] }) {
  return (await createCsr({ name: names.dns?.[0] ?? 'x.example.org', ...names })).pem;
}

describe('a token lists exact names (defect 1)', () => {
  it.each([
    ['dns', '.'],
    ['dns', '*.'],
    ['dns', '*.example.net'],
    ['dns', '.example.net'],
    ['dns', '*'],
    ['dns', 'example..net'],
    ['dns', 'node1.example.net.'],
    ['dns', '-node.example.net'],
    ['dns', 'under_score.example.net'],
    ['dns', '10.0.0.1'],
    ['dns', `${'a'.repeat(64)}.example.net`],
    ['ips', '0.0.0.0/0'],
    ['ips', '10.0.0.0/8'],
    ['ips', '::/0'],
    ['ips', '10.0.0.256'],
    ['ips', '010.0.0.1'],
    ['uris', '*'],
    ['uris', 'spiffe'],
    ['uris', '/relative/path'],
    ['uris', 'https://'],
    ['uris', 'spiffe://cluster/node1#frag'],
    ['uris', 'spiffe://cluster/has space'],
    ['uris', 'spiffe://cluster/bad%zz'],
  ] as const)('%s entry %j is refused with ERR_NAME_INVALID', (field, value) => {
    expect(() => tokenNames({ name: 'node1.example.net', [field]: [value] })).toThrow(
      expect.objectContaining({ code: 'ERR_NAME_INVALID' }),
    );
  });

  it.each(['.', '*.', '*.example.net', '.example.net', '0.0.0.0/0', '*'])(
    'the token name %j is refused',
    (name) => {
      expect(() => tokenNames({ name })).toThrow(
        expect.objectContaining({ code: 'ERR_NAME_INVALID' }),
      );
    },
  );

  it('exact names are kept and normalised: case, IPv6 text form, IDN U-labels to A-labels', () => {
    const t = tokenNames({
      name: 'Node1.Example.NET',
      dns: ['node1-ib.example.net', 'bücher.example', 'NODE1-IB.example.net'],
      ips: ['10.0.0.1', 'FD00:0:0::1', '10.0.0.1'],
      uris: ['spiffe://tok.cluster/node1'],
    });
    expect(t).toEqual({
      name: 'node1.example.net',
      profile: 'node',
      dns: ['node1-ib.example.net', 'xn--bcher-kva.example'],
      ips: ['10.0.0.1', 'fd00::1'],
      uris: ['spiffe://tok.cluster/node1'],
    });
    expect(exactDnsName('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(() => exactDnsName('bü*cher.example')).toThrow(
      /not a DNS name|pattern|internationalised/,
    );
    expect(exactIpAddress('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(exactUri('urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66')).toMatch(/^urn:/);
  });

  it('a client token takes a user name, and grants it only as the CN', () => {
    expect(tokenGrantedNames({ name: 'alice smith', profile: 'client' })).toEqual({
      dns: [],
      ips: [],
      uris: [],
      commonNames: ['alice smith'],
    });
    expect(() => tokenNames({ name: 'evil\nname', profile: 'client' })).toThrow(/printable/);
  });

  it('a token for "." cannot get a certificate for google.com', async () => {
    // the token cannot be made, and a token stored before names were checked grants nothing
    expect(() => tokenNames({ name: 'node1.example.net', dns: ['.'] })).toThrow(/empty label/);
    expect(() => tokenSigningPolicy({ name: 'node1.example.net', dns: ['.'] })).toThrow(
      expect.objectContaining({ code: 'ERR_NAME_INVALID' }),
    );
    const policy = tokenSigningPolicy({ name: 'node1.example.net' });
    await expect(
      signCsr({ csr: await csrFor({ dns: ['google.com'] }), ca, policy }),
    ).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED' });
  });

  it('a token for node1.example.net does not grant a name below it, nor a URI prefix', async () => {
    const policy = tokenSigningPolicy({
      name: 'node1.example.net',
      uris: ['spiffe://tok.cluster/node1*'],
    });
    const signed = await signCsr({
      csr: await csrFor({
        dns: ['node1.example.net', 'evil.node1.example.net'],
        uris: ['spiffe://tok.cluster/node1-evil', 'spiffe://tok.cluster/node1*'],
      }),
      ca,
      policy,
    });
    expect(signed.granted).toEqual([
      'DNS:node1',
      'DNS:node1.example.net',
      'URI:spiffe://tok.cluster/node1*',
    ]);
    expect(signed.denied.map((d) => d.name)).toEqual([
      'DNS:evil.node1.example.net',
      'URI:spiffe://tok.cluster/node1-evil',
    ]);
  });

  it('a token with IPv4 and IPv6 addresses grants both kinds (no 400 on the IPv6 SAN)', async () => {
    const policy = tokenSigningPolicy({
      name: 'node1.example.net',
      ips: ['10.0.0.1', 'fd00::1'],
    });
    const signed = await signCsr({
      csr: await csrFor({ dns: ['node1.example.net'], ips: ['10.0.0.1', 'fd00:0::1', 'fd00::2'] }),
      ca,
      policy,
    });
    expect(signed.granted).toEqual([
      'DNS:node1',
      'DNS:node1.example.net',
      'IP:10.0.0.1',
      'IP:fd00::1',
    ]);
    expect(signed.denied).toEqual([{ name: 'IP:fd00::2', reason: 'not in the allowed IP ranges' }]);
  });

  it('a pattern-free signing policy still reads IPv4 entries next to IPv6 names without throwing', async () => {
    const signed = await signCsr({
      csr: await csrFor({ dns: ['n.example.net'], ips: ['fd00::1'] }),
      ca,
      policy: { dns: ['n.example.net'], ips: ['10.0.0.1', 'fd00::/64'] },
    });
    expect(signed.granted).toContain('IP:fd00::1');
  });

  it('a node token grants its short name; enroll arguments ask for every name the token allows', () => {
    const token = {
      name: 'node1.example.net',
      ips: ['10.0.0.1', 'fd00::1'],
      dns: ['n1.example.net'],
    };
    expect(tokenGrantedNames(token).dns).toEqual(['node1', 'node1.example.net', 'n1.example.net']);
    expect(enrollArguments(token)).toEqual([
      '--name',
      'node1.example.net',
      '--dns',
      'n1.example.net',
      '--ip',
      '10.0.0.1',
      '--ip',
      'fd00::1',
    ]);
    expect(enrollArguments({ name: '10.0.0.9', profile: 'server' })).toEqual([
      '--name',
      '10.0.0.9',
      '--profile',
      'server',
    ]);
  });
});

describe('token names under random input (fast-check, fixed seed)', () => {
  const LDH = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const pieces = fc.constantFrom(
    '*',
    '.',
    '-',
    'a',
    'Z',
    '0',
    'ü',
    'xn--',
    '/',
    ':',
    '%',
    '_',
    ' ',
    '10',
    '::',
  );
  const nameLike = fc.array(pieces, { maxLength: 12 }).map((p) => p.join(''));

  it('either refuses with ERR_NAME_INVALID or returns exact, stable names; never throws anything else', () => {
    fc.assert(
      fc.property(nameLike, nameLike, nameLike, (dns, ip, uri) => {
        let t: ReturnType<typeof tokenNames>;
        try {
          t = tokenNames({ name: 'node1.example.net', dns: [dns], ips: [ip], uris: [uri] });
        } catch (e) {
          expect((e as { code?: string }).code).toBe('ERR_NAME_INVALID');
          return;
        }
        for (const d of t.dns) {
          expect(d.split('.').every((l) => LDH.test(l))).toBe(true);
          expect(d).not.toMatch(/\*/);
        }
        for (const i of t.ips) expect(i).not.toContain('/');
        expect(tokenNames(t)).toEqual(t);
      }),
      { seed: 10, numRuns: 500 },
    );
  });
});

describe('wildcard DNS names (RFC 6125 §6.4.3, BR 3.2.2.6)', () => {
  it('takes "*." over a name that is no public suffix, and nothing else', async () => {
    const psl = await loadPublicSuffixList();
    expect(wildcardDnsName('*.Cluster.Example.NET', psl)).toBe('*.cluster.example.net');
    expect(wildcardDnsName('*.bücher.example', psl)).toBe('*.xn--bcher-kva.example');
    for (const bad of [
      'node1.example.net', // no wildcard
      '*', // the whole name
      '*.', // nothing below
      '*.com',
      '*.co.uk',
      '*.local', // one label: the PSL's default rule
      '*.github.io', // the PSL's private section counts
      '*.*.example.net',
      'www.*.example.net',
      'f*.example.net',
      '*example.net',
      '*.10.0.0.1',
      '*.[fd00::1]',
    ])
      expect(() => wildcardDnsName(bad, psl), bad).toThrow(
        expect.objectContaining({ code: 'ERR_NAME_INVALID' }),
      );
    expect(tokenWildcards(['*.A.example', '*.a.example'], psl)).toEqual(['*.a.example']);
    expect(tokenWildcards(undefined, psl)).toEqual([]);
    expect(() => tokenWildcards(['*.a.example', '*.com'], psl)).toThrow(
      /"wildcards" entry "\*\.com"/,
    );
  });

  it('signCsr grants a wildcard only with allowWildcards, and never one over a public suffix', async () => {
    const policy = { dns: ['x.cluster.example', '*.cluster.example', '*.co.uk'], exactNames: true };
    const csr = (dns: string) => createCsr({ name: 'x.cluster.example', dns: [dns] });
    const wild = (await csr('*.cluster.example')).pem;
    const without = await signCsr({ csr: wild, ca, policy, profile: 'server' });
    expect(without.granted).toEqual(['DNS:x.cluster.example']);
    expect(without.denied).toContainEqual({
      name: 'DNS:*.cluster.example',
      reason: 'wildcard names are not allowed by the policy',
    });
    const allowed = { ...policy, allowWildcards: true };
    const signed = await signCsr({ csr: wild, ca, policy: allowed, profile: 'server' });
    expect(signed.granted).toEqual(['DNS:x.cluster.example', 'DNS:*.cluster.example']);
    expect(signed.denied.map((d) => d.name)).toEqual(['DNS:x']); // the short name createCsr adds
    expect(signed.certificate.subjectAltNames).toContainEqual({
      type: 'dns',
      value: '*.cluster.example',
    });
    const suffix = await signCsr({ csr: (await csr('*.co.uk')).pem, ca, policy: allowed });
    expect(suffix.granted).toEqual(['DNS:x.cluster.example']);
    expect(suffix.denied.find((d) => d.name === 'DNS:*.co.uk')!.reason).toMatch(
      /public suffix "co.uk"/,
    );
  });
});
