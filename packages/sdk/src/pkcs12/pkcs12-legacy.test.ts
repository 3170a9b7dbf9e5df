/**
 * Legacy PKCS#12 files from real peers read by parsePkcs12: `openssl pkcs12 -export -legacy`
 * (RFC 7292 Appendix C: 40-bit RC2 for certificates, 3-key 3DES for the key, a SHA-1 MAC), with
 * 3DES, 2-key 3DES, 128-bit RC2, RC4 and the SHA-1 PBES1 schemes chosen by `-certpbe`/`-keypbe`,
 * without a MAC (`-nomac`), and Java keytool's `-J-Dkeystore.pkcs12.legacy`; for P-256 and RSA
 * keys. The key read is the certificate's; a wrong passphrase is ERR_PASSPHRASE_WRONG with and
 * without a MAC; MD5 PBES1 is refused by name; mutated legacy files and random ciphertexts give
 * only NodeIdErrors.
 */
import { spawnSync } from 'node:child_process';
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
import { importPrivateKeyPem } from '../keys/import-private-key-pem.js';
import { keyMatchesCertificate } from '../keys/key-matches-certificate.js';
import { children, decode, explicit, int, nul, octets, oid, seq } from '../lib/der.js';
import { parsePkcs12 } from './parse-pkcs12.js';
import { decryptLegacyPbe, LEGACY_PBE_CIPHERS } from './pbe-legacy.js';
import { computeMac } from './pkcs12-mac.js';
import { P12 } from './pkcs12-oids.js';

const pass = 'legacy pässword';
let ca: Identity;
const nodes: Record<'P-256' | 'RSA-2048', Identity> = {} as never;
let dir: string;

async function errorOf(p: Promise<unknown>): Promise<NodeIdError | undefined> {
  try {
    await p;
  } catch (e) {
    expect(NodeIdError.isInstance(e), String(e)).toBe(true);
    return e as NodeIdError;
  }
  return undefined;
}

beforeAll(async () => {
  ca = await createCa({ clusterName: 'legacy.cluster' });
  dir = scratch('nodeid-p12legacy-');
  for (const algorithm of ['P-256', 'RSA-2048'] as const) {
    const id = await issueIdentity({
      ca,
      name: `${algorithm.toLowerCase()}.example.net`,
      algorithm,
    });
    nodes[algorithm] = id;
    writeFiles(dir, {
      [`${algorithm}.crt`]: id.certificate.pem,
      [`${algorithm}.key`]: await exportPrivateKeyPem(id.privateKey),
    });
  }
  writeFiles(dir, { 'ca.crt': ca.certificate.pem, 'pass.txt': pass });
}, 60_000);

/** `openssl pkcs12 -export -legacy` of a node, its CA and `extra` options; the file's bytes. */
function exportLegacy(name: string, algorithm: keyof typeof nodes, extra: string[]): Uint8Array {
  const out = join(dir, name);
  const r = openssl([
    'pkcs12',
    '-export',
    '-legacy',
    '-in',
    join(dir, `${algorithm}.crt`),
    '-inkey',
    join(dir, `${algorithm}.key`),
    '-certfile',
    join(dir, 'ca.crt'),
    '-name',
    'node1',
    '-passout',
    `file:${join(dir, 'pass.txt')}`,
    '-out',
    out,
    ...extra,
  ]);
  expect(r.status, r.output).toBe(0);
  return readFileSync(out);
}

/** What `openssl pkcs12 -info` says the file's encryptions are. */
function opensslInfo(file: Uint8Array, passin = `file:${join(dir, 'pass.txt')}`): string {
  const paths = writeFiles(dir, { 'info.p12': file });
  const r = openssl([
    'pkcs12',
    '-legacy',
    '-info',
    '-noout',
    '-in',
    paths['info.p12']!,
    '-passin',
    passin,
  ]);
  expect(r.status, r.output).toBe(0);
  return r.output;
}

async function expectNode(
  file: Uint8Array,
  algorithm: keyof typeof nodes,
  alias: string,
  passphrase = pass,
) {
  const id = nodes[algorithm];
  const p12 = await parsePkcs12(file, { passphrase });
  const serials = p12.certificates.map((c) => c.certificate.serialNumber);
  expect(serials).toContain(id.certificate.serialNumber);
  const leaf = p12.certificates.find(
    (c) => c.certificate.serialNumber === id.certificate.serialNumber,
  )!;
  expect(leaf).toMatchObject({ friendlyName: alias, hasKey: true });
  expect(p12.keys).toHaveLength(1);
  expect(p12.keys[0]!.friendlyName).toBe(alias);
  // The decrypted PKCS#8 is the certificate's private key.
  const key = await importPrivateKeyPem(p12.keys[0]!.pkcs8);
  expect(key.algorithm).toBe(algorithm);
  expect(await keyMatchesCertificate(key, id.certificate.pem)).toBe(true);
  return p12;
}

