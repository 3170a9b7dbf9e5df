/**
 * RFC 5280 §4.2 extension rules (tools/limbo/RULES.md rows E): unknown critical extensions,
 * duplicates, criticality, key identifiers, malformed values. Certificates are made by
 * pyca/cryptography at test time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bc, ca, eku, ku, leaf, leafExt, makePki, type Pki, root, verify } from './pki.js';

const UNKNOWN = '1.3.6.1.4.1.99999.7.1';
const unknown = (crit: boolean) => ({ t: 'raw', oid: UNKNOWN, der: '0500', crit });

let pki: Pki;

beforeAll(() => {
  pki = makePki([
    root('r'),
    root('rUnknown', { ext: [unknown(true)] }),
    root('rUnrelated', { ext: [unknown(true)] }),
    leaf('lUnknown', 'r', { ext: leafExt(unknown(true)) }),
    leaf('lUnknownNonCrit', 'r', { ext: leafExt(unknown(false)) }),
    leaf('lUnderUnknownRoot', 'rUnknown'),
    ca('iUnknown', 'r', { ext: [bc(true), ku(['keyCertSign']), unknown(true)] }),
    leaf('lUnderUnknownCa', 'iUnknown'),
    ca('i', 'r'),
    leaf('l', 'i'),
    leaf('lDup', 'r', {
      ext: [ku(['digitalSignature']), eku(['serverAuth'])],
      dupExt: [
        { t: 'san', names: [['dns', 'example.com']] },
        { t: 'san', names: [['dns', 'example.com']] },
      ],
    }),
    leaf('lAkiCrit', 'r', { akiCritical: true }),
    root('rSkiCrit', { skiCritical: true }),
    leaf('lUnderSkiCrit', 'rSkiCrit'),
    leaf('lAiaCrit', 'r', {
      ext: leafExt({
        t: 'raw',
        oid: '1.3.6.1.5.5.7.1.1',
        crit: true,
        der: '3019301706082b060105050730028611687474703a2f2f782e746573742f6361',
      }),
    }),
    leaf('lAiaBad', 'r', {
      ext: leafExt({ t: 'raw', oid: '1.3.6.1.5.5.7.1.1', der: '6d616c666f726d6564' }),
    }),
    leaf('lNoAki', 'r', { aki: false }),
    ca('iNoAki', 'r', { aki: false }),
    leaf('lUnderNoAki', 'iNoAki'),
    root('rNoSki', { ski: false }),
    leaf('lUnderNoSki', 'rNoSki'),
    ca('iNoSki', 'r', { ski: false }),
    leaf('lUnderINoSki', 'iNoSki'),
    leaf('lSanNotDer', 'r', {
      ext: [
        ku(['digitalSignature']),
        eku(['serverAuth']),
        { t: 'raw', oid: '2.5.29.17', der: '6578616d706c652e636f6d' },
      ],
    }),
    leaf('lEkuEmpty', 'r', {
      ext: [
        ku(['digitalSignature']),
        { t: 'raw', oid: '2.5.29.37', der: '3000' },
        { t: 'san', names: [['dns', 'example.com']] },
      ],
    }),
    ca('iPcNonCrit', 'r', {
      ext: [bc(true), ku(['keyCertSign']), { t: 'pc', require: 3, crit: false }],
    }),
    leaf('lUnderPc', 'iPcNonCrit'),
    leaf('lV1', 'r', { version: 1 }),
  ]);
});

describe('extensions (RFC 5280 §4.2, §6.1.4 (o), §6.1.5 (f))', () => {
  it('E1: an unrecognised critical extension fails in the leaf, an intermediate and the trust anchor (§6.1.4 (o), §6.1.5 (f))', async () => {
    expect(await verify(pki, { leaf: 'lUnknown', anchors: ['r'] })).toMatchObject({
      ok: false,
      code: 'ERR_UNKNOWN_CRITICAL_EXTENSION',
    });
    expect(
      await verify(pki, { leaf: 'lUnderUnknownCa', anchors: ['r'], intermediates: ['iUnknown'] }),
    ).toMatchObject({ ok: false, code: 'ERR_UNKNOWN_CRITICAL_EXTENSION' });
    expect(await verify(pki, { leaf: 'lUnderUnknownRoot', anchors: ['rUnknown'] })).toMatchObject({
      ok: false,
      code: 'ERR_UNKNOWN_CRITICAL_EXTENSION',
    });
    expect((await verify(pki, { leaf: 'lUnknownNonCrit', anchors: ['r'] })).ok).toBe(true);
  });

  it('E1: a certificate off the path does not matter, whatever its extensions', async () => {
    expect(
      (
        await verify(pki, {
          leaf: 'l',
          anchors: ['r', 'rUnrelated'],
          intermediates: ['i', 'iUnknown'],
        })
      ).ok,
    ).toBe(true);
  });

  it('E2: two instances of one extension fail (§4.2)', async () => {
    expect((await verify(pki, { leaf: 'lDup', anchors: ['r'] })).ok).toBe(false);
  });

  it('E3: a critical AKI, SKI or AIA fails under strict (§4.2.1.1, §4.2.1.2, §4.2.2.1)', async () => {
    for (const [l, a] of [
      ['lAkiCrit', 'r'],
      ['lUnderSkiCrit', 'rSkiCrit'],
      ['lAiaCrit', 'r'],
    ]) {
      expect((await verify(pki, { leaf: l!, anchors: [a!] })).ok, l).toBe(true);
      expect((await verify(pki, { leaf: l!, anchors: [a!], strict: true })).ok, l).toBe(false);
    }
  });

  it('E4: the AKI keyIdentifier is in every certificate but a self-signed one, under strict (§4.2.1.1)', async () => {
    expect((await verify(pki, { leaf: 'lNoAki', anchors: ['r'], strict: true })).ok).toBe(false);
    expect(
      (
        await verify(pki, {
          leaf: 'lUnderNoAki',
          anchors: ['r'],
          intermediates: ['iNoAki'],
          strict: true,
        })
      ).ok,
    ).toBe(false);
    // the roots made here have no AKI at all: a self-signed certificate may omit it
    expect(
      (await verify(pki, { leaf: 'l', anchors: ['r'], intermediates: ['i'], strict: true })).ok,
    ).toBe(true);
  });

  it('E5: every CA certificate has an SKI, under strict (§4.2.1.2)', async () => {
    expect((await verify(pki, { leaf: 'lUnderNoSki', anchors: ['rNoSki'], strict: true })).ok).toBe(
      false,
    );
    expect(
      (
        await verify(pki, {
          leaf: 'lUnderINoSki',
          anchors: ['r'],
          intermediates: ['iNoSki'],
          strict: true,
        })
      ).ok,
    ).toBe(false);
    expect(
      (await verify(pki, { leaf: 'lUnderINoSki', anchors: ['r'], intermediates: ['iNoSki'] })).ok,
    ).toBe(true);
  });

  it('E6: an AIA that is not a list of AccessDescriptions fails under strict (§4.2.2.1)', async () => {
    expect((await verify(pki, { leaf: 'lAiaBad', anchors: ['r'], strict: true })).ok).toBe(false);
  });

  it('E7: a subjectAltName that is not DER fails (§4.2.1.6, Appendix A)', async () => {
    expect((await verify(pki, { leaf: 'lSanNotDer', anchors: ['r'] })).ok).toBe(false);
  });

  it('E8: an empty extKeyUsage fails (§4.2.1.12: SIZE (1..MAX))', async () => {
    expect((await verify(pki, { leaf: 'lEkuEmpty', anchors: ['r'] })).ok).toBe(false);
  });

  it('E9: a non-critical policyConstraints is not refused by §6 (§6.1.4 (i) reads it whatever its criticality)', async () => {
    expect(
      (await verify(pki, { leaf: 'lUnderPc', anchors: ['r'], intermediates: ['iPcNonCrit'] })).ok,
    ).toBe(true);
  });

  it('E9: strict refuses a non-critical policyConstraints (§4.2.1.11: conforming CAs MUST mark it critical)', async () => {
    const chain = { leaf: 'lUnderPc', anchors: ['r'], intermediates: ['iPcNonCrit'], strict: true };
    expect((await verify(pki, chain)).ok).toBe(false);
  });

  it('E10: only version 3 certificates under the BRs (BR 7.1.1)', async () => {
    expect((await verify(pki, { leaf: 'lV1', anchors: ['r'], policy: 'webpki' })).ok).toBe(false);
  });
});
