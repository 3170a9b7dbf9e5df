/** inspect() tells certificates, CSRs, CRLs and keys apart, in PEM and DER, and renders each. */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dirName,
  party,
  reasonFlags,
  revocationList,
  uriName,
} from '../../test/crl/crl-builder.js';
import { openssl, tempDir } from '../../test/crl/openssl-ca.js';
import { createCrl } from '../crl/create-crl.js';
import { NodeIdError } from '../errors.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import { bool, tlv } from '../lib/der.js';
import { decodePem, encodePem } from '../lib/pem.js';
import { inspect } from './inspect.js';
import { inspectCrl } from './inspect-crl.js';
import { renderText } from './render-text.js';

let dir: string;
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const der = (name: string) => decodePem(read(name))[0]!.der;
let crlPem: string;

beforeAll(async () => {
  dir = tempDir('nodeid-inspect-all-');
  const keys = await generateKeyPair({ extractable: true });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  fs.writeFileSync(path.join(dir, 'ca.key'), encodePem('PRIVATE KEY', pkcs8));
  openssl(dir, [
    'req',
    '-x509',
    '-key',
    'ca.key',
    '-subj',
    '/CN=inspect-ca',
    '-days',
    '30',
    '-out',
    'ca.pem',
  ]);
  openssl(dir, ['pkey', '-in', 'ca.key', '-pubout', '-out', 'ca.pub']);
  openssl(dir, [
    'req',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=node1',
    '-addext',
    'subjectAltName=DNS:node1,DNS:node1.example.net,IP:10.0.0.1',
    '-addext',
    'extendedKeyUsage=serverAuth,clientAuth',
    '-out',
    'node.csr',
  ]);
  crlPem = (
    await createCrl({
      issuer: { certificate: read('ca.pem'), privateKey: keys.privateKey },
      entries: [
        {
          serialNumber: '0badcafe',
          revokedAt: new Date('2025-06-01T10:00:00Z'),
          reason: 'keyCompromise',
        },
        { serialNumber: '02', revokedAt: new Date('2025-06-02T10:00:00Z') },
      ],
      crlNumber: 17,
      thisUpdate: new Date('2025-06-03T00:00:00Z'),
      nextUpdate: new Date('2025-06-10T00:00:00Z'),
    })
  ).pem;
  fs.writeFileSync(path.join(dir, 'crl.pem'), crlPem);
});

