/**
 * Our CRLs against real openssl: `openssl crl -verify` accepts them, `openssl crl -text` shows
 * the revoked serials and reasons, and `openssl verify -crl_check` refuses a revoked leaf.
 * The CA key is made with WebCrypto, exported as PKCS#8 PEM, and openssl self-signs the CA.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { createCrl } from '../../src/crl/create-crl.js';
import { parseCrl } from '../../src/crl/parse-crl.js';
import { verifyCrlSignature } from '../../src/crl/verify-crl-signature.js';
import { NodeIdError } from '../../src/errors.js';
import { generateKeyPair } from '../../src/keys/generate-key-pair.js';
import type { KeyAlgorithm } from '../../src/keys/key-algorithm.js';
import { encodePem } from '../../src/lib/pem.js';
import { openssl, opensslStatus, tempDir } from './openssl-ca.js';

interface Ca {
  dir: string;
  privateKey: CryptoKey;
  certificatePem: string;
}

/** A CA whose key WebCrypto made and whose certificate openssl self-signed. */
async function makeCa(algorithm: KeyAlgorithm, cn: string): Promise<Ca> {
  const dir = tempDir();
  const keys = await generateKeyPair({ algorithm, extractable: true });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  fs.writeFileSync(path.join(dir, 'ca.key'), encodePem('PRIVATE KEY', pkcs8));
  openssl(dir, [
    'req',
    '-x509',
    '-key',
    'ca.key',
    '-subj',
    `/CN=${cn}/O=nodeid tests`,
    '-days',
    '30',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'ca.pem',
  ]);
  return {
    dir,
    privateKey: keys.privateKey,
    certificatePem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
  };
}

/** A leaf for `cn` signed by the CA with openssl; returns its serial as lower-case hex. */
function opensslLeaf(ca: Ca, cn: string, serialHex: string): string {
  openssl(ca.dir, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${cn}.key`,
  ]);
  openssl(ca.dir, ['req', '-new', '-key', `${cn}.key`, '-subj', `/CN=${cn}`, '-out', `${cn}.csr`]);
  openssl(ca.dir, [
    'x509',
    '-req',
    '-in',
    `${cn}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    `0x${serialHex}`,
    '-days',
    '10',
    '-out',
    `${cn}.pem`,
  ]);
  return parseCertificate(fs.readFileSync(path.join(ca.dir, `${cn}.pem`), 'utf8')).serialNumber;
}

const revokedAt = new Date('2025-06-01T10:00:00Z');

