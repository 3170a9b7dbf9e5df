/**
 * Peer names (RFC 6125 §6.4, RFC 5280 §4.2.1.6), extended key usage (RFC 5280 §4.2.1.12) and
 * the CA/Browser Forum Baseline Requirements under `policy: 'webpki'` (tools/limbo/RULES.md
 * rows H, K, W, S3, B11, B12, B13), on chains made by pyca/cryptography at test time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bc, dnsSan, eku, ku, leaf, leafExt, makePki, type Pki, root, san, verify } from './pki.js';

const PRECERT = '1.3.6.1.4.1.11129.2.4.4';
let pki: Pki;

beforeAll(() => {
  pki = makePki([
    root('r'),
    leaf('exact', 'r'),
    leaf('ecKa', 'r', { ext: leafExt(ku(['digitalSignature', 'keyAgreement'])) }),
    leaf('ecKaOnly', 'r', { ext: leafExt(ku(['keyAgreement'])) }),
    leaf('ecKe', 'r', { ext: leafExt(ku(['digitalSignature', 'keyEncipherment'])) }),
    leaf('rsaKe', 'r', { key: 'rsa2048', ext: leafExt(ku(['keyEncipherment'])) }),
    leaf('rsaKa', 'r', { key: 'rsa2048', ext: leafExt(ku(['digitalSignature', 'keyAgreement'])) }),
    leaf('wild', 'r', {
      subject: [['CN', '*.example.com']],
      ext: leafExt(dnsSan('*.example.com')),
    }),
    leaf('partial', 'r', {
      subject: [['CN', 'ba*.example.com']],
      ext: leafExt(dnsSan('ba*.example.com')),
    }),
    leaf('inner', 'r', {
      subject: [['CN', 'foo.*.example.com']],
      ext: leafExt(dnsSan('foo.*.example.com')),
    }),
    leaf('alabel', 'r', {
      subject: [],
      ext: leafExt(san([['dns', 'xn--*-1b3c148a.example.com']], true)),
    }),
    leaf('ulabel', 'r', {
      subject: [],
      ext: leafExt({ ...san([['dns', 'ñ.example.com']], true), raw: true }),
    }),
    leaf('under', 'r', {
      subject: [['CN', 'a_b.example.com']],
      ext: leafExt(dnsSan('a_b.example.com')),
    }),
    leaf('ip', 'r', {
      subject: [['CN', '192.0.2.1']],
      ext: leafExt(
        san([
          ['ip', '192.0.2.1'],
          ['ip', '2001:db8::1'],
        ]),
      ),
    }),
    leaf('cnOnly', 'r', {
      subject: [['CN', 'example.com']],
      ext: [ku(['digitalSignature']), eku(['serverAuth'])],
    }),
    leaf('sanCrit', 'r', { ext: leafExt(san([['dns', 'example.com']], true)) }),
    leaf('psl', 'r', { subject: [['CN', '*.co.uk']], ext: leafExt(dnsSan('*.co.uk')) }),
    leaf('pslPrivate', 'r', {
      subject: [['CN', '*.github.io']],
      ext: leafExt(dnsSan('*.github.io')),
    }),
    leaf('star', 'r', { subject: [], ext: leafExt(san([['dns', '*']], true)) }),
    leaf('cnHex', 'r', {
      subject: [['CN', '0xC0000201']],
      ext: leafExt(san([['ip', '192.0.2.1']])),
    }),
    leaf('cnZeros', 'r', {
      subject: [['CN', '192.000.002.001']],
      ext: leafExt(san([['ip', '192.0.2.1']])),
    }),
    leaf('cnV6Upper', 'r', {
      subject: [['CN', '2001:DB8::1']],
      ext: leafExt(san([['ip', '2001:db8::1']])),
    }),
    leaf('cnV6Long', 'r', {
      subject: [['CN', '2001:db8:0:0:0:0:0:1']],
      ext: leafExt(san([['ip', '2001:db8::1']])),
    }),
    leaf('cnV6', 'r', {
      subject: [['CN', '2001:db8::1']],
      ext: leafExt(san([['ip', '2001:db8::1']])),
    }),
    leaf('cnCase', 'r', { subject: [['CN', 'Example.COM']] }),
    leaf('cnULabel', 'r', {
      subject: [['CN', 'bücher.example']],
      ext: leafExt(dnsSan('xn--bcher-kva.example')),
    }),
    leaf('cnNotSan', 'r', { subject: [['CN', 'other.example.com']] }),
    leaf('email', 'r', {
      subject: [['CN', 'Alice']],
      ext: [ku(['digitalSignature']), eku(['clientAuth']), san([['email', 'alice@Example.COM']])],
    }),
    leaf('ekuClient', 'r', { ext: leafExt(eku(['clientAuth'])) }),
    leaf('ekuAny', 'r', { ext: leafExt(eku(['any'])) }),
    leaf('ekuServerAny', 'r', { ext: leafExt(eku(['serverAuth', 'any'])) }),
    leaf('noEku', 'r', { ext: [ku(['digitalSignature']), dnsSan('example.com')] }),
    leaf('ekuCrit', 'r', { ext: leafExt(eku(['serverAuth'], true)) }),
    leaf('ekuBoth', 'r', { ext: leafExt(eku(['serverAuth', 'clientAuth'])) }),
    ...(['codeSigning', 'emailProtection', 'timeStamping', 'OCSPSigning', PRECERT] as const).map(
      (e) => leaf(`eku-${e}`, 'r', { ext: leafExt(eku(['serverAuth', e])) }),
    ),
    root('rEku', { ext: [eku(['serverAuth'])] }),
    leaf('underREku', 'rEku'),
    {
      id: 'iEku',
      issuer: 'r',
      subject: [['CN', 'client-only CA']],
      ext: [bc(true), ku(['keyCertSign']), eku(['clientAuth'])],
    },
    leaf('underIEku', 'iEku'),
    leaf('rsaNoKu', 'r', { key: 'rsa2048', ext: leafExt(ku([])) }),
    leaf('p192', 'r', { key: 'p192' }),
    leaf('rsa2056', 'r', { key: 'rsa2056' }),
    leaf('rsa2052', 'r', { key: 'rsa2052' }),
    leaf('ed', 'r', { key: 'ed25519' }),
    root('rNoKu', { ext: [] }),
    { ...root('rNoKuBc'), ext: [bc(true)] },
    leaf('underNoKu', 'rNoKuBc'),
    {
      ...root('rAkiOther'),
      aki: false,
      ext: [
        bc(true),
        ku(['keyCertSign', 'cRLSign']),
        { t: 'raw', oid: '2.5.29.35', der: '30168014000102030405060708090a0b0c0d0e0f10111213' },
      ],
    },
    leaf('underAkiOther', 'rAkiOther'),
    {
      ...root('rAkiNoKeyId'),
      ext: [bc(true), ku(['keyCertSign', 'cRLSign']), { t: 'raw', oid: '2.5.29.35', der: '3000' }],
    },
    leaf('underAkiNoKeyId', 'rAkiNoKeyId'),
    {
      ...root('rAkiSerial'),
      ext: [
        bc(true),
        ku(['keyCertSign', 'cRLSign']),
        { t: 'raw', oid: '2.5.29.35', der: '30038201 01'.replace(' ', '') },
      ],
    },
    leaf('underAkiSerial', 'rAkiSerial'),
  ]);
});

const ok = async (o: Parameters<typeof verify>[1]) => (await verify(pki, o)).ok;
const web = { anchors: ['r'], policy: 'webpki' as const, usage: 'server' as const };

describe('peer names (RFC 6125 §6.4, RFC 5280 §4.2.1.6)', () => {
  it('H1: a DNS name matches a dNSName label by label, case-insensitively, with no suffix match (RFC 6125 §6.4.1)', async () => {
    expect(await ok({ leaf: 'exact', anchors: ['r'], host: 'EXAMPLE.com' })).toBe(true);
    for (const host of ['example2.com', 'a.example.com', 'ample.com'])
      expect(await verify(pki, { leaf: 'exact', anchors: ['r'], host })).toMatchObject({
        ok: false,
        code: 'ERR_HOSTNAME_MISMATCH',
      });
  });

  it('H2: a wildcard only as the whole leftmost label, for exactly one label (RFC 6125 §6.4.3)', async () => {
    expect(await ok({ leaf: 'wild', anchors: ['r'], host: 'foo.example.com' })).toBe(true);
    expect(await ok({ leaf: 'wild', anchors: ['r'], host: 'foo.bar.example.com' })).toBe(false);
    expect(await ok({ leaf: 'wild', anchors: ['r'], host: 'example.com' })).toBe(false);
    expect(await ok({ leaf: 'partial', anchors: ['r'], host: 'baz.example.com' })).toBe(false);
    expect(await ok({ leaf: 'inner', anchors: ['r'], host: 'foo.bar.example.com' })).toBe(false);
    expect(
      await ok({ leaf: 'alabel', anchors: ['r'], host: 'xn--bliss-1b3c148a.example.com' }),
    ).toBe(false);
  });

  it('H3: a dNSName that is not ASCII matches nothing (RFC 5280 §4.2.1.6, §7.2)', async () => {
    expect(await ok({ leaf: 'ulabel', anchors: ['r'], host: 'xn--ida.example.com' })).toBe(false);
    expect(await ok({ leaf: 'ulabel', anchors: ['r'], host: 'ñ.example.com' })).toBe(false);
  });

  it('H4: a dNSName outside the preferred name syntax (underscore) fails under strict (§4.2.1.6)', async () => {
    expect(await ok({ leaf: 'under', anchors: ['r'], strict: true })).toBe(false);
  });

  it('H5: an IP address matches iPAddress SANs only, by value (RFC 6125 §6.4, §4.2.1.6)', async () => {
    expect(await ok({ leaf: 'ip', anchors: ['r'], ip: '192.0.2.1' })).toBe(true);
    expect(await ok({ leaf: 'ip', anchors: ['r'], ip: '2001:db8:0::1' })).toBe(true);
    expect(await ok({ leaf: 'ip', anchors: ['r'], ip: '192.0.2.2' })).toBe(false);
    expect(await ok({ leaf: 'ip', anchors: ['r'], host: '192.0.2.1.example.com' })).toBe(false);
  });

  it('H6: the subject CN is never used as a host name (RFC 6125 §6.4.4)', async () => {
    expect(await ok({ leaf: 'cnOnly', anchors: ['r'], host: 'example.com' })).toBe(false);
  });

  it('H10: an email matches an rfc822Name SAN, local part exact, domain without case (RFC 5280 §4.2.1.6)', async () => {
    expect(
      await ok({ leaf: 'email', anchors: ['r'], email: 'alice@example.com', usage: 'client' }),
    ).toBe(true);
    expect(
      await ok({ leaf: 'email', anchors: ['r'], email: 'Alice@example.com', usage: 'client' }),
    ).toBe(false);
  });
});

describe('extended key usage (RFC 5280 §4.2.1.12, BR 7.1.2.7.10)', () => {
  it('K1: the leaf extKeyUsage must contain the usage asked for; anyExtendedKeyUsage does under RFC 5280', async () => {
    expect(await verify(pki, { leaf: 'ekuClient', anchors: ['r'], usage: 'server' })).toMatchObject(
      { ok: false, code: 'ERR_EXTENDED_KEY_USAGE' },
    );
    expect(await ok({ leaf: 'ekuAny', anchors: ['r'], usage: 'server' })).toBe(true);
  });

  it('K2: no extKeyUsage allows any usage under RFC 5280; the BRs require it', async () => {
    expect(await ok({ leaf: 'noEku', anchors: ['r'], usage: 'server' })).toBe(true);
    expect(await ok({ leaf: 'noEku', ...web })).toBe(false);
  });

  it('K3: anyExtendedKeyUsage in a subscriber certificate fails under the BRs', async () => {
    expect(await ok({ leaf: 'ekuServerAny', ...web })).toBe(false);
  });

  it('K4: a critical extKeyUsage fails under the BRs', async () => {
    expect(await ok({ leaf: 'ekuCrit', anchors: ['r'], usage: 'server' })).toBe(true);
    expect(await ok({ leaf: 'ekuCrit', ...web })).toBe(false);
  });

  it('K5: a root with extKeyUsage fails under the BRs (BR 7.1.2.1.2)', async () => {
    expect(await ok({ leaf: 'underREku', anchors: ['rEku'], usage: 'server' })).toBe(true);
    expect(await ok({ leaf: 'underREku', ...web, anchors: ['rEku'] })).toBe(false);
  });

  it('K6: serverAuth with clientAuth is a valid TLS subscriber certificate (BR 7.1.2.7.10)', async () => {
    expect(await ok({ leaf: 'ekuBoth', ...web })).toBe(true);
  });

  it('K6: codeSigning, emailProtection, timeStamping, OCSPSigning or precertificate signing beside serverAuth fail under the BRs (BR 7.1.2.7.10)', async () => {
    for (const e of ['codeSigning', 'emailProtection', 'timeStamping', 'OCSPSigning', PRECERT])
      expect(await ok({ leaf: `eku-${e}`, ...web }), e).toBe(false);
  });

  it('K8: the leaf keyUsage, when present, must allow the key usages asked for (§4.2.1.3)', async () => {
    expect(await ok({ leaf: 'exact', anchors: ['r'], keyUsage: ['digitalSignature'] })).toBe(true);
    expect(
      await verify(pki, { leaf: 'exact', anchors: ['r'], keyUsage: ['keyEncipherment'] }),
    ).toMatchObject({ ok: false, code: 'ERR_KEY_USAGE' });
    expect(await ok({ leaf: 'rsaNoKu', anchors: ['r'], keyUsage: ['digitalSignature'] })).toBe(
      false,
    );
  });

  it("K7: under the BRs an issuer's extKeyUsage limits the usages below it", async () => {
    expect(
      await ok({ leaf: 'underIEku', anchors: ['r'], intermediates: ['iEku'], usage: 'server' }),
    ).toBe(true);
    expect(await ok({ leaf: 'underIEku', ...web, intermediates: ['iEku'] })).toBe(false);
  });
});

describe('Baseline Requirements certificate profile (policy webpki)', () => {
  it('H7: a subscriber certificate has a subjectAltName, critical only when the subject is empty (BR 7.1.2.7.12)', async () => {
    expect(await ok({ leaf: 'cnOnly', ...web })).toBe(false);
    expect(await ok({ leaf: 'sanCrit', anchors: ['r'], host: 'example.com' })).toBe(true);
    expect(await ok({ leaf: 'sanCrit', ...web, host: 'example.com' })).toBe(false);
    expect(await ok({ leaf: 'exact', ...web, host: 'example.com' })).toBe(true);
  });

  it('H8: no wildcard on a public suffix, ICANN or private section, nor * alone (BR 3.2.2.6)', async () => {
    // RFC 6125 alone allows *.co.uk (two labels after the wildcard): only the PSL tells
    expect(await ok({ leaf: 'psl', anchors: ['r'], host: 'foo.co.uk' })).toBe(true);
    expect(await ok({ leaf: 'pslPrivate', anchors: ['r'], host: 'foo.github.io' })).toBe(true);
    expect(await ok({ leaf: 'pslPrivate', ...web, host: 'foo.github.io' })).toBe(false);
    expect(await ok({ leaf: 'psl', ...web, host: 'foo.co.uk' })).toBe(false);
    expect(await ok({ leaf: 'star', ...web, host: 'example.com' })).toBe(false);
    expect(await ok({ leaf: 'wild', ...web, host: 'foo.example.com' })).toBe(true);
  });

  it('H9: a subject CN is one SAN value in the BR text form (BR 7.1.4.3)', async () => {
    for (const [l, ip] of [
      ['cnHex', '192.0.2.1'],
      ['cnZeros', '192.0.2.1'],
      ['cnV6Upper', '2001:db8::1'],
      ['cnV6Long', '2001:db8::1'],
    ]) {
      expect(await ok({ leaf: l!, anchors: ['r'], ip })).toBe(true);
      expect(await ok({ leaf: l!, ...web, ip }), l).toBe(false);
    }
    expect(await ok({ leaf: 'cnV6', ...web, ip: '2001:db8::1' })).toBe(true);
    expect(await ok({ leaf: 'ip', ...web, ip: '192.0.2.1' })).toBe(true);
    for (const l of ['cnCase', 'cnULabel', 'cnNotSan'])
      expect(await ok({ leaf: l, ...web }), l).toBe(false);
  });

  it('B12: a CA certificate has a keyUsage extension (BR 7.1.2.1.2, 7.1.2.10.7)', async () => {
    expect(await ok({ leaf: 'underNoKu', anchors: ['rNoKuBc'] })).toBe(true);
    expect(await ok({ leaf: 'underNoKu', ...web, anchors: ['rNoKuBc'] })).toBe(false);
  });

  it('B13: subscriber key usages follow the key type under webpki: ECC needs digitalSignature and may add keyAgreement, RSA takes digitalSignature/keyEncipherment/dataEncipherment (BR 7.1.2.7.11)', async () => {
    for (const l of ['ecKa', 'rsaKe']) expect(await ok({ leaf: l, ...web }), l).toBe(true);
    for (const l of ['ecKaOnly', 'ecKe', 'rsaKa']) {
      expect(await ok({ leaf: l, ...web }), l).toBe(false);
      expect(await ok({ leaf: l, anchors: ['r'] }), `${l} under rfc5280`).toBe(true);
    }
  });

  it('B11: an RSA subscriber key with no key usage bit fails (BR 7.1.2.7.11; RFC 5280 §4.2.1.3 too)', async () => {
    expect(await ok({ leaf: 'rsaNoKu', anchors: ['r'] })).toBe(false);
    expect(await ok({ leaf: 'rsaNoKu', ...web })).toBe(false);
  });

  it('S3: keys are RSA with a modulus a multiple of 8 bits, or ECDSA P-256/384/521 (BR 6.1.5, 7.1.3.1)', async () => {
    expect(await ok({ leaf: 'rsa2056', ...web })).toBe(true);
    for (const l of ['p192', 'rsa2052', 'ed']) expect(await ok({ leaf: l, ...web }), l).toBe(false);
    expect(await ok({ leaf: 'ed', anchors: ['r'] })).toBe(true);
  });

  it('W1, W2: a root AKI has no issuer or serial, and its keyIdentifier is the SKI (BR 7.1.2.1.3)', async () => {
    expect(await ok({ leaf: 'underAkiSerial', ...web, anchors: ['rAkiSerial'] })).toBe(false);
    expect(await ok({ leaf: 'underAkiOther', ...web, anchors: ['rAkiOther'] })).toBe(false);
    expect(await ok({ leaf: 'underAkiOther', anchors: ['rAkiOther'] })).toBe(true);
  });

  it('W3: a root AKI, when present, has a keyIdentifier (BR 7.1.2.1.3)', async () => {
    expect(await ok({ leaf: 'underAkiNoKeyId', ...web, anchors: ['rAkiNoKeyId'] })).toBe(false);
  });
});
