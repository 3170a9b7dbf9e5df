/**
 * Name comparison for chaining (RFC 5280 §7.1 with the RFC 4518 §2 string preparation) and the
 * RFC 5280 §4.1.2 rules on names and serial numbers (tools/limbo/RULES.md rows N). Names for the
 * unit tests are written as DER by hand; the chains are made by pyca/cryptography.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decode, oid, seq, setOf, Tag, tlv } from '../../../src/lib/der.js';
import { decodeName } from '../../../src/lib/name.js';
import { OID } from '../../../src/lib/oids.js';
import { nameHasPrefix, nameKey, namesEqual } from '../../../src/verify/compare-names.js';
import { leaf, makePki, type Pki, root, san, verify } from './pki.js';

const enc = new TextEncoder();
const utf8 = (s: string) => tlv(Tag.UTF8_STRING, enc.encode(s));
const printable = (s: string) => tlv(Tag.PRINTABLE_STRING, enc.encode(s));
const ia5 = (s: string) => tlv(Tag.IA5_STRING, enc.encode(s));
const bmp = (s: string) => {
  const b = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    b[2 * i] = s.charCodeAt(i) >> 8;
    b[2 * i + 1] = s.charCodeAt(i) & 0xff;
  }
  return tlv(Tag.BMP_STRING, b);
};
/** One attribute per RDN: [oid, encoded value]. */
const dn = (...attrs: [string, Uint8Array][]) =>
  decodeName(decode(seq(...attrs.map(([t, v]) => setOf(seq(oid(t), v))))));
const cn = (v: Uint8Array) => dn([OID.commonName, v]);
const equal = (a: Uint8Array, b: Uint8Array) => namesEqual(cn(a), cn(b));

describe('RFC 4518 string preparation in name comparison (RFC 5280 §7.1)', () => {
  it('N5: PrintableString and UTF8String of the same text are equal (§7.1, RFC 4518 §2.1 transcode)', () => {
    expect(equal(printable('Example CA'), utf8('Example CA'))).toBe(true);
    expect(equal(bmp('Example CA'), utf8('example ca'))).toBe(true);
    expect(equal(printable('Example CA'), utf8('Example CB'))).toBe(false);
  });

  it('N5: caseIgnoreMatch folds case, full case folding included (RFC 4518 §2.2, RFC 3454 B.2)', () => {
    expect(equal(utf8('EXAMPLE ca'), printable('example CA'))).toBe(true);
    expect(equal(utf8('STRASSE'), utf8('straße'))).toBe(true);
    expect(equal(utf8('ÉCOLE'), utf8('école'))).toBe(true);
  });

  it('N5: NFKC normalization (RFC 4518 §2.3)', () => {
    expect(equal(utf8('ｅｘａｍｐｌｅ'), utf8('example'))).toBe(true); // fullwidth forms
    expect(equal(utf8('ﬁle'), utf8('file'))).toBe(true); // ligature
    expect(equal(utf8('e\u0301cole'), utf8('\u00e9cole'))).toBe(true); // decomposed é
  });

  it('N5: soft hyphens and controls map to nothing, tabs and no-break spaces to SPACE (RFC 4518 §2.2)', () => {
    expect(equal(utf8('ex\u00adample'), utf8('example'))).toBe(true);
    expect(equal(utf8('ex\u200bample'), utf8('example'))).toBe(true);
    expect(equal(utf8('Example\u00a0CA'), utf8('Example CA'))).toBe(true);
    expect(equal(utf8('Example\tCA'), utf8('Example CA'))).toBe(true);
  });

  it('N5: insignificant spaces: leading and trailing dropped, inner runs as one (RFC 4518 §2.6.1)', () => {
    expect(equal(utf8('  Example    CA '), printable('Example CA'))).toBe(true);
    expect(equal(utf8('ExampleCA'), printable('Example CA'))).toBe(false);
    // a SPACE followed by a combining mark is not insignificant
    expect(equal(utf8('a \u0301b'), utf8('a\u0301b'))).toBe(false);
  });

  it('N5: a value with a prohibited code point equals only its own encoding (RFC 4518 §2.4)', () => {
    expect(equal(utf8('ca\ue000'), utf8('ca\ue000'))).toBe(true);
    expect(equal(utf8('ca\ue000'), bmp('CA\ue000'))).toBe(false);
  });

  it('N5: values that are not strings compare by their encoding (RFC 5280 §7.1)', () => {
    const int = (n: number) => tlv(Tag.INTEGER, Uint8Array.of(n));
    const a = dn([OID.commonName, utf8('x')], ['2.5.4.45', int(1)]);
    const b = dn([OID.commonName, utf8('x')], ['2.5.4.45', int(2)]);
    const c = dn([OID.commonName, utf8('X')], ['2.5.4.45', int(1)]);
    expect(namesEqual(a, b)).toBe(false);
    expect(namesEqual(a, c)).toBe(true);
  });

  it('N5: domainComponent and emailAddress (IA5String) compare without case (RFC 5280 §7.3, RFC 2985)', () => {
    expect(
      namesEqual(
        dn([OID.domainComponent, ia5('Example')]),
        dn([OID.domainComponent, ia5('example')]),
      ),
    ).toBe(true);
    expect(
      namesEqual(
        dn([OID.emailAddress, ia5('CA@Example.net')]),
        dn([OID.emailAddress, ia5('ca@example.net')]),
      ),
    ).toBe(true);
  });

  it('N5: RDN order matters, attribute types matter, order inside a multi-valued RDN does not (X.501, §7.1)', () => {
    const co = dn([OID.commonName, utf8('a')], [OID.organizationName, utf8('b')]);
    const oc = dn([OID.organizationName, utf8('b')], [OID.commonName, utf8('a')]);
    expect(namesEqual(co, oc)).toBe(false);
    expect(namesEqual(dn([OID.commonName, utf8('a')]), dn([OID.organizationName, utf8('a')]))).toBe(
      false,
    );
    const multi = (first: [string, Uint8Array], second: [string, Uint8Array]) =>
      decodeName(decode(seq(setOf(seq(oid(first[0]), first[1]), seq(oid(second[0]), second[1])))));
    expect(
      namesEqual(
        multi([OID.commonName, utf8('a')], [OID.organizationName, utf8('b')]),
        multi([OID.organizationName, printable('B')], [OID.commonName, printable('A')]),
      ),
    ).toBe(true);
    expect(nameKey(co)).toBe(
      nameKey(dn([OID.commonName, printable('A')], [OID.organizationName, printable(' B ')])),
    );
  });

  it('N5: directoryName constraints compare RDN prefixes the same way (RFC 5280 §4.2.1.10, §7.1)', () => {
    const base = dn(
      [OID.countryName, printable('US')],
      [OID.organizationName, printable('Example  Corp')],
    );
    const name = dn(
      [OID.countryName, utf8('us')],
      [OID.organizationName, utf8('example corp')],
      [OID.commonName, utf8('node1')],
    );
    const other = dn(
      [OID.countryName, utf8('us')],
      [OID.organizationName, utf8('Other')],
      [OID.commonName, utf8('node1')],
    );
    expect(nameHasPrefix(name, base)).toBe(true);
    expect(nameHasPrefix(other, base)).toBe(false);
    expect(nameHasPrefix(base, name)).toBe(false);
  });
});