describe('openssl pkcs12 -export -legacy', () => {
  for (const algorithm of ['P-256', 'RSA-2048'] as const)
    it(`${algorithm}, the defaults: RC2-40 certificates, 3DES key, SHA-1 MAC`, async () => {
      const file = exportLegacy(`default-${algorithm}.p12`, algorithm, []);
      const info = opensslInfo(file);
      expect(info).toContain('PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC');
      expect(info).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC');
      const p12 = await expectNode(file, algorithm, 'node1');
      expect(p12.mac).toEqual({ hash: 'SHA-1', iterations: 2048 });
      expect(p12.certificates.map((c) => c.certificate.serialNumber)).toEqual([
        nodes[algorithm].certificate.serialNumber,
        ca.certificate.serialNumber,
      ]);
      const wrong = await errorOf(parsePkcs12(file, { passphrase: 'wrong' }));
      expect(wrong?.code).toBe('ERR_PASSPHRASE_WRONG');
      expect(wrong?.message).toMatch(/MAC/);
    });

  it('-certpbe PBE-SHA1-3DES: certificates in 3DES too', async () => {
    const file = exportLegacy('3des.p12', 'P-256', ['-certpbe', 'PBE-SHA1-3DES']);
    expect(opensslInfo(file)).toContain('PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC');
    await expectNode(file, 'P-256', 'node1');
  });

  it('-keypbe PBE-SHA1-2DES -certpbe PBE-SHA1-RC2-128: 2-key 3DES and 128-bit RC2', async () => {
    const file = exportLegacy('2des.p12', 'RSA-2048', [
      '-keypbe',
      'PBE-SHA1-2DES',
      '-certpbe',
      'PBE-SHA1-RC2-128',
    ]);
    const info = opensslInfo(file);
    expect(info).toContain('PKCS7 Encrypted data: pbeWithSHA1And128BitRC2-CBC');
    expect(info).toContain('Shrouded Keybag: pbeWithSHA1And2-KeyTripleDES-CBC');
    await expectNode(file, 'RSA-2048', 'node1');
  });

  it('-nomac: read; a wrong passphrase is told by the padding, ERR_PASSPHRASE_WRONG', async () => {
    const file = exportLegacy('nomac.p12', 'P-256', ['-nomac', '-certpbe', 'PBE-SHA1-RC2-40']);
    expect(opensslInfo(file)).toContain('MAC is absent');
    const p12 = await expectNode(file, 'P-256', 'node1');
    expect(p12.mac).toBeUndefined();
    for (const wrong of ['wrong', 'legacy password', ''])
      expect((await errorOf(parsePkcs12(file, { passphrase: wrong })))?.code).toBe(
        'ERR_PASSPHRASE_WRONG',
      );
  });

  it('RC4 (-keypbe PBE-SHA1-RC4-128 -certpbe PBE-SHA1-RC4-40), with and without a MAC', async () => {
    const rc4 = ['-keypbe', 'PBE-SHA1-RC4-128', '-certpbe', 'PBE-SHA1-RC4-40'];
    const file = exportLegacy('rc4.p12', 'P-256', rc4);
    const info = opensslInfo(file);
    expect(info).toContain('PKCS7 Encrypted data: pbeWithSHA1And40BitRC4');
    expect(info).toContain('Shrouded Keybag: pbeWithSHA1And128BitRC4');
    await expectNode(file, 'P-256', 'node1');
    // No padding to check: without a MAC, the wrong plaintext is told by its structure.
    const nomac = exportLegacy('rc4-nomac.p12', 'RSA-2048', [...rc4, '-nomac']);
    await expectNode(nomac, 'RSA-2048', 'node1');
    for (const wrong of ['wrong', 'legacy password'])
      expect((await errorOf(parsePkcs12(nomac, { passphrase: wrong })))?.code).toBe(
        'ERR_PASSPHRASE_WRONG',
      );
  });

  it('PKCS#5 v1.5 PBES1 with SHA-1 (-keypbe PBE-SHA1-DES -certpbe PBE-SHA1-RC2-64)', async () => {
    const file = exportLegacy('pbes1.p12', 'RSA-2048', [
      '-keypbe',
      'PBE-SHA1-DES',
      '-certpbe',
      'PBE-SHA1-RC2-64',
    ]);
    const info = opensslInfo(file);
    expect(info).toContain('PKCS7 Encrypted data: pbeWithSHA1AndRC2-CBC');
    expect(info).toContain('Shrouded Keybag: pbeWithSHA1AndDES-CBC');
    await expectNode(file, 'RSA-2048', 'node1');
  });

  it('PBES1 with MD5 (-keypbe PBE-MD5-DES) is refused by name, with how to re-export', async () => {
    const file = exportLegacy('md5.p12', 'P-256', ['-keypbe', 'PBE-MD5-DES']);
    const e = await errorOf(parsePkcs12(file, { passphrase: pass }));
    expect(e?.code).toBe('ERR_PKCS12_UNSUPPORTED');
    expect(e?.message).toContain('pbeWithMD5AndDES-CBC');
    expect(e?.message).toContain('openssl pkcs12 -legacy -in old.p12 -nodes');
  });
});

