/**
 * `nodeid ca renew` and the guards of `ca rotate` / `ca retire-old` (the full rotation runs in
 * apps/server/test/e2e-rotation-drill.test.ts): a renewal keeps the previous certificate, keeps
 * the key (openssl verifies an earlier leaf under the renewed CA), revives an expired CA, and is
 * refused for an intermediate; a second rotation waits for retire-old; retire-old without a
 * rotation says so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renewCa } from '@nodeid/sdk';
import { loadCaFolder } from '@nodeid/sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;

const cli = (args: string[]) => runCli(args, { env: ENV });
const x509 = (file: string, field: string) =>
  spawnSync('openssl', ['x509', '-in', file, '-noout', field], { encoding: 'utf8' }).stdout.trim();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-ca-renew-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('nodeid ca renew', () => {
  it('keeps the old certificate and the key; earlier leaves verify under the renewed CA (openssl)', () => {
    const dir = join(work, 'ca');
    const pass = join(work, 'pass.txt');
    writeFileSync(pass, 'correct horse battery staple\n');
    expect(
      cli(['ca', 'init', 'rn.cluster', '--days', '30', '--passphrase-file', pass, '--dir', dir])
        .status,
    ).toBe(0);
    const out = join(work, 'leaf');
    expect(
      cli([
        'cert',
        'issue',
        'n1.example.net',
        '--dir',
        dir,
        '--passphrase-file',
        pass,
        '--out',
        out,
      ]).status,
    ).toBe(0);
    const before = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const r = cli([
      'ca',
      'renew',
      '--dir',
      dir,
      '--passphrase-file',
      pass,
      '--days',
      '3650',
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(readFileSync(result.backup, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
    const ca = join(dir, 'ca.crt');
    expect(x509(ca, '-subject')).toBe(x509(result.backup, '-subject'));
    expect(x509(ca, '-pubkey')).toBe(x509(result.backup, '-pubkey'));
    expect(x509(ca, '-ext=subjectKeyIdentifier')).toBe(
      x509(result.backup, '-ext=subjectKeyIdentifier'),
    );
    expect(x509(ca, '-serial')).not.toBe(x509(result.backup, '-serial'));
    expect(new Date(result.notAfter).getTime() - Date.now()).toBeGreaterThan(3600 * 86_400_000);
    expect(result.next.join('\n')).toMatch(/keep working/);
    const verify = spawnSync(
      'openssl',
      ['verify', '-CAfile', ca, join(out, 'n1.example.net.crt')],
      {
        encoding: 'utf8',
      },
    );
    expect(verify.stdout).toContain(': OK');
    // the key file is untouched and still encrypted
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toMatch(/ENCRYPTED PRIVATE KEY/);
    // a wrong passphrase changes nothing
    writeFileSync(join(work, 'wrong.txt'), 'nope\n');
    const wrong = cli(['ca', 'renew', '--dir', dir, '--passphrase-file', join(work, 'wrong.txt')]);
    expect(wrong.status).toBe(3);
    expect(readFileSync(ca, 'utf8')).not.toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
  });

  it('renews an expired CA, which nothing else will load', async () => {
    const dir = join(work, 'expired');
    expect(cli(['ca', 'init', 'ex.cluster', '--no-passphrase', '--dir', dir])).toMatchObject({
      status: 0,
    });
    // the same CA, key and name, with a certificate that ended in 2020
    const { issuer } = await loadCaFolder(dir);
    const past = new Date('2020-01-01T00:00:00Z');
    const { certificate: old } = await renewCa({
      ca: issuer,
      now: past,
      notBefore: past,
      notAfter: new Date('2020-01-02T00:00:00Z'),
    });
    writeFileSync(join(dir, 'ca.crt'), old.pem);
    const issue = cli(['cert', 'issue', 'n.example.net', '--dir', dir, '--out', join(work, 'x')]);
    expect(issue.stderr).toMatch(/ERR_CA_EXPIRED/);
    const r = cli(['ca', 'renew', '--dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/was 2020-01-02T00:00:00.000Z/);
    expect(r.status).toBe(0);
    const backup = readdirSync(dir).find((f) => f.endsWith('.bak'))!;
    expect(readFileSync(join(dir, backup), 'utf8')).toBe(old.pem);
    expect(
      cli(['cert', 'issue', 'n.example.net', '--dir', dir, '--out', join(work, 'x')]).status,
    ).toBe(0);
  });
});

describe('guards', () => {
  it('an intermediate is not renewed or rotated in place; a rotation waits for retire-old', () => {
    const sub = join(work, 'sub');
    expect(
      cli(['ca', 'init', 'sb.cluster', '--intermediate', '--no-passphrase', '--dir', sub]).status,
    ).toBe(0);
    for (const verb of ['renew', 'rotate']) {
      const r = cli(['ca', verb, '--dir', sub]);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/holds an intermediate CA.*nodeid ca sign.*\(ERR_CA_INVALID\)/);
    }
    const dir = join(work, 'rot');
    expect(cli(['ca', 'init', 'rt.cluster', '--no-passphrase', '--dir', dir]).status).toBe(0);
    const none = cli(['ca', 'retire-old', '--dir', dir]);
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/no old CA key to retire.*\(ERR_NO_ROTATION\)/);
    expect(cli(['ca', 'rotate', '--dir', dir]).status).toBe(0);
    const again = cli(['ca', 'rotate', '--dir', dir]);
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/retire the old key first.*\(ERR_ROTATION_PENDING\)/);
    // nothing issued from the old key: retire-old goes through at once
    expect(cli(['ca', 'retire-old', '--dir', dir]).status).toBe(0);
    expect(cli(['ca', 'rotate', '--dir', dir]).status).toBe(0);
  });
});