describe('inspect dispatch', () => {
  it('recognises each kind in PEM and in DER', async () => {
    const cases: [string, string][] = [
      ['ca.pem', 'certificate'],
      ['crl.pem', 'crl'],
      ['node.csr', 'csr'],
      ['ca.key', 'key'],
      ['ca.pub', 'key'],
    ];
    for (const [file, kind] of cases) {
      expect((await inspect(read(file))).kind).toBe(kind);
      expect((await inspect(der(file))).kind).toBe(kind);
      expect((await inspect(new TextEncoder().encode(read(file)))).kind).toBe(kind);
    }
  });

  it('describes a CSR: names, usages, signature', async () => {
    const info = await inspect(read('node.csr'));
    if (info.kind !== 'csr') throw new Error(info.kind);
    expect(info.subject.text).toBe('CN=node1');
    expect(info.requestedNames.dns).toEqual(['node1', 'node1.example.net']);
    expect(info.requestedNames.ip).toEqual(['10.0.0.1']);
    expect(info.requestedExtendedKeyUsage).toEqual(['serverAuth', 'clientAuth']);
    expect(info.signatureValid).toBe(true);
    expect(info.publicKey).toEqual({ type: 'EC', curve: 'P-256', bits: 256 });
    const text = renderText(info);
    expect(text).toMatch(/^Certificate Request\n/);
    expect(text).toMatch(/Signature: +ecdsa-with-SHA256 \(valid\)/);
    expect(text).toMatch(/Requested Names: +DNS: node1, node1\.example\.net\n +IP: 10\.0\.0\.1/);
  });

  it('describes keys without secret parts', async () => {
    const priv = await inspect(read('ca.key'));
    if (priv.kind !== 'key') throw new Error(priv.kind);
    expect(priv.keyKind).toBe('private');
    expect(priv.algorithm).toBe('P-256');
    const pub = await inspect(read('ca.pub'));
    if (pub.kind !== 'key') throw new Error(pub.kind);
    expect(pub.keyKind).toBe('public');
    expect(pub.spkiSha256).toBe(priv.spkiSha256);
    const text = renderText(priv);
    expect(text).toMatch(/^Private Key \(secret parts not shown\)\n/);
    expect(text).toMatch(/Key: +EC P-256 \(256 bits\)/);
    expect(JSON.stringify(priv)).not.toMatch(/"d"|privateKey/);
  });

  it('takes the first known block of a bundle, skipping unknown labels', async () => {
    const mixed = `${encodePem('SOMETHING ELSE', Uint8Array.of(1, 2, 3))}${read('node.csr')}${read('ca.pem')}`;
    expect((await inspect(mixed)).kind).toBe('csr');
  });

  it('refuses unreadable input with a NodeIdError', async () => {
    const cases: [string | Uint8Array, string][] = [
      ['hello', 'ERR_PEM_INVALID'],
      [encodePem('SOMETHING ELSE', Uint8Array.of(1, 2, 3)), 'ERR_PEM_INVALID'],
      [Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00), 'ERR_DER_INVALID'],
      [new Uint8Array(), 'ERR_DER_INVALID'],
    ];
    for (const [input, code] of cases) {
      await expect(inspect(input)).rejects.toMatchObject({ code });
    }
  });

  it('random bytes only ever produce NodeIdErrors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        try {
          await inspect(bytes);
        } catch (e) {
          expect(NodeIdError.isInstance(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('inspectCrl', () => {
  it('describes a CRL as plain JSON and agrees with openssl on the fingerprint', async () => {
    const info = await inspectCrl(crlPem);
    expect(info).toMatchObject({
      kind: 'crl',
      version: 2,
      issuer: { text: 'CN=inspect-ca' },
      thisUpdate: '2025-06-03T00:00:00.000Z',
      nextUpdate: '2025-06-10T00:00:00.000Z',
      crlNumber: '17',
      signatureAlgorithm: 'ecdsa-with-SHA256',
      entries: [
        {
          serialNumber: '0badcafe',
          revokedAt: '2025-06-01T10:00:00.000Z',
          reason: 'keyCompromise',
        },
        { serialNumber: '02', revokedAt: '2025-06-02T10:00:00.000Z' },
      ],
      problems: [],
    });
    expect(info.extensions.map((e) => e.name)).toEqual(['authorityKeyIdentifier', 'cRLNumber']);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
    const fp = openssl(dir, ['crl', '-in', 'crl.pem', '-noout', '-fingerprint', '-sha256']);
    expect(fp).toContain(info.fingerprints.sha256);
    const ski = openssl(dir, ['x509', '-in', 'ca.pem', '-noout', '-ext', 'subjectKeyIdentifier']);
    expect(ski).toContain(info.authorityKeyIdentifier!);
  });

  it('renders the revoked list and whether the next update is overdue', async () => {
    const info = await inspectCrl(crlPem);
    const text = renderText(info, { now: new Date('2025-06-04T12:00:00Z') });
    expect(text).toMatch(/^Certificate Revocation List\n/);
    expect(text).toMatch(/CRL Number: +17\n/);
    expect(text).toMatch(/Next Update: +2025-06-10T00:00:00Z \(in 5d 12h\)/);
    expect(text).toMatch(
      /Revoked: +2 certificates\n +0b:ad:ca:fe {2}2025-06-01T10:00:00Z {2}keyCompromise\n +02 {2}2025-06-02T10:00:00Z\n/,
    );
    expect(renderText(info, { now: new Date('2025-06-11T00:00:00Z') })).toMatch(
      /\(overdue by 1d 0h\)/,
    );
  });

  it('shows the scope of a partitioned indirect CRL and whether a CRL is a delta (RFC 5280 §5.2.4, §5.2.5)', async () => {
    const ca = await party('scope-ca');
    const partition = await revocationList(ca, {
      crlNumber: 8,
      idp: [
        tlv(0xa0, tlv(0xa0, uriName('http://crl.example.test/p1.crl'))),
        tlv(0x82, bool(true).subarray(2)), // onlyContainsCACerts
        reasonFlags(0x83, 0b10), // onlySomeReasons: keyCompromise
        tlv(0x84, bool(true).subarray(2)), // indirectCRL
      ],
      entries: [{ serial: Uint8Array.of(5), certificateIssuer: [dirName('other-ca')] }],
    });
    const info = await inspectCrl(partition);
    expect(info.scope).toEqual({
      critical: true,
      distributionPoint: ['uri:http://crl.example.test/p1.crl'],
      onlyContainsUserCerts: false,
      onlyContainsCACerts: true,
      onlyContainsAttributeCerts: false,
      onlySomeReasons: ['keyCompromise'],
      indirectCrl: true,
    });
    expect(info.entries[0]?.certificateIssuer).toEqual(['dirName:CN=other-ca']);
    expect(info.baseCrlNumber).toBeUndefined();
    const text = renderText(info, { now: new Date('2025-06-01T00:00:00Z') });
    expect(text).toMatch(/Type: +complete CRL\n/);
    expect(text).toMatch(/Scope: +distribution point uri:http:\/\/crl\.example\.test\/p1\.crl\n/);
    expect(text).toMatch(
      /only CA certificates \(onlyContainsCACerts\)\n.*only the reasons keyCompromise/s,
    );
    expect(text).toMatch(/indirect CRL: entries may revoke certificates of other issuers/);
    expect(text).toMatch(/05 {2}\S+ {2}\(issuer dirName:CN=other-ca\)/);

    const delta = await inspectCrl(await revocationList(ca, { crlNumber: 9, deltaOf: 8 }));
    expect(delta).toMatchObject({ crlNumber: '9', baseCrlNumber: '8' });
    expect(delta.scope).toBeUndefined();
    const deltaText = renderText(delta);
    expect(deltaText).toMatch(/^Certificate Revocation List \(delta\)\n/);
    expect(deltaText).toMatch(/Type: +delta CRL, on top of base CRL number 8\n/);
    expect(deltaText).toMatch(/Scope: +every certificate of the issuer, every reason/);
  });
});
