/**
 * Encoding rules the differential harness's later mutation families found nodeid lenient on
 * (tools/differential/README.md, "Fixed"): validity dates as GeneralizedTime before 2050
 * (RFC 5280 §4.1.2.5), EC keys on curves under 224 bits, and a dNSName with a trailing dot
 * (RFC 5280 §4.2.1.6), EC keys with explicit curve parameters (RFC 5480 §2.1.1), and an empty
 * subject in a leaf that says it is a CA (RFC 5280 §4.1.2.6). Certificates are made by
 * pyca/cryptography at test time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bc,
  ca,
  dnsSan,
  eku,
  ku,
  leaf,
  leafExt,
  makePki,
  type Pki,
  root,
  san,
  verify,
} from './pki.js';

/** A DER element (short and long lengths), as hex. */
function tlv(tag: number, hex: string): string {
  const n = hex.length / 2;
  const len = n < 0x80 ? n.toString(16).padStart(2, '0') : `82${n.toString(16).padStart(4, '0')}`;
  return `${tag.toString(16).padStart(2, '0')}${len}${hex}`;
}

/** An RSA SubjectPublicKeyInfo (RFC 8017 A.1.1) with a 2048-bit modulus and exponent `e`. */
function rsaSpki(e: bigint): string {
  const modulus = `00c${'5a'.repeat(255)}b`; // 2048 bits, odd; never used to verify anything
  let eHex = e.toString(16);
  if (eHex.length % 2) eHex = `0${eHex}`;
  if (Number.parseInt(eHex.slice(0, 2), 16) & 0x80) eHex = `00${eHex}`;
  const key = tlv(0x30, tlv(0x02, modulus) + tlv(0x02, eHex));
  return tlv(0x30, tlv(0x30, '06092a864886f70d0101010500') + tlv(0x03, `00${key}`));
}

let pki: Pki;

beforeAll(() => {
  pki = makePki([
    root('r'),
    leaf('lGenTime', 'r', { generalizedTime: true }),
    root('rGenTime', { generalizedTime: true }),
    leaf('lUnderGenTimeRoot', 'rGenTime'),
    // 2050 and later MUST be GeneralizedTime: the same rewrite is then the required form
    root('r2060', { notAfter: '2060-01-01T00:00:00Z' }),
    leaf('lGenTime2050', 'r2060', {
      notBefore: '2050-01-01T00:00:00Z',
      notAfter: '2051-01-01T00:00:00Z',
      generalizedTime: true,
    }),
    leaf('lP192', 'r', { key: 'p192' }),
    leaf('lP384', 'r', { key: 'p384' }),
    ca('iK1', 'r', { key: 'secp256k1' }),
    leaf('lUnderK1', 'iK1'),
    leaf('lTrailingDot', 'r', { ext: leafExt(dnsSan('example.com.')) }),
    leaf('lExplicitCurve', 'r', { explicitCurve: true }),
    leaf('lSigNull', 'r', { sigParamsNull: true }),
    leaf('lRsaE1', 'r', { spkiDer: rsaSpki(1n) }),
    leaf('lRsaEven', 'r', { spkiDer: rsaSpki(65536n) }),
    leaf('lRsaE3', 'r', { spkiDer: rsaSpki(3n) }),
    ca('iExplicitCurve', 'r', { explicitCurve: true }),
    leaf('lUnderExplicitCurve', 'iExplicitCurve'),
    leaf('lCaEmptySubject', 'r', {
      subject: [],
      ext: [
        bc(true),
        ku(['digitalSignature']),
        eku(['serverAuth']),
        san([['dns', 'example.com']], true),
      ],
    }),
  ]);
});

describe('validity encoding (RFC 5280 §4.1.2.5)', () => {
  it('refuses GeneralizedTime for a date through 2049 under strict and webpki, in a leaf and a trust anchor', async () => {
    for (const policy of ['rfc5280', 'webpki'] as const) {
      const strict = policy === 'rfc5280';
      const bad = await verify(pki, { leaf: 'lGenTime', anchors: ['r'], policy, strict });
      expect(bad).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID', depth: 0 });
      expect(bad.ok || bad.message).toMatch(
        /notBefore and notAfter as GeneralizedTime before 2050/,
      );
      expect(
        await verify(pki, { leaf: 'lUnderGenTimeRoot', anchors: ['rGenTime'], policy, strict }),
      ).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID', depth: 1 });
    }
  });

  it('accepts it by default: an issuer-side MUST that §6 does not check', async () => {
    expect((await verify(pki, { leaf: 'lGenTime', anchors: ['r'] })).ok).toBe(true);
  });

  it('accepts GeneralizedTime from 2050 on, which is the required form there', async () => {
    const at = new Date('2050-06-01T00:00:00Z');
    const r = await verify(pki, { leaf: 'lGenTime2050', anchors: ['r2060'], at, strict: true });
    expect(r.ok, r.ok ? '' : r.message).toBe(true);
  });
});

