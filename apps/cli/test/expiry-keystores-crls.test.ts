/**
 * `expiry check` beyond PEM certificates, with the CLI run as a process on real files:
 * - a CA folder scanned whole: its SQLite inventory (whose pages hold certificate PEMs) is not
 *   reported as phantom certificates;
 * - PKCS#12 keystores (ours and `openssl pkcs12 -export`'s) opened with --passphrase-file, every
 *   certificate inside reported; a wrong or missing passphrase is "invalid" naming the file;
 * - CRLs in PEM and DER (converted by openssl) judged by nextUpdate: crl-will-soon-expire and
 *   crl-expired, with issuer and CRL number in JSON and as Prometheus series.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCa,
  createCrl,
  createPkcs12,
  exportPrivateKeyPem,
  type Identity,
  issueIdentity,
} from '@nodeid/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
const THIS_UPDATE = new Date('2026-03-01T00:00:00Z');
const NEXT_UPDATE = new Date('2026-03-09T00:00:00Z'); // 8 days: warned 2 days before

let work: string;
let ca: Identity;
let node: Identity;

function openssl(args: string[]): { status: number; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

interface Row {
  file: string;
  status: string;
  alert?: string;
  kind?: string;
  issuer?: string;
  crlNumber?: string;
  serialNumber?: string;
  alias?: string;
  notAfter?: string;
  message: string;
}

function check(args: string[]): { status: number | null; rows: Row[]; stdout: string } {
  const r = runCli(['expiry', 'check', ...args], { env: ENV });
  if (!args.includes('json')) return { status: r.status, rows: [], stdout: r.stdout };
  expect(r.stdout, r.stderr).toMatch(/^\{/);
  return { status: r.status, rows: JSON.parse(r.stdout).certificates, stdout: r.stdout };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-p12crl-'));
  ca = await createCa({ clusterName: 'kms.cluster', now: new Date('2026-01-01T00:00:00Z') });
  node = await issueIdentity({
    ca,
    name: 'client1.example.net',
    profile: 'client',
    now: new Date('2026-01-01T00:00:00Z'),
  });
  writeFileSync(join(work, 'pass.txt'), 'changeit\n');
  writeFileSync(join(work, 'wrong.txt'), 'nope\n');
});

describe('a CA folder scanned whole', () => {
  it('reports the certificates, not the SQLite inventory that holds their PEMs', () => {
    const dir = join(work, 'cafolder');
    writeFileSync(join(work, 'ca-pass.txt'), 'ca secret\n');
    const pass = ['--passphrase-file', join(work, 'ca-pass.txt')];
    expect(runCli(['ca', 'init', 'demo.cluster', '--dir', dir, ...pass], { env: ENV }).status).toBe(
      0,
    );
    const issued = runCli(
      ['cert', 'issue', 'node1.example.net', '--dir', dir, ...pass, '--out', join(dir, 'out')],
      { env: ENV },
    );
    expect(issued.status, issued.stderr).toBe(0);
    // The precondition of the bug: the database file holds certificate PEM text.
    const db = readFileSync(join(dir, 'inventory.db'));
    expect(db.includes('-----BEGIN CERTIFICATE-----')).toBe(true);
    const { status, rows } = check([dir, '--format', 'json']);
    expect(status).toBe(0);
    expect(rows.map((r) => r.file.replace(`${dir}/`, '')).sort()).toEqual([
      'ca.crt',
      'out/ca.crt',
      'out/node1.example.net.crt',
    ]);
  });
});

describe('PKCS#12 keystores', () => {
  let ours: string;
  let theirs: string;
  beforeAll(async () => {
    ours = join(work, 'p12', 'client1.p12');
    mkdirSync(join(work, 'p12'));
    writeFileSync(
      ours,
      await createPkcs12({
        privateKey: node.privateKey,
        certificate: node.certificate,
        chain: node.chain,
        passphrase: 'changeit',
        iterations: 1000,
        keyIterations: 1000,
      }),
    );
    writeFileSync(join(work, 'client1.crt'), node.certificate.pem);
    writeFileSync(join(work, 'client1.key'), await exportPrivateKeyPem(node.privateKey));
    theirs = join(work, 'p12', 'openssl.pfx');
    const r = openssl([
      'pkcs12',
      '-export',
      '-in',
      join(work, 'client1.crt'),
      '-inkey',
      join(work, 'client1.key'),
      '-name',
      'client1',
      '-passout',
      'pass:changeit',
      '-out',
      theirs,
    ]);
    expect(r.status, r.output).toBe(0);
  });

  it('reports every certificate inside, with its alias (our .p12, openssl .pfx, in a folder)', () => {
    const { status, rows } = check([
      join(work, 'p12'),
      '--passphrase-file',
      join(work, 'pass.txt'),
      '--format',
      'json',
      '--at',
      '2026-02-01T00:00:00Z',
    ]);
    expect(status).toBe(0);
    expect(rows.map((r) => [r.file.replace(`${work}/`, ''), r.serialNumber, r.alias])).toEqual([
      ['p12/client1.p12', node.certificate.serialNumber, 'client1.example.net'],
      ['p12/client1.p12', ca.certificate.serialNumber, undefined],
      ['p12/openssl.pfx', node.certificate.serialNumber, 'client1'],
    ]);
  });

  it('a wrong passphrase is "invalid" naming the file, exit 2; no passphrase says which flag', () => {
    const wrong = check([ours, '--passphrase-file', join(work, 'wrong.txt'), '--format', 'json']);
    expect(wrong.status).toBe(2);
    expect(wrong.rows).toHaveLength(1);
    expect(wrong.rows[0]).toMatchObject({ file: ours, status: 'invalid' });
    expect(wrong.rows[0]!.message).toMatch(/wrong passphrase/);
    const text = runCli(['expiry', 'check', ours], { env: ENV });
    expect(text.status).toBe(2);
    expect(text.stdout).toContain(
      `invalid: ${ours}: cannot be read: a PKCS#12 file: give its passphrase with --passphrase-file`,
    );
  });
});

describe('expiry watch of a PKCS#12 file', () => {
  it('--once with --passphrase-file: one line per certificate inside', () => {
    const file = join(work, 'p12', 'client1.p12');
    const ok = runCli(
      ['expiry', 'watch', file, '--passphrase-file', join(work, 'pass.txt'), '--once'],
      {
        env: ENV,
      },
    );
    expect(ok.status, ok.stderr).toBe(0);
    const lines = ok.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      / loaded .*client1\.p12#1\/2\[.*\] ok: certificate CN=client1\.example\.net/,
    );
  });
});

describe('cert inspect of a PKCS#12 file', () => {
  it('lists every entry with alias, trusted flag and whether its key is inside; no key printed', () => {
    const file = join(work, 'p12', 'client1.p12');
    const r = runCli(
      ['cert', 'inspect', file, '--passphrase-file', join(work, 'pass.txt'), '--format', 'json'],
      { env: ENV },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.keys).toBe(1);
    expect(out.mac).toEqual({ hash: 'SHA-256', iterations: 1000 });
    expect(
      out.entries.map(
        (e: {
          alias?: string;
          hasKey: boolean;
          trusted: boolean;
          certificate: { serialNumber: string };
        }) => [e.alias, e.hasKey, e.trusted, e.certificate.serialNumber.replace(/:/g, '')],
      ),
    ).toEqual([
      ['client1.example.net', true, false, node.certificate.serialNumber],
      [undefined, false, false, ca.certificate.serialNumber],
    ]);
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });
});

describe('CRLs watched like certificates', () => {
  let pem: string;
  let der: string;
  beforeAll(async () => {
    const crl = await createCrl({
      issuer: { certificate: ca.certificate.pem, privateKey: ca.privateKey },
      entries: [],
      crlNumber: 42,
      thisUpdate: THIS_UPDATE,
      nextUpdate: NEXT_UPDATE,
    });
    const dir = join(work, 'crls');
    mkdirSync(dir);
    pem = join(dir, 'ca.crl.pem');
    writeFileSync(pem, crl.pem);
    der = join(dir, 'ca.crl');
    const r = openssl(['crl', '-in', pem, '-outform', 'DER', '-out', der]);
    expect(r.status, r.output).toBe(0);
  });

  it('PEM and DER: valid, then crl-will-soon-expire, then crl-expired, with issuer and number', () => {
    const at = (when: string) => check([join(work, 'crls'), '--format', 'json', '--at', when]);
    const early = at('2026-03-02T00:00:00Z');
    expect(early.status).toBe(0);
    expect(early.rows.map((r) => [r.file.replace(`${work}/crls/`, ''), r.kind, r.status])).toEqual([
      ['ca.crl', 'crl', 'valid'],
      ['ca.crl.pem', 'crl', 'valid'],
    ]);
    expect(early.rows[0]).toMatchObject({
      issuer: ca.certificate.subject.text,
      crlNumber: '42',
      notAfter: NEXT_UPDATE.toISOString(),
    });
    const late = at('2026-03-07T12:00:00Z');
    expect(late.status).toBe(1);
    expect(late.rows.map((r) => r.alert)).toEqual(['crl-will-soon-expire', 'crl-will-soon-expire']);
    const gone = at('2026-03-09T00:00:01Z');
    expect(gone.status).toBe(2);
    expect(gone.rows.map((r) => r.alert)).toEqual(['crl-expired', 'crl-expired']);
    expect(gone.rows[0]!.message).toMatch(/refuse every certificate/);
  });

  it('Prometheus: nextUpdate, thisUpdate and status series with issuer and CRL number', () => {
    const r = runCli(
      ['expiry', 'check', pem, '--format', 'prometheus', '--at', '2026-03-02T00:00:00Z'],
      { env: ENV },
    );
    expect(r.status, r.stderr).toBe(0);
    const labels = `file="${pem}",index="1",issuer="${ca.certificate.subject.text}",crl_number="42"`;
    expect(r.stdout).toContain(
      `nodeid_crl_next_update_seconds{${labels}} ${NEXT_UPDATE.getTime() / 1000}`,
    );
    expect(r.stdout).toContain(
      `nodeid_crl_this_update_seconds{${labels}} ${THIS_UPDATE.getTime() / 1000}`,
    );
    expect(r.stdout).toContain(`nodeid_crl_expiry_status{${labels},status="valid"} 1`);
    expect(r.stdout).not.toContain('nodeid_certificate_not_after_seconds{');
  });

  it('text: the CRL row and the summary count it apart from certificates', () => {
    const r = runCli(['expiry', 'check', pem, '--at', '2026-03-07T12:00:00Z'], { env: ENV });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`CRL of ${ca.certificate.subject.text}`);
    expect(r.stdout).toMatch(/0 certificates and 1 CRL in 1 file/);
  });
});
