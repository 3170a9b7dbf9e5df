/**
 * Hostile DER made of tiny TLVs (X.690 §8.1.1: `05 00` is a whole value in two bytes) and deep
 * nesting: every parser refuses it by the rule of lib/der.ts (at most MAX_TLVS values, at most
 * MAX_DEPTH levels) with its own code, before any TLV is turned into an object; and the same
 * rule still reads the densest real structure (a CRL of minimal entries with reason codes).
 */
import { describe, expect, it } from 'vitest';
import { parseCertificateDer } from '../../src/certificate/parse-certificate.js';
import { parseCrlDer } from '../../src/crl/parse-crl.js';
import { parseCsr } from '../../src/csr/parse-csr.js';
import { createCa, createCrl } from '../../src/index.js';
import { children, decode, MAX_DEPTH, MAX_TLVS, validateTree } from '../../src/lib/der.js';
import { readPkcs8 } from '../../src/lib/pkcs8.js';
import { parsePkcs12 } from '../../src/pkcs12/parse-pkcs12.js';

/** A DER identifier and length (X.690 §8.1.3). */
function header(tag: number, length: number): number[] {
  if (length < 0x80) return [tag, length];
  const octets: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) octets.unshift(v % 256);
  return [tag, 0x80 | octets.length, ...octets];
}

/** `tag` { `inner` 00 × count } (NULLs by default): 1 + count TLVs. */
function nulls(count: number, tag = 0x30, inner = 0x05): Uint8Array {
  const h = header(tag, count * 2);
  const out = new Uint8Array(h.length + count * 2);
  out.set(h);
  for (let i = h.length; i < out.length; i += 2) out[i] = inner;
  return out;
}

/** `levels` SEQUENCEs, each the only element of the one around it. */
function nested(levels: number): Uint8Array {
  const out = new Uint8Array(levels * 6);
  let pos = out.length;
  for (let i = 0; i < levels; i++) {
    const h = header(0x30, out.length - pos);
    pos -= h.length;
    out.set(h, pos);
  }
  return out.subarray(pos);
}

/** SEQUENCE { `inner` }. */
function wrap(inner: Uint8Array): Uint8Array {
  const h = header(0x30, inner.length);
  const out = new Uint8Array(h.length + inner.length);
  out.set(h);
  out.set(inner, h.length);
  return out;
}

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'value';
}

/** `der` (a CRL) with its revokedCertificates replaced by `list` (RFC 5280 §5.1). */
function withEntries(der: Uint8Array, list: Uint8Array): Uint8Array {
  const [tbs, alg, sig] = children(decode(der));
  const parts = children(tbs!).map((p) => p.raw);
  const at = children(tbs!).findIndex((p, k) => k >= 3 && p.tag === 0x30);
  parts.splice(at, 1, list);
  const body = (xs: Uint8Array[]) => {
    const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
    let pos = 0;
    for (const x of xs) {
      out.set(x, pos);
      pos += x.length;
    }
    return wrap(out);
  };
  return body([body(parts), alg!.raw, sig!.raw]);
}

