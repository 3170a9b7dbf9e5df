/**
 * The profile rules by scope: RFC 5280 §6 (always), the §4 rules for issuing CAs (`strict`,
 * and `webpki` but for the BRs' exceptions), and the Baseline Requirements (`webpki`). The
 * certificates are made by pyca/cryptography (rules/make-pki.py), not by the SDK.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type VerifyCertificateOptions, verifyCertificate } from '../../src/index.js';

const SCRIPT = fileURLToPath(new URL('./rules/make-pki.py', import.meta.url));
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const AT = new Date('2024-06-01T00:00:00Z');

type Ext = { t: string; crit?: boolean; [k: string]: unknown };
interface Spec {
  id: string;
  issuer?: string;
  subject?: [string, string][];
  keyOf?: string;
  serialDer?: string;
  aki?: boolean;
  ext?: Ext[];
}

const caExt = (crit = true): Ext[] => [
  { t: 'bc', ca: true, pathlen: null, crit },
  { t: 'ku', bits: ['keyCertSign', 'cRLSign'], crit: true },
];
const san = (...names: [string, string][]): Ext => ({ t: 'san', names });
const leafExt = (...extra: Ext[]): Ext[] => [
  { t: 'ku', bits: ['digitalSignature'], crit: true },
  ...(extra.some((e) => e.t === 'eku') ? [] : [{ t: 'eku', oids: ['serverAuth'] }]),
  ...(extra.some((e) => e.t === 'san') ? [] : [san(['dns', 'example.com'])]),
  ...extra,
];
const leaf = (id: string, cn: string | undefined, ...extra: Ext[]): Spec => ({
  id,
  issuer: 'r',
  subject: cn === undefined ? [['O', 'Example']] : [['CN', cn]],
  ext: leafExt(...extra),
});

/** Every certificate of these tests, by id. */
const SPECS: Spec[] = [
  { id: 'r', subject: [['CN', 'rules root']], ext: caExt() },
  // subject CN forms (BR 7.1.4.3)
  leaf('cnDns', 'example.com'),
  leaf('cnDnsCase', 'Example.com'),
  leaf('cnNone', undefined),
  leaf('cnV4', '192.0.2.1', san(['ip', '192.0.2.1'])),
  leaf('cnV4Zeros', '192.0.2.01', san(['ip', '192.0.2.1'])),
  leaf('cnV4Hex', '0xc0.0.2.1', san(['ip', '192.0.2.1'])),
  leaf('cnV6', '2001:db8::1', san(['ip', '2001:db8::1'])),
  leaf('cnV6Upper', '2001:DB8::1', san(['ip', '2001:db8::1'])),
  leaf('cnV6Long', '2001:db8:0:0:0:0:0:1', san(['ip', '2001:db8::1'])),
  leaf('cnV6Zero', '2001:0db8::1', san(['ip', '2001:db8::1'])),
  leaf('cnIpOnly', 'example.com', san(['ip', '192.0.2.1'])),
  leaf('cnSecondSan', 'www.example.com', san(['dns', 'example.com'], ['dns', 'www.example.com'])),
  // extKeyUsage criticality (BR 7.1.2.7.6, 7.1.2.2-7.1.2.6)
  leaf('ekuCritical', 'example.com', { t: 'eku', oids: ['serverAuth'], crit: true }),
  {
    id: 'iEkuCritical',
    issuer: 'r',
    subject: [['CN', 'eku critical CA']],
    ext: [...caExt(), { t: 'eku', oids: ['serverAuth'], crit: true }],
  },
  { ...leaf('underEkuCritical', 'example.com'), issuer: 'iEkuCritical' },
  // subscriber extKeyUsage purposes (BR 7.1.2.7.10)
  leaf('ekuCodeSigning', 'example.com', { t: 'eku', oids: ['serverAuth', 'codeSigning'] }),
  leaf('ekuPrecert', 'example.com', { t: 'eku', oids: ['serverAuth', '1.3.6.1.4.1.11129.2.4.4'] }),
  leaf('ekuServerClient', 'example.com', { t: 'eku', oids: ['serverAuth', 'clientAuth'] }),
  // subscriber SAN types (BR 7.1.2.7.12)
  leaf('sanEmail', 'example.com', san(['dns', 'example.com'], ['email', 'a@example.com'])),
  leaf('sanUri', 'example.com', san(['dns', 'example.com'], ['uri', 'https://example.com/'])),
  // a root whose AKI has no keyIdentifier (BR 7.1.2.1.3)
  {
    id: 'rAkiNoKeyId',
    subject: [['CN', 'AKI without keyIdentifier root']],
    ext: [...caExt(), { t: 'raw', oid: '2.5.29.35', der: '3000' }],
  },
  { ...leaf('underAkiNoKeyId', 'example.com'), issuer: 'rAkiNoKeyId' },
  // non-critical policyConstraints (RFC 5280 §4.2.1.11)
  {
    id: 'iPcNonCritical',
    issuer: 'r',
    subject: [['CN', 'pc non-critical CA']],
    ext: [...caExt(), { t: 'pc', inhibit: 1, crit: false }],
  },
  { ...leaf('underPcNonCritical', 'example.com'), issuer: 'iPcNonCritical' },
  // wildcards on public suffixes (BR 3.2.2.6)
  leaf('wcCoUk', undefined, san(['dns', '*.co.uk'])),
  leaf('wcCom', undefined, san(['dns', '*.com'])),
  leaf('wcPrivate', undefined, san(['dns', '*.s3.amazonaws.com'])),
  leaf('wcOk', undefined, san(['dns', '*.example.co.uk'])),
  // authorityKeyIdentifier (RFC 5280 §4.2.1.1, BR 7.1.2.7.6)
  { ...leaf('noAki', 'example.com'), aki: false },
  { id: 'iNoAki', issuer: 'r', subject: [['CN', 'no AKI CA']], aki: false, ext: caExt() },
  { ...leaf('underNoAki', 'example.com'), issuer: 'iNoAki' },
  // a self-issued CA with a key of its own (a key rollover) is not self-signed: it needs an AKI
  { id: 'iX', issuer: 'r', subject: [['CN', 'X CA']], ext: caExt() },
  { id: 'iXnew', issuer: 'iX', subject: [['CN', 'X CA']], aki: false, ext: caExt() },
  { ...leaf('underXnew', 'example.com'), issuer: 'iXnew' },
  { id: 'iXnewAki', issuer: 'iX', subject: [['CN', 'X CA']], ext: caExt() },
  { ...leaf('underXnewAki', 'example.com'), issuer: 'iXnewAki' },
  // RFC 5280 §4 rules §6 does not check
  { id: 'iBcNonCritical', issuer: 'r', subject: [['CN', 'bc non-critical CA']], ext: caExt(false) },
  { ...leaf('underBcNonCritical', 'example.com'), issuer: 'iBcNonCritical' },
  { ...leaf('serialZero', 'example.com'), serialDer: '00' },
  // name constraints (RFC 5280 §4.2.1.10)
  ncCa('iNcNonCritical', { permitted: [['dns', 'example.com']] }, false),
  ncCa('iNcLeadingDot', { permitted: [['dns', '.example.com']] }),
  ncCa('iNcEmptyList', { raw: true, permitted: [] }),
  ncCa('iNcExcludeOther', { excluded: [['dns', 'other.example']] }),
  { ...leaf('wwwUnderNcNonCritical', 'example.com'), issuer: 'iNcNonCritical' },
  {
    ...leaf('wwwUnderLeadingDot', undefined, san(['dns', 'www.example.com'])),
    issuer: 'iNcLeadingDot',
  },
  {
    ...leaf('apexUnderLeadingDot', undefined, san(['dns', 'example.com'])),
    issuer: 'iNcLeadingDot',
  },
  { ...leaf('underEmptyList', 'example.com'), issuer: 'iNcEmptyList' },
  {
    ...leaf('badSanUnderNc', undefined, {
      t: 'san',
      raw: true,
      names: [['dns', 'foo_bar.example.com']],
    }),
    issuer: 'iNcExcludeOther',
  },
  leaf('badSanNoNc', undefined, { t: 'san', raw: true, names: [['dns', 'foo_bar.example.com']] }),
];