let pki: Pki;

beforeAll(() => {
  pki = makePki([
    root('r', {
      subject: [
        ['C', 'US', 'printable'],
        ['O', 'Example Corp', 'printable'],
        ['CN', 'Example  Root', 'printable'],
      ],
    }),
    // issuer written in another string type, case and spacing: chains to r (§7.1)
    leaf('lFolded', 'r', {
      issuerName: [
        ['C', 'us', 'utf8'],
        ['O', ' example corp', 'utf8'],
        ['CN', 'EXAMPLE ROOT', 'utf8'],
      ],
    }),
    leaf('lOther', 'r', {
      issuerName: [
        ['C', 'US'],
        ['O', 'Example Corp'],
        ['CN', 'Example Rooot'],
      ],
    }),
    leaf('lOrder', 'r', {
      issuerName: [
        ['O', 'Example Corp'],
        ['C', 'US'],
        ['CN', 'Example  Root'],
      ],
    }),
    root('e', { subject: [] }),
    leaf('lEmptyIssuer', 'e'),
    leaf('lEmptySubjectNonCrit', 'r', { subject: [], ext: [san([['dns', 'example.com']], false)] }),
    leaf('lEmptySubjectCrit', 'r', { subject: [], ext: [san([['dns', 'example.com']], true)] }),
    leaf('lSerialZero', 'r', { serialDer: '00' }),
    leaf('lSerialNegative', 'r', { serialDer: 'ff01' }),
    leaf('lSerialLong', 'r', { serialDer: `01${'ab'.repeat(21)}` }),
    leaf('lSerial20', 'r', { serialDer: `7f${'ab'.repeat(19)}` }),
  ]);
});

describe('names and serial numbers in certificates (RFC 5280 §4.1.2, §7.1)', () => {
  it('N5: an issuer name equal under §7.1 (other string type, case, spaces) chains; another name does not', async () => {
    expect((await verify(pki, { leaf: 'lFolded', anchors: ['r'] })).ok).toBe(true);
    expect(await verify(pki, { leaf: 'lOther', anchors: ['r'] })).toMatchObject({
      ok: false,
      code: 'ERR_UNKNOWN_AUTHORITY',
    });
    expect(await verify(pki, { leaf: 'lOrder', anchors: ['r'] })).toMatchObject({
      ok: false,
      code: 'ERR_UNKNOWN_AUTHORITY',
    });
  });

  it('N1, N2: a CA with an empty subject, and so certificates with an empty issuer, fail under strict (§4.1.2.4, §4.1.2.6)', async () => {
    // the two rules cannot be told apart by a path: the CA's empty subject is its
    // certificates' empty issuer
    expect((await verify(pki, { leaf: 'lEmptyIssuer', anchors: ['e'], strict: true })).ok).toBe(
      false,
    );
    expect((await verify(pki, { leaf: 'lEmptyIssuer', anchors: ['e'] })).ok).toBe(true);
  });

  it('N3: an empty subject needs a critical subjectAltName, under strict (§4.1.2.6, §4.2.1.6)', async () => {
    expect(
      (await verify(pki, { leaf: 'lEmptySubjectCrit', anchors: ['r'], strict: true })).ok,
    ).toBe(true);
    expect(
      (await verify(pki, { leaf: 'lEmptySubjectNonCrit', anchors: ['r'], strict: true })).ok,
    ).toBe(false);
    expect((await verify(pki, { leaf: 'lEmptySubjectNonCrit', anchors: ['r'] })).ok).toBe(true);
  });

  it('N4: serial numbers are positive and at most 20 octets, under strict (§4.1.2.2)', async () => {
    for (const l of ['lSerialZero', 'lSerialNegative', 'lSerialLong'])
      expect((await verify(pki, { leaf: l, anchors: ['r'], strict: true })).ok, l).toBe(false);
    expect((await verify(pki, { leaf: 'lSerial20', anchors: ['r'], strict: true })).ok).toBe(true);
    // §4.1.2.2: certificate users SHOULD gracefully handle them otherwise
    expect((await verify(pki, { leaf: 'lSerialZero', anchors: ['r'] })).ok).toBe(true);
  });
});
