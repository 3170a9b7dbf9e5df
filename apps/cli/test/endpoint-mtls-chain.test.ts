/**
 * Endpoints that insist on a client certificate, and chains as a misconfigured server sends
 * them, end to end with real peers on loopback (issue 11's leftovers):
 *
 * - `openssl s_server -Verify 1` at TLS 1.3 and at TLS 1.2: without a client certificate the
 *   chain is still read and reported ("requires a client certificate", not unreachable); with
 *   `--client-cert`/`--client-key` (also an encrypted key) the handshake completes and s_server
 *   shows the client's subject; a client certificate of another CA is "refused".
 * - nginx with `ssl_verify_client on` (it completes the handshake and refuses later, at HTTP):
 *   "asks for a client certificate", and with one the handshake carries it.
 * - `openssl s_server -cert_chain` sending leaf, root, an unrelated CA, a stale intermediate of
 *   the same name and the right intermediate: `cert inspect` lists them in the order sent, the
 *   same order `openssl s_client -showcerts` prints, `expiry check` notes the extra ones, and
 *   `fleet check` raises `chain-order` and `chain-extra` (warnings, exit 1).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/run-cli.js';

let work: string;
const children: ChildProcess[] = [];
const serverLogs = new Map<number, { out: string }>();
const ports: Record<string, number> = {};
const f = (name: string) => join(work, name);

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
    delete env.NODEID_CA_DIR;
    delete env.NODEID_CA_PASSPHRASE;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: work, env });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function openssl(args: string[], input?: string): string {
  const r = spawnSync('openssl', args, { cwd: work, encoding: 'utf8', input: input ?? '' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A key and a certificate signed by `issuer` (self-signed without one), as openssl makes them. */
function makeCert(name: string, subject: string, ext: string, issuer?: string): void {
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-subj',
    subject,
    '-out',
    `${name}.csr`,
  ]);
  writeFileSync(f(`${name}.ext`), ext);
  openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    ...(issuer
      ? [
          '-CA',
          `${issuer}.crt`,
          '-CAkey',
          `${issuer}.key`,
          '-set_serial',
          `0x${name.length}${Date.now()}`,
        ]
      : ['-key', `${name}.key`]),
    '-days',
    '365',
    '-sha256',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  ]);
}

const CA_EXT =
  'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';
const LEAF_EXT =
  'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';

/** Starts `openssl s_server`; resolves once it accepts, on a free port. */
async function sServer(extra: string[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, ...extra], {
      cwd: work,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    const log = { out: '' };
    child.stderr!.on('data', (d) => {
      log.out += d;
    });
    const up = await new Promise<boolean>((resolve) => {
      child.stdout!.on('data', (d) => {
        log.out += d;
        if (log.out.includes('ACCEPT')) resolve(true);
      });
      child.on('exit', () => resolve(false));
      setTimeout(() => resolve(false), 20_000).unref();
    });
    if (up) {
      serverLogs.set(port, log);
      return port;
    }
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`openssl s_server did not start: ${log.out}`);
  }
}

const serverLog = (port: number) => serverLogs.get(port)!.out;

