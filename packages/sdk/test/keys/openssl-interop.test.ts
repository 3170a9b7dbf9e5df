/**
 * Key files exchanged with the real openssl CLI: what we write, openssl reads (including the
 * encrypted PKCS#8 of `openssl pkey -passin`); what the usual openssl recipes write, we read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeIdError } from '../../src/errors.js';
import { exportPrivateKeyPem } from '../../src/keys/export-private-key-pem.js';
import { exportPublicKeyPem } from '../../src/keys/export-public-key-pem.js';
import { generateKeyPair } from '../../src/keys/generate-key-pair.js';
import { importPrivateKeyPem } from '../../src/keys/import-private-key-pem.js';
import { importPublicKeyPem } from '../../src/keys/import-public-key-pem.js';
import { inspectKey } from '../../src/keys/inspect-key.js';
import type { KeyAlgorithm } from '../../src/keys/key-algorithm.js';
import { keyMatchesCertificate } from '../../src/keys/key-matches-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'nodeid-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs openssl and returns its stdout; throws with its stderr when it fails. */
function openssl(args: string[], input?: string | Uint8Array): string {
  return execFileSync('openssl', args, { input, cwd: dir, stdio: 'pipe' }).toString('latin1');
}

/** Runs openssl and says whether it succeeded. */
function opensslSucceeds(args: string[], input?: string | Uint8Array): boolean {
  try {
    openssl(args, input);
    return true;
  } catch {
    return false;
  }
}

/** What openssl says the public key of a private key file is. */
const opensslPublicKey = (pem: string | Uint8Array, passphrase = '', form = 'PEM') =>
  openssl(['pkey', '-inform', form, '-passin', `pass:${passphrase}`, '-pubout'], pem);

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
  }
  return undefined;
}

describe('openssl reads the keys we write', () => {
  const algorithms: KeyAlgorithm[] = ['P-256', 'P-384', 'Ed25519', 'RSA-2048', 'RSA-4096'];
  for (const algorithm of algorithms) {
    it(`${algorithm}: plain and encrypted PKCS#8, and SPKI`, async () => {
      const keys = await generateKeyPair({ algorithm, extractable: true });
      const ours = await exportPublicKeyPem(keys);
      expect(openssl(['pkey', '-pubin', '-pubout'], ours)).toBe(ours);

      const plain = await exportPrivateKeyPem(keys);
      expect(opensslPublicKey(plain)).toBe(ours);

      const locked = await exportPrivateKeyPem(keys, {
        passphrase: 'open sesame',
        iterations: 2000,
      });
      expect(opensslSucceeds(['pkey', '-passin', 'pass:open sesame', '-noout'], locked)).toBe(true);
      expect(opensslPublicKey(locked, 'open sesame')).toBe(ours);
      expect(opensslSucceeds(['pkey', '-passin', 'pass:open sesamE', '-noout'], locked)).toBe(
        false,
      );
      // openssl decrypts to the very key we exported.
      expect(openssl(['pkey', '-passin', 'pass:open sesame'], locked)).toBe(plain);
    });
  }

  it('reads the default 600000-iteration encryption, shown as openssl describes it', async () => {
    const keys = await generateKeyPair({ extractable: true });
    const locked = await exportPrivateKeyPem(keys, { passphrase: 'x' });
    expect(opensslPublicKey(locked, 'x')).toBe(await exportPublicKeyPem(keys));
    const asn1 = openssl(['asn1parse'], locked);
    expect(asn1).toMatch(/:PBES2/);
    expect(asn1).toMatch(/:PBKDF2/);
    expect(asn1).toMatch(/INTEGER\s+:0927C0/); // 600000
    expect(asn1).toMatch(/:hmacWithSHA256/);
    expect(asn1).toMatch(/:aes-256-cbc/);
  });
});