describe('tiny TLVs', () => {
  const tooMany = nulls(MAX_TLVS); // MAX_TLVS + 1 values, 4 MiB

  it('refuses one value more than MAX_TLVS in every parser, with its own code', async () => {
    const parsers: [string, (b: Uint8Array) => unknown][] = [
      ['ERR_DER_INVALID', (b) => decode(b)],
      ['ERR_CERTIFICATE_INVALID', parseCertificateDer],
      ['ERR_CRL_INVALID', parseCrlDer],
      ['ERR_CSR_INVALID', (b) => parseCsr(b)],
      ['ERR_KEY_INVALID', readPkcs8],
      ['ERR_PKCS12_INVALID', (b) => parsePkcs12(b, { passphrase: 'x' })],
    ];
    for (const [code, parse] of parsers)
      expect(await codeOf(() => parse(tooMany))).toBe(
        `${code}: malformed DER: more than ${MAX_TLVS} values (a run of tiny values is refused)`,
      );
  });

  it('reads no more fields of a fixed shape than it has, under the limit too', async () => {
    // 512 Ki NULLs (1 MiB, under MAX_TLVS) where a parser's outer SEQUENCE has a few fields: the
    // parser stops after one field more than the shape holds (RFC 5280 §4.1 and §5.1, RFC 2986
    // §4, RFC 5958 §2, RFC 7292 §4), so none of the rest becomes an object
    const flood = nulls(512 * 1024);
    const parsers: [string, number, (b: Uint8Array) => unknown][] = [
      ['ERR_CERTIFICATE_INVALID', 4, parseCertificateDer],
      ['ERR_CRL_INVALID', 4, parseCrlDer],
      ['ERR_CSR_INVALID', 4, (b) => parseCsr(b)],
      ['ERR_KEY_INVALID', 6, readPkcs8],
      ['ERR_PKCS12_INVALID', 4, (b) => parsePkcs12(b, { passphrase: 'x' })],
    ];
    for (const [code, limit, parse] of parsers)
      expect(await codeOf(() => parse(flood))).toBe(
        `${code}: malformed DER: more than ${limit} elements in a value that holds fewer`,
      );
    // and one field too many is still refused by the parser's own check
    const cert = (await createCa({ clusterName: 'tiny' })).certificate.der;
    const [tbs, alg, sig] = children(decode(cert)).map((n) => n.raw);
    const extra = wrap(Uint8Array.from([...tbs!, ...alg!, ...sig!, 0x05, 0x00]));
    expect(await codeOf(() => parseCertificateDer(extra))).toBe(
      'ERR_CERTIFICATE_INVALID: malformed certificate: extra fields',
    );
  });

  it('reads a CRL entry by entry: a flood of empty entries fails at the first', async () => {
    const ca = await createCa({ clusterName: 'tiny', now: new Date('2026-01-01T00:00:00Z') });
    const { der } = await createCrl({
      issuer: ca,
      crlNumber: 1,
      now: new Date('2026-01-02T00:00:00Z'),
      entries: [{ serialNumber: '01', revokedAt: new Date('2026-01-01T12:00:00Z') }],
    });
    const empties = nulls(512 * 1024, 0x30, 0x30); // SEQUENCE {} × 512 Ki
    expect(await codeOf(() => parseCrlDer(withEntries(der, empties)))).toBe(
      'ERR_CRL_INVALID: malformed revoked certificate #1',
    );
    // and a long list of real entries (RFC 5280 §5.1.2.6: serial, revocationDate) is read whole
    const entry = [
      0x30,
      0x12,
      0x02,
      0x01,
      0x01,
      0x17,
      0x0d,
      ...new TextEncoder().encode('260101120000Z'),
    ];
    const n = 20_000;
    const many = Uint8Array.from(Array.from({ length: n }, () => entry).flat());
    const crl = parseCrlDer(withEntries(der, wrap(many)));
    expect(crl.entries).toHaveLength(n);
    expect(crl.entries[n - 1]!.revokedAt.toISOString()).toBe('2026-01-01T12:00:00.000Z');
  });

  it('reads PKCS#12 SafeContents bag by bag: a flood of empty bags fails at the first', async () => {
    // PFX { 3, ContentInfo { data, [0] OCTET STRING AuthenticatedSafe { ContentInfo { data,
    // [0] OCTET STRING SafeContents { SEQUENCE {} × 512 Ki } } } } } (RFC 7292 §4, §4.1), no MAC
    const tlv = (tag: number, inner: Uint8Array) => {
      const out = wrap(inner);
      out[0] = tag;
      return out;
    };
    const cat = (...xs: Uint8Array[]) => {
      const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
      let pos = 0;
      for (const x of xs) {
        out.set(x, pos);
        pos += x.length;
      }
      return out;
    };
    const data = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01);
    const contentInfo = (inner: Uint8Array) => tlv(0x30, cat(data, tlv(0xa0, tlv(0x04, inner))));
    const safe = nulls(512 * 1024, 0x30, 0x30);
    const pfx = tlv(
      0x30,
      cat(Uint8Array.of(0x02, 0x01, 0x03), contentInfo(tlv(0x30, contentInfo(safe)))),
    );
    expect(await codeOf(() => parsePkcs12(pfx, { passphrase: 'x' }))).toMatch(
      'ERR_PKCS12_INVALID: not a valid PKCS#12 file: a safe bag must have a type, a value and attributes',
    );
    // a bag of five fields is refused after reading four (a SafeBag has 3, RFC 7292 §4.2)
    const bag = nulls(5, 0x30);
    const five = tlv(
      0x30,
      cat(Uint8Array.of(0x02, 0x01, 0x03), contentInfo(tlv(0x30, contentInfo(tlv(0x30, bag))))),
    );
    expect(await codeOf(() => parsePkcs12(five, { passphrase: 'x' }))).toMatch(
      'ERR_PKCS12_INVALID: malformed DER: more than 4 elements in a value that holds fewer',
    );
  });

  it('counts nested values too, and accepts exactly MAX_TLVS', () => {
    // SEQUENCE { SEQUENCE { NULL × (MAX_TLVS - 2) } }: MAX_TLVS values in all
    const root = decode(wrap(nulls(MAX_TLVS - 2)));
    expect(children(root)).toHaveLength(1);
    expect(() => decode(wrap(nulls(MAX_TLVS - 1)))).toThrow(/more than 2097152 values/);
  });

  it('checks every nested TLV when decoding, not only the outermost', () => {
    // an inner length that runs past its parent, a non-minimal one, an indefinite one
    for (const bad of [
      [0x30, 0x04, 0x30, 0x03, 0x05, 0x00],
      [0x30, 0x05, 0x30, 0x81, 0x02, 0x05, 0x00],
      [0x30, 0x04, 0x30, 0x80, 0x00, 0x00],
    ])
      expect(() => decode(Uint8Array.from(bad)), bad.join(' ')).toThrow(/malformed|truncated/);
  });

  it('nests at most MAX_DEPTH levels below the outermost value', () => {
    expect(() => decode(nested(MAX_DEPTH + 1))).not.toThrow();
    expect(() => validateTree(decode(nested(MAX_DEPTH + 1)))).not.toThrow();
    expect(() => decode(nested(MAX_DEPTH + 2))).toThrow(
      `malformed DER: nesting too deep (more than ${MAX_DEPTH} levels)`,
    );
    expect(() => parseCertificateDer(nested(100_000))).toThrow(/nesting too deep/);
  });

  it('still reads a real certificate', async () => {
    const ca = await createCa({ clusterName: 'tiny', now: new Date('2026-01-01T00:00:00Z') });
    const der = ca.certificate.der;
    expect(parseCertificateDer(der).der).toEqual(der);
  });
});