function ncCa(id: string, nc: Record<string, unknown>, crit = true): Spec {
  return {
    id,
    issuer: 'r',
    subject: [['CN', `${id} CA`]],
    ext: [...caExt(), { t: 'nc', crit, ...nc }],
  };
}

let pki: Record<string, string>;

beforeAll(() => {
  pki = JSON.parse(
    execFileSync(PYTHON, [SCRIPT], { input: JSON.stringify({ certs: SPECS }), encoding: 'utf8' }),
  );
});

type Extra = Omit<Partial<VerifyCertificateOptions>, 'certificate'>;

function run(id: string, extra: Extra = {}, intermediates: string[] = []) {
  return verifyCertificate({
    at: AT,
    certificate: pki[id]!,
    trustAnchors: [pki.r!],
    intermediates: intermediates.map((i) => pki[i]!),
    ...extra,
  });
}

const webpki: Extra = { policy: 'webpki', usage: 'server' };
const strict: Extra = { strict: true };

describe('BR 7.1.4.3: a subject CN is a copy of a SAN value in its required form', () => {
  it.each([
    ['cnDns', 'a DNS name, character for character'],
    ['cnNone', 'no CN at all'],
    ['cnV4', 'an IPv4 address in dotted decimal'],
    ['cnV6', 'an IPv6 address in RFC 5952 form'],
    ['cnSecondSan', 'any one of the SANs'],
  ])('accepts %s: %s', async (id) => {
    expect(await run(id, webpki)).toMatchObject({ ok: true });
  });

  it.each([
    ['cnDnsCase', 'a DNS name in another letter case'],
    ['cnV4Zeros', 'an IPv4 address with a leading zero'],
    ['cnV4Hex', 'an IPv4 address in hex'],
    ['cnV6Upper', 'upper-case IPv6 hex'],
    ['cnV6Long', 'IPv6 with its zero run written out'],
    ['cnV6Zero', 'IPv6 with a leading zero in a group'],
    ['cnIpOnly', 'a DNS name when the only SAN is an IP address'],
  ])('refuses %s: %s', async (id) => {
    const r = await run(id, webpki);
    expect(r).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION', depth: 0 });
    expect(r.ok || r.message).toMatch(/subject CN .* is not a copy of one of its subjectAltName/);
  });

  it('is a Web PKI rule only', async () => {
    for (const id of ['cnDnsCase', 'cnV4Hex', 'cnV6Upper', 'cnIpOnly'])
      expect((await run(id, { strict: true })).ok, id).toBe(true);
  });
});