let nginx: ChildProcess | undefined;
let nginxLog = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-mtls-chain-'));
  makeCert('root', '/CN=Chain Root', CA_EXT);
  makeCert('int', '/CN=Chain Issuing CA', CA_EXT, 'root');
  // The same name under the same root with another key: the intermediate before a re-key.
  makeCert('stale', '/CN=Chain Issuing CA', CA_EXT, 'root');
  makeCert('other', '/CN=Unrelated CA', CA_EXT);
  makeCert('leaf', '/CN=localhost', LEAF_EXT, 'int');
  makeCert('client', '/CN=admin.client', LEAF_EXT, 'root');
  makeCert('outsider', '/CN=outsider.client', LEAF_EXT, 'other');
  openssl([
    'pkcs8',
    '-topk8',
    '-in',
    'client.key',
    '-out',
    'client.enc.key',
    '-passout',
    'pass:correct horse',
    '-v2',
    'aes-256-cbc',
  ]);
  writeFileSync(f('client.pass'), 'correct horse\n');
  mkdirSync(f('bundle'));
  for (const [from, to] of [
    ['client.crt', 'admin.client.crt'],
    ['client.key', 'admin.client.key'],
    ['root.crt', 'ca.crt'],
  ] as const)
    writeFileSync(join(work, 'bundle', to), readFileSync(f(from)));
  mkdirSync(f('cafolder'));
  writeFileSync(join(work, 'cafolder', 'ca.key'), readFileSync(f('root.key')));
  writeFileSync(join(work, 'cafolder', 'ca.crt'), readFileSync(f('root.crt')));
  writeFileSync(
    f('odd.pem'),
    ['root', 'other', 'stale', 'int'].map((n) => readFileSync(f(`${n}.crt`), 'utf8')).join(''),
  );
  const serve = ['-cert', 'leaf.crt', '-key', 'leaf.key'];
  const mtls = [
    ...serve,
    '-cert_chain',
    'int.crt',
    '-Verify',
    '1',
    '-verify_return_error',
    '-CAfile',
    'root.crt',
  ];
  [ports.mtls13, ports.mtls12, ports.odd13, ports.odd12] = await Promise.all([
    sServer([...mtls, '-tls1_3']),
    sServer([...mtls, '-tls1_2']),
    sServer([...serve, '-cert_chain', 'odd.pem', '-tls1_3']),
    sServer([...serve, '-cert_chain', 'odd.pem', '-tls1_2']),
  ]);

  // nginx asks for a client certificate at TLS 1.3 and at TLS 1.2 (two listeners).
  const dir = f('nginx');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(
    f('leaf-chain.pem'),
    readFileSync(f('leaf.crt'), 'utf8') + readFileSync(f('int.crt'), 'utf8'),
  );
  ports.nginx13 = await freePort();
  ports.nginx12 = await freePort();
  const block = (port: number, protocols: string) => `
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_protocols ${protocols};
    ssl_certificate ${f('leaf-chain.pem')};
    ssl_certificate_key ${f('leaf.key')};
    ssl_client_certificate ${f('root.crt')};
    ssl_verify_client on;
    location / { return 200 "ok $ssl_client_s_dn\\n"; }
  }`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr info;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${block(ports.nginx13, 'TLSv1.3')}
${block(ports.nginx12, 'TLSv1.2')}
}
`,
  );
  nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  nginx.stderr!.on('data', (d) => {
    nginxLog += d;
  });
  // Listening once a TCP connection is accepted.
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(ports.nginx12!, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (nginx.exitCode !== null) throw new Error(`nginx did not start: ${nginxLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (nginx && nginx.exitCode === null) {
    nginx.kill('SIGTERM');
    await new Promise((r) => nginx!.on('exit', r));
  }
  rmSync(work, { recursive: true, force: true });
});

const at = (name: string) => `tls://127.0.0.1:${ports[name]}`;
const CLIENT = ['--client-cert', 'client.crt', '--client-key', 'client.key'];

/** `expiry check --format json` of one endpoint: its rows and its facts. */
async function expiryJson(target: string, extra: string[] = []) {
  const r = await cli(['expiry', 'check', target, '--format', 'json', ...extra]);
  expect(r.stderr).toBe('');
  const report = JSON.parse(r.stdout);
  return { status: r.status, rows: report.certificates, facts: report.endpoints[0] };
}

