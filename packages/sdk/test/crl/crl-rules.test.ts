/**
 * Revocation rules of RFC 5280 §5 and §6.3, one case per rule, on certificates and CRLs built
 * field by field (crl-builder.ts): serial numbers by value, cRLNumber, critical extensions,
 * the CRL's scope (distribution points, onlyContains*, onlySomeReasons, indirect CRLs), delta
 * CRLs, the CRL issuer's own path, and the `soft` and `require` modes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { int, tlv } from '../../src/lib/der.js';
import {
  type VerifyCertificateOptions,
  verifyCertificate,
} from '../../src/verify/verify-certificate.js';
import {
  AT,
  certify,
  dirName,
  distributionPoint,
  ext,
  type Issued,
  KU,
  type Party,
  party,
  REASON,
  reasonFlags,
  revocationList,
  uriName,
} from './crl-builder.js';

const TRUE = Uint8Array.of(0xff);
const ALL_BUT_KEY_COMPROMISE =
  REASON.cACompromise |
  REASON.affiliationChanged |
  REASON.superseded |
  REASON.cessationOfOperation |
  REASON.certificateHold |
  REASON.privilegeWithdrawn |
  REASON.aACompromise;

let rootKey: Party;
let root: Issued;
let caKey: Party;
let ca: Issued;
let leaf: Issued;
/** A CRL of the root, so that `require` covers the CA too. */
let rootCrl: Uint8Array;

beforeAll(async () => {
  rootKey = await party('rules root');
  root = await certify(rootKey, { ca: true });
  caKey = await party('rules ca');
  ca = await certify(caKey, { issuer: rootKey, ca: true });
  leaf = await certify(await party('leaf'), { issuer: caKey });
  rootCrl = await revocationList(rootKey);
});

function verify(o: Partial<VerifyCertificateOptions> & { certificate?: Uint8Array }) {
  return verifyCertificate({
    certificate: leaf.der,
    trustAnchors: [root.der],
    intermediates: [ca.der],
    at: AT,
    ...o,
  });
}

describe('serial numbers compare as signed INTEGER values (RFC 5280 §4.1.2.2, §5.1.2.6)', () => {
  it('00 FF (255) is not FF (-1)', async () => {
    const cert = await certify(await party('serial 255'), {
      issuer: caKey,
      serial: Uint8Array.of(0x00, 0xff),
    });
    const minusOne = await revocationList(caKey, { entries: [{ serial: Uint8Array.of(0xff) }] });
    expect(await verify({ certificate: cert.der, crls: [minusOne] })).toMatchObject({ ok: true });
    const same = await revocationList(caKey, { entries: [{ serial: Uint8Array.of(0, 0xff) }] });
    expect(await verify({ certificate: cert.der, crls: [same] })).toMatchObject({
      ok: false,
      code: 'ERR_REVOKED',
      depth: 0,
    });
  });
});

describe('CRLs that cannot be used (§5.2, §5.2.3, §5.3)', () => {
  it('a CRL without cRLNumber, or with a critical one, is not used', async () => {
    for (const crl of [
      await revocationList(caKey, { crlNumber: null, entries: [{ serial: leaf }] }),
      await revocationList(caKey, { crlNumberCritical: true, entries: [{ serial: leaf }] }),
    ]) {
      const r = await verify({ crls: [crl] });
      expect(r).toMatchObject({ ok: false, code: 'ERR_CRL_INVALID', depth: 0 });
      if (!r.ok) expect(r.message).toMatch(/cRLNumber/);
    }
  });

  it('an unknown critical CRL or entry extension makes the CRL unusable; a non-critical one does not', async () => {
    const unknown = (critical: boolean) => ext('1.3.6.1.4.1.99999.1', critical, int(1));
    const crlExt = await revocationList(caKey, { extensions: [unknown(true)] });
    const entryExt = await revocationList(caKey, {
      entries: [{ serial: Uint8Array.of(0x7f), extensions: [unknown(true)] }],
    });
    for (const crl of [crlExt, entryExt])
      expect(await verify({ crls: [crl] })).toMatchObject({ ok: false, code: 'ERR_CRL_INVALID' });
    const harmless = await revocationList(caKey, {
      extensions: [unknown(false)],
      entries: [{ serial: Uint8Array.of(0x7f), extensions: [unknown(false)] }],
    });
    expect(await verify({ crls: [harmless] })).toMatchObject({ ok: true });
  });

  it('a stale CRL is not current: soft fails on it, require too', async () => {
    const stale = await revocationList(caKey, { nextUpdate: new Date('2025-05-01T00:00:00Z') });
    for (const revocation of ['soft', 'require'] as const) {
      const r = await verify({ crls: [stale, rootCrl], revocation });
      expect(r).toMatchObject({ ok: false, code: 'ERR_CRL_UNAVAILABLE', depth: 0 });
      if (!r.ok) expect(r.message).toMatch(/expired at 2025-05-01T00:00:00Z/);
    }
  });

  it('a CRL that does not parse fails a soft check, and is left out under require', async () => {
    const good = await revocationList(caKey);
    expect(await verify({ crls: ['garbage', good] })).toMatchObject({ code: 'ERR_CRL_INVALID' });
    expect(await verify({ crls: ['garbage', good, rootCrl], revocation: 'require' })).toMatchObject(
      { ok: true },
    );
  });
});

