/**
 * Name constraints, RFC 5280 §4.2.1.10 and §6.1.3 (b)-(c), §6.1.4 (g) (tools/limbo/RULES.md
 * rows C), on chains made by pyca/cryptography at test time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bc,
  ca,
  type ExtSpec,
  ku,
  leaf,
  leafExt,
  makePki,
  type Pki,
  root,
  san,
  verify,
} from './pki.js';

type Names = [string, ...unknown[]][];
const nc = (permitted: Names | null, excluded: Names | null = null, crit = true): ExtSpec => ({
  t: 'nc',
  permitted,
  excluded,
  crit,
});
const rawNc = (permitted: Names | null, excluded: Names | null = null): ExtSpec => ({
  ...nc(permitted, excluded),
  raw: true,
});
const caExt = (...e: ExtSpec[]) => ({ ext: [bc(true), ku(['keyCertSign', 'cRLSign']), ...e] });
const sans = (...names: Names) => ({ ext: leafExt(san(names)) });
const OTHER = '1.3.6.1.4.1.99999.7.3';

let pki: Pki;

beforeAll(() => {
  pki = makePki([
    root('r'),
    ca('dns', 'r', caExt(nc([['dns', 'example.com']]))),
    leaf('dnsDeep', 'dns', sans(['dns', 'foo.bar.example.com'])),
    leaf('dnsApex', 'dns', sans(['dns', 'example.com'])),
    leaf('dnsOut', 'dns', sans(['dns', 'notexample.com'])),
    ca('dnsEx', 'r', caExt(nc(null, [['dns', 'bad.example.com']]))),
    leaf('dnsExSecond', 'dnsEx', sans(['dns', 'example.com'], ['dns', 'x.bad.example.com'])),
    ca('ip', 'r', caExt(nc([['ip', '192.0.2.0/24']], [['ip', '::1/128']]))),
    leaf('ipIn', 'ip', sans(['ip', '192.0.2.7'])),
    leaf('ipOut', 'ip', sans(['ip', '192.0.3.7'])),
    leaf('ip6Ex', 'ip', sans(['ip', '::1'])),
    leaf('ipDns', 'ip', sans(['dns', 'example.com'])),
    ca(
      'dn',
      'r',
      caExt(
        nc([
          [
            'dir',
            [
              ['C', 'US'],
              ['O', 'Example'],
            ],
          ],
        ]),
      ),
    ),
    leaf('dnIn', 'dn', {
      subject: [
        ['C', 'US'],
        ['O', 'Example'],
        ['CN', 'node1'],
      ],
    }),
    leaf('dnOut', 'dn', {
      subject: [
        ['C', 'US'],
        ['O', 'Other'],
        ['CN', 'node1'],
      ],
    }),
    leaf('dnSanOut', 'dn', {
      subject: [
        ['C', 'US'],
        ['O', 'Example'],
        ['CN', 'node1'],
      ],
      ext: leafExt(
        san([
          ['dns', 'example.com'],
          [
            'dir',
            [
              ['C', 'US'],
              ['O', 'Other'],
            ],
          ],
        ]),
      ),
    }),
    ca(
      'mail',
      'r',
      caExt(
        nc([
          ['email', 'foo@example.com'],
          ['email', 'example.net'],
          ['email', '.example.org'],
        ]),
      ),
    ),
    leaf('mailExact', 'mail', sans(['email', 'foo@example.com'])),
    leaf('mailOtherBox', 'mail', sans(['email', 'bar@example.com'])),
    leaf('mailHost', 'mail', sans(['email', 'anyone@example.net'])),
    leaf('mailHostSub', 'mail', sans(['email', 'anyone@sub.example.net'])),
    leaf('mailDomainSub', 'mail', sans(['email', 'anyone@sub.example.org'])),
    leaf('mailDomainApex', 'mail', sans(['email', 'anyone@example.org'])),
    ca('starMail', 'r', caExt(nc([['email', '*@mail.test']]))),
    leaf('starExact', 'starMail', sans(['email', '*@mail.test'])),
    leaf('starOther', 'starMail', sans(['email', 'a@mail.test'])),
    leaf('starSub', 'starMail', sans(['email', '*@sub.mail.test'])),
    ca('both', 'r', caExt(nc([['dns', 'example.com']], [['dns', 'example.com']]))),
    leaf('bothLeaf', 'both', sans(['dns', 'example.com'])),
    // self-issued intermediate (issuer = subject = the constrained CA's name) with an outside SAN
    ca('siRoot', 'r', { ...caExt(nc([['dns', 'example.com']])), subject: [['CN', 'rollover CA']] }),
    {
      ...ca('siNew', 'siRoot', caExt(san([['dns', 'outside.test']]))),
      subject: [['CN', 'rollover CA']],
    },
    leaf('siLeaf', 'siNew', sans(['dns', 'a.example.com'])),
    leaf('siLeafOut', 'siNew', {
      subject: [['CN', 'rollover CA']],
      ...sans(['dns', 'outside.test']),
    }),
    // C8: constraints apply to intermediates' SANs
    ca(
      'ica1',
      'r',
      caExt(nc([['dns', 'permitted.example.com']], [['dns', 'forbidden.example.com']])),
    ),
    ca('ica2', 'ica1', caExt(san([['dns', 'forbidden.example.com']]))),
    leaf('c8', 'ica2', sans(['dns', 'permitted.example.com'])),
    // C9: narrowing and widening
    ca(
      'n1',
      'r',
      caExt(
        nc([
          ['dns', 'foo.example.com'],
          ['dns', 'bar.example.com'],
        ]),
      ),
    ),
    ca('n2', 'n1', caExt(nc([['dns', 'bar.example.com']]))),
    leaf('narrow', 'n2', sans(['dns', 'foo.example.com'])),
    ca('w1', 'r', caExt(nc([['dns', 'bar.example.com']]))),
    ca(
      'w2',
      'w1',
      caExt(
        nc([
          ['dns', 'foo.example.com'],
          ['dns', 'bar.example.com'],
        ]),
      ),
    ),
    leaf('widen', 'w2', sans(['dns', 'foo.example.com'])),
    // C10: malformed constraints
    ca('badWild', 'r', caExt(rawNc([['dns', '*.example.com']]))),
    leaf('badWildLeaf', 'badWild', sans(['dns', 'foo.example.com'])),
    ca('badIp', 'r', caExt(rawNc([['ip', 'hex:7f000001']]))),
    leaf('badIpLeaf', 'badIp', sans(['ip', '127.0.0.1'])),
    ca('badMail', 'r', caExt(rawNc([['email', 'a@b@example.com']]))),
    leaf('badMailLeaf', 'badMail', sans(['email', 'x@example.com'])),
    // C11: leading period in a dNSName constraint
    ca('dot', 'r', caExt(rawNc([['dns', '.example.com']]))),
    leaf('dotLeaf', 'dot', sans(['dns', 'foo.example.com'])),
    // C12: malformed names under a constraint of their type
    leaf('badDnsSan', 'dns', {
      ext: leafExt({
        ...san([
          ['dns', '.example.com'],
          ['dns', 'foo.example.com'],
        ]),
        raw: true,
      }),
    }),
    leaf('badIpSan', 'ip', {
      ext: leafExt({
        ...san([
          ['ip', 'hex:c0000200ffffff00'],
          ['ip', 'hex:c0000201'],
        ]),
        raw: true,
      }),
    }),
    // C13, C14
    leaf('ncInLeaf', 'r', { ext: leafExt(nc([['dns', 'example.com']])) }),
    ca('nonCrit', 'r', caExt(nc([['dns', 'example.com']], null, false))),
    leaf('nonCritLeaf', 'nonCrit'),
    // C15: otherName constraint
    ca('on', 'r', caExt(nc([['dns', 'example.com']], [['other', OTHER, '0500']]))),
    leaf('onLeaf', 'on', sans(['dns', 'example.com'], ['other', OTHER, '0500'])),
    leaf('onNone', 'on', sans(['dns', 'example.com'])),
    // C16: a wildcard that could match an excluded name (CVE-2025-61727)
    ca('wc', 'r', caExt(nc([['dns', 'example.com']], [['dns', 'bar.example.com']]))),
    leaf('wcLeaf', 'wc', sans(['dns', '*.example.com'])),
    ca('wcp', 'r', caExt(nc([['dns', 'foo.example.com']]))),
    leaf('wcpLeaf', 'wcp', sans(['dns', '*.example.com'])),
    // C17: empty name constraints
    ca('empty', 'r', caExt({ t: 'raw', oid: '2.5.29.30', der: '3000', crit: true })),
    leaf('emptyLeaf', 'empty'),
    ca('emptyLists', 'r', caExt({ t: 'raw', oid: '2.5.29.30', der: '3004a000a100', crit: true })),
    leaf('emptyListsLeaf', 'emptyLists'),
    // P3: the same CA (name and key) twice, once under a CA whose constraints exclude its SAN
    ca('ncA', 'r', caExt(nc(null, [['dns', 'forbidden.example.com']]))),
    {
      ...ca('b1', 'ncA', caExt(san([['dns', 'forbidden.example.com']]))),
      subject: [['CN', 'B CA']],
    },
    { ...ca('b2', 'r'), subject: [['CN', 'B CA']], keyOf: 'b1' },
    leaf('bLeaf', 'b1', sans(['dns', 'permitted.example.com'])),
  ]);
});

const via = (l: string, ...intermediates: string[]) => ({ leaf: l, anchors: ['r'], intermediates });
const ok = async (o: Parameters<typeof verify>[1]) => (await verify(pki, o)).ok;

describe('name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c), §6.1.4 (g))', () => {
  it('C1: a dNSName constraint admits itself and names with labels added on the left only', async () => {
    expect(await ok({ ...via('dnsDeep', 'dns'), host: 'foo.bar.example.com' })).toBe(true);
    expect(await ok({ ...via('dnsApex', 'dns'), host: 'example.com' })).toBe(true);
    expect(await verify(pki, { ...via('dnsOut', 'dns'), host: 'notexample.com' })).toMatchObject({
      ok: false,
      code: 'ERR_NAME_CONSTRAINTS',
    });
    expect(await ok({ ...via('dnsExSecond', 'dnsEx'), host: 'example.com' })).toBe(false);
  });

  it('C2: iPAddress constraints are CIDR ranges, IPv4 and IPv6', async () => {
    expect(await ok({ ...via('ipIn', 'ip'), ip: '192.0.2.7' })).toBe(true);
    expect(await ok({ ...via('ipOut', 'ip'), ip: '192.0.3.7' })).toBe(false);
    expect(await ok({ ...via('ip6Ex', 'ip'), ip: '::1' })).toBe(false);
  });

  it('C3: directoryName constraints apply to the subject and to directoryName SANs', async () => {
    expect(await ok(via('dnIn', 'dn'))).toBe(true);
    expect(await ok(via('dnOut', 'dn'))).toBe(false);
    expect(await ok(via('dnSanOut', 'dn'))).toBe(false);
  });

  it('C4: rfc822Name constraints: a mailbox, a host, or a domain with a leading period for hosts under it', async () => {
    const mail = (l: string) => ok({ ...via(l, 'mail'), usage: 'any' });
    expect(await mail('mailExact')).toBe(true);
    expect(await mail('mailOtherBox')).toBe(false);
    expect(await mail('mailHost')).toBe(true);
    expect(await mail('mailHostSub')).toBe(false);
    expect(await mail('mailDomainSub')).toBe(true);
    expect(await mail('mailDomainApex')).toBe(false);
    // an asterisk is a literal character of the mailbox, not a wildcard
    const star = (l: string) => ok({ ...via(l, 'starMail'), usage: 'any' });
    expect(await star('starExact')).toBe(true);
    expect(await star('starOther')).toBe(false);
    expect(await star('starSub')).toBe(false);
  });

  it('C5: a constraint of one name type does not restrict names of another type', async () => {
    expect(await ok({ ...via('ipDns', 'ip'), host: 'example.com' })).toBe(true);
  });

  it('C6: excluded wins over permitted', async () => {
    expect(await ok({ ...via('bothLeaf', 'both'), host: 'example.com' })).toBe(false);
  });

  it('C7: a self-issued intermediate is exempt, the leaf is not (§6.1.3 (b))', async () => {
    expect(await ok({ ...via('siLeaf', 'siRoot', 'siNew'), host: 'a.example.com' })).toBe(true);
    expect(await ok({ ...via('siLeafOut', 'siRoot', 'siNew'), host: 'outside.test' })).toBe(false);
  });

  it("C8: a CA's constraints apply to the SANs of the intermediates below it", async () => {
    expect(await ok({ ...via('c8', 'ica1', 'ica2'), host: 'permitted.example.com' })).toBe(false);
  });

  it('C9: constraints of successive CAs intersect: narrowed below, never widened', async () => {
    expect(await ok({ ...via('narrow', 'n1', 'n2'), host: 'foo.example.com' })).toBe(false);
    expect(await ok({ ...via('widen', 'w1', 'w2'), host: 'foo.example.com' })).toBe(false);
  });

  it('C10: malformed constraints fail: a wildcard dNSName, an iPAddress without mask, a bad rfc822Name', async () => {
    expect(await ok({ ...via('badWildLeaf', 'badWild'), host: 'foo.example.com' })).toBe(false);
    expect(await ok({ ...via('badIpLeaf', 'badIp'), ip: '127.0.0.1' })).toBe(false);
    expect(await ok({ ...via('badMailLeaf', 'badMail'), usage: 'any' })).toBe(false);
  });

  it('C11: a dNSName constraint with a leading period is malformed under strict (§4.2.1.10)', async () => {
    expect(await ok({ ...via('dotLeaf', 'dot'), host: 'foo.example.com', strict: true })).toBe(
      false,
    );
  });

  it('C12: a malformed name under a constraint of its type fails', async () => {
    expect(await ok({ ...via('badDnsSan', 'dns'), host: 'foo.example.com' })).toBe(false);
    expect(await ok({ ...via('badIpSan', 'ip'), ip: '192.0.2.1' })).toBe(false);
  });

  it('C13: nameConstraints in a certificate that is not a CA fails under strict', async () => {
    expect(await ok({ leaf: 'ncInLeaf', anchors: ['r'], strict: true })).toBe(false);
  });

  it('C14: a non-critical nameConstraints fails under strict, not under webpki (BR 7.1.2.10.8)', async () => {
    expect(await ok({ ...via('nonCritLeaf', 'nonCrit'), strict: true })).toBe(false);
    expect(await ok({ ...via('nonCritLeaf', 'nonCrit'), policy: 'webpki' })).toBe(true);
  });

  it('C15: an otherName constraint fails a leaf with an otherName SAN and is ignored without one', async () => {
    expect(await ok({ ...via('onLeaf', 'on'), host: 'example.com' })).toBe(false);
    expect(await ok({ ...via('onNone', 'on'), host: 'example.com' })).toBe(true);
  });

  it('C16: a wildcard SAN that could match an excluded or unpermitted name fails (CVE-2025-61727)', async () => {
    expect(await ok({ ...via('wcLeaf', 'wc'), host: 'bar.example.com' })).toBe(false);
    expect(await ok({ ...via('wcpLeaf', 'wcp'), host: 'foo.example.com' })).toBe(false);
  });

  it('P3: when one issuer fails name constraints, another certificate of the same CA is tried (RFC 4158 §2.5)', async () => {
    const r = await verify(pki, {
      ...via('bLeaf', 'ncA', 'b1', 'b2'),
      host: 'permitted.example.com',
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain).toHaveLength(3);
  });

  it('C17: nameConstraints with no subtree, or empty subtrees, fails under strict and webpki', async () => {
    for (const [l, i] of [
      ['emptyLeaf', 'empty'],
      ['emptyListsLeaf', 'emptyLists'],
    ]) {
      expect(await ok({ ...via(l!, i!), strict: true }), l).toBe(false);
      expect(await ok({ ...via(l!, i!), policy: 'webpki' }), l).toBe(false);
    }
  });
});
