/** inspectCertificate against what openssl says about the same certificate. */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../../test/crl/make-certificate.js';
import { openssl, tempDir } from '../../test/crl/openssl-ca.js';
import { NodeIdError } from '../errors.js';
import { inspectCertificate } from './inspect-certificate.js';
import { renderText } from './render-text.js';

function field(output: string, name: string): string {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(output);
  if (!m) throw new Error(`openssl printed no ${name}: ${output}`);
  return m[1]!.trim();
}

describe('inspectCertificate on an openssl certificate with many extensions', () => {
  let dir: string;
  let pem: string;

  beforeAll(() => {
    dir = tempDir('nodeid-inspect-');
    openssl(dir, [
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
      '-out',
      'k.pem',
    ]);
    openssl(dir, [
      'req',
      '-x509',
      '-key',
      'k.pem',
      '-days',
      '45',
      '-set_serial',
      '0x00c0ffee0123456789',
      '-subj',
      '/C=US/ST=California/O=NVIDIA/OU=AIStore/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,DNS:node1.example.net,IP:127.0.0.1,IP:::1,email:ops@example.net,URI:spiffe://cluster/node1,RID:1.2.3.4',
      '-addext',
      'basicConstraints=CA:FALSE',
      '-addext',
      'keyUsage=digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment',
      '-addext',
      'extendedKeyUsage=serverAuth,clientAuth,1.3.6.1.4.1.99999.1',
      '-out',
      'cert.pem',
    ]);
    pem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  });

  it('agrees with openssl x509 on fingerprints, serial, dates, names and key IDs', async () => {
    const info = await inspectCertificate(pem);
    const out = openssl(dir, [
      'x509',
      '-in',
      'cert.pem',
      '-noout',
      '-fingerprint',
      '-sha256',
      '-serial',
      '-dates',
    ]);
    expect(info.fingerprints.sha256).toBe(field(out, 'sha256 Fingerprint'));
    expect(info.serialNumber.toUpperCase()).toBe(field(out, 'serial'));
    expect(info.serialNumber).toBe('c0ffee0123456789');
    expect(Date.parse(info.notBefore)).toBe(Date.parse(field(out, 'notBefore')));
    expect(Date.parse(info.notAfter)).toBe(Date.parse(field(out, 'notAfter')));
    const sha1 = openssl(dir, ['x509', '-in', 'cert.pem', '-noout', '-fingerprint', '-sha1']);
    expect(info.fingerprints.sha1).toBe(field(sha1, 'sha1 Fingerprint'));
    const subject = openssl(dir, [
      'x509',
      '-in',
      'cert.pem',
      '-noout',
      '-subject',
      '-issuer',
      '-nameopt',
      'RFC2253',
    ]);
    expect(info.subject.text).toBe(field(subject, 'subject'));
    expect(info.issuer.text).toBe(field(subject, 'issuer'));
    const ski = openssl(dir, ['x509', '-in', 'cert.pem', '-noout', '-ext', 'subjectKeyIdentifier']);
    expect(ski).toContain(info.subjectKeyIdentifier!);
    expect(info.subjectKeyIdentifier).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
  });

  it('groups SANs by type and names usages', async () => {
    const info = await inspectCertificate(pem);
    expect(info.subjectAltNames).toEqual({
      dns: ['localhost', 'node1.example.net'],
      ip: ['127.0.0.1', '::1'],
      email: ['ops@example.net'],
      uri: ['spiffe://cluster/node1'],
      other: ['registeredId:1.2.3.4'],
    });
    expect(info.keyUsage).toEqual([
      'digitalSignature',
      'nonRepudiation',
      'keyEncipherment',
      'dataEncipherment',
    ]);
    expect(info.extendedKeyUsage).toEqual(['serverAuth', 'clientAuth', '1.3.6.1.4.1.99999.1']);
    expect(info.publicKey).toEqual({ type: 'RSA', bits: 2048 });
    expect(info.signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(info.basicConstraints).toEqual({ ca: false, critical: false });
    expect(info.isCa).toBe(false);
    expect(info.selfSigned).toBe(true);
    expect(info.subject.attributes.map((a) => `${a.type}=${a.value}`)).toEqual([
      'C=US',
      'ST=California',
      'O=NVIDIA',
      'OU=AIStore',
      'CN=localhost',
    ]);
    expect(info.extensions.map((e) => e.name)).toEqual(
      expect.arrayContaining(['subjectAltName', 'basicConstraints', 'keyUsage', 'extKeyUsage']),
    );
    // openssl encodes basicConstraints CA:FALSE as an empty SEQUENCE: no problem to report
    expect(info.problems).toEqual([]);
  });

  it('is plain JSON: survives a JSON round trip unchanged and holds no byte arrays', async () => {
    const info = await inspectCertificate(pem);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it('renders aligned text with the time left', async () => {
    const info = await inspectCertificate(pem);
    const now = new Date(Date.parse(info.notAfter) - 10 * 86_400_000 - 3 * 3_600_000);
    const text = renderText(info, { now });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('Certificate');
    expect(lines[1]).toBe(
      `  ${'Subject:'.padEnd(21)}CN=localhost,OU=AIStore,O=NVIDIA,ST=California,C=US`,
    );
    const valueColumn = lines[1]!.indexOf('CN=localhost');
    for (const line of lines.slice(1)) {
      expect(line.startsWith('  ')).toBe(true);
      expect(line.length).toBeGreaterThan(valueColumn);
      expect(line.slice(valueColumn - 1, valueColumn)).toBe(' ');
    }
    expect(text).toMatch(/^ {2}Serial: +c0:ff:ee:01:23:45:67:89$/m);
    expect(text).toMatch(/^ {2}Not After: +\S+Z \(10d 3h left\)$/m);
    expect(text).toMatch(/^ {2}Subject Alt Names: +DNS: localhost, node1\.example\.net$/m);
    expect(text).toMatch(/^ +IP: 127\.0\.0\.1, ::1$/m);
    expect(text).toMatch(/^ {2}Key: +RSA 2048 bits$/m);
    expect(text).toMatch(
      /^ {2}Extended Key Usage: +serverAuth, clientAuth, 1\.3\.6\.1\.4\.1\.99999\.1$/m,
    );
    expect(text).toContain(info.fingerprints.sha256);
    expect(renderText(info, { now: new Date(Date.parse(info.notAfter) + 3_600_000) })).toMatch(
      /\(expired 1h 0m ago\)/,
    );
  });
});

describe('inspectCertificate on our own certificates', () => {
  it('describes a CA: flags, SKI/AKI, EC key', async () => {
    const ca = await makeCertificate({
      commonName: 'cluster CA',
      ca: true,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2035-01-01T00:00:00Z'),
      algorithm: 'P-384',
    });
    const info = await inspectCertificate(ca.der);
    expect(info.isCa).toBe(true);
    expect(info.basicConstraints).toEqual({ ca: true, critical: true });
    expect(info.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(info.publicKey).toEqual({ type: 'EC', curve: 'P-384', bits: 384 });
    expect(info.signatureAlgorithm).toBe('ecdsa-with-SHA384');
    expect(info.subjectKeyIdentifier).toBe(info.authorityKeyIdentifier);
    expect(info.notAfter).toBe('2035-01-01T00:00:00.000Z');
    expect(renderText(info, { now: new Date('2025-01-01T00:00:00Z') })).toMatch(
      /Basic Constraints: +CA:TRUE \(critical\)/,
    );
  });

  it('throws a NodeIdError for what is not a certificate', async () => {
    for (const bad of ['garbage', new Uint8Array([0x30, 0x00])]) {
      await expect(inspectCertificate(bad)).rejects.toSatisfy((e: unknown) =>
        NodeIdError.isInstance(e),
      );
    }
  });
});