describe('a server that requires a client certificate (openssl s_server -Verify 1)', () => {
  for (const version of ['13', '12'] as const) {
    it(`TLS 1.${version[1]}: without one, the chain is read and noted, not unreachable`, async () => {
      const { status, rows, facts } = await expiryJson(at(`mtls${version}`));
      expect(status, JSON.stringify(rows)).toBe(0);
      expect(rows.map((r: { subject: string; status: string }) => [r.subject, r.status])).toEqual([
        ['CN=localhost', 'valid'],
        ['CN=Chain Issuing CA', 'valid'],
      ]);
      expect(facts).toMatchObject({
        protocol: `TLSv1.${version[1]}`,
        chainSource: 'handshake',
        clientAuthentication: { requested: true, sent: false, outcome: 'required' },
      });
      // TLS 1.3 ends with certificate_required (RFC 8446 §6.2); OpenSSL's TLS 1.2 with handshake_failure.
      expect(facts.clientAuthentication.alert).toBe(
        version === '13' ? 'certificate required' : 'handshake failure',
      );
      const text = await cli(['expiry', 'check', at(`mtls${version}`)]);
      expect(text.status).toBe(0);
      expect(text.stdout).toMatch(
        /note: 127\.0\.0\.1:\d+ requires a client certificate \(mutual TLS\)/,
      );
      const fleet = await cli([
        'fleet',
        'check',
        '--ca',
        'root.crt',
        at(`mtls${version}`),
        '--format',
        'json',
      ]);
      expect(fleet.status, fleet.stdout).toBe(0);
      expect(JSON.parse(fleet.stdout).nodes[0]).toMatchObject({
        alerts: [],
        verified: true,
        clientAuthentication: { outcome: 'required' },
      });
    });

    it(`TLS 1.${version[1]}: with --client-cert/--client-key (plain or encrypted) the handshake completes`, async () => {
      const port = ports[`mtls${version}`]!;
      const before = serverLog(port).length;
      const { status, facts } = await expiryJson(at(`mtls${version}`), CLIENT);
      expect(status).toBe(0);
      expect(facts.clientAuthentication).toMatchObject({ sent: true, outcome: 'accepted' });
      expect(facts.clientAuthentication.alert).toBeUndefined();
      const enc = await expiryJson(at(`mtls${version}`), [
        '--client-cert',
        'client.crt',
        '--client-key',
        'client.enc.key',
        '--client-key-passphrase-file',
        'client.pass',
      ]);
      expect(enc.facts.clientAuthentication).toMatchObject({ sent: true, outcome: 'accepted' });
      // A node bundle folder as nodeid's plain layout writes it: <name>.crt, <name>.key, ca.crt.
      const bundle = await expiryJson(at(`mtls${version}`), ['--client-bundle', 'bundle']);
      expect(bundle.facts.clientAuthentication).toMatchObject({ sent: true, outcome: 'accepted' });
      // s_server prints the subject of the client certificate it verified.
      for (let i = 0; i < 100 && !/admin\.client/.test(serverLog(port).slice(before)); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(serverLog(port).slice(before)).toMatch(/subject=CN ?= ?admin\.client/);
      const inspect = await cli([
        'cert',
        'inspect',
        at(`mtls${version}`),
        ...CLIENT,
        '--format',
        'json',
      ]);
      expect(inspect.status, inspect.stderr).toBe(0);
      expect(JSON.parse(inspect.stdout).clientAuthentication).toMatchObject({
        outcome: 'accepted',
      });
    });

    it(`TLS 1.${version[1]}: a client certificate of another CA is refused, and said so`, async () => {
      const { status, facts } = await expiryJson(at(`mtls${version}`), [
        '--client-cert',
        'outsider.crt',
        '--client-key',
        'outsider.key',
      ]);
      expect(status).toBe(0);
      expect(facts.clientAuthentication).toMatchObject({ sent: true, outcome: 'refused' });
      // OpenSSL answers a certificate it cannot chain with unknown_ca (RFC 8446 §6.2).
      expect(facts.clientAuthentication.alert).toBe('unknown ca');
    });
  }

  it('bad client certificate flags are usage errors before any connection', async () => {
    const only = await cli(['expiry', 'check', at('mtls13'), '--client-cert', 'client.crt']);
    expect(only.status).toBe(2);
    expect(only.stderr).toMatch(/--client-cert needs --client-key/);
    const caFolder = await cli(['expiry', 'check', at('mtls13'), '--client-bundle', 'cafolder']);
    expect(caFolder.status).toBe(2);
    expect(caFolder.stderr).toMatch(/--client-bundle cafolder is a CA folder/);
    const mismatch = await cli([
      'fleet',
      'check',
      '--ca',
      'root.crt',
      at('mtls13'),
      '--client-cert',
      'client.crt',
      '--client-key',
      'leaf.key',
    ]);
    expect(mismatch.status).toBe(2);
    expect(mismatch.stderr).toMatch(/\(ERR_KEY_MISMATCH\)$/m);
    const locked = await cli([
      'cert',
      'inspect',
      at('mtls13'),
      '--client-cert',
      'client.crt',
      '--client-key',
      'client.enc.key',
    ]);
    expect(locked.status).toBe(2);
    expect(locked.stderr).toMatch(
      /encrypted.*--client-key-passphrase-file \(ERR_PASSPHRASE_REQUIRED\)/,
    );
    const wrong = await cli([
      'expiry',
      'check',
      at('mtls13'),
      '--client-cert',
      'client.crt',
      '--client-key',
      'client.enc.key',
      '--client-key-passphrase-file',
      'root.crt',
    ]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/\(ERR_PASSPHRASE_WRONG\)/);
    expect(wrong.stderr).not.toMatch(/PRIVATE KEY/);
  });
});

describe('nginx with ssl_verify_client on', () => {
  for (const version of ['13', '12'] as const) {
    it(`TLS 1.${version[1]}: "asks for a client certificate"; with one, nginx's handshake carries it`, async () => {
      const without = await expiryJson(at(`nginx${version}`));
      expect(without.status).toBe(0);
      expect(without.rows).toHaveLength(2);
      // nginx completes the handshake and refuses the request later (400 No required SSL certificate).
      expect(without.facts).toMatchObject({
        protocol: `TLSv1.${version[1]}`,
        clientAuthentication: { requested: true, sent: false, outcome: 'accepted' },
      });
      const withCert = await expiryJson(at(`nginx${version}`), CLIENT);
      expect(withCert.facts.clientAuthentication).toMatchObject({
        sent: true,
        outcome: 'accepted',
      });
      const fleet = await cli([
        'fleet',
        'check',
        '--ca',
        'root.crt',
        at(`nginx${version}`),
        ...CLIENT,
      ]);
      expect(fleet.status, fleet.stdout).toBe(0);
      expect(fleet.stdout).toMatch(/asked for a client certificate and accepted the one sent/);
    });
  }
});

describe('a chain sent out of order with a wrong intermediate (openssl s_server -cert_chain)', () => {
  /** The subjects openssl s_client -showcerts prints, in the order the server sent them. */
  function showcerts(port: number, version: string): string[] {
    const out = openssl(
      ['s_client', '-connect', `127.0.0.1:${port}`, `-tls1_${version[1]}`, '-showcerts'],
      'Q\n',
    );
    return [...out.matchAll(/^ *\d+ s:(.+)$/gm)].map((m) => m[1]!.replace(/\s*=\s*/g, '=').trim());
  }

  for (const version of ['13', '12'] as const) {
    it(`TLS 1.${version[1]}: cert inspect lists them as sent, the order openssl s_client -showcerts shows`, async () => {
      const r = await cli(['cert', 'inspect', at(`odd${version}`), '--format', 'json']);
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      const subjects = j.certificates.map((c: { subject: { text: string } }) => c.subject.text);
      expect(subjects).toEqual([
        'CN=localhost',
        'CN=Chain Root',
        'CN=Unrelated CA',
        'CN=Chain Issuing CA',
        'CN=Chain Issuing CA',
      ]);
      const sent = showcerts(ports[`odd${version}`]!, version);
      expect(subjects, sent.join('|')).toEqual(sent);
      expect(j.chainSource).toBe('handshake');
      expect(
        j.chainProblems.map((p: { kind: string; depth: number }) => [p.kind, p.depth]),
      ).toEqual([
        ['chain-order', 4],
        ['chain-extra', 2],
        ['chain-extra', 3],
      ]);
      const text = await cli(['cert', 'inspect', at(`odd${version}`)]);
      expect(text.stderr).toMatch(
        /chain-extra: presented certificate 3 \(CN=Unrelated CA\) is not part of the leaf's chain/,
      );
    });
  }

  it('expiry check reports every certificate sent, with a note on the ones out of place', async () => {
    const { status, rows } = await expiryJson(at('odd13'));
    expect(status).toBe(0);
    expect(rows).toHaveLength(5);
    expect(rows.map((r: { note?: string }) => r.note?.split(':')[0])).toEqual([
      undefined,
      undefined,
      'chain-extra',
      'chain-extra',
      'chain-order',
    ]);
  });

  it('fleet check raises chain-order and chain-extra as warnings (exit 1), the chain still verified', async () => {
    const r = await cli([
      'fleet',
      'check',
      '--ca',
      'root.crt',
      at('odd13'),
      at('odd12'),
      '--format',
      'json',
    ]);
    expect(r.status).toBe(1);
    const nodes = JSON.parse(r.stdout).nodes;
    for (const n of nodes) {
      expect(n.alerts).toEqual(['chain-order', 'chain-extra']);
      expect(n).toMatchObject({ severity: 'warning', verified: true });
    }
    const text = await cli(['fleet', 'check', '--ca', 'root.crt', at('odd13')]);
    expect(text.stdout).toMatch(/chain-order,chain-extra$/m);
    expect(text.stdout).toMatch(
      /chain-extra: .*\(certificate 4 of 5\): presented certificate 4 \(CN=Chain Issuing CA\) is not part/,
    );
  });
});
