/**
 * Legacy PKCS#12 keystores (RFC 7292 Appendix C: 3DES and RC2) watched through the CLI, run as a
 * process on files made by real peers: `openssl pkcs12 -export -legacy` for a P-256 and an RSA
 * node (one without a MAC), and Java keytool's `-J-Dkeystore.pkcs12.legacy`. `expiry check`
 * reports every certificate inside with its alias, `cert inspect` lists the entries; a wrong
 * passphrase is "invalid" naming the file (exit 2), with and without a MAC; RC4 files are read; an
 * MD5 PBES1 key is "invalid" with a message naming the cipher and how to re-export.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, exportPrivateKeyPem, type Identity, issueIdentity } from '@nodeid/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
const PASS = 'legacy-secret';
const AT = ['--at', '2026-02-01T00:00:00Z'];

let work: string;
let stores: string;
let ca: Identity;
const nodes: Record<string, Identity> = {};

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
}

/** `openssl pkcs12 -export -legacy` of node `name` with its CA, alias = name. */
function exportLegacy(name: string, out: string, extra: string[] = []): void {
  run('openssl', [
    'pkcs12',
    '-export',
    '-legacy',
    '-in',
    join(work, `${name}.crt`),
    '-inkey',
    join(work, `${name}.key`),
    '-certfile',
    join(work, 'ca.crt'),
    '-name',
    name,
    '-passout',
    `pass:${PASS}`,
    '-out',
    out,
    ...extra,
  ]);
}

interface Row {
  file: string;
  status: string;
  alias?: string;
  serialNumber?: string;
  message: string;
}

function check(args: string[]): { status: number | null; rows: Row[] } {
  const r = runCli(['expiry', 'check', ...args, '--format', 'json'], { env: ENV });
  expect(r.stdout, r.stderr).toMatch(/^\{/);
  return { status: r.status, rows: JSON.parse(r.stdout).certificates };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-p12legacy-'));
  stores = join(work, 'stores');
  mkdirSync(stores);
  const now = new Date('2026-01-01T00:00:00Z');
  ca = await createCa({ clusterName: 'kmip.cluster', now });
  for (const [name, algorithm] of [
    ['kmip-ec', 'P-256'],
    ['kmip-rsa', 'RSA-2048'],
  ] as const) {
    nodes[name] = await issueIdentity({ ca, name: `${name}.example.net`, algorithm, now });
    writeFileSync(join(work, `${name}.crt`), nodes[name]!.certificate.pem);
    writeFileSync(join(work, `${name}.key`), await exportPrivateKeyPem(nodes[name]!.privateKey));
  }
  writeFileSync(join(work, 'ca.crt'), ca.certificate.pem);
  writeFileSync(join(work, 'pass.txt'), `${PASS}\n`);
  writeFileSync(join(work, 'wrong.txt'), 'not-it\n');
  exportLegacy('kmip-ec', join(stores, 'a-openssl-ec.p12'));
  exportLegacy('kmip-rsa', join(stores, 'b-openssl-rsa.pfx'));
  exportLegacy('kmip-ec', join(work, 'nomac.p12'), ['-nomac', '-certpbe', 'PBE-SHA1-RC2-40']);
  exportLegacy('kmip-ec', join(work, 'rc4.p12'), ['-certpbe', 'PBE-SHA1-RC4-40']);
  exportLegacy('kmip-ec', join(work, 'md5.p12'), ['-keypbe', 'PBE-MD5-DES']);
  // keytool writes 40-bit RC2 and 3DES with a SHA-1 MAC when asked for the legacy format.
  run('openssl', [
    'pkcs12',
    '-export',
    '-in',
    join(work, 'kmip-rsa.crt'),
    '-inkey',
    join(work, 'kmip-rsa.key'),
    '-name',
    'java-client',
    '-passout',
    `pass:${PASS}`,
    '-out',
    join(work, 'modern.p12'),
  ]);
  run('keytool', [
    '-J-Dkeystore.pkcs12.legacy',
    '-importkeystore',
    '-noprompt',
    '-srckeystore',
    join(work, 'modern.p12'),
    '-srcstoretype',
    'PKCS12',
    '-srcstorepass',
    PASS,
    '-destkeystore',
    join(stores, 'c-keytool.p12'),
    '-deststoretype',
    'PKCS12',
    '-deststorepass',
    PASS,
  ]);
}, 180_000);