describe('BR: extKeyUsage is not critical, in leaves and CAs', () => {
  it('refuses a critical extKeyUsage under webpki, at the depth it is at', async () => {
    expect(await run('ekuCritical', webpki)).toMatchObject({ ok: false, depth: 0 });
    const r = await run('underEkuCritical', webpki, ['iEkuCritical']);
    expect(r).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION', depth: 1 });
    expect(r.ok || r.message).toMatch(/extKeyUsage extension critical/);
  });

  it('accepts it under RFC 5280, strict or not (§4.2.1.12 lets the CA choose)', async () => {
    expect((await run('ekuCritical', { ...strict, usage: 'server' })).ok).toBe(true);
    expect((await run('underEkuCritical', strict, ['iEkuCritical'])).ok).toBe(true);
  });
});

describe('BR 7.1.2.7.10: a subscriber certificate holds no forbidden extKeyUsage', () => {
  it('refuses codeSigning and Precertificate Signing beside serverAuth', async () => {
    for (const id of ['ekuCodeSigning', 'ekuPrecert']) {
      const r = await run(id, webpki);
      expect(r, id).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION', depth: 0 });
      expect(r.ok || r.message).toMatch(/asserts (codeSigning|Precertificate Signing)/);
    }
    expect((await run('ekuCodeSigning', { usage: 'server' })).ok).toBe(true);
  });

  it('accepts serverAuth with clientAuth', async () => {
    expect((await run('ekuServerClient', webpki)).ok).toBe(true);
  });
});

describe('BR 7.1.2.7.12: a subscriber SAN holds DNS names and IP addresses only', () => {
  it('refuses an email or URI SAN under webpki, not under RFC 5280', async () => {
    for (const id of ['sanEmail', 'sanUri']) {
      const r = await run(id, webpki);
      expect(r, id).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION', depth: 0 });
      expect(r.ok || r.message).toMatch(/only DNS names and IP addresses are allowed/);
      expect((await run(id, { ...strict, usage: 'server' })).ok, id).toBe(true);
    }
  });
});

describe('BR 7.1.2.1.3: a root AKI, when present, has a keyIdentifier', () => {
  it('refuses a root with an empty AKI under webpki only', async () => {
    const o = { trustAnchors: [pki.rAkiNoKeyId!] };
    const r = await run('underAkiNoKeyId', { ...webpki, ...o });
    expect(r).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION', depth: 1 });
    expect(r.ok || r.message).toMatch(/without a keyIdentifier/);
    expect((await run('underAkiNoKeyId', { ...strict, ...o })).ok).toBe(true);
  });
});

describe('BR 3.2.2.6: no wildcard on a public suffix', () => {
  it('refuses *.co.uk, *.com and *.s3.amazonaws.com (PSL private section) under webpki', async () => {
    for (const id of ['wcCoUk', 'wcCom', 'wcPrivate']) {
      const r = await run(id, webpki);
      expect(r, id).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION' });
      expect(r.ok || r.message).toMatch(/on the public suffix/);
    }
  });

  it('accepts a wildcard under a registrable domain, and matches it', async () => {
    expect((await run('wcOk', { ...webpki, host: 'www.example.co.uk' })).ok).toBe(true);
  });

  it('leaves RFC 5280 alone', async () => {
    expect((await run('wcCoUk', strict)).ok).toBe(true);
  });
});

