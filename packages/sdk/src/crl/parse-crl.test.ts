import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../../test/crl/make-certificate.js';
import { NodeIdError } from '../errors.js';
import { bool, explicit, int, octets, oid, seq, Tag, time, tlv } from '../lib/der.js';
import { encodeName } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { encodePem } from '../lib/pem.js';
import { createCrl } from './create-crl.js';
import { parseCrl } from './parse-crl.js';
import { verifyCrlSignature } from './verify-crl-signature.js';

const SIG_ALG = seq(oid(OID.ecdsaWithSha256));
const NAME = encodeName({ commonName: 'hand-made' });
const T1 = time(new Date('2025-01-01T00:00:00Z'));
const T2 = time(new Date('2025-01-08T00:00:00Z'));
const NUMBER_EXT = seq(oid(OID.crlNumber), octets(int(5)));

/** A CRL from raw TBS parts, with a dummy signature: for parser structure tests only. */
function crlFrom(...tbsParts: Uint8Array[]): Uint8Array {
  return seq(seq(...tbsParts), SIG_ALG, tlv(Tag.BIT_STRING, Uint8Array.of(0, 1, 2, 3)));
}

function errorOf(fn: () => unknown): NodeIdError | undefined {
  try {
    fn();
  } catch (e) {
    if (!NodeIdError.isInstance(e)) throw new Error(`not a NodeIdError: ${String(e)}`);
    return e;
  }
  return undefined;
}