describe('we read the keys openssl writes', () => {
  /** Runs an openssl recipe that writes `file`, then imports the file with our code. */
  async function recipe(args: string[], file: string, passphrase?: string) {
    openssl(args);
    const pem = readFileSync(join(dir, file), 'latin1');
    const keys = await importPrivateKeyPem(pem, { passphrase });
    expect(await exportPublicKeyPem(keys)).toBe(opensslPublicKey(pem, passphrase));
    return { pem, keys };
  }

  it('openssl ecparam -genkey -noout: SEC1 EC PRIVATE KEY', async () => {
    const { pem, keys } = await recipe(
      ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec.key'],
      'ec.key',
    );
    expect(pem).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(keys.algorithm).toBe('P-256');
  });

  it('openssl ecparam -genkey: EC PARAMETERS followed by the key', async () => {
    const { pem, keys } = await recipe(
      ['ecparam', '-name', 'secp384r1', '-genkey', '-out', 'ec384.key'],
      'ec384.key',
    );
    expect(pem).toMatch(/^-----BEGIN EC PARAMETERS-----/);
    expect(keys.algorithm).toBe('P-384');
  });

  it('openssl genrsa 2048: PKCS#8 in OpenSSL 3, PKCS#1 with -traditional', async () => {
    const modern = await recipe(['genrsa', '-out', 'rsa.key', '2048'], 'rsa.key');
    expect(modern.pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(modern.keys.algorithm).toBe('RSA-2048');
    const traditional = await recipe(
      ['genrsa', '-traditional', '-out', 'rsa1.key', '2048'],
      'rsa1.key',
    );
    expect(traditional.pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(traditional.keys.algorithm).toBe('RSA-2048');
  });

  it('openssl genpkey -algorithm ed25519', async () => {
    const { keys } = await recipe(['genpkey', '-algorithm', 'ed25519', '-out', 'ed.key'], 'ed.key');
    expect(keys.algorithm).toBe('Ed25519');
  });

  it('openssl pkcs8 -topk8 with every PBES2 PRF and AES size openssl offers', async () => {
    openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      'p.key',
    ]);
    const variants: [string[], string][] = [
      [['-v2', 'aes-256-cbc'], 'hmacWithSHA256'],
      [['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-iter', '5000'], 'hmacWithSHA256'],
      [['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1'], 'hmacWithSHA1'],
      [['-v2', 'aes-192-cbc', '-v2prf', 'hmacWithSHA384'], 'hmacWithSHA384'],
      [['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512'], 'hmacWithSHA512'],
    ];
    for (const [flags, prf] of variants) {
      const out = openssl(['pkcs8', '-topk8', ...flags, '-passout', 'pass:x', '-in', 'p.key']);
      const keys = await importPrivateKeyPem(out, { passphrase: 'x' });
      expect(await exportPublicKeyPem(keys)).toBe(opensslPublicKey(out, 'x'));
      expect(await codeOf(importPrivateKeyPem(out, { passphrase: 'y' }))).toBe(
        'ERR_PASSPHRASE_WRONG',
      );
      expect(await codeOf(importPrivateKeyPem(out))).toBe('ERR_PASSPHRASE_REQUIRED');
      const info = await inspectKey(out);
      expect(info.encrypted).toBe(true);
      expect(info.encryption?.prf).toBe(prf);
      if (flags.includes('-iter')) expect(info.encryption?.iterations).toBe(5000);
    }
  });

  it('openssl genpkey -aes256 and DER output', async () => {
    const { keys } = await recipe(
      ['genpkey', '-algorithm', 'ed25519', '-aes256', '-pass', 'pass:pw', '-out', 'ed-enc.key'],
      'ed-enc.key',
      'pw',
    );
    expect(keys.algorithm).toBe('Ed25519');
    openssl(['pkey', '-in', 'ed.key', '-outform', 'DER', '-out', 'ed.der']);
    const der = new Uint8Array(readFileSync(join(dir, 'ed.der')));
    const fromDer = await importPrivateKeyPem(der);
    expect(await exportPublicKeyPem(fromDer)).toBe(opensslPublicKey(der, '', 'DER'));
    openssl(['pkey', '-in', 'ed.key', '-pubout', '-outform', 'DER', '-out', 'ed.pub.der']);
    const pub = await importPublicKeyPem(new Uint8Array(readFileSync(join(dir, 'ed.pub.der'))));
    expect(await exportPublicKeyPem(pub)).toBe(opensslPublicKey(der, '', 'DER'));
  });

  it('refuses weak, unsupported and legacy-encrypted keys with the right codes', async () => {
    // [openssl command line, file it writes, the code we answer with]
    const cases: [string, string, string][] = [
      ['genrsa -out weak.key 1024', 'weak.key', 'ERR_KEY_WEAK'],
      ['ecparam -name secp521r1 -genkey -noout -out p521.key', 'p521.key', 'ERR_KEY_UNSUPPORTED'],
      ['genpkey -algorithm ed448 -out ed448.key', 'ed448.key', 'ERR_KEY_UNSUPPORTED'],
      [
        'ecparam -name prime256v1 -genkey -noout -param_enc explicit -out explicit.key',
        'explicit.key',
        'ERR_KEY_UNSUPPORTED',
      ],
      [
        'ec -in ec.key -aes256 -passout pass:x -out legacy.key',
        'legacy.key',
        'ERR_KEY_UNSUPPORTED',
      ],
      [
        'pkcs8 -topk8 -v1 PBE-SHA1-3DES -passout pass:x -in p.key -out pkcs12.key',
        'pkcs12.key',
        'ERR_KEY_UNSUPPORTED',
      ],
      [
        'pkcs8 -topk8 -v2 des3 -passout pass:x -in p.key -out des3.key',
        'des3.key',
        'ERR_KEY_UNSUPPORTED',
      ],
      [
        'pkcs8 -topk8 -scrypt -passout pass:x -in p.key -out scrypt.key',
        'scrypt.key',
        'ERR_KEY_UNSUPPORTED',
      ],
    ];
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec.key']);
    openssl(['pkey', '-in', 'ec.key', '-out', 'p.key']);
    for (const [command, file, code] of cases) {
      openssl(command.split(' '));
      const pem = readFileSync(join(dir, file), 'latin1');
      expect(await codeOf(importPrivateKeyPem(pem, { passphrase: 'x' })), file).toBe(code);
      // inspect describes rather than refuses, saying what the problem is.
      if (file !== 'explicit.key') {
        const info = await inspectKey(pem);
        expect(info.algorithm, file).toBeUndefined();
        expect(info.problem, file).toBeTruthy();
        expect(info.encrypted, file).toBe(!['weak.key', 'p521.key', 'ed448.key'].includes(file));
      }
    }
  });
});

describe('keyMatchesCertificate against openssl req -x509', () => {
  it('matches the key the certificate was made with, and no other', async () => {
    openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      'c.key',
    ]);
    openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      'd.key',
    ]);
    openssl(['req', '-x509', '-key', 'c.key', '-subj', '/CN=node1', '-days', '1', '-out', 'c.crt']);
    const cert = readFileSync(join(dir, 'c.crt'), 'latin1');
    const own = readFileSync(join(dir, 'c.key'), 'latin1');
    const other = readFileSync(join(dir, 'd.key'), 'latin1');
    expect(await keyMatchesCertificate(await importPrivateKeyPem(own), cert)).toBe(true);
    expect(
      await keyMatchesCertificate(await importPrivateKeyPem(own, { extractable: true }), cert),
    ).toBe(true);
    expect(await keyMatchesCertificate(await importPrivateKeyPem(other), cert)).toBe(false);
    expect(
      await keyMatchesCertificate(await importPrivateKeyPem(other, { extractable: true }), cert),
    ).toBe(false);
    // The same question openssl answers by comparing public keys.
    expect(openssl(['x509', '-in', 'c.crt', '-noout', '-pubkey'])).toBe(opensslPublicKey(own));
  });
});