describe('Java keytool -J-Dkeystore.pkcs12.legacy', () => {
  for (const algorithm of ['P-256', 'RSA-2048'] as const)
    it(`${algorithm}: keytool -importkeystore into a legacy keystore`, async () => {
      const storepass = 'kmip-secret'; // ASCII: a JVM argument's encoding is the locale's
      const modern = join(dir, `modern-${algorithm}.p12`);
      const r = openssl([
        'pkcs12',
        '-export',
        '-in',
        join(dir, `${algorithm}.crt`),
        '-inkey',
        join(dir, `${algorithm}.key`),
        '-name',
        'kmip-client',
        '-passout',
        `pass:${storepass}`,
        '-out',
        modern,
      ]);
      expect(r.status, r.output).toBe(0);
      const legacy = join(dir, `keytool-${algorithm}.p12`);
      const k = spawnSync(
        'keytool',
        [
          '-J-Dkeystore.pkcs12.legacy',
          '-importkeystore',
          '-noprompt',
          '-srckeystore',
          modern,
          '-srcstoretype',
          'PKCS12',
          '-srcstorepass',
          storepass,
          '-destkeystore',
          legacy,
          '-deststoretype',
          'PKCS12',
          '-deststorepass',
          storepass,
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(k.status, `${k.stdout}${k.stderr}`).toBe(0);
      const file = readFileSync(legacy);
      const info = opensslInfo(file, `pass:${storepass}`);
      expect(info).toContain('PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC');
      expect(info).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC');
      const p12 = await expectNode(file, algorithm, 'kmip-client', storepass);
      expect(p12.mac?.hash).toBe('SHA-1');
      expect((await errorOf(parsePkcs12(file, { passphrase: 'changeit' })))?.code).toBe(
        'ERR_PASSPHRASE_WRONG',
      );
    }, 120_000);
});

describe('hostile legacy input', () => {
  it('a MAC that is right over a ciphertext that does not decrypt: ERR_PKCS12_INVALID, not the passphrase', async () => {
    const file = Uint8Array.from(exportLegacy('remac.p12', 'P-256', [])); // not a pooled Buffer
    // PFX ::= SEQUENCE { version, authSafe ContentInfo (data), macData }
    const [, authSafe, macData] = children(decode(file));
    const bytes = children(children(authSafe!)[1]!)[0]!.value.slice();
    // OpenSSL's first safe is the RC2-encrypted certificates, whose ciphertext ends it.
    const first = children(decode(bytes))[0]!.raw;
    expect(first[0]).toBe(0x30);
    const end = first.byteOffset - bytes.byteOffset + first.length;
    bytes[end - 1]! ^= 0x5a;
    const salt = children(macData!)[1]!.value;
    const mac = await computeMac(crypto.subtle, 'SHA-1', pass, salt, 2048, bytes);
    const forged = seq(
      int(3),
      seq(oid(P12.data), explicit(0, octets(bytes))),
      seq(seq(seq(oid(P12.sha1), nul()), octets(mac)), octets(salt), int(2048)),
    );
    const e = await errorOf(parsePkcs12(forged, { passphrase: pass }));
    expect(e?.code).toBe('ERR_PKCS12_INVALID');
    expect(e?.message).toMatch(/the certificates could not be decrypted though the MAC is right/);
  });

  it('mutated -nomac legacy files: a result or a NodeIdError, never another exception', async () => {
    // One iteration (-noiter) so each run reaches the ciphers cheaply; no MAC stops the mutations.
    const good = exportLegacy('fuzz.p12', 'P-256', ['-nomac', '-noiter']);
    const mutated = fc.oneof(
      fc
        .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
        .map((edits) => {
          const out = good.slice();
          for (const [pos, value] of edits) out[pos % out.length] = value;
          return out;
        }),
      fc.nat().map((n) => good.subarray(0, n % good.length)),
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
      { seed: 7292, numRuns: 200 },
    );
  });

  it('random ciphertexts under every legacy scheme: the plaintext or ERR_PASSPHRASE_WRONG', async () => {
    const schemes = Object.values(LEGACY_PBE_CIPHERS);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...schemes),
        fc.uint8Array({ maxLength: 8 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.string({ maxLength: 8 }),
        async (cipher, salt, ciphertext, passphrase) => {
          try {
            const out = await decryptLegacyPbe(
              crypto.subtle,
              cipher,
              { salt, iterations: 1 },
              passphrase,
              ciphertext,
            );
            // CBC removes 1..8 padding bytes; RC4 keeps the length.
            expect(out.length).toBeLessThanOrEqual(ciphertext.length);
          } catch (e) {
            if (!NodeIdError.isInstance(e)) throw e;
            expect(e.code).toBe('ERR_PASSPHRASE_WRONG');
          }
        },
      ),
      { seed: 2268, numRuns: 300 },
    );
  });
});