describe('parseCrl structure', () => {
  it('reads a v1 CRL without extensions or entries', () => {
    const crl = parseCrl(crlFrom(SIG_ALG, NAME, T1, T2));
    expect(crl.version).toBe(1);
    expect(crl.issuer.text).toBe('CN=hand-made');
    expect(crl.entries).toEqual([]);
    expect(crl.crlNumber).toBeUndefined();
    // RFC 5280 §5.2.3: conforming CRL issuers MUST include cRLNumber, so a v1 CRL is not conforming.
    expect(crl.problems).toEqual(['cRLNumber is missing (RFC 5280 requires it)']);
  });

  it('records dates from 1950 to 2049 written as GeneralizedTime (RFC 5280 §5.1.2.4-§5.1.2.6)', () => {
    const gen = (iso: string) => tlv(Tag.GENERALIZED_TIME, new TextEncoder().encode(iso));
    const entry = seq(int(7), gen('20250101000000Z'));
    const crl = parseCrl(crlFrom(SIG_ALG, NAME, gen('20250101000000Z'), T2, seq(entry)));
    expect(crl.timeEncodingErrors).toEqual(['thisUpdate', 'revocationDate of 07']);
    expect(crl.problems).toContain(
      'thisUpdate is a GeneralizedTime before 2050 (RFC 5280 requires UTCTime)',
    );
    // UTCTime cannot hold 1949 or 2050: GeneralizedTime is then the required form
    const edges = parseCrl(crlFrom(SIG_ALG, NAME, gen('19491231235959Z'), gen('20500101000000Z')));
    expect(edges.timeEncodingErrors).toEqual([]);
    expect(parseCrl(crlFrom(SIG_ALG, NAME, T1, T2)).timeEncodingErrors).toEqual([]);
  });

  it('refuses extensions in a v1 CRL, versions other than 1 and 2, trailing data', () => {
    const exts = explicit(0, seq(NUMBER_EXT));
    expect(errorOf(() => parseCrl(crlFrom(SIG_ALG, NAME, T1, T2, exts)))?.code).toBe(
      'ERR_CRL_INVALID',
    );
    expect(errorOf(() => parseCrl(crlFrom(int(2), SIG_ALG, NAME, T1, T2)))?.message).toMatch(
      /version 3/,
    );
    const good = crlFrom(int(1), SIG_ALG, NAME, T1, T2, exts);
    expect(parseCrl(good).crlNumber).toBe(5n);
    const trailing = new Uint8Array([...good, 0]);
    expect(errorOf(() => parseCrl(trailing))?.code).toBe('ERR_CRL_INVALID');
    expect(
      errorOf(() => parseCrl(crlFrom(int(1), SIG_ALG, NAME, T1, T2, exts, int(0))))?.code,
    ).toBe('ERR_CRL_INVALID');
  });

  it('lists semantic problems without throwing', () => {
    const unknownCritical = seq(oid('1.2.3.4'), bool(true), octets(Uint8Array.of(5, 0)));
    const delta = seq(oid(OID.deltaCrlIndicator), bool(true), octets(int(3)));
    const negativeNumber = seq(oid(OID.crlNumber), octets(int(-1)));
    const crl = parseCrl(
      crlFrom(
        int(1),
        SIG_ALG,
        NAME,
        T2,
        T1,
        seq(),
        explicit(0, seq(unknownCritical, delta, negativeNumber)),
      ),
    );
    expect(crl.problems).toEqual([
      'nextUpdate is before thisUpdate',
      'revokedCertificates is present but empty (it must then be absent)',
      'unknown critical CRL extension 1.2.3.4',
      'malformed CRL extension 2.5.29.20: cRLNumber is negative',
      'cRLNumber is missing (RFC 5280 requires it)',
    ]);
    expect(crl.deltaCrlIndicator).toBe(3n);
    expect(crl.unhandledCriticalExtensions).toEqual(['1.2.3.4']);
    expect(crl.signatureAlgorithmMismatch).toBe(false);
  });

  it('notices when the inner and outer signature algorithms differ', () => {
    const tbs = seq(int(1), seq(oid(OID.ecdsaWithSha384)), NAME, T1, T2);
    const crl = parseCrl(seq(tbs, SIG_ALG, tlv(Tag.BIT_STRING, Uint8Array.of(0, 1))));
    expect(crl.signatureAlgorithmMismatch).toBe(true);
    expect(crl.signatureAlgorithm.name).toBe('ecdsa-with-SHA256');
  });

  it('flags unknown critical entry extensions and certificateIssuer outside an indirect CRL', () => {
    const serial = int(0x1234);
    const reason = (n: number) =>
      seq(oid(OID.crlReason), octets(tlv(Tag.ENUMERATED, Uint8Array.of(n))));
    const entries = seq(
      seq(serial, T1, seq(reason(1))),
      seq(int(7), T1, seq(reason(7))),
      seq(int(8), T1, seq(seq(oid('1.2.3'), bool(true), octets(Uint8Array.of(5, 0))))),
      seq(
        int(9),
        T1,
        seq(
          seq(oid(OID.certificateIssuer), bool(true), octets(seq(tlv(0x82, Uint8Array.of(0x61))))),
        ),
      ),
    );
    const crl = parseCrl(
      crlFrom(int(1), SIG_ALG, NAME, T1, T2, entries, explicit(0, seq(NUMBER_EXT))),
    );
    expect(crl.entries.map((e) => [e.serialNumber, e.reason])).toEqual([
      ['1234', 'keyCompromise'],
      ['07', undefined],
      ['08', undefined],
      ['09', undefined],
    ]);
    expect(crl.problems).toEqual([
      'entry 07 has an unknown reason code 7',
      'entry 08 has an unknown critical extension 1.2.3',
      'an entry has certificateIssuer but the CRL is not indirect',
    ]);
    expect(crl.unhandledCriticalExtensions).toEqual(['1.2.3']);
    expect(crl.entries[3]!.certificateIssuer).toEqual([{ type: 'dns', value: 'a' }]);
  });

  it('refuses non-minimal serials and entry extensions in v1', () => {
    const bad = seq(seq(tlv(Tag.INTEGER, Uint8Array.of(0, 5)), T1));
    expect(errorOf(() => parseCrl(crlFrom(SIG_ALG, NAME, T1, T2, bad)))?.message).toMatch(
      /minimally/,
    );
    const v1WithEntryExt = seq(seq(int(5), T1, seq(NUMBER_EXT)));
    expect(errorOf(() => parseCrl(crlFrom(SIG_ALG, NAME, T1, T2, v1WithEntryExt)))?.code).toBe(
      'ERR_CRL_INVALID',
    );
  });

  it('decodes issuingDistributionPoint in full (RFC 5280 §5.2.5)', () => {
    const uri = tlv(0x86, new TextEncoder().encode('http://crl.example/a.crl'));
    const idp = (...fields: Uint8Array[]) =>
      seq(oid(OID.issuingDistributionPoint), bool(true), octets(seq(...fields)));
    const parse = (ext: Uint8Array) =>
      parseCrl(crlFrom(int(1), SIG_ALG, NAME, T1, T2, explicit(0, seq(NUMBER_EXT, ext))));
    // distributionPoint [0] { fullName [0] }, onlyContainsCACerts [2], onlySomeReasons [3]
    // (keyCompromise and cACompromise: bits 1 and 2), indirectCRL [4]
    const full = parse(
      idp(
        tlv(0xa0, tlv(0xa0, uri)),
        tlv(0x82, Uint8Array.of(0xff)),
        tlv(0x83, Uint8Array.of(5, 0x60)),
        tlv(0x84, Uint8Array.of(0xff)),
      ),
    );
    expect(full.issuingDistributionPoint).toMatchObject({
      critical: true,
      distributionPoint: { fullName: [{ type: 'uri', value: 'http://crl.example/a.crl' }] },
      onlyContainsUserCerts: false,
      onlyContainsCACerts: true,
      onlySomeReasons: ['keyCompromise', 'cACompromise'],
      indirectCrl: true,
      onlyContainsAttributeCerts: false,
    });
    expect(full.problems).toEqual([]);
    // nameRelativeToCRLIssuer [1]: one RDN (OU=dp1)
    const rdn = tlv(0xa1, seq(oid(OID.organizationalUnitName), tlv(0x0c, Uint8Array.of(0x64))));
    const relative = parse(idp(tlv(0xa0, rdn), tlv(0x81, Uint8Array.of(0xff))));
    expect(relative.issuingDistributionPoint?.distributionPoint?.nameRelativeToCrlIssuer).toEqual([
      { oid: OID.organizationalUnitName, type: 'OU', value: 'd', tag: 0x0c },
    ]);
    expect(relative.issuingDistributionPoint?.onlyContainsUserCerts).toBe(true);
    expect(relative.issuingDistributionPoint?.onlySomeReasons).toBeUndefined();
    // at most one onlyContains* may be TRUE: the CRL's scope would be empty
    const both = parse(idp(tlv(0x81, Uint8Array.of(0xff)), tlv(0x82, Uint8Array.of(0xff))));
    expect(both.unhandledCriticalExtensions).toEqual([OID.issuingDistributionPoint]);
  });

  it('reads deltaCRLIndicator, freshestCRL and a critical cRLNumber as found', () => {
    const uri = tlv(0x86, new TextEncoder().encode('http://crl.example/delta.crl'));
    const freshest = seq(oid(OID.freshestCrl), octets(seq(seq(tlv(0xa0, tlv(0xa0, uri))))));
    const delta = seq(oid(OID.deltaCrlIndicator), bool(true), octets(int(41)));
    const criticalNumber = seq(oid(OID.crlNumber), bool(true), octets(int(42)));
    const crl = parseCrl(
      crlFrom(int(1), SIG_ALG, NAME, T1, T2, explicit(0, seq(criticalNumber, delta, freshest))),
    );
    expect(crl.crlNumber).toBe(42n);
    expect(crl.deltaCrlIndicator).toBe(41n);
    expect(crl.freshestCrl).toEqual([
      { distributionPoint: { fullName: [{ type: 'uri', value: 'http://crl.example/delta.crl' }] } },
    ]);
    expect(crl.problems).toEqual(['cRLNumber extension is marked critical']);
  });

  it('reads serials as signed INTEGERs: 00 FF is 255 and FF is -1', () => {
    const entries = seq(
      seq(tlv(Tag.INTEGER, Uint8Array.of(0x00, 0xff)), T1),
      seq(tlv(Tag.INTEGER, Uint8Array.of(0xff)), T1),
    );
    const crl = parseCrl(
      crlFrom(int(1), SIG_ALG, NAME, T1, T2, entries, explicit(0, seq(NUMBER_EXT))),
    );
    expect(crl.entries.map((e) => e.serialNumberValue)).toEqual([255n, -1n]);
  });

  it('carries certificateIssuer over to the following entries of an indirect CRL (§5.3.3)', () => {
    const dirName = (cn: string) => tlv(0xa4, encodeName({ commonName: cn }));
    const issuerExt = (cn: string) =>
      seq(seq(oid(OID.certificateIssuer), bool(true), octets(seq(dirName(cn)))));
    const entries = seq(
      seq(int(1), T1),
      seq(int(2), T1, issuerExt('other ca')),
      seq(int(3), T1),
      seq(int(4), T1, issuerExt('third ca')),
      seq(int(5), T1),
    );
    const indirect = seq(
      oid(OID.issuingDistributionPoint),
      bool(true),
      octets(seq(tlv(0x84, Uint8Array.of(0xff)))),
    );
    const crl = parseCrl(
      crlFrom(int(1), SIG_ALG, NAME, T1, T2, entries, explicit(0, seq(NUMBER_EXT, indirect))),
    );
    expect(crl.entries.map((e) => e.certificateIssuer?.[0]?.value)).toEqual([
      undefined,
      'CN=other ca',
      'CN=other ca',
      'CN=third ca',
      'CN=third ca',
    ]);
    expect(crl.problems).toEqual([]);
  });

  it('names the PEM blocks it found when none is a CRL', () => {
    const e = errorOf(() => parseCrl(encodePem('CERTIFICATE', Uint8Array.of(0x30, 0))));
    expect(e?.code).toBe('ERR_CRL_INVALID');
    expect(e?.message).toContain('found: CERTIFICATE');
    expect(errorOf(() => parseCrl({} as unknown as string))?.code).toBe('ERR_CRL_INVALID');
  });
});

