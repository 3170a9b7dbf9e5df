/**
 * PKCS#12 against the spec and OpenSSL 3: what we write `openssl pkcs12` reads (MAC, PBES2,
 * Java's trust attribute), what `openssl pkcs12 -export` writes we read, the RFC 7292 Appendix B
 * KDF on a published vector, and the error contract (wrong passphrase, garbage); legacy files in
 * pkcs12-legacy.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { openssl, scratch, writeFiles } from '../../test/helpers/openssl.js';
import { createCa } from '../ca/create-ca.js';
import { NodeIdError } from '../errors.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { exportPrivateKeyPem } from '../keys/export-private-key-pem.js';
import type { KeyAlgorithm } from '../keys/key-algorithm.js';
import { toHex } from '../lib/bytes.js';
import { createPkcs12 } from './create-pkcs12.js';
import { sha1, sha1Rounds, sha256, sha256Rounds } from './iterated-hash.js';
import { parsePkcs12 } from './parse-pkcs12.js';
import { bmpPassword, pkcs12Kdf } from './pkcs12-mac.js';

let ca: Identity;
let node: Identity;
const pass = 'correct horse';
const fast = { iterations: 1000, keyIterations: 1000 };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(NodeIdError.isInstance(e), String(e)).toBe(true);
    return (e as NodeIdError).code;
  }
  return 'no error';
}

beforeAll(async () => {
  ca = await createCa({ clusterName: 'p12.cluster' });
  node = await issueIdentity({ ca, name: 'node1.example.net', ips: ['10.0.0.1'] });
});

describe('RFC 7292 Appendix B', () => {
  it('B.1: the password is a BMPString with a two-byte NUL terminator', () => {
    expect(toHex(bmpPassword('ab'))).toBe('006100620000');
    expect(toHex(bmpPassword(''))).toBe('0000');
    // Outside the BMP: a surrogate pair, as OpenSSL's OPENSSL_utf82uni writes.
    expect(toHex(bmpPassword('\u{1F511}'))).toBe('d83ddd110000');
  });

  it('the synchronous SHA-1 and SHA-256 of the KDF rounds agree with WebCrypto', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (data) => {
        expect(toHex(sha256(data))).toBe(
          toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', data))),
        );
        expect(toHex(sha1(data))).toBe(
          toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', data))),
        );
      }),
      { seed: 7292, numRuns: 200 },
    );
  });

  it('the iterated SHA-1 and SHA-256 (one compression per later round) agree with WebCrypto loops', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 130 }),
        fc.integer({ min: 1, max: 40 }),
        async (data, n) => {
          for (const [name, rounds] of [
            ['SHA-1', sha1Rounds],
            ['SHA-256', sha256Rounds],
          ] as const) {
            let a = new Uint8Array(await crypto.subtle.digest(name, data));
            for (let i = 1; i < n; i++) a = new Uint8Array(await crypto.subtle.digest(name, a));
            expect(toHex(rounds(data, n))).toBe(toHex(a));
          }
        },
      ),
      { seed: 1802, numRuns: 60 },
    );
  });

  it('B.2 KDF with many rounds: the same key whichever hash implementation runs the rounds', async () => {
    const salt = new Uint8Array(8).fill(1);
    const local = await pkcs12Kdf(crypto.subtle, 'SHA-256', bmpPassword('x'), salt, 2048, 3, 32);
    // SHA-384 runs on WebCrypto: compare the SHA-256 path with a WebCrypto loop directly.
    let a = new Uint8Array(
      await crypto.subtle.digest(
        'SHA-256',
        new Uint8Array([
          ...new Uint8Array(64).fill(3),
          ...new Uint8Array(64).fill(1),
          ...Uint8Array.from({ length: 64 }, (_, i) => [0, 0x78, 0, 0][i % 4]!),
        ]),
      ),
    );
    for (let i = 1; i < 2048; i++) a = new Uint8Array(await crypto.subtle.digest('SHA-256', a));
    expect(toHex(local)).toBe(toHex(a));
  });

  it('B.2 KDF: the published PKCS#12 vectors (SHA-1, "smeg", ID 1 and 2, one iteration)', async () => {
    // The test vectors distributed with PKCS#12 v1.0 and used by BouncyCastle's PKCS12Test.
    const salt = Uint8Array.from([0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f]);
    const key = await pkcs12Kdf(crypto.subtle, 'SHA-1', bmpPassword('smeg'), salt, 1, 1, 24);
    expect(toHex(key)).toBe('8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3');
    const iv = await pkcs12Kdf(crypto.subtle, 'SHA-1', bmpPassword('smeg'), salt, 1, 2, 8);
    expect(toHex(iv)).toBe('79993dfe048d3b76');
  });
});

describe('createPkcs12 read by openssl pkcs12', () => {
  const algorithms: KeyAlgorithm[] = ['P-256', 'P-384', 'RSA-2048', 'Ed25519'];
  for (const algorithm of algorithms) {
    it(`${algorithm}: MAC sha256, PBES2 AES-256-CBC, the key matches the certificate`, async () => {
      const id = await issueIdentity({ ca, name: 'node2.example.net', algorithm });
      const p12 = await createPkcs12({
        privateKey: id.privateKey,
        certificate: id.certificate,
        chain: id.chain,
        passphrase: pass,
        ...fast,
      });
      const dir = scratch();
      const paths = writeFiles(dir, { 'node.p12': p12, 'pass.txt': pass });
      const info = openssl([
        'pkcs12',
        '-info',
        '-in',
        paths['node.p12']!,
        '-passin',
        `file:${paths['pass.txt']}`,
        '-nodes',
      ]);
      expect(info.status, info.output).toBe(0);
      expect(info.output).toContain('MAC: sha256, Iteration 1000');
      expect(info.output).toContain(
        'Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 1000, PRF hmacWithSHA256',
      );
      expect(info.output).toContain(
        'PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 1000, PRF hmacWithSHA256',
      );
      expect(info.output).toContain('friendlyName: node2.example.net');
      expect(info.output.match(/BEGIN CERTIFICATE/g)).toHaveLength(2); // leaf and CA
      // The key openssl decrypted is the certificate's key.
      const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(
        info.output,
      )![0];
      writeFiles(dir, { 'key.pem': keyPem, 'cert.pem': id.certificate.pem });
      const fromKey = openssl(['pkey', '-in', join(dir, 'key.pem'), '-pubout']);
      const fromCert = openssl(['x509', '-in', join(dir, 'cert.pem'), '-noout', '-pubkey']);
      expect(fromKey.status, fromKey.output).toBe(0);
      expect(fromKey.output).toBe(fromCert.output);
    });
  }

  it('a truststore: the CA carries the Oracle trusted key usage attribute', async () => {
    const p12 = await createPkcs12({ trusted: [ca.certificate], passphrase: pass, ...fast });
    const dir = scratch();
    const paths = writeFiles(dir, { 'trust.p12': p12 });
    const info = openssl([
      'pkcs12',
      '-info',
      '-in',
      paths['trust.p12']!,
      '-passin',
      `pass:${pass}`,
      '-nokeys',
    ]);
    expect(info.status, info.output).toBe(0);
    // OpenSSL 3.0 prints the attribute by number (its value as "<Unsupported tag 6>", an OID),
    // 3.2+ by name; keytool's trustedCertEntry (test/pkcs12-java.test.ts) checks the value.
    expect(info.output).toMatch(
      /(2\.16\.840\.1\.113894\.746875\.1\.1|Trusted key usage \(Oracle\)):/,
    );
    expect(info.output).toContain('friendlyName: p12.cluster ca');
    const back = await parsePkcs12(p12, { passphrase: pass });
    expect(back.keys).toHaveLength(0);
    expect(back.certificates.map((c) => [c.trusted, c.friendlyName, c.hasKey])).toEqual([
      [true, 'p12.cluster ca', false],
    ]);
  });

  it('a passphrase outside ASCII: UTF-8 for PBES2, BMPString for the MAC, as openssl does', async () => {
    const unicode = 'pässwörd-\u{1F511}';
    const p12 = await createPkcs12({
      privateKey: node.privateKey,
      certificate: node.certificate,
      passphrase: unicode,
      ...fast,
    });
    const dir = scratch();
    const paths = writeFiles(dir, { 'n.p12': p12, 'pass.txt': unicode });
    const info = openssl([
      'pkcs12',
      '-in',
      paths['n.p12']!,
      '-passin',
      `file:${paths['pass.txt']}`,
      '-nodes',
    ]);
    expect(info.status, info.output).toBe(0);
    expect(info.output).toContain('BEGIN PRIVATE KEY');
  });
});

describe('parsePkcs12 of what openssl pkcs12 -export writes', () => {
  let dir: string;
  let paths: Record<string, string>;
  beforeAll(async () => {
    dir = scratch();
    const keyPem = await exportPrivateKeyPem(node.privateKey);
    paths = writeFiles(dir, {
      'node.crt': node.certificate.pem,
      'node.key': keyPem,
      'ca.crt': ca.certificate.pem,
    });
  });

  function exportP12(name: string, extra: string[]): string {
    const out = join(dir, name);
    const r = openssl([
      'pkcs12',
      '-export',
      '-in',
      paths['node.crt']!,
      '-inkey',
      paths['node.key']!,
      '-certfile',
      paths['ca.crt']!,
      '-name',
      'node1',
      '-passout',
      `pass:${pass}`,
      '-out',
      out,
      ...extra,
    ]);
    expect(r.status, r.output).toBe(0);
    return out;
  }

  it('OpenSSL 3 defaults: the leaf with its key and alias, the CA', async () => {
    const file = readFileSync(exportP12('default.p12', []));
    const p12 = await parsePkcs12(file, { passphrase: pass });
    expect(p12.mac).toEqual({ hash: 'SHA-256', iterations: 2048 });
    expect(p12.certificates.map((c) => c.certificate.serialNumber)).toEqual([
      node.certificate.serialNumber,
      ca.certificate.serialNumber,
    ]);
    expect(p12.certificates[0]).toMatchObject({ friendlyName: 'node1', hasKey: true });
    expect(p12.certificates[1]).toMatchObject({ hasKey: false, trusted: false });
    expect(p12.keys).toHaveLength(1);
    expect(p12.keys[0]!.friendlyName).toBe('node1');
  });

  it('a wrong passphrase is ERR_PASSPHRASE_WRONG (the MAC check)', async () => {
    const file = readFileSync(join(dir, 'default.p12'));
    expect(await codeOf(parsePkcs12(file, { passphrase: 'wrong' }))).toBe('ERR_PASSPHRASE_WRONG');
  });

  it('-legacy (RC2-40 / 3DES, RFC 7292 Appendix C) is read; each scheme in pkcs12-legacy.test.ts', async () => {
    const file = readFileSync(exportP12('legacy.p12', ['-legacy']));
    const p12 = await parsePkcs12(file, { passphrase: pass });
    expect(p12.mac).toEqual({ hash: 'SHA-1', iterations: 2048 });
    expect(p12.keys).toHaveLength(1);
    expect(p12.certificates.map((c) => c.certificate.serialNumber)).toEqual([
      node.certificate.serialNumber,
      ca.certificate.serialNumber,
    ]);
    // The MAC (SHA-1) is still checked first: a wrong passphrase says so.
    expect(await codeOf(parsePkcs12(file, { passphrase: 'wrong' }))).toBe('ERR_PASSPHRASE_WRONG');
  });
});

describe('parsePkcs12 error contract', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    good = await createPkcs12({
      privateKey: node.privateKey,
      certificate: node.certificate,
      chain: node.chain,
      passphrase: pass,
      ...fast,
    });
  });

  it('round trip: certificates, alias, localKeyId pairing, the key', async () => {
    const p12 = await parsePkcs12(good, { passphrase: new TextEncoder().encode(pass) });
    expect(p12.certificates.map((c) => [c.certificate.serialNumber, c.hasKey])).toEqual([
      [node.certificate.serialNumber, true],
      [ca.certificate.serialNumber, false],
    ]);
    expect(p12.certificates[0]!.friendlyName).toBe('node1.example.net');
    expect(toHex(p12.keys[0]!.localKeyId!)).toBe(toHex(p12.certificates[0]!.localKeyId!));
  });

  it('refuses what it cannot write: no passphrase, a key without certificate, a wrong key', async () => {
    expect(
      await codeOf(
        createPkcs12({
          privateKey: node.privateKey,
          certificate: node.certificate,
          passphrase: '',
        }),
      ),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(createPkcs12({ privateKey: node.privateKey, passphrase: pass }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(
      await codeOf(
        createPkcs12({
          privateKey: ca.privateKey,
          certificate: node.certificate,
          passphrase: pass,
        }),
      ),
    ).toBe('ERR_KEY_MISMATCH');
  });

  it('random and mutated input: a result or a NodeIdError, never another exception', async () => {
    const mutated = fc.oneof(
      fc
        .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
        .map((edits) => {
          const out = good.slice();
          for (const [pos, value] of edits) out[pos % out.length] = value;
          return out;
        }),
      fc.nat().map((n) => good.subarray(0, n % good.length)),
      fc.uint8Array({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (bytes) => {
        try {
          await parsePkcs12(bytes, { passphrase: pass });
        } catch (e) {
          if (!NodeIdError.isInstance(e)) throw e;
          expect([
            'ERR_PKCS12_INVALID',
            'ERR_PKCS12_UNSUPPORTED',
            'ERR_PASSPHRASE_WRONG',
          ]).toContain(e.code);
        }
      }),
      { seed: 1211, numRuns: 150 },
    );
  });
});
