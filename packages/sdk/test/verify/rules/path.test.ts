/**
 * Rules of RFC 5280 §6.1 path building and basic path validation, one test per rule
 * (tools/limbo/RULES.md, rows P, S, V, B): trust anchors, backtracking, loops, depth, validity,
 * basicConstraints and keyUsage. Certificates are made by pyca/cryptography at test time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bc, ca, dnsSan, eku, ku, leaf, leafExt, makePki, type Pki, root, verify } from './pki.js';

let pki: Pki;

beforeAll(() => {
  pki = makePki([
    root('r'),
    root('other'),
    ca('i', 'r'),
    leaf('l', 'i'),
    leaf('lr', 'r'),
    // P3: the old root cross-signed by a second root, expired; the leaf's own root is trusted
    root('r2'),
    {
      ...ca('xr', 'r2', { ext: [bc(true), ku(['keyCertSign', 'cRLSign'])] }),
      subject: [['CN', 'r root']],
      keyOf: 'r',
      notAfter: '2021-01-01T00:00:00Z',
    },
    // P4: two CAs that sign each other, neither under a trust anchor
    { id: 'k1', subject: [['CN', 'cycle one']], ext: [bc(true), ku(['keyCertSign'])] },
    {
      id: 'k2',
      issuer: 'k1',
      subject: [['CN', 'cycle two']],
      ext: [bc(true), ku(['keyCertSign'])],
    },
    {
      id: 'k1b',
      issuer: 'k2',
      keyOf: 'k1',
      subject: [['CN', 'cycle one']],
      ext: [bc(true), ku(['keyCertSign'])],
    },
    leaf('lk', 'k1b'),
    // V: validity at the bounds
    leaf('lExact', 'r', { notBefore: '2024-06-01T00:00:00Z', notAfter: '2024-06-01T00:00:00Z' }),
    leaf('lExpired', 'r', { notAfter: '2024-05-31T23:59:59Z' }),
    leaf('lLater', 'r', { notBefore: '2024-06-01T00:00:01Z' }),
    { ...ca('iExpired', 'r'), notAfter: '2024-01-01T00:00:00Z' },
    leaf('lUnderExpired', 'iExpired'),
    // B: basic constraints and key usage
    ca('iNotCa', 'r', { ext: [bc(false), ku(['keyCertSign'])] }),
    leaf('lNotCa', 'iNotCa'),
    ca('iNoBc', 'r', { ext: [ku(['keyCertSign'])] }),
    leaf('lNoBc', 'iNoBc'),
    ca('iNoCertSign', 'r', { ext: [bc(true), ku(['digitalSignature', 'cRLSign'])] }),
    leaf('lNoCertSign', 'iNoCertSign'),
    ca('iBcNonCrit', 'r', { ext: [bc(true, undefined, false), ku(['keyCertSign'])] }),
    leaf('lBcNonCrit', 'iBcNonCrit'),
    ca('p0', 'r', { ext: [bc(true, 0), ku(['keyCertSign'])] }),
    ca('p0b', 'p0', { ext: [bc(true, 0), ku(['keyCertSign'])] }),
    leaf('lP0', 'p0'),
    leaf('lP0b', 'p0b'),
    // self-issued intermediates are not counted: p1 -> p1 (same name, new key) -> p0c -> leaf
    ca('p1', 'r', { ext: [bc(true, 1), ku(['keyCertSign'])] }),
    {
      ...ca('p1self', 'p1', { ext: [bc(true, 1), ku(['keyCertSign'])] }),
      subject: [['CN', 'p1 CA']],
    },
    ca('p0c', 'p1self', { ext: [bc(true, 0), ku(['keyCertSign'])] }),
    leaf('lSelf', 'p0c'),
    // a larger pathlen below a smaller one does not widen it: p1w(1) -> p2w(2) -> p2x -> leaf
    ca('p1w', 'r', { ext: [bc(true, 1), ku(['keyCertSign'])] }),
    ca('p2w', 'p1w', { ext: [bc(true, 2), ku(['keyCertSign'])] }),
    ca('p2x', 'p2w'),
    leaf('lWiden', 'p2x'),
    leaf('lIncrease', 'p2w'),
    leaf('lBare', 'r', { ext: [eku(['serverAuth']), dnsSan('example.com')] }),
    { ...ca('caLeaf', 'r'), ext: [bc(true), ku(['keyCertSign']), dnsSan('ca.example.com')] },
    leaf('lKcs', 'r', { ext: leafExt(bc(false), ku(['digitalSignature', 'keyCertSign'])) }),
    ca('iPathNoKcs', 'r', { ext: [bc(true, 0), ku(['digitalSignature'])] }),
    leaf('lPathNoKcs', 'iPathNoKcs'),
    // S1, S2, P7: signatures and keys
    leaf('lWrongSigner', 'other', { issuerName: [['CN', 'r root']] }),
    // ecdsa-with-SHA384 outside, ecdsa-with-SHA256 inside
    leaf('lAlgMismatch', 'r', { outerAlgDer: '300a06082a8648ce3d040303' }),
    // an rsaEncryption SPKI whose key is an empty BIT STRING
    ca('iBrokenKey', 'r', { spkiDer: '3012300d06092a864886f70d0101010500030100' }),
    leaf('lUnderBrokenKey', 'iBrokenKey'),
    // V4, B2: the trust anchor itself
    root('rExpired', { notAfter: '2024-01-01T00:00:00Z' }),
    leaf('lUnderExpiredRoot', 'rExpired'),
    { id: 'rNoBc', subject: [['CN', 'no bc root']], ext: [ku(['keyCertSign'])] },
    leaf('lUnderNoBcRoot', 'rNoBc'),
    // P5: a long run of self-issued CAs with distinct keys, ending nowhere
    ...Array.from({ length: 24 }, (_, n) => ({
      id: `h${n}`,
      ...(n > 0 ? { issuer: `h${n - 1}` } : {}),
      subject: [['CN', 'hydra CA']] as [string, string][],
      ext: [bc(true), ku(['keyCertSign'])],
    })),
    leaf('lHydra', 'h23'),
  ]);
});

describe('path building (RFC 5280 §6.1.1 (d), RFC 4158)', () => {
  it('P1: a path must end at a given trust anchor; an untrusted root among the intermediates does not count (§6.1.1 (d))', async () => {
    expect((await verify(pki, { leaf: 'l', anchors: ['r'], intermediates: ['i'] })).ok).toBe(true);
    const r = await verify(pki, { leaf: 'l', anchors: ['other'], intermediates: ['i', 'r'] });
    expect(r).toMatchObject({ ok: false, code: 'ERR_UNKNOWN_AUTHORITY' });
  });

  it('P2: an intermediate given as trust anchor ends the path; the root among the intermediates is not needed (§6.1.1 (d))', async () => {
    const r = await verify(pki, { leaf: 'l', anchors: ['i'], intermediates: ['r'] });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain).toHaveLength(2);
  });

  it('P3: an expired cross-certificate is passed over for another path to a trusted root (RFC 4158 §2.5)', async () => {
    const r = await verify(pki, { leaf: 'lr', anchors: ['r', 'r2'], intermediates: ['xr'] });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain).toHaveLength(2);
    // and the expired cross-certificate alone is no path
    expect((await verify(pki, { leaf: 'lr', anchors: ['r2'], intermediates: ['xr'] })).ok).toBe(
      false,
    );
  });

  it('P4: CAs that sign each other make a loop that ends in failure (RFC 4158 §5.2)', async () => {
    const r = await verify(pki, {
      leaf: 'lk',
      anchors: ['r'],
      intermediates: ['k1', 'k2', 'k1b'],
      maxDepth: 64,
    });
    expect(r).toMatchObject({ ok: false, code: 'ERR_UNKNOWN_AUTHORITY' });
  });

  it('P6: maxDepth counts intermediates that are not self-issued (§4.2.1.9 counting)', async () => {
    expect(
      (await verify(pki, { leaf: 'l', anchors: ['r'], intermediates: ['i'], maxDepth: 0 })).ok,
    ).toBe(false);
    expect(
      (await verify(pki, { leaf: 'l', anchors: ['r'], intermediates: ['i'], maxDepth: 1 })).ok,
    ).toBe(true);
    // p1 -> p1self (self-issued) -> p0c: two counted intermediates
    const chain = { leaf: 'lSelf', anchors: ['r'], intermediates: ['p1', 'p1self', 'p0c'] };
    expect((await verify(pki, { ...chain, maxDepth: 2 })).ok).toBe(true);
    expect((await verify(pki, { ...chain, maxDepth: 1 })).ok).toBe(false);
  });
});

describe('signatures and keys (RFC 5280 §4.1.1.2, §6.1.3 (a)(1))', () => {
  it('S1: a certificate whose signature does not verify with its issuer key fails (§6.1.3 (a)(1))', async () => {
    expect((await verify(pki, { leaf: 'lWrongSigner', anchors: ['r'] })).ok).toBe(false);
  });

  it('S2: signatureAlgorithm must equal the TBS signature field (§4.1.1.2)', async () => {
    expect((await verify(pki, { leaf: 'lAlgMismatch', anchors: ['r'] })).ok).toBe(false);
  });

  it('P7: an issuer key that does not decode fails the path with a result, not an exception', async () => {
    const r = await verify(pki, {
      leaf: 'lUnderBrokenKey',
      anchors: ['r'],
      intermediates: ['iBrokenKey'],
    });
    expect(r.ok).toBe(false);
  });

  it('P5: a long run of same-named issuers that ends nowhere fails (RFC 4158 §5)', async () => {
    const intermediates = Array.from({ length: 24 }, (_, n) => `h${n}`);
    expect(
      (await verify(pki, { leaf: 'lHydra', anchors: ['r'], intermediates, maxDepth: 64 })).ok,
    ).toBe(false);
  });
});

describe('validity (RFC 5280 §4.1.2.5, §6.1.3 (a)(2))', () => {
  it('V1: notBefore and notAfter are inclusive (§4.1.2.5)', async () => {
    expect((await verify(pki, { leaf: 'lExact', anchors: ['r'] })).ok).toBe(true);
  });

  it('V2: the time is compared at one-second granularity (§4.1.2.5.1, .2: no fractions)', async () => {
    const at = new Date('2024-06-01T00:00:00.900Z');
    expect((await verify(pki, { leaf: 'lExact', anchors: ['r'], at })).ok).toBe(true);
    const before = new Date('2024-06-01T00:00:00.999Z');
    expect((await verify(pki, { leaf: 'lLater', anchors: ['r'], at: before })).ok).toBe(false);
  });

  it('V3: an expired leaf or intermediate, or a leaf not yet valid, fails (§6.1.3 (a)(2))', async () => {
    expect(await verify(pki, { leaf: 'lExpired', anchors: ['r'] })).toMatchObject({
      ok: false,
      code: 'ERR_CERT_EXPIRED',
    });
    expect(await verify(pki, { leaf: 'lLater', anchors: ['r'] })).toMatchObject({
      ok: false,
      code: 'ERR_CERT_NOT_YET_VALID',
    });
    expect(
      await verify(pki, { leaf: 'lUnderExpired', anchors: ['r'], intermediates: ['iExpired'] }),
    ).toMatchObject({ ok: false, code: 'ERR_CERT_EXPIRED', depth: 1 });
  });
});

describe('the trust anchor (RFC 5280 §6.1.1 (d), RFC 5937)', () => {
  it('V4: an expired trust anchor fails (limbo; §6.1.1 (d) itself takes only name and key)', async () => {
    expect(await verify(pki, { leaf: 'lUnderExpiredRoot', anchors: ['rExpired'] })).toMatchObject({
      ok: false,
      code: 'ERR_CERT_EXPIRED',
    });
  });

  it('B2: a trust anchor certificate without basicConstraints cA cannot issue (RFC 5937 §3)', async () => {
    expect(await verify(pki, { leaf: 'lUnderNoBcRoot', anchors: ['rNoBc'] })).toMatchObject({
      ok: false,
      code: 'ERR_NOT_A_CA',
    });
  });
});

describe('basic constraints and key usage (RFC 5280 §4.2.1.3, §4.2.1.9, §6.1.4 (k)-(n))', () => {
  it('B1: an intermediate needs basicConstraints cA TRUE (§6.1.4 (k))', async () => {
    for (const [l, i] of [
      ['lNotCa', 'iNotCa'],
      ['lNoBc', 'iNoBc'],
    ])
      expect(await verify(pki, { leaf: l!, anchors: ['r'], intermediates: [i!] })).toMatchObject({
        ok: false,
        code: 'ERR_NOT_A_CA',
      });
  });

  it('B3: a non-critical basicConstraints in a CA fails only under strict (§4.2.1.9; §6.1.4 (k) reads cA only)', async () => {
    const chain = { leaf: 'lBcNonCrit', anchors: ['r'], intermediates: ['iBcNonCrit'] };
    expect((await verify(pki, chain)).ok).toBe(true);
    expect((await verify(pki, { ...chain, strict: true })).ok).toBe(false);
  });

  it('B4: a CA whose keyUsage lacks keyCertSign cannot issue (§6.1.4 (n))', async () => {
    const r = await verify(pki, {
      leaf: 'lNoCertSign',
      anchors: ['r'],
      intermediates: ['iNoCertSign'],
    });
    expect(r).toMatchObject({ ok: false, code: 'ERR_KEY_USAGE' });
  });

  it('B5: pathLenConstraint without keyCertSign fails under strict (§4.2.1.9)', async () => {
    // §6.1.4 (n) already refuses this CA as an issuer; strict names the §4.2.1.9 rule too
    const chain = { leaf: 'lPathNoKcs', anchors: ['r'], intermediates: ['iPathNoKcs'] };
    expect((await verify(pki, chain)).ok).toBe(false);
    expect((await verify(pki, { ...chain, strict: true })).ok).toBe(false);
  });

  it('B6: keyCertSign in a certificate that is not a CA fails under strict (§4.2.1.3)', async () => {
    expect((await verify(pki, { leaf: 'lKcs', anchors: ['r'] })).ok).toBe(true);
    expect((await verify(pki, { leaf: 'lKcs', anchors: ['r'], strict: true })).ok).toBe(false);
  });

  it('B7: pathLenConstraint counts non-self-issued intermediates below, not the leaf, and cannot be widened below (§6.1.4 (l), (m))', async () => {
    expect((await verify(pki, { leaf: 'lP0', anchors: ['r'], intermediates: ['p0'] })).ok).toBe(
      true,
    );
    expect(
      await verify(pki, { leaf: 'lP0b', anchors: ['r'], intermediates: ['p0', 'p0b'] }),
    ).toMatchObject({ ok: false, code: 'ERR_PATH_LENGTH_EXCEEDED' });
    // the last certificate is not an intermediate: p0 -> p0b as the leaf is valid
    expect((await verify(pki, { leaf: 'p0b', anchors: ['r'], intermediates: ['p0'] })).ok).toBe(
      true,
    );
    expect(
      (
        await verify(pki, {
          leaf: 'lSelf',
          anchors: ['r'],
          intermediates: ['p1', 'p1self', 'p0c'],
        })
      ).ok,
    ).toBe(true);
    expect(
      (await verify(pki, { leaf: 'lIncrease', anchors: ['r'], intermediates: ['p1w', 'p2w'] })).ok,
    ).toBe(true);
    expect(
      await verify(pki, {
        leaf: 'lWiden',
        anchors: ['r'],
        intermediates: ['p1w', 'p2w', 'p2x'],
      }),
    ).toMatchObject({ ok: false, code: 'ERR_PATH_LENGTH_EXCEEDED' });
  });

  it('B8: a leaf needs neither basicConstraints nor keyUsage (§4.2.1.3, §4.2.1.9)', async () => {
    expect((await verify(pki, { leaf: 'lBare', anchors: ['r'], strict: true })).ok).toBe(true);
  });

  it('B9: a CA certificate may be the leaf under RFC 5280, not under the BRs (BR 7.1.2.7.8)', async () => {
    const o = { leaf: 'caLeaf', anchors: ['r'], host: 'ca.example.com' };
    expect((await verify(pki, o)).ok).toBe(true);
    expect((await verify(pki, { ...o, policy: 'webpki' })).ok).toBe(false);
  });
});