describe('the CRL scope (§6.3.3 (b))', () => {
  it('onlyContainsCACerts does not cover a leaf, onlyContainsUserCerts does not cover a CA', async () => {
    const caOnly = await revocationList(caKey, {
      idp: [tlv(0x82, TRUE)],
      entries: [{ serial: leaf }],
    });
    expect(await verify({ crls: [caOnly] })).toMatchObject({ ok: true }); // out of scope
    const r = await verify({ crls: [caOnly, rootCrl], revocation: 'require' });
    expect(r).toMatchObject({ ok: false, code: 'ERR_CRL_UNAVAILABLE', depth: 0 });
    const userOnly = await revocationList(rootKey, {
      idp: [tlv(0x81, TRUE)],
      entries: [{ serial: ca }],
    });
    expect(
      await verify({ crls: [await revocationList(caKey), userOnly], revocation: 'require' }),
    ).toMatchObject({ ok: false, code: 'ERR_CRL_UNAVAILABLE', depth: 1 });
    const attributes = await revocationList(caKey, { idp: [tlv(0x85, TRUE)] });
    expect(await verify({ crls: [attributes, rootCrl], revocation: 'require' })).toMatchObject({
      code: 'ERR_CRL_UNAVAILABLE',
    });
  });

  it("an IDP distribution-point name must match one of the certificate's distribution points", async () => {
    const dpA = distributionPoint({ fullName: [uriName('http://crl.example/a.crl')] });
    const withA = await certify(await party('dp a'), {
      issuer: caKey,
      crlDistributionPoints: [dpA],
    });
    const withB = await certify(await party('dp b'), {
      issuer: caKey,
      crlDistributionPoints: [distributionPoint({ fullName: [uriName('http://crl.example/b')] })],
    });
    const crlA = await revocationList(caKey, {
      idp: [tlv(0xa0, tlv(0xa0, uriName('http://crl.example/a.crl')))],
      entries: [{ serial: withA }, { serial: withB }],
    });
    expect(await verify({ certificate: withA.der, crls: [crlA] })).toMatchObject({
      code: 'ERR_REVOKED',
    });
    expect(await verify({ certificate: withB.der, crls: [crlA] })).toMatchObject({ ok: true });
    // and a certificate without cRLDistributionPoints is not covered by a CRL that names one
    expect(await verify({ crls: [crlA, rootCrl], revocation: 'require' })).toMatchObject({
      code: 'ERR_CRL_UNAVAILABLE',
      depth: 0,
    });
  });

  it('onlySomeReasons: the reasons masks accumulate until every reason is covered (§6.3.3 (d), (l))', async () => {
    const onlyKeyCompromise = await revocationList(caKey, {
      idp: [reasonFlags(0x83, REASON.keyCompromise)],
      crlNumber: 1,
    });
    expect(await verify({ crls: [onlyKeyCompromise] })).toMatchObject({ ok: true }); // soft
    const partial = await verify({ crls: [onlyKeyCompromise, rootCrl], revocation: 'require' });
    expect(partial).toMatchObject({ ok: false, code: 'ERR_CRL_UNAVAILABLE', depth: 0 });
    if (!partial.ok) expect(partial.message).toMatch(/do not cover the reasons cACompromise/);
    const others = (entries: { serial: Issued; reason: number }[]) =>
      revocationList(caKey, {
        idp: [reasonFlags(0x83, ALL_BUT_KEY_COMPROMISE)],
        crlNumber: 2,
        entries,
      });
    expect(
      await verify({ crls: [onlyKeyCompromise, await others([]), rootCrl], revocation: 'require' }),
    ).toMatchObject({ ok: true });
    expect(
      await verify({
        crls: [onlyKeyCompromise, await others([{ serial: leaf, reason: 3 }]), rootCrl],
        revocation: 'require',
      }),
    ).toMatchObject({ code: 'ERR_REVOKED' });
  });

  it('an indirect CRL: from the cRLIssuer of the DP, with certificateIssuer entries (§5.3.3)', async () => {
    const authorityKey = await party('crl authority');
    const authority = await certify(authorityKey, { issuer: rootKey, keyUsage: KU.cRLSign });
    const dp = distributionPoint({ crlIssuer: [dirName('crl authority')] });
    const cert = await certify(await party('indirect'), {
      issuer: caKey,
      crlDistributionPoints: [dp],
    });
    const entries = [
      { serial: Uint8Array.of(0x01) }, // the authority's own
      { serial: cert, certificateIssuer: [dirName('rules ca')] },
    ];
    const indirect = await revocationList(authorityKey, { idp: [tlv(0x84, TRUE)], entries });
    const o = { certificate: cert.der, intermediates: [ca.der, authority.der] };
    expect(await verify({ ...o, crls: [indirect] })).toMatchObject({ code: 'ERR_REVOKED' });
    // the same entries in a CRL that does not say it is indirect: not from the DP's CRL issuer
    const direct = await revocationList(authorityKey, { entries });
    expect(await verify({ ...o, crls: [direct, rootCrl], revocation: 'require' })).toMatchObject({
      code: 'ERR_CRL_UNAVAILABLE',
      depth: 0,
    });
    // an entry of another issuer does not revoke a same-serial certificate of this one
    const otherIssuer = await revocationList(authorityKey, {
      idp: [tlv(0x84, TRUE)],
      entries: [{ serial: cert, certificateIssuer: [dirName('someone else')] }],
    });
    expect(
      await verify({ ...o, crls: [otherIssuer, rootCrl], revocation: 'require' }),
    ).toMatchObject({ ok: true });
  });
});