for (const algorithm of ['P-256', 'P-384', 'RSA-2048', 'Ed25519'] as const) {
  describe(`createCrl with a ${algorithm} CA, checked by openssl`, () => {
    let ca: Ca;
    beforeAll(async () => {
      ca = await makeCa(algorithm, `crl-ca-${algorithm.toLowerCase()}`);
    });

    it('passes openssl crl -verify and shows serials, reasons and the CRL number', async () => {
      const now = new Date();
      const { pem, crl } = await createCrl({
        issuer: { certificate: ca.certificatePem, privateKey: ca.privateKey },
        entries: [
          { serialNumber: '0a1b2c3d', revokedAt, reason: 'keyCompromise' },
          { serialNumber: 'ff00', revokedAt, reason: 'superseded' },
          { serialNumber: '7e:57', revokedAt, reason: 'cessationOfOperation' },
          { serialNumber: '01', revokedAt },
        ],
        crlNumber: 4242,
        thisUpdate: now,
        nextUpdate: '2d',
      });
      fs.writeFileSync(path.join(ca.dir, 'crl.pem'), pem);
      const verify = opensslStatus(ca.dir, [
        'crl',
        '-in',
        'crl.pem',
        '-CAfile',
        'ca.pem',
        '-verify',
        '-noout',
      ]);
      expect(verify.stderr + verify.stdout).toMatch(/verify OK/);
      expect(verify.status).toBe(0);

      const text = openssl(ca.dir, ['crl', '-in', 'crl.pem', '-noout', '-text']);
      expect(text).toMatch(/Version 2/);
      expect(text).toMatch(/X509v3 CRL Number:\s+4242/);
      const caText = openssl(ca.dir, [
        'x509',
        '-in',
        'ca.pem',
        '-noout',
        '-ext',
        'subjectKeyIdentifier',
      ]);
      const ski = /([0-9A-F]{2}(:[0-9A-F]{2})+)/.exec(caText)![1]!;
      expect(text).toContain(ski);
      const revokedPart = text.slice(text.indexOf('Revoked Certificates:'));
      const serialBlocks = revokedPart.split(/Serial Number: /).slice(1);
      const found = new Map(
        serialBlocks.map((b) => [
          b.split(/\s/)[0]!.toLowerCase(),
          /CRL Reason Code:\s*\n\s*(.+)/.exec(b)?.[1]?.trim(),
        ]),
      );
      expect(found).toEqual(
        new Map([
          ['0a1b2c3d', 'Key Compromise'],
          ['ff00', 'Superseded'],
          ['7e57', 'Cessation Of Operation'],
          ['01', undefined],
        ]),
      );
      expect(text).toContain('Jun  1 10:00:00 2025 GMT');

      expect(crl.crlNumber).toBe(4242n);
      expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(2 * 86_400_000);
      expect(crl.problems).toEqual([]);
      expect(await verifyCrlSignature(pem, ca.certificatePem)).toBe(true);
    });

    it('makes openssl verify -crl_check refuse the revoked leaf and accept the other', async () => {
      const revoked = opensslLeaf(ca, 'revoked-node', '5eed01');
      const kept = opensslLeaf(ca, 'kept-node', '5eed02');
      const { pem } = await createCrl({
        issuer: { certificate: ca.certificatePem, privateKey: ca.privateKey },
        entries: [
          {
            serialNumber: revoked,
            revokedAt: new Date(Date.now() - 60_000),
            reason: 'keyCompromise',
          },
        ],
        crlNumber: 1,
      });
      fs.writeFileSync(path.join(ca.dir, 'leaf-crl.pem'), pem);
      const bad = opensslStatus(ca.dir, [
        'verify',
        '-crl_check',
        '-CAfile',
        'ca.pem',
        '-CRLfile',
        'leaf-crl.pem',
        'revoked-node.pem',
      ]);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr + bad.stdout).toMatch(/certificate revoked/);
      const good = opensslStatus(ca.dir, [
        'verify',
        '-crl_check',
        '-CAfile',
        'ca.pem',
        '-CRLfile',
        'leaf-crl.pem',
        'kept-node.pem',
      ]);
      expect(good.stdout).toMatch(/kept-node.pem: OK/);
      expect(kept).not.toBe(revoked);
    });

    it('an altered CRL fails both openssl and verifyCrlSignature', async () => {
      const { der } = await createCrl({
        issuer: { certificate: ca.certificatePem, privateKey: ca.privateKey },
        entries: [{ serialNumber: '0a1b2c3d', revokedAt }],
        crlNumber: 9,
      });
      const parsed = parseCrl(der);
      const tampered = der.slice();
      // flip one bit of the revoked serial, inside the signed TBS
      const serialAt = indexOf(tampered, Uint8Array.of(0x0a, 0x1b, 0x2c, 0x3d));
      expect(serialAt).toBeGreaterThan(0);
      tampered[serialAt + 3] = tampered[serialAt + 3]! ^ 0x01;
      expect(parseCrl(tampered).entries[0]!.serialNumber).toBe('0a1b2c3c');
      expect(await verifyCrlSignature(tampered, ca.certificatePem)).toBe(false);
      fs.writeFileSync(path.join(ca.dir, 'tampered.pem'), encodePem('X509 CRL', tampered));
      const r = opensslStatus(ca.dir, [
        'crl',
        '-in',
        'tampered.pem',
        '-CAfile',
        'ca.pem',
        '-verify',
        '-noout',
      ]);
      expect(r.stderr + r.stdout).not.toMatch(/verify OK/);
      expect(parsed.entries[0]!.serialNumber).toBe('0a1b2c3d');
    });
  });
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('createCrl refuses what would make a bad CRL', () => {
  let ca: Ca;
  let other: Ca;
  beforeAll(async () => {
    ca = await makeCa('P-256', 'refusing-ca');
    other = await makeCa('P-256', 'other-ca');
  });

  async function codeOf(fn: () => Promise<unknown>): Promise<string | undefined> {
    try {
      await fn();
    } catch (e) {
      return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
    }
    return undefined;
  }

  it('a private key that does not belong to the issuer certificate', async () => {
    const code = await codeOf(() =>
      createCrl({
        issuer: { certificate: ca.certificatePem, privateKey: other.privateKey },
        entries: [],
        crlNumber: 1,
      }),
    );
    expect(code).toBe('ERR_KEY_MISMATCH');
  });

  it('an issuer that is not a CA', async () => {
    opensslLeaf(ca, 'plain-leaf', '0abc');
    const leafPem = fs.readFileSync(path.join(ca.dir, 'plain-leaf.pem'), 'utf8');
    const code = await codeOf(() =>
      createCrl({
        issuer: { certificate: leafPem, privateKey: ca.privateKey },
        entries: [],
        crlNumber: 1,
      }),
    );
    expect(code).toBe('ERR_CA_INVALID');
  });

  it('bad serials, duplicates, reasons, numbers and dates', async () => {
    const issuer = { certificate: ca.certificatePem, privateKey: ca.privateKey };
    const bad: Parameters<typeof createCrl>[0][] = [
      { issuer, entries: [{ serialNumber: 'xyz', revokedAt }], crlNumber: 1 },
      { issuer, entries: [{ serialNumber: '', revokedAt }], crlNumber: 1 },
      {
        issuer,
        entries: [
          { serialNumber: '0a', revokedAt },
          { serialNumber: '000a', revokedAt },
        ],
        crlNumber: 1,
      },
      {
        issuer,
        entries: [{ serialNumber: '0a', revokedAt, reason: 'removeFromCRL' }],
        crlNumber: 1,
      },
      {
        issuer,
        entries: [{ serialNumber: '0a', revokedAt, reason: 'nope' as 'superseded' }],
        crlNumber: 1,
      },
      { issuer, entries: [{ serialNumber: '0a', revokedAt: new Date('x') }], crlNumber: 1 },
      { issuer, entries: [], crlNumber: -1 },
      { issuer, entries: [], crlNumber: 1.5 },
      { issuer, entries: [], crlNumber: 1n << 160n },
      { issuer, entries: [], crlNumber: 1, thisUpdate: revokedAt, nextUpdate: revokedAt },
      { issuer, entries: [], crlNumber: 1, nextUpdate: 'later' },
    ];
    for (const options of bad)
      expect(await codeOf(() => createCrl(options))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('createCrl output read back by parseCrl', () => {
  it('round-trips entries, reasons, invalidity dates, AKI and dates', async () => {
    const ca = await makeCa('P-256', 'roundtrip-ca');
    const caCert = parseCertificate(ca.certificatePem);
    const thisUpdate = new Date('2025-06-02T00:00:00.750Z');
    const { crl, der } = await createCrl({
      issuer: { certificate: caCert, privateKey: ca.privateKey },
      entries: [
        {
          serialNumber: '00ab',
          revokedAt,
          reason: 'keyCompromise',
          invalidityDate: new Date('2025-05-30T00:00:00Z'),
        },
        { serialNumber: '80', revokedAt, reason: 'unspecified' },
        {
          serialNumber: '0102030405060708090a0b0c0d0e0f1011121314',
          revokedAt,
          reason: 'aACompromise',
        },
      ],
      crlNumber: 2n ** 100n,
      thisUpdate,
      nextUpdate: new Date('2025-06-09T00:00:00Z'),
    });
    expect(parseCrl(der)).toEqual(crl);
    expect(crl.issuer.raw).toEqual(caCert.subject.raw);
    expect(crl.authorityKeyIdentifier?.keyIdentifier).toEqual(caCert.subjectKeyIdentifier);
    expect(crl.thisUpdate.toISOString()).toBe('2025-06-02T00:00:00.000Z');
    expect(crl.nextUpdate?.toISOString()).toBe('2025-06-09T00:00:00.000Z');
    expect(crl.crlNumber).toBe(2n ** 100n);
    expect(
      crl.entries.map((e) => [e.serialNumber, e.reason, e.invalidityDate?.toISOString()]),
    ).toEqual([
      ['ab', 'keyCompromise', '2025-05-30T00:00:00.000Z'],
      ['80', undefined, undefined], // unspecified is written as no reason code (RFC 5280 §5.3.1)
      ['0102030405060708090a0b0c0d0e0f1011121314', 'aACompromise', undefined],
    ]);
    expect(crl.problems).toEqual([]);
    fs.writeFileSync(path.join(ca.dir, 'rt.pem'), crl.pem);
    const text = openssl(ca.dir, ['crl', '-in', 'rt.pem', '-noout', '-text']);
    expect(text).toMatch(/Invalidity Date:\s*\n\s*May 30 00:00:00 2025 GMT/);
    expect(text).toMatch(/AA Compromise/);
  });
});
