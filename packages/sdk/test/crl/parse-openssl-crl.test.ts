/** parseCrl reads the CRLs `openssl ca -gencrl` writes: issuer, dates, number, AKI, entries, reasons. */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { parseCrl } from '../../src/crl/parse-crl.js';
import { NodeIdError } from '../../src/errors.js';
import { fromBase64 } from '../../src/lib/bytes.js';
import { makeOpensslCa, type OpensslCa, openssl } from './openssl-ca.js';

describe('parseCrl on a CRL made by openssl ca -gencrl', () => {
  let ca: OpensslCa;
  let serials: string[];
  let crlPem: string;

  beforeAll(() => {
    ca = makeOpensslCa('gencrl-ca');
    serials = ['alpha', 'beta', 'gamma', 'delta'].map((cn) => ca.issue(cn));
    ca.revoke(serials[0]!, 'keyCompromise');
    ca.revoke(serials[1]!, 'superseded');
    ca.revoke(serials[2]!);
    crlPem = ca.gencrl();
  });

  it('reads issuer, version, CRL number, AKI and dates as openssl prints them', () => {
    const crl = parseCrl(crlPem);
    const caCert = parseCertificate(fs.readFileSync(path.join(ca.dir, 'ca.pem'), 'utf8'));
    expect(crl.version).toBe(2);
    expect(crl.issuer.text).toBe('CN=gencrl-ca');
    expect(crl.issuer.raw).toEqual(caCert.subject.raw);
    expect(crl.crlNumber).toBe(0x2an);
    expect(crl.authorityKeyIdentifier?.keyIdentifier).toEqual(caCert.subjectKeyIdentifier);
    const dates = openssl(ca.dir, [
      'crl',
      '-in',
      'crl.pem',
      '-noout',
      '-lastupdate',
      '-nextupdate',
    ]);
    const last = /lastUpdate=(.+)/.exec(dates)![1]!;
    const next = /nextUpdate=(.+)/.exec(dates)![1]!;
    expect(crl.thisUpdate.getTime()).toBe(new Date(last).getTime());
    expect(crl.nextUpdate?.getTime()).toBe(new Date(next).getTime());
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(7 * 86_400_000);
    expect(crl.signatureAlgorithm.name).toBe('ecdsa-with-SHA256');
    expect(crl.signatureAlgorithmMismatch).toBe(false);
    expect(crl.problems).toEqual([]);
    expect(crl.unhandledCriticalExtensions).toEqual([]);
  });

  it('lists exactly the revoked serials, with their reasons, in the same form as certificate serials', () => {
    const crl = parseCrl(crlPem);
    const bySerial = new Map(crl.entries.map((e) => [e.serialNumber, e]));
    expect([...bySerial.keys()].sort()).toEqual(serials.slice(0, 3).sort());
    expect(bySerial.get(serials[0]!)?.reason).toBe('keyCompromise');
    expect(bySerial.get(serials[1]!)?.reason).toBe('superseded');
    expect(bySerial.get(serials[2]!)?.reason).toBeUndefined();
    const revokedCert = parseCertificate(fs.readFileSync(path.join(ca.dir, 'alpha.pem'), 'utf8'));
    expect(bySerial.has(revokedCert.serialNumber)).toBe(true);
    const liveCert = parseCertificate(fs.readFileSync(path.join(ca.dir, 'delta.pem'), 'utf8'));
    expect(bySerial.has(liveCert.serialNumber)).toBe(false);
    for (const e of crl.entries) {
      expect(e.revokedAt.getTime()).toBeLessThanOrEqual(crl.thisUpdate.getTime());
    }
  });

  it('reads the same CRL as DER bytes and as PEM text with surrounding text', () => {
    const der = openssl(ca.dir, ['crl', '-in', 'crl.pem', '-outform', 'DER', '-out', 'crl.der']);
    expect(der).toBe('');
    const bytes = new Uint8Array(fs.readFileSync(path.join(ca.dir, 'crl.der')));
    const fromDer = parseCrl(bytes);
    const fromPem = parseCrl(`some text before\n${crlPem}\ntrailing`);
    expect(fromDer.der).toEqual(fromPem.der);
    expect(fromDer.pem).toBe(crlPem);
    expect(fromDer.entries).toEqual(fromPem.entries);
    const b64 = crlPem.replace(/-----[^-]+-----/g, '');
    expect(fromDer.der).toEqual(fromBase64(b64));
  });

  it('rejects a certificate or garbage with ERR_CRL_INVALID', () => {
    const certPem = fs.readFileSync(path.join(ca.dir, 'ca.pem'), 'utf8');
    for (const bad of [
      certPem,
      'garbage',
      new Uint8Array([0x30, 0x03, 0x02, 0x01]),
      new Uint8Array(),
    ]) {
      let caught: unknown;
      try {
        parseCrl(bad);
      } catch (e) {
        caught = e;
      }
      expect(NodeIdError.isInstance(caught)).toBe(true);
      expect((caught as NodeIdError).code).toBe('ERR_CRL_INVALID');
    }
  });
});