describe('parseCrl error contract (fast-check)', () => {
  let der: Uint8Array;
  let caPem: string;

  beforeAll(async () => {
    const ca = await makeCertificate({
      commonName: 'fuzz-ca',
      ca: true,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2026-01-01T00:00:00Z'),
    });
    caPem = ca.pem;
    der = (
      await createCrl({
        issuer: { certificate: ca.pem, privateKey: ca.privateKey },
        entries: [
          { serialNumber: '01', revokedAt: new Date('2025-02-01T00:00:00Z'), reason: 'superseded' },
          {
            serialNumber: '7f00ff',
            revokedAt: new Date('2025-02-02T00:00:00Z'),
            reason: 'keyCompromise',
            invalidityDate: new Date('2025-01-30T00:00:00Z'),
          },
        ],
        crlNumber: 12,
        thisUpdate: new Date('2025-03-01T00:00:00Z'),
      })
    ).der;
  });

  function expectContract(input: Uint8Array | string): void {
    try {
      parseCrl(input);
    } catch (e) {
      expect(NodeIdError.isInstance(e)).toBe(true);
      expect((e as NodeIdError).code).toBe('ERR_CRL_INVALID');
    }
  }

  it('mutated DER parses or throws ERR_CRL_INVALID, never anything else', () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      }),
      fc.record({
        kind: fc.constant('delete' as const),
        at: fc.nat(),
        n: fc.integer({ min: 1, max: 8 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let bytes = der.slice();
        for (const m of mutations) {
          const at = m.at % (bytes.length + 1);
          if (m.kind === 'flip' && bytes.length) bytes[at % bytes.length] = m.value;
          else if (m.kind === 'cut') bytes = bytes.slice(0, at);
          else if (m.kind === 'insert')
            bytes = new Uint8Array([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
          else if (m.kind === 'delete')
            bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + m.n)]);
        }
        expectContract(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('regression: one CRL, one signature encoding (unused bits, SET for SEQUENCE, padded r)', async () => {
    expect(await verifyCrlSignature(der, caPem)).toBe(true);
    const crl = parseCrl(der);
    const sigAt = der.length - crl.signature.length;
    expect(der[sigAt - 1]).toBe(0); // the BIT STRING's unused-bits octet
    const unused = der.slice();
    unused[sigAt - 1] = 1;
    expect(errorOf(() => parseCrl(unused))?.message).toMatch(/unused bits/);
    const asSet = der.slice();
    asSet[sigAt] = 0x31;
    expect(await verifyCrlSignature(asSet, caPem)).toBe(false);
  });

  it('random bytes and random text never throw anything but ERR_CRL_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => expectContract(bytes)),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expectContract(text);
        expectContract(`-----BEGIN X509 CRL-----\n${text}\n-----END X509 CRL-----\n`);
      }),
      { numRuns: 500 },
    );
  });

  it('verifyCrlSignature on mutated CRLs returns false or throws ERR_CRL_INVALID', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (at, x) => {
        const bytes = der.slice();
        bytes[at % bytes.length] = bytes[at % bytes.length]! ^ x;
        try {
          expect(await verifyCrlSignature(bytes, caPem)).toBe(false);
        } catch (e) {
          expect((e as NodeIdError).code).toBe('ERR_CRL_INVALID');
        }
      }),
      { numRuns: 300 },
    );
  });
});
