/**
 * Expiry checks as the seeds need them, with the CLI run as a process:
 * - the Spectrum Scale outage: a key client certificate expiring in 10 days and an expired key
 *   server certificate, flagged by `expiry check` with exit codes 1 and 2, and text that says
 *   which file, which certificate and when; the same as JSON and as node_exporter metrics;
 * - AIStore: a localhost/127.0.0.1 server certificate as server.crt/server.key, checked, then
 *   watched: tls-cert-will-soon-expire with the validity bounds, a replaced file seen, --exec run.
 * Certificates with past dates are made with the SDK at fixed times; checks are judged with --at.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, type Identity, type Issuer, issueIdentity } from '@nodeid/sdk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
/** The day of the check: ten days before the key client certificate expires. */
const AT = '2020-11-10T12:00:00Z';
const CLIENT_NOT_AFTER = '2020-11-20T16:39:59Z';
const SERVER_NOT_AFTER = '2020-11-09T12:00:00Z';

let work: string;
let ca: Issuer;
let client1: Identity;
let sklm1: Identity;
let node1: Identity;
let future: Identity;

function openssl(args: string[]): { status: number; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

function put(path: string, contents: string | Uint8Array): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, contents);
  return path;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-expiry-'));
  const issued = new Date('2019-11-20T16:40:00Z');
  ca = await createCa({
    clusterName: 'gpfs.cluster',
    now: new Date('2019-01-01T00:00:00Z'),
    days: 3650,
  });
  client1 = await issueIdentity({
    ca,
    profile: 'client',
    name: 'client1',
    now: issued,
    notAfter: new Date(CLIENT_NOT_AFTER),
  });
  sklm1 = await issueIdentity({
    ca,
    profile: 'server',
    name: 'sklm1.example.net',
    ips: ['192.168.9.135'],
    now: issued,
    notAfter: new Date(SERVER_NOT_AFTER),
  });
  node1 = await issueIdentity({
    ca,
    name: 'node1.example.net',
    clusterName: 'gpfs.cluster',
    now: issued,
    notAfter: new Date('2021-11-10T00:00:00Z'),
  });
  future = await issueIdentity({
    ca,
    name: 'node2.example.net',
    clusterName: 'gpfs.cluster',
    now: issued,
    notBefore: new Date('2020-12-01T00:00:00Z'),
    notAfter: new Date('2021-12-01T00:00:00Z'),
  });

  // A Spectrum Scale node: node identity, key client certificate, key server chain.
  put(join(work, 'mmfs', 'ssl', 'node1.crt'), node1.certificate.pem);
  put(
    join(work, 'mmfs', 'ssl', 'node1.key'),
    '-----BEGIN PRIVATE KEY-----\nnot checked\n-----END PRIVATE KEY-----\n',
  );
  put(join(work, 'mmfs', 'ssl', 'README'), 'certificates of this node\n');
  put(join(work, 'mmfs', 'ssl', 'keyServ', 'client1.cert'), client1.certificate.pem);
  put(
    join(work, 'mmfs', 'ssl', 'keyServ', 'sklm1-chain.pem'),
    sklm1.certificate.pem + ca.certificate.pem,
  );
  put(join(work, 'der', 'node1.der'), node1.certificate.der);
  put(join(work, 'future', 'node2.crt'), future.certificate.pem);
});