describe('expiry check of legacy keystores', () => {
  it('a folder of openssl -legacy and keytool legacy files: every certificate with its alias', () => {
    const { status, rows } = check([stores, '--passphrase-file', join(work, 'pass.txt'), ...AT]);
    expect(status).toBe(0);
    const ec = nodes['kmip-ec']!.certificate.serialNumber;
    const rsa = nodes['kmip-rsa']!.certificate.serialNumber;
    expect(
      rows.map((r) => [r.file.replace(`${stores}/`, ''), r.serialNumber, r.alias, r.status]),
    ).toEqual([
      ['a-openssl-ec.p12', ec, 'kmip-ec', 'valid'],
      ['a-openssl-ec.p12', ca.certificate.serialNumber, undefined, 'valid'],
      ['b-openssl-rsa.pfx', rsa, 'kmip-rsa', 'valid'],
      ['b-openssl-rsa.pfx', ca.certificate.serialNumber, undefined, 'valid'],
      ['c-keytool.p12', rsa, 'java-client', 'valid'],
    ]);
  });

  it('without a MAC, and with RC4: read with the passphrase', () => {
    const { status, rows } = check([
      join(work, 'nomac.p12'),
      join(work, 'rc4.p12'),
      '--passphrase-file',
      join(work, 'pass.txt'),
      ...AT,
    ]);
    expect(status).toBe(0);
    expect(rows.map((r) => r.alias)).toEqual(['kmip-ec', undefined, 'kmip-ec', undefined]);
  });

  it('a wrong passphrase is "invalid" naming the file, exit 2, with and without a MAC', () => {
    for (const file of [
      join(stores, 'a-openssl-ec.p12'),
      join(stores, 'c-keytool.p12'),
      join(work, 'nomac.p12'),
    ]) {
      const { status, rows } = check([file, '--passphrase-file', join(work, 'wrong.txt'), ...AT]);
      expect(status).toBe(2);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ file, status: 'invalid' });
      expect(rows[0]!.message).toMatch(/wrong passphrase/);
    }
  });

  it('an MD5 PBES1 key is refused: "invalid", naming the cipher and how to re-export', () => {
    const file = join(work, 'md5.p12');
    const { status, rows } = check([file, '--passphrase-file', join(work, 'pass.txt'), ...AT]);
    expect(status).toBe(2);
    expect(rows[0]).toMatchObject({ file, status: 'invalid' });
    expect(rows[0]!.message).toContain('pbeWithMD5AndDES-CBC');
    expect(rows[0]!.message).toContain('openssl pkcs12 -legacy -in old.p12 -nodes');
  });
});

describe('cert inspect of legacy keystores', () => {
  it('JSON: the SHA-1 MAC, both entries, the key inside; no key printed', () => {
    const file = join(stores, 'a-openssl-ec.p12');
    const r = runCli(
      ['cert', 'inspect', file, '--passphrase-file', join(work, 'pass.txt'), '--format', 'json'],
      { env: ENV },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.mac).toEqual({ hash: 'SHA-1', iterations: 2048 });
    expect(out.keys).toBe(1);
    expect(
      out.entries.map(
        (e: { alias?: string; hasKey: boolean; certificate: { serialNumber: string } }) => [
          e.alias,
          e.hasKey,
          e.certificate.serialNumber.replace(/:/g, ''),
        ],
      ),
    ).toEqual([
      ['kmip-ec', true, nodes['kmip-ec']!.certificate.serialNumber],
      [undefined, false, ca.certificate.serialNumber],
    ]);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('text, a keytool legacy keystore: the entry with its key and the certificate', () => {
    const file = join(stores, 'c-keytool.p12');
    const r = runCli(['cert', 'inspect', file, '--passphrase-file', join(work, 'pass.txt')], {
      env: ENV,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `${file}: PKCS#12, 1 certificate, 1 private key, MAC SHA-1 with 100000 iterations`,
    );
    expect(r.stdout).toContain('entry java-client (with its private key)');
    expect(r.stdout).toContain('kmip-rsa.example.net');
  });

  it('a wrong passphrase: one error line with ERR_PASSPHRASE_WRONG, no stack trace', () => {
    const r = runCli(
      ['cert', 'inspect', join(work, 'nomac.p12'), '--passphrase-file', join(work, 'wrong.txt')],
      { env: ENV },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error: wrong passphrase.*\(ERR_PASSPHRASE_WRONG\)\n$/);
  });
});