describe('delta CRLs (§5.2.4, §6.3.3 (c), (i), (k))', () => {
  it('a delta CRL alone is never a complete CRL', async () => {
    const delta = await revocationList(caKey, { crlNumber: 2, deltaOf: 1 });
    expect(await verify({ crls: [delta, rootCrl], revocation: 'require' })).toMatchObject({
      code: 'ERR_CRL_UNAVAILABLE',
      depth: 0,
    });
  });

  it('applies on top of its base: revokes, and removeFromCRL un-holds', async () => {
    const base = await revocationList(caKey, {
      crlNumber: 5,
      entries: [{ serial: leaf, reason: 6 }], // certificateHold
    });
    const held = await verify({ crls: [base, rootCrl], revocation: 'require' });
    expect(held).toMatchObject({ code: 'ERR_REVOKED' });
    if (!held.ok) expect(held.message).toMatch(/certificateHold/);
    const release = await revocationList(caKey, {
      crlNumber: 6,
      deltaOf: 5,
      entries: [{ serial: leaf, reason: 8 }], // removeFromCRL
    });
    expect(await verify({ crls: [base, release, rootCrl], revocation: 'require' })).toMatchObject({
      ok: true,
    });
    const emptyBase = await revocationList(caKey, { crlNumber: 5 });
    const revoke = await revocationList(caKey, {
      crlNumber: 6,
      deltaOf: 5,
      entries: [{ serial: leaf, reason: 1 }],
    });
    const r = await verify({ crls: [emptyBase, revoke, rootCrl], revocation: 'require' });
    expect(r).toMatchObject({ code: 'ERR_REVOKED' });
    if (!r.ok) expect(r.message).toMatch(/delta CRL number 6/);
  });

  it('is not applied to a complete CRL older than its base, nor older than the complete CRL', async () => {
    const old = await revocationList(caKey, { crlNumber: 3 });
    const deltaOf5 = await revocationList(caKey, {
      crlNumber: 6,
      deltaOf: 5,
      entries: [{ serial: leaf, reason: 1 }],
    });
    expect(await verify({ crls: [old, deltaOf5, rootCrl], revocation: 'require' })).toMatchObject({
      ok: true,
    });
    const newer = await revocationList(caKey, {
      crlNumber: 9,
      entries: [{ serial: leaf, reason: 6 }],
    });
    const oldRelease = await revocationList(caKey, {
      crlNumber: 7,
      deltaOf: 5,
      entries: [{ serial: leaf, reason: 8 }],
    });
    expect(
      await verify({ crls: [newer, oldRelease, rootCrl], revocation: 'require' }),
    ).toMatchObject({ code: 'ERR_REVOKED' });
  });

  it('a stale delta CRL makes its complete CRL unusable rather than ignored (§6.3.3 (a)(2))', async () => {
    const base = await revocationList(caKey, { crlNumber: 5 });
    const staleDelta = await revocationList(caKey, {
      crlNumber: 6,
      deltaOf: 5,
      nextUpdate: new Date('2025-02-01T00:00:00Z'),
    });
    expect(
      await verify({ crls: [base, staleDelta, rootCrl], revocation: 'require' }),
    ).toMatchObject({ code: 'ERR_CRL_UNAVAILABLE', depth: 0 });
  });
});