describe('Spectrum Scale: expired key client and key server certificates are caught before the outage', () => {
  it('exit 0 when every certificate is valid beyond the window (PEM and DER)', () => {
    const r = runCli([
      'expiry',
      'check',
      join(work, 'mmfs', 'ssl', 'node1.crt'),
      join(work, 'der'),
      '--at',
      AT,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /node1\.crt\s+1\/1\s+CN=gpfs\.cluster\s+DNS:node1, DNS:node1\.example\.net\s+2021-11-10T00:00:00Z\s+in 364 days\s+valid/,
    );
    expect(r.stdout).toMatch(/node1\.der\s+1\/1\s+CN=gpfs\.cluster/);
    expect(r.stdout).toContain(
      '2 certificates in 2 files at 2020-11-10T12:00:00Z: 2 valid, 0 expiring within 30d, 0 expired, 0 unreadable',
    );
  });

  it('exit 1 for the key client certificate expiring in 10 days: file, certificate and date are named', () => {
    const keyServ = join(work, 'mmfs', 'ssl', 'keyServ', 'client1.cert');
    const r = runCli(['expiry', 'check', keyServ, '--at', AT]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /client1\.cert\s+1\/1\s+CN=client1\s+-\s+2020-11-20T16:39:59Z\s+in 10 days\s+expiring/,
    );
    expect(r.stdout).toContain(
      `expiring: ${keyServ} serial ${client1.certificate.serialNumber}: certificate CN=client1 expires in 10d 4h, at ${CLIENT_NOT_AFTER} (now 2020-11-10T12:00:00Z); renew it soon`,
    );
    // With a shorter window the same certificate is fine.
    expect(runCli(['expiry', 'check', keyServ, '--at', AT, '--warn', '7d']).status).toBe(0);
  });

  it('exit 2 for the expired key server certificate, found in a bundle inside a folder tree', () => {
    const r = runCli(['expiry', 'check', join(work, 'mmfs'), '--at', AT]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(2);
    const chain = join(work, 'mmfs', 'ssl', 'keyServ', 'sklm1-chain.pem');
    expect(r.stdout).toContain(
      `expired: ${chain} (certificate 1 of 2) serial ${sklm1.certificate.serialNumber}: certificate CN=sklm1.example.net expired at ${SERVER_NOT_AFTER}, 1d 0h ago`,
    );
    // Every certificate of the bundle is listed: the CA after the server certificate.
    expect(r.stdout).toMatch(/sklm1-chain\.pem\s+2\/2\s+CN=gpfs\.cluster CA/);
    expect(r.stdout).toMatch(/client1\.cert\s+1\/1.*expiring/);
    // A key, a README: not certificate files, not reported.
    expect(r.stdout).not.toContain('node1.key');
    expect(r.stdout).not.toContain('README');
    expect(r.stdout).toContain(
      '4 certificates in 3 files at 2020-11-10T12:00:00Z: 2 valid, 1 expiring within 30d, 1 expired, 0 unreadable',
    );
    // openssl agrees on the dates.
    expect(openssl(['x509', '-in', chain, '-noout', '-enddate']).output).toContain(
      'Nov  9 12:00:00 2020 GMT',
    );
  });

  it('exit 2 for a certificate not valid yet', () => {
    const r = runCli(['expiry', 'check', join(work, 'future'), '--at', AT]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/node2\.crt.*not-yet-valid/);
    expect(r.stdout).toContain('is not valid yet: it starts at 2020-12-01T00:00:00Z');
  });

  it('reports unreadable files as invalid rows with the reason, never a crash', () => {
    const dir = join(work, 'broken');
    put(join(dir, 'garbage.crt'), 'this is not a certificate');
    put(join(dir, 'truncated.pem'), node1.certificate.pem.slice(0, 300));
    put(join(dir, 'empty.cer'), '');
    put(join(dir, 'ok.crt'), node1.certificate.pem);
    const key = put(
      join(work, 'just-a-key.pem'),
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    );
    const missing = join(work, 'no-such-file.crt');
    const r = runCli(['expiry', 'check', dir, key, missing, '--at', AT, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(2);
    const report = JSON.parse(r.stdout);
    const byFile = Object.fromEntries(
      report.certificates.map((c: { file: string }) => [c.file.slice(work.length + 1), c]),
    );
    expect(Object.keys(byFile).sort()).toEqual(
      [
        'broken/empty.cer',
        'broken/garbage.crt',
        'broken/ok.crt',
        'broken/truncated.pem',
        'just-a-key.pem',
        'no-such-file.crt',
      ].sort(),
    );
    for (const name of [
      'broken/empty.cer',
      'broken/garbage.crt',
      'broken/truncated.pem',
      'just-a-key.pem',
      'no-such-file.crt',
    ]) {
      expect(byFile[name].status).toBe('invalid');
      expect(byFile[name].alert).toBe('tls-cert-invalid');
    }
    expect(byFile['broken/truncated.pem'].message).toContain('no END line');
    expect(byFile['broken/empty.cer'].message).toContain('empty');
    expect(byFile['just-a-key.pem'].message).toContain('PRIVATE KEY');
    expect(byFile['no-such-file.crt'].message).toContain('no such file');
    expect(byFile['broken/ok.crt'].status).toBe('valid');
    expect(report.summary).toEqual({
      valid: 1,
      expiring: 0,
      expired: 0,
      'not-yet-valid': 0,
      invalid: 5,
    });
    expect(report.exitCode).toBe(2);
    expect(report.checkedAt).toBe('2020-11-10T12:00:00.000Z');
  });

  it('writes node_exporter textfile metrics that parse, with exit codes unchanged', () => {
    const odd = put(join(work, 'metrics-in', 'we"ird\\name.crt'), client1.certificate.pem);
    const r = runCli([
      'expiry',
      'check',
      join(work, 'mmfs', 'ssl', 'keyServ'),
      odd,
      '--at',
      AT,
      '--format',
      'prometheus',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    const sample =
      /^([a-z_:][a-z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+]+)$/;
    const typed = new Set<string>();
    const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
    for (const line of lines) {
      const type = /^# TYPE ([a-z_]+) gauge$/.exec(line);
      if (type) {
        typed.add(type[1]!);
        continue;
      }
      if (line.startsWith('# HELP ')) continue;
      const m = sample.exec(line);
      expect(m, `not a sample line: ${line}`).not.toBeNull();
      expect(typed.has(m![1]!), `${m![1]} sampled before its TYPE line`).toBe(true);
      const labels: Record<string, string> = {};
      for (const l of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[l[1]!] = l[2]!.replace(/\\(["\\n])/g, (_s, c: string) => (c === 'n' ? '\n' : c));
      }
      samples.push({ name: m![1]!, labels, value: Number(m![3]) });
    }
    const notAfter = samples.filter((s) => s.name === 'nodeid_certificate_not_after_seconds');
    const client = notAfter.find(
      (s) => s.labels.file === join(work, 'mmfs', 'ssl', 'keyServ', 'client1.cert'),
    );
    expect(client?.value).toBe(Date.parse(CLIENT_NOT_AFTER) / 1000);
    expect(client?.labels.serial).toBe(client1.certificate.serialNumber);
    expect(client?.labels.subject).toBe('CN=client1');
    expect(notAfter.find((s) => s.labels.file === odd)?.value).toBe(
      Date.parse(CLIENT_NOT_AFTER) / 1000,
    );
    const status = samples.filter((s) => s.name === 'nodeid_certificate_expiry_status');
    expect(
      status
        .map((s) => `${s.labels.file?.slice(work.length + 1)}#${s.labels.index} ${s.labels.status}`)
        .sort(),
    ).toEqual(
      [
        'metrics-in/we"ird\\name.crt#1 expiring',
        'mmfs/ssl/keyServ/client1.cert#1 expiring',
        'mmfs/ssl/keyServ/sklm1-chain.pem#1 expired',
        'mmfs/ssl/keyServ/sklm1-chain.pem#2 valid',
      ].sort(),
    );
    expect(samples.find((s) => s.name === 'nodeid_expiry_check_warn_seconds')?.value).toBe(
      30 * 86_400,
    );
    expect(samples.find((s) => s.name === 'nodeid_expiry_check_timestamp_seconds')?.value).toBe(
      Date.parse(AT) / 1000,
    );
  });

  it('--out writes the report atomically to a file (for the textfile collector) and prints nothing', () => {
    const prom = join(work, 'textfile', 'nodeid.prom');
    const r = runCli([
      'expiry',
      'check',
      join(work, 'mmfs', 'ssl', 'keyServ', 'client1.cert'),
      '--at',
      AT,
      '--format',
      'prometheus',
      '--out',
      prom,
    ]);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
    const written = readFileSync(prom, 'utf8');
    expect(written).toContain('status="expiring"} 1');
    expect(written).toBe(
      runCli([
        'expiry',
        'check',
        join(work, 'mmfs', 'ssl', 'keyServ', 'client1.cert'),
        '--at',
        AT,
        '--format',
        'prometheus',
      ]).stdout,
    );
    expect(statSync(prom).mode & 0o777).toBe(0o644);
  });

  it('bad arguments: one error line and exit 2; help lists the formats and exit codes', () => {
    const warn = runCli(['expiry', 'check', work, '--warn', '1y']);
    expect(warn.status).toBe(2);
    expect(warn.stderr).toMatch(/^error: "1y" is not a duration.* \(ERR_INVALID_ARGUMENT\)\n$/);
    const at = runCli(['expiry', 'check', work, '--at', 'tomorrow']);
    expect(at.status).toBe(2);
    expect(at.stderr).toMatch(/^error: --at "tomorrow" is not a date.*\n$/);
    const format = runCli(['expiry', 'check', work, '--format', 'xml']);
    expect(format.status).toBe(2);
    const help = runCli(['expiry', 'check', '--help']);
    expect(help.stdout).toMatch(/"text", "json", "prometheus"/);
    expect(help.stdout).toContain('EXIT CODES');
    // prometheus is only a format of expiry check.
    expect(runCli(['cert', 'list', '--format', 'prometheus']).status).toBe(2);
  });
});

/** A running `nodeid expiry watch`, its output so far, and bounded waits on it. */
interface Watch {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  waitFor: (
    pattern: RegExp,
    from?: number,
    stream?: 'stdout' | 'stderr',
  ) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startWatch(args: string[], cwd: string): Watch {
  const child = spawn(process.execPath, [CLI, 'expiry', 'watch', ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, from = 0, stream: 'stdout' | 'stderr' = 'stdout') =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const look = () => (stream === 'stdout' ? out : err).slice(from).match(pattern);
      const timer = setInterval(() => {
        const m = look();
        if (m) {
          clearInterval(timer);
          clearTimeout(limit);
          resolve(m);
        }
      }, 25);
      const limit = setTimeout(() => {
        clearInterval(timer);
        reject(
          new Error(`no ${pattern} in ${stream} within 20 s\nstdout:\n${out}\nstderr:\n${err}`),
        );
      }, 20_000);
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

describe('AIStore: server.crt/server.key for localhost, checked and watched', () => {
  let ais: string;
  let crt: string;

  beforeAll(() => {
    const caDir = join(work, 'ais-ca');
    ais = join(work, 'ais');
    expect(
      runCli(['ca', 'init', 'ais.cluster', '--no-passphrase', '--dir', caDir], { env: ENV }).status,
    ).toBe(0);
    const issue = runCli(
      [
        'cert',
        'issue',
        'localhost',
        '--profile',
        'server',
        '--ip',
        '127.0.0.1',
        '--layout',
        'aistore',
        '--out',
        ais,
        '--dir',
        caDir,
      ],
      { env: ENV },
    );
    expect(issue.status).toBe(0);
    crt = join(ais, 'server.crt');
    expect(openssl(['verify', '-CAfile', join(ais, 'ca.crt'), crt]).status).toBe(0);
    expect(openssl(['x509', '-in', crt, '-noout', '-ext', 'subjectAltName']).output).toContain(
      'DNS:localhost, IP Address:127.0.0.1',
    );
  });

  it('expiry check: valid for a year (exit 0); within a 400-day window it is expiring (exit 1)', () => {
    const ok = runCli(['expiry', 'check', ais]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/server\.crt\s+1\/1\s+CN=localhost\s+DNS:localhost, IP:127\.0\.0\.1/);
    const soon = runCli(['expiry', 'check', crt, '--warn', '400d']);
    expect(soon.status).toBe(1);
    expect(soon.stdout).toMatch(/server\.crt.*expiring/);
  });

  it('expiry watch --once: the alert with the validity bounds, and the check exit codes', () => {
    const r = runCli(['expiry', 'watch', crt, '--once', '--warn', '400d']);
    expect(r.status).toBe(1);
    const notBefore = openssl(['x509', '-in', crt, '-noout', '-startdate'])
      .output.trim()
      .slice('notBefore='.length);
    const bounds = new RegExp(
      `loaded ${crt.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\[(\\S+)Z, (\\S+)Z\\] tls-cert-will-soon-expire: certificate CN=localhost expires in 36\\dd`,
    );
    const m = r.stdout.match(bounds);
    expect(m, r.stdout).not.toBeNull();
    expect(new Date(`${m![1]}Z`).getTime()).toBe(new Date(notBefore).getTime());
    expect(runCli(['expiry', 'watch', crt, '--once']).status).toBe(0);
    const json = runCli(['expiry', 'watch', crt, '--once', '--format', 'json', '--warn', '400d']);
    const line = JSON.parse(json.stdout.trim());
    expect(line).toMatchObject({
      event: 'loaded',
      file: crt,
      status: 'expiring',
      alert: 'tls-cert-will-soon-expire',
    });
  });

  it('expiry watch: raises tls-cert-will-soon-expire, sees a replaced file, runs --exec, stops on SIGTERM', async () => {
    const marker = join(work, 'reloaded.txt');
    const w = startWatch(
      [
        crt,
        '--warn',
        '400d',
        '--exec',
        `echo reload-by-exec; printf '%s' "$NODEID_CHANGED_FILES" > '${marker}'`,
      ],
      work,
    );
    await w.waitFor(/tls-cert-will-soon-expire: certificate CN=localhost/);
    expect(w.stdout()).toMatch(
      / loaded \S*server\.crt\[\d{4}-\d\d-\d\dT[\d:]+Z, \d{4}-\d\d-\d\dT[\d:]+Z\] tls-cert-will-soon-expire/,
    );
    await w.waitFor(/^watching .*: 1 certificate in 1 file$/m, 0, 'stderr');

    // Replace the certificate the way a renewal does: a complete new file renamed over the old one.
    let mark = w.stdout().length;
    const temp = join(ais, '.server.crt.new');
    writeFileSync(temp, sklm1.certificate.pem);
    renameSync(temp, crt);
    await w.waitFor(
      / changed \S*server\.crt\[2019-11-20T16:35:00Z, 2020-11-09T12:00:00Z\] tls-cert-expired: certificate CN=sklm1\.example\.net expired at 2020-11-09T12:00:00Z/,
      mark,
    );
    await w.waitFor(/ exec exited with 0\n/, mark);
    expect(w.stdout().slice(mark)).toContain('reload-by-exec\n');
    expect(readFileSync(marker, 'utf8')).toBe(crt);

    // A broken file raises tls-cert-invalid and does not run --exec.
    mark = w.stdout().length;
    writeFileSync(crt, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n');
    await w.waitFor(/ changed \S*server\.crt tls-cert-invalid: cannot be read: /, mark);
    await w.waitFor(/ exec not run: \S*server\.crt cannot be read/, mark);
    expect(w.stdout().slice(mark)).not.toContain('reload-by-exec');

    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.stderr()).toContain('stopped (SIGTERM)');
  });

  it('expiry watch on a folder notices a new certificate file and exits on SIGINT', async () => {
    const dir = join(work, 'watched-folder');
    put(join(dir, 'a.crt'), node1.certificate.pem);
    const w = startWatch([dir, '--format', 'json'], work);
    await w.waitFor(/^watching /m, 0, 'stderr');
    const first = JSON.parse(w.stdout().trim().split('\n')[0]!);
    expect(first).toMatchObject({
      event: 'loaded',
      file: join(dir, 'a.crt'),
      status: 'expired',
      alert: 'tls-cert-expired',
    });
    const mark = w.stdout().length;
    put(join(dir, 'sub', 'b.pem'), client1.certificate.pem);
    await w.waitFor(/"event":"changed".*"file":"[^"]*b\.pem"/, mark);
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
  });
});
