/**
 * Revocation by CRL, RFC 5280 §5 and §6.3.3, and the CRL rules of the Baseline Requirements
 * (tools/limbo/RULES.md rows R), on CRLs made by pyca/cryptography at test time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bc,
  type CrlSpec,
  ca,
  type ExtSpec,
  ku,
  leaf,
  leafExt,
  makePki,
  type Pki,
  root,
  verify,
} from './pki.js';

const UNKNOWN = { t: 'raw', oid: '1.3.6.1.4.1.99999.7.2', der: '0500' };
const cdp = (...uris: string[]): ExtSpec => ({ t: 'cdp', names: uris.map((u) => ['uri', u]) });
const idp = (o: Record<string, unknown>): ExtSpec => ({ t: 'idp', crit: true, ...o });
const A = 'http://crl.example.test/a.crl';
const dir = (...rdns: [string, string][]): [string, ...unknown[]] => ['dir', rdns];
const certIssuer = (...names: [string, ...unknown[]][]): ExtSpec => ({ t: 'certIssuer', names });

let pki: Pki;

beforeAll(() => {
  const crls: CrlSpec[] = [
    { id: 'clean', issuer: 'r', revoked: [{ serial: 123456789 }] },
    { id: 'revoked', issuer: 'r', revoked: [{ serial: 'l' }] },
    { id: 'r2SameSerial', issuer: 'r2', revoked: [{ serial: 'l' }] },
    { id: 'r2Clean', issuer: 'r2' },
    { id: 'noNumber', issuer: 'r', number: null },
    { id: 'numberCrit', issuer: 'r', numberCritical: true },
    { id: 'noCrlSign', issuer: 'rNoCrlSign' },
    { id: 'noKu', issuer: 'rNoKu' },
    { id: 'wrongKey', issuer: 'r', signer: 'r2' },
    { id: 'empty', issuer: 'r' },
    {
      id: 'large',
      issuer: 'r',
      revoked: Array.from({ length: 10_000 }, (_, i) => ({ serial: 1_000_000 + i })),
    },
    { id: 'extCrit', issuer: 'r', ext: [{ ...UNKNOWN, crit: true }] },
    { id: 'extNonCrit', issuer: 'r', ext: [{ ...UNKNOWN, crit: false }] },
    { id: 'entryCrit', issuer: 'r', revoked: [{ serial: 'l', ext: [{ ...UNKNOWN, crit: true }] }] },
    {
      id: 'entryNonCrit',
      issuer: 'r',
      revoked: [{ serial: 'l', ext: [{ ...UNKNOWN, crit: false }] }],
    },
    {
      id: 'future',
      issuer: 'r',
      thisUpdate: '2024-06-02T00:00:00Z',
      nextUpdate: '2024-07-01T00:00:00Z',
    },
    {
      id: 'stale',
      issuer: 'r',
      thisUpdate: '2024-04-01T00:00:00Z',
      nextUpdate: '2024-05-01T00:00:00Z',
    },
    { id: 'revokedLater', issuer: 'r', revoked: [{ serial: 'l', date: '2024-12-01T00:00:00Z' }] },
    { id: 'revokedBefore', issuer: 'r', revoked: [{ serial: 'l', date: '2019-01-01T00:00:00Z' }] },
    { id: 'idpA', issuer: 'r', ext: [idp({ names: [['uri', A]] })] },
    { id: 'idpB', issuer: 'r', ext: [idp({ names: [['uri', 'http://crl.example.test/b.crl']] })] },
    {
      id: 'idpEncoded',
      issuer: 'r',
      ext: [idp({ names: [['uri', 'http://crl.example.test/%61.crl']] })],
    },
    { id: 'idpCaOnly', issuer: 'r', ext: [idp({ ca: true })] },
    { id: 'idpUserOnly', issuer: 'r', ext: [idp({ user: true })] },
    { id: 'idpAttrOnly', issuer: 'r', ext: [idp({ attr: true })] },
    { id: 'iClean', issuer: 'i' },
    {
      id: 'idpSomeReasons',
      issuer: 'r',
      ext: [idp({ names: [['uri', A]], reasons: ['key_compromise'] })],
    },
    { id: 'idpIndirect', issuer: 'r', ext: [idp({ names: [['uri', A]], indirect: true })] },
    {
      id: 'idpNonUri',
      issuer: 'r',
      ext: [
        idp({
          names: [
            ['uri', A],
            ['dns', 'crl.example.test'],
          ],
        }),
      ],
    },
    {
      id: 'idpRelative',
      issuer: 'r',
      ext: [idp({ relative: [['CN', 'partition']] })],
    },
    { id: 'duplicate', issuer: 'r', revoked: [{ serial: 42 }, { serial: 42 }] },
    { id: 'duplicateLeaf', issuer: 'r', revoked: [{ serial: 'l' }, { serial: 'l' }] },
    {
      // §5.3.3: one serial for two certificate issuers; the first entry is the CRL issuer's
      id: 'indirectTwoIssuers',
      issuer: 'r',
      ext: [idp({ indirect: true })],
      revoked: [{ serial: 42 }, { serial: 42, ext: [certIssuer(dir(['CN', 'r2 root']))] }],
    },
    {
      // the entry without certificateIssuer belongs to the issuer of the one before (§5.3.3)
      id: 'indirectRepeated',
      issuer: 'r',
      ext: [idp({ indirect: true })],
      revoked: [{ serial: 42, ext: [certIssuer(dir(['CN', 'r2 root']))] }, { serial: 42 }],
    },
    { id: 'noNextUpdate', issuer: 'r', revoked: [{ serial: 'l' }], noNextUpdate: true },
    { id: 'generalizedTime', issuer: 'r', revoked: [{ serial: 'l' }], generalizedTime: true },
    {
      // from 2050 on, GeneralizedTime is the required encoding (§5.1.2.5)
      id: 'generalizedTime2050',
      issuer: 'r',
      revoked: [{ serial: 'l' }],
      nextUpdate: '2050-06-01T00:00:00Z',
    },
    { id: 'badVersion', issuer: 'r', revoked: [{ serial: 'l' }], versionDer: '02' },
    // a self-issued CA (same name as i, its own key) whose only CRL is one it signed itself
    { id: 'bySelfIssued', issuer: 'iSelf' },
    { id: 'byI', issuer: 'i' },
    // i's own key vouches only for CA certificates: li's status rests on bySelfIssued alone
    { id: 'byICaOnly', issuer: 'i', ext: [idp({ ca: true })] },
    // the CRL of a CRL signer that its issuing CA (which does not sign CRLs) names as the
    // cRLIssuer of every certificate it signs, the signer's own included (PKITS 4.14.30)
    { id: 'bySigner', issuer: 'cs', ext: [idp({ indirect: true })] },
  ];
  pki = makePki(
    [
      root('r'),
      root('r2'),
      leaf('l', 'r'),
      leaf('lCdp', 'r', { ext: leafExt(cdp(A)) }),
      root('rNoCrlSign', { ext: [] }),
      leaf('lNoCrlSign', 'rNoCrlSign'),
      { ...root('rNoKu'), ext: [bc(true)] },
      leaf('lNoKu', 'rNoKu'),
      ca('i', 'r', { ext: [bc(true), ku(['keyCertSign', 'cRLSign'])] }),
      leaf('li', 'i'),
      leaf('lCdpMixed', 'r', {
        ext: leafExt({
          t: 'cdp',
          names: [
            ['uri', A],
            ['dns', 'crl.example.test'],
          ],
        }),
      }),
      leaf('lCdpRelative', 'r', {
        ext: leafExt({ t: 'cdp', names: [dir(['CN', 'r root'], ['CN', 'partition'])] }),
      }),
      ca('iSelf', 'i', { subject: [['CN', 'i CA']] }),
      leaf('lSelf', 'iSelf'),
      ca('d', 'r', { ext: [bc(true), ku(['keyCertSign'])] }),
      ca('cs', 'd', {
        subject: [['CN', 'cs CRL signer']],
        ext: [ku(['cRLSign']), { t: 'cdp', crlIssuer: [dir(['CN', 'cs CRL signer'])] }],
      }),
      leaf('lDelegated', 'd', {
        ext: leafExt({ t: 'cdp', crlIssuer: [dir(['CN', 'cs CRL signer'])] }),
      }),
      ca('csNoDelegation', 'd', { subject: [['CN', 'cs CRL signer']], ext: [ku(['cRLSign'])] }),
    ].map((c) => (c.id === 'rNoCrlSign' ? { ...c, ext: [bc(true), ku(['keyCertSign'])] } : c)),
    crls,
  );
});

const check = (l: string, crls: string[], extra: Record<string, unknown> = {}) =>
  verify(pki, {
    leaf: l,
    anchors: ['r', 'r2', 'rNoCrlSign', 'rNoKu'],
    crls,
    revocation: 'require',
    ...extra,
  });
const ok = async (l: string, crls: string[], extra: Record<string, unknown> = {}) =>
  (await check(l, crls, extra)).ok;

describe('revocation by CRL (RFC 5280 §5, §6.3.3)', () => {
  it("R1: a serial on its issuer's CRL is revoked; absent, it is not; on another issuer's CRL it does not count (§6.3.3 (i))", async () => {
    expect(await check('l', ['revoked'])).toMatchObject({ ok: false, code: 'ERR_REVOKED' });
    expect(await ok('l', ['clean'])).toBe(true);
    expect(await ok('l', ['clean', 'r2SameSerial'])).toBe(true);
  });

  it('R2: a CRL without cRLNumber, or with a critical one, is not usable (§5.2.3)', async () => {
    expect(await ok('l', ['noNumber'])).toBe(false);
    expect(await ok('l', ['numberCrit'])).toBe(false);
  });

  it("R3: the CRL issuer's keyUsage, when present, asserts cRLSign; without keyUsage the CRL is usable (§6.3.3 (f))", async () => {
    expect(await ok('lNoCrlSign', ['noCrlSign'])).toBe(false);
    expect(await ok('lNoKu', ['noKu'])).toBe(true);
  });

  it("R4: a CRL in its issuer's name signed by another key is not usable (§6.3.3 (g))", async () => {
    expect(await ok('l', ['wrongKey'])).toBe(false);
  });

  it('R5: an empty CRL and a CRL of 10,000 entries are usable (§5.1.2.6)', async () => {
    expect(await ok('l', ['empty'])).toBe(true);
    expect(await ok('l', ['large'])).toBe(true);
  });

  it('R6: an unknown critical CRL or entry extension makes the CRL unusable; non-critical ones are ignored (§5.2, §5.3)', async () => {
    expect(await ok('l', ['extCrit'])).toBe(false);
    expect(await ok('l', ['extNonCrit'])).toBe(true);
    expect(await ok('l', ['entryCrit'])).toBe(false);
    expect(await check('l', ['entryNonCrit'])).toMatchObject({ ok: false, code: 'ERR_REVOKED' });
  });

  it('R7: a CRL is current only between thisUpdate and nextUpdate (§6.3.3 (a))', async () => {
    expect(await ok('l', ['future'])).toBe(false);
    expect(await ok('l', ['stale'])).toBe(false);
  });

  it('R8: an entry revokes whatever its revocationDate (§5.3, §6.3.3 (i))', async () => {
    expect(await check('l', ['revokedLater'])).toMatchObject({ ok: false, code: 'ERR_REVOKED' });
    expect(await check('l', ['revokedBefore'])).toMatchObject({ ok: false, code: 'ERR_REVOKED' });
  });

  it("R9: an issuingDistributionPoint name must match the certificate's cRLDistributionPoints (§6.3.3 (b)(2)(i))", async () => {
    expect(await ok('lCdp', ['idpA'])).toBe(true);
    expect(await ok('lCdp', ['idpB'])).toBe(false);
    expect(await ok('l', ['idpA'])).toBe(false);
  });

  it('R10: onlyContainsCACerts, onlyContainsUserCerts and onlyContainsAttributeCerts exclude the other kinds (§6.3.3 (b)(2)(ii)-(iv))', async () => {
    expect(await ok('l', ['idpCaOnly'])).toBe(false);
    expect(await ok('li', ['idpUserOnly', 'iClean'], { intermediates: ['i'] })).toBe(false);
    expect(await ok('li', ['idpCaOnly', 'iClean'], { intermediates: ['i'] })).toBe(true);
    expect(await ok('l', ['idpAttrOnly'])).toBe(false);
  });

  it('R11: onlySomeReasons: the status is known only once every reason is covered (§6.3.3 (d), (k))', async () => {
    expect(await ok('lCdp', ['idpSomeReasons'])).toBe(false);
    expect(await ok('lCdp', ['idpSomeReasons', 'idpA'])).toBe(true);
  });

  it('R12: distribution point URIs are compared as written (BR 7.2.2.1; §6.3.3 (b))', async () => {
    expect(await ok('lCdp', ['idpEncoded'])).toBe(false);
  });

  it('R15: with revocation "require", a certificate with no usable CRL fails; "soft" checks what is given (§6.3.3 (k))', async () => {
    expect(await ok('li', ['iClean'], { intermediates: ['i'] })).toBe(false); // nothing for i from r
    expect(await ok('li', ['iClean'], { intermediates: ['i'], revocation: 'soft' })).toBe(true);
  });

  it('R13: under the BRs a partitioned CRL has no indirectCRL, no nameRelativeToCRLIssuer and only URIs in its IDP (BR 7.2.2.1); RFC 5280 allows all three', async () => {
    const webpki = { policy: 'webpki' };
    expect(await ok('lCdp', ['idpA'], webpki)).toBe(true);
    expect(await check('lCdp', ['idpIndirect'], webpki)).toMatchObject({
      ok: false,
      code: 'ERR_CRL_INVALID',
      message: expect.stringContaining('asserts indirectCRL (BR 7.2.2.1)'),
    });
    expect(await check('lCdp', ['idpNonUri'], webpki)).toMatchObject({
      ok: false,
      code: 'ERR_CRL_INVALID',
      message: expect.stringContaining('names a dns, not only URIs (BR 7.2.2.1)'),
    });
    // a relative name is a directory name, which no BR distribution point matches (7.1.2.11.2)
    expect(await check('lCdpRelative', ['idpRelative'], webpki)).toMatchObject({
      ok: false,
      code: 'ERR_CRL_UNAVAILABLE',
    });
    expect(await ok('lCdp', ['idpIndirect'])).toBe(true);
    expect(await ok('lCdp', ['idpNonUri'])).toBe(true);
    expect(await ok('lCdpRelative', ['idpRelative'])).toBe(true);
  });

  it("R13: under the BRs a certificate's distribution point with a non-URI name matches no IDP (BR 7.1.2.11.2)", async () => {
    expect(await ok('lCdpMixed', ['idpA'])).toBe(true); // §6.3.3 (b)(2)(i): the URI matches
    expect(await check('lCdpMixed', ['idpA'], { policy: 'webpki' })).toMatchObject({
      ok: false,
      code: 'ERR_CRL_UNAVAILABLE',
    });
    // a CRL without IDP still covers it: the issuer's implicit distribution point (§6.3.3)
    expect(await ok('lCdpMixed', ['clean'], { policy: 'webpki' })).toBe(true);
  });

  it('R14: a CRL that lists one certificate twice (same serial, same certificate issuer) is not usable, in every profile (cabforum/servercert#589, BR 7.2.2)', async () => {
    for (const policy of ['rfc5280', 'webpki']) {
      expect(await ok('l', ['clean'], { policy })).toBe(true);
      expect(await check('l', ['duplicate'], { policy })).toMatchObject({
        ok: false,
        code: 'ERR_CRL_INVALID',
        message: expect.stringContaining('lists serial 2a twice for the same certificate issuer'),
      });
      expect(await check('l', ['duplicateLeaf'], { policy })).toMatchObject({
        ok: false,
        code: 'ERR_CRL_INVALID',
      });
    }
    // soft mode too: the CRL is in scope and unusable
    expect(await ok('l', ['duplicate'], { revocation: 'soft' })).toBe(false);
  });

  it('R14: in an indirect CRL one serial may be listed once per certificate issuer (§5.3.3)', async () => {
    expect(await ok('l', ['indirectTwoIssuers'])).toBe(true);
    expect(await check('l', ['indirectRepeated'])).toMatchObject({
      ok: false,
      code: 'ERR_CRL_INVALID',
    });
  });

  it('R16: a CRL without nextUpdate, or with GeneralizedTime before 2050, is not usable: the status is unknown, not revoked (§5.1.2.4, §5.1.2.5)', async () => {
    expect(await check('l', ['noNextUpdate'])).toMatchObject({
      ok: false,
      code: 'ERR_CRL_INVALID',
      message: expect.stringContaining('has no nextUpdate'),
    });
    expect(await check('l', ['generalizedTime'])).toMatchObject({
      ok: false,
      code: 'ERR_CRL_INVALID',
      message: expect.stringContaining('thisUpdate, nextUpdate as GeneralizedTime before 2050'),
    });
    // a nextUpdate in 2050 is a GeneralizedTime, as required: the CRL is used and revokes
    expect(await check('l', ['generalizedTime2050'])).toMatchObject({
      ok: false,
      code: 'ERR_REVOKED',
    });
  });

  it('R16: a CRL with a version other than v1 or v2 does not parse: under "require" the status is unknown, under "soft" the input is refused (§5.1.2.1)', async () => {
    expect(await check('l', ['badVersion'])).toMatchObject({
      ok: false,
      code: 'ERR_CRL_UNAVAILABLE',
      message: expect.stringContaining('unsupported CRL version 3'),
    });
    expect(await check('l', ['badVersion'], { revocation: 'soft' })).toMatchObject({
      ok: false,
      code: 'ERR_CRL_INVALID',
    });
  });

  it("R17: a CRL signed with a certificate's own key does not establish that certificate's status (§6.3.3 (f))", async () => {
    const path = { intermediates: ['iSelf', 'i'] };
    // lSelf <- iSelf (self-issued, "i CA") <- i <- r: bySelfIssued covers lSelf, and in name iSelf too
    expect(await check('lSelf', ['clean', 'bySelfIssued'], path)).toMatchObject({
      ok: false,
      code: 'ERR_CRL_INVALID',
      depth: 1,
      message: expect.stringContaining('signed with the key of the certificate it would vouch for'),
    });
    // with a CRL from i's own key for iSelf, the path is covered
    expect(await ok('lSelf', ['clean', 'bySelfIssued', 'byI'], path)).toBe(true);
  });

  it('R18: a CRL signer outside the path is held to RFC 5280, not to the TLS subscriber profile, under the BRs too (§6.3.3 (f))', async () => {
    // li <- i <- r; li's CRL is signed by iSelf ("i CA", another key); iSelf is covered by i
    const o = { intermediates: ['i', 'iSelf'] };
    const crls = ['clean', 'bySelfIssued', 'byICaOnly'];
    expect(await ok('li', crls, o)).toBe(true);
    expect(await check('li', crls, { ...o, policy: 'webpki' })).toMatchObject({ ok: true });
    // and the signer still needs its own status: without byICaOnly nothing covers iSelf
    expect(await ok('li', ['clean', 'bySelfIssued'], { ...o, policy: 'webpki' })).toBe(false);
  });

  it('R17: unless the certificate names its own subject as the cRLIssuer of its distribution point (PKITS 4.14.30)', async () => {
    const given = { intermediates: ['d', 'cs'], crls: ['clean', 'bySigner'] };
    expect(await ok('lDelegated', given.crls, { intermediates: given.intermediates })).toBe(true);
    // the same signer without that cRLDistributionPoints: nothing covers its own certificate
    expect(await ok('lDelegated', given.crls, { intermediates: ['d', 'csNoDelegation'] })).toBe(
      false,
    );
  });
});