describe('RFC 5280 §4.2.1.1 / BR: authorityKeyIdentifier on every certificate but a self-signed one', () => {
  it('is not a §6 rule: accepted by default', async () => {
    expect((await run('noAki')).ok).toBe(true);
    expect((await run('underNoAki', {}, ['iNoAki'])).ok).toBe(true);
  });

  it('is refused under strict and webpki, at the depth of the certificate lacking it', async () => {
    for (const extra of [strict, webpki]) {
      expect(await run('noAki', extra)).toMatchObject({ ok: false, depth: 0 });
      const r = await run('underNoAki', extra, ['iNoAki']);
      expect(r).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID', depth: 1 });
      expect(r.ok || r.message).toMatch(/no authorityKeyIdentifier/);
    }
  });

  it('is required of a self-issued CA with a new key, which is not self-signed', async () => {
    expect(await run('underXnew', strict, ['iX', 'iXnew'])).toMatchObject({ ok: false, depth: 1 });
    expect((await run('underXnewAki', strict, ['iX', 'iXnewAki'])).ok).toBe(true);
  });
});

describe('RFC 5280 §4 rules that §6 does not check apply only when asked for', () => {
  it('a CA with a non-critical basicConstraints (§4.2.1.9; PKITS 4.6.4)', async () => {
    expect((await run('underBcNonCritical', {}, ['iBcNonCritical'])).ok).toBe(true);
    expect(await run('underBcNonCritical', strict, ['iBcNonCritical'])).toMatchObject({
      ok: false,
      code: 'ERR_NOT_A_CA',
      depth: 1,
    });
  });

  it('a non-critical policyConstraints (§4.2.1.11; §6.1.4 (i) reads it anyway)', async () => {
    expect((await run('underPcNonCritical', {}, ['iPcNonCritical'])).ok).toBe(true);
    const r = await run('underPcNonCritical', strict, ['iPcNonCritical']);
    expect(r).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID', depth: 1 });
    expect(r.ok || r.message).toMatch(/non-critical policyConstraints/);
  });

  it('a zero serial number (§4.1.2.2)', async () => {
    expect((await run('serialZero')).ok).toBe(true);
    expect(await run('serialZero', strict)).toMatchObject({ ok: false, depth: 0 });
  });

  it('a non-critical nameConstraints: strict refuses it, webpki takes BR 7.1.2.10.8 exception', async () => {
    const chain = ['iNcNonCritical'];
    expect((await run('wwwUnderNcNonCritical', {}, chain)).ok).toBe(true);
    expect(await run('wwwUnderNcNonCritical', strict, chain)).toMatchObject({
      ok: false,
      depth: 1,
    });
    expect((await run('wwwUnderNcNonCritical', webpki, chain)).ok).toBe(true);
  });

  it('an empty list of subtrees (§4.2.1.10)', async () => {
    expect((await run('underEmptyList', {}, ['iNcEmptyList'])).ok).toBe(true);
    expect(await run('underEmptyList', strict, ['iNcEmptyList'])).toMatchObject({
      ok: false,
      depth: 1,
    });
  });

  it('a dNSName constraint with a leading period: read as "subdomains only" unless strict', async () => {
    const chain = ['iNcLeadingDot'];
    expect((await run('wwwUnderLeadingDot', {}, chain)).ok).toBe(true);
    expect(await run('apexUnderLeadingDot', {}, chain)).toMatchObject({
      ok: false,
      code: 'ERR_NAME_CONSTRAINTS',
    });
    const r = await run('wwwUnderLeadingDot', strict, chain);
    expect(r).toMatchObject({ ok: false, code: 'ERR_NAME_CONSTRAINTS', depth: 1 });
    expect(r.ok || r.message).toMatch(/leading period/);
  });

  it('a malformed SAN: ignored unless strict, but never passes a name constraint (§6.1.3 (b), (c))', async () => {
    expect((await run('badSanNoNc')).ok).toBe(true);
    expect(await run('badSanNoNc', strict)).toMatchObject({
      ok: false,
      code: 'ERR_CERTIFICATE_INVALID',
    });
    const r = await run('badSanUnderNc', {}, ['iNcExcludeOther']);
    expect(r).toMatchObject({ ok: false, code: 'ERR_NAME_CONSTRAINTS', depth: 0 });
    expect(r.ok || r.message).toMatch(/cannot be checked/);
  });

  it('refuses a strict option that is not a boolean', async () => {
    expect(await run('cnDns', { strict: 'yes' as unknown as boolean })).toMatchObject({
      ok: false,
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});

describe('maxDepth counts as RFC 5280 counts path length', () => {
  it('does not count a self-issued intermediate', async () => {
    const chain = ['iX', 'iXnewAki'];
    expect((await run('underXnewAki', { maxDepth: 1 }, chain)).ok).toBe(true);
    expect(await run('underXnewAki', { maxDepth: 0 }, chain)).toMatchObject({
      ok: false,
      code: 'ERR_CHAIN_TOO_LONG',
    });
  });
});