describe('the CRL issuer is validated by its own path (§6.3.3 (f))', () => {
  it("another key of the CA's name signs CRLs only with a valid certificate to the same anchor", async () => {
    const crlKey = await party('rules ca'); // same name, another key
    const signer = await certify(crlKey, { issuer: rootKey, keyUsage: KU.cRLSign });
    const crl = await revocationList(crlKey, { entries: [{ serial: leaf }] });
    expect(await verify({ intermediates: [ca.der, signer.der], crls: [crl] })).toMatchObject({
      code: 'ERR_REVOKED',
    });
    // signer certificate not given: the CRL names a key nobody vouches for; soft mode takes it
    // for another CA's CRL, require cannot use it
    expect(await verify({ crls: [crl] })).toMatchObject({ ok: true });
    const unknownSigner = await verify({ crls: [crl, rootCrl], revocation: 'require' });
    expect(unknownSigner).toMatchObject({ ok: false, code: 'ERR_CRL_INVALID', depth: 0 });
    if (!unknownSigner.ok) expect(unknownSigner.message).toMatch(/certificate was not given/);
    // the signer's certificate lacks cRLSign
    const noCrlSign = await certify(crlKey, { issuer: rootKey, keyUsage: KU.digitalSignature });
    const r = await verify({ intermediates: [ca.der, noCrlSign.der], crls: [crl] });
    expect(r).toMatchObject({ code: 'ERR_CRL_INVALID', depth: 0 });
    if (!r.ok) expect(r.message).toMatch(/cRLSign/);
    // the signer's certificate chains to another anchor
    const otherRootKey = await party('other root');
    const otherRoot = await certify(otherRootKey, { ca: true });
    const foreign = await certify(crlKey, { issuer: otherRootKey, keyUsage: KU.cRLSign });
    expect(
      await verify({
        trustAnchors: [root.der, otherRoot.der],
        intermediates: [ca.der, foreign.der],
        crls: [crl],
      }),
    ).toMatchObject({ ok: false, code: 'ERR_CRL_INVALID' });
    // the signer's certificate is revoked by the root
    const revokedSigner = await revocationList(rootKey, { entries: [{ serial: signer }] });
    expect(
      await verify({ intermediates: [ca.der, signer.der], crls: [crl, revokedSigner] }),
    ).toMatchObject({ ok: false, code: 'ERR_CRL_INVALID' });
  });
});

describe("revocation: 'require'", () => {
  it('names the certificate no CRL covers, up to the anchor', async () => {
    const caCrl = await revocationList(caKey);
    const onlyCa = await verify({ crls: [caCrl], revocation: 'require' });
    expect(onlyCa).toMatchObject({ ok: false, code: 'ERR_CRL_UNAVAILABLE', depth: 1 });
    if (!onlyCa.ok) expect(onlyCa.message).toContain('"CN=rules ca"');
    expect(await verify({ crls: [caCrl], revocation: 'soft' })).toMatchObject({ ok: true });
    expect(await verify({ crls: [caCrl, rootCrl], revocation: 'require' })).toMatchObject({
      ok: true,
    });
    expect(await verify({ revocation: 'require' })).toMatchObject({
      code: 'ERR_CRL_UNAVAILABLE',
      depth: 0,
    });
  });

  it('refuses an unknown mode', async () => {
    expect(await verify({ revocation: 'hard' as unknown as 'soft' })).toMatchObject({
      ok: false,
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});