describe('EC curve strength (NIST SP 800-57 Part 1 §5.6.1)', () => {
  it('refuses a P-192 key under every policy, and keeps P-384', async () => {
    for (const policy of ['rfc5280', 'webpki'] as const)
      expect(await verify(pki, { leaf: 'lP192', anchors: ['r'], policy })).toMatchObject({
        ok: false,
        code: 'ERR_KEY_WEAK',
        depth: 0,
      });
    expect((await verify(pki, { leaf: 'lP384', anchors: ['r'] })).ok).toBe(true);
  });
});

describe('EC curves WebCrypto has no verifier for', () => {
  it('says a secp256k1 CA key is unsupported, not that the signature it made is bad', async () => {
    const r = await verify(pki, { leaf: 'lUnderK1', anchors: ['r'], intermediates: ['iK1'] });
    expect(r).toMatchObject({ ok: false, code: 'ERR_KEY_UNSUPPORTED', depth: 1 });
    expect(r.ok || r.message).toMatch(/curve 1\.3\.132\.0\.10/);
  });
});

describe('dNSName preferred name syntax (RFC 5280 §4.2.1.6, RFC 1034 §3.5)', () => {
  it('does not match a SAN with a trailing dot by default, and calls it malformed under strict', async () => {
    expect(
      await verify(pki, { leaf: 'lTrailingDot', anchors: ['r'], host: 'example.com' }),
    ).toMatchObject({ ok: false, code: 'ERR_HOSTNAME_MISMATCH' });
    expect(
      await verify(pki, {
        leaf: 'lTrailingDot',
        anchors: ['r'],
        host: 'example.com',
        strict: true,
      }),
    ).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID' });
  });

  it('still takes an absolute host name (trailing dot) as the name it asks for', async () => {
    const r = await verify(pki, { leaf: 'lP384', anchors: ['r'], host: 'example.com.' });
    expect(r.ok, r.ok ? '' : r.message).toBe(true);
  });
});

describe('EC parameters (RFC 5480 §2.1.1)', () => {
  it('refuses a key with specifiedCurve parameters in a leaf and in a CA, under every policy', async () => {
    for (const policy of ['rfc5280', 'webpki'] as const) {
      expect(await verify(pki, { leaf: 'lExplicitCurve', anchors: ['r'], policy })).toMatchObject({
        ok: false,
        code: 'ERR_CERTIFICATE_INVALID',
        depth: 0,
      });
      expect(
        await verify(pki, {
          leaf: 'lUnderExplicitCurve',
          anchors: ['r'],
          intermediates: ['iExplicitCurve'],
          policy,
        }),
      ).toMatchObject({ ok: false, depth: 1 });
    }
  });
});

describe('CA subject (RFC 5280 §4.1.2.6)', () => {
  it('refuses an empty subject in a leaf with cA TRUE under strict, and lets it through by default', async () => {
    expect(
      await verify(pki, { leaf: 'lCaEmptySubject', anchors: ['r'], strict: true }),
    ).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID', depth: 0 });
    const r = await verify(pki, { leaf: 'lCaEmptySubject', anchors: ['r'] });
    expect(r.ok, r.ok ? '' : r.message).toBe(true);
  });
});

describe('RSA public exponent (RFC 8017 §3.1)', () => {
  it('refuses e = 1 and an even e under every policy, and accepts e = 3', async () => {
    for (const policy of ['rfc5280', 'webpki'] as const)
      for (const l of ['lRsaE1', 'lRsaEven'])
        expect(await verify(pki, { leaf: l, anchors: ['r'], policy })).toMatchObject({
          ok: false,
          code: 'ERR_KEY_WEAK',
          depth: 0,
        });
    const r = await verify(pki, { leaf: 'lRsaE3', anchors: ['r'] });
    expect(r.ok, r.ok ? '' : r.message).toBe(true);
  });
});

describe('signature AlgorithmIdentifier parameters (RFC 5758 §3.2)', () => {
  it('refuses ecdsa-with-SHA256 with NULL parameters, naming the rule rather than a bad signature', async () => {
    const r = await verify(pki, { leaf: 'lSigNull', anchors: ['r'] });
    expect(r).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID', depth: 0 });
    expect(r.ok || r.message).toMatch(/RFC 5758 §3\.2/);
  });
});
