/**
 * Remote TLS endpoints and the fleet view, end to end with real processes on loopback (issue 11):
 * `openssl s_server` nodes serving a good certificate, one expiring in 2 days, an expired one,
 * one from another CA, one for another name, one for another cluster, a revoked one (CRL and
 * inventory) and a superseded one, checked by `nodeid fleet check`, `nodeid expiry check` and
 * `nodeid cert inspect` run as processes: exit codes, the ALERT column, JSON, and Prometheus in
 * node_exporter's textfile format. Then 50 `node:tls` endpoints checked concurrently with one
 * unreachable: the endpoints answer only once all 50 connections are open at the same time, so
 * the check can only finish if it really contacts them concurrently.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
const DAY = 86_400_000;
let work: string;
const servers: ChildProcess[] = [];
const ports: Record<string, number> = {};
let closedPort: number;

/** Runs the CLI without blocking this process: vitest's worker and the node:tls endpoints live here. */
function cli(args: string[], input?: string) {
  return runCliAsync(args, 60_000, input);
}

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  if (r.status !== 0) throw new Error(`nodeid ${args.join(' ')}: ${r.status} ${r.stderr}`);
  return r.stdout;
}

function runCliAsync(
  args: string[],
  timeoutMs: number,
  input?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...ENV };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: work, env });
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts `openssl s_server` with a certificate and its chain; resolves once it accepts. */
async function sServer(
  cert: string,
  key: string,
  chain: string,
  extra: string[] = [],
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      'openssl',
      [
        's_server',
        '-accept',
        `127.0.0.1:${port}`,
        '-cert',
        cert,
        '-key',
        key,
        '-cert_chain',
        chain,
        ...extra,
      ],
      { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    servers.push(child);
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    const up = await new Promise<boolean>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('ACCEPT')) resolve(true);
      });
      child.on('exit', () => resolve(false));
      // Not listening within 20 s (a busy machine): stop it and try another port.
      setTimeout(() => resolve(false), 20_000).unref();
    });
    if (up) return port;
    child.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`openssl s_server did not start on ${port}: ${err}`);
  }
}

/** Signs `csr` with the CA folder's key for a window in the past (openssl ca -startdate/-enddate). */
function signExpired(name: string): { cert: string; key: string } {
  const key = join(work, `${name}.key`);
  const csr = join(work, `${name}.csr`);
  const cert = join(work, `${name}.crt`);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: work, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  run([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    '/CN=fleet.cluster',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext',
    'extendedKeyUsage=serverAuth,clientAuth',
    '-out',
    csr,
  ]);
  writeFileSync(join(work, 'index.txt'), '');
  writeFileSync(join(work, 'serial'), '7E01\n');
  writeFileSync(
    join(work, 'openssl-ca.cnf'),
    '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\nunique_subject=no\n[p]\ncommonName=supplied\n',
  );
  const stamp = (t: number) => `${new Date(t).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
  run([
    'ca',
    '-batch',
    '-config',
    'openssl-ca.cnf',
    '-cert',
    'ca/ca.crt',
    '-keyfile',
    'ca/ca.key',
    '-in',
    csr,
    '-out',
    cert,
    '-notext',
    '-startdate',
    stamp(Date.now() - 10 * DAY),
    '-enddate',
    stamp(Date.now() - 8 * DAY),
  ]);
  return { cert, key };
}

/** The files `cert issue <name> --out <dir>` wrote: the certificate and its key. */
function issued(dir: string): { cert: string; key: string } {
  return {
    cert: join(work, dir, 'fleet.cluster.crt'),
    key: join(work, dir, 'fleet.cluster.key'),
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-fleet-'));
  await ok(['ca', 'init', 'fleet.cluster', '--dir', 'ca', '--no-passphrase']);
  await ok(['ca', 'init', 'other.cluster', '--dir', 'ca2', '--no-passphrase']);
  const local = ['localhost', '--ip', '127.0.0.1', '--dir', 'ca'];
  await ok(['cert', 'issue', ...local, '--out', 'good']);
  await ok(['cert', 'issue', ...local, '--days', '2', '--out', 'soon']);
  await ok(['cert', 'issue', ...local, '--out', 'revoked']);
  await ok(['cert', 'revoke', issued('revoked').cert, '--dir', 'ca']);
  await ok(['crl', 'create', '--dir', 'ca', '--out', 'ca.crl']);
  await ok(['cert', 'issue', ...local, '--out', 'old']);
  copyFileSync(issued('old').cert, join(work, 'superseded.crt'));
  copyFileSync(issued('old').key, join(work, 'superseded.key'));
  await ok(['cert', 'renew', issued('old').cert, '--dir', 'ca']);
  await ok(['cert', 'issue', 'node7.example.net', '--dir', 'ca', '--out', 'othername']);
  await ok(['cert', 'issue', ...local, '--cluster', 'wrong.cluster', '--out', 'wrongcluster']);
  await ok(['cert', 'issue', 'localhost', '--ip', '127.0.0.1', '--dir', 'ca2', '--out', 'foreign']);
  const expired = signExpired('expired');
  const wrongCluster = {
    cert: join(work, 'wrongcluster', 'wrong.cluster.crt'),
    key: join(work, 'wrongcluster', 'wrong.cluster.key'),
  };
  const foreign = {
    cert: join(work, 'foreign', 'other.cluster.crt'),
    key: join(work, 'foreign', 'other.cluster.key'),
  };
  const othername = {
    cert: join(work, 'othername', 'node7.example.net.crt'),
    key: join(work, 'othername', 'node7.example.net.key'),
  };
  const plan: [string, { cert: string; key: string; chain?: string }][] = [
    ['good', issued('good')],
    ['soon', issued('soon')],
    ['expired', expired],
    ['foreign', { ...foreign, chain: join(work, 'ca2', 'ca.crt') }],
    ['othername', othername],
    ['wrongcluster', wrongCluster],
    ['revoked', issued('revoked')],
    ['superseded', { cert: join(work, 'superseded.crt'), key: join(work, 'superseded.key') }],
  ];
  await Promise.all(
    plan.map(async ([name, files]) => {
      ports[name] = await sServer(files.cert, files.key, files.chain ?? join(work, 'ca', 'ca.crt'));
    }),
  );
  // Mutual TLS, as nodes and key servers run it: no handshake without a client certificate.
  const mtls = ['-Verify', '1', '-CAfile', join(work, 'ca', 'ca.crt')];
  const good = issued('good');
  const caCrt = join(work, 'ca', 'ca.crt');
  ports.mtls12 = await sServer(good.cert, good.key, caCrt, [...mtls, '-tls1_2']);
  ports.mtls13 = await sServer(good.cert, good.key, caCrt, [...mtls, '-tls1_3']);
  closedPort = await freePort();
}, 120_000);

afterAll(() => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
});

const at = (name: string) => `127.0.0.1:${ports[name]}`;
const NAMES = [
  'good',
  'soon',
  'expired',
  'foreign',
  'othername',
  'wrongcluster',
  'revoked',
  'superseded',
];

/** Checks node_exporter's textfile rules: HELP/TYPE before samples, `name{labels} value` lines. */
function expectTextfileFormat(text: string): Map<string, string[]> {
  const samples = new Map<string, string[]>();
  const typed = new Set<string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(meta[3]).toMatch(/^(gauge|counter|untyped)$/);
        typed.add(meta[2]!);
      }
      continue;
    }
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/.exec(
        line,
      );
    expect(m, `not an exposition-format line: ${line}`).not.toBeNull();
    expect(typed.has(m![1]!), `${m![1]} has no TYPE line before it`).toBe(true);
    samples.set(m![1]!, [...(samples.get(m![1]!) ?? []), line]);
  }
  return samples;
}

describe('nodeid fleet check', () => {
  it('one line per node with the ALERT column, every alert of the issue, exit 2', async () => {
    const args = [
      'fleet',
      'check',
      '--ca',
      'ca/ca.crt',
      '--cluster',
      'fleet.cluster',
      '--crl',
      'ca.crl',
      '--dir',
      'ca',
      '--warn',
      '3d',
      ...NAMES.map(at),
      `127.0.0.1:${closedPort}`,
    ];
    const json = await cli([...args, '--format', 'json']);
    expect(json.status).toBe(2);
    const report = JSON.parse(json.stdout);
    const alerts: Record<string, string[]> = Object.fromEntries(
      report.nodes.map((n: { target: string; alerts: string[] }) => [n.target, n.alerts]),
    );
    expect(alerts).toEqual({
      [at('good')]: [],
      [at('soon')]: ['tls-cert-will-soon-expire'],
      [at('expired')]: ['tls-cert-expired'],
      // Another CA, whose nodes carry its own cluster name as CN.
      [at('foreign')]: ['wrong-ca', 'wrong-cluster'],
      [at('othername')]: ['name-mismatch'],
      [at('wrongcluster')]: ['wrong-cluster'],
      [at('revoked')]: ['revoked'],
      [at('superseded')]: ['superseded'],
      [`127.0.0.1:${closedPort}`]: ['unreachable'],
    });
    const node = (name: string) =>
      report.nodes.find((n: { target: string }) => n.target === at(name));
    expect(node('good').leaf.serialNumber).toBe(
      JSON.parse(
        await ok(['cert', 'inspect', issued('good').cert, '--format', 'json']),
      ).serialNumber.replace(/:/g, ''),
    );
    expect(node('good').leaf.names).toEqual(['localhost', '127.0.0.1']);
    expect(node('foreign').problems[0].message).toMatch(/^certificate signed by unknown authority/);
    expect(node('othername').problems[0].message).toMatch(/127\.0\.0\.1/);
    expect(report.summary).toMatchObject({ nodes: 9, ok: 1, warning: 2, error: 6 });
    expect(report.summary.alerts).toMatchObject({ 'wrong-cluster': 2, unreachable: 1 });

    const text = await cli(args);
    expect(text.status).toBe(2);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^TARGET\s+SERIAL\s+NAMES\s+NOT AFTER\s+ALERT$/);
    expect(lines.find((l) => l.startsWith(at('soon')))).toMatch(
      /localhost, 127\.0\.0\.1\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+tls-cert-will-soon-expire$/,
    );
    expect(lines.find((l) => l.startsWith(at('good')))).toMatch(/\sok$/);
    expect(text.stdout).toMatch(
      new RegExp(`unreachable: 127\\.0\\.0\\.1:${closedPort}: .*connection refused`),
    );
    expect(lines.at(-2)).toMatch(/^9 nodes at .*: 1 ok, 2 with warnings, 6 with errors; alerts: /);
  });

  it('reads nodes that insist on a client certificate (mutual TLS, TLS 1.2 and 1.3)', async () => {
    const r = await cli([
      'fleet',
      'check',
      '--ca',
      'ca/ca.crt',
      '--cluster',
      'fleet.cluster',
      at('mtls12'),
      at('mtls13'),
      '--format',
      'json',
    ]);
    expect(r.status, r.stdout).toBe(0);
    const nodes = JSON.parse(r.stdout).nodes;
    expect(nodes.map((n: { alerts: string[] }) => n.alerts)).toEqual([[], []]);
    expect(nodes.map((n: { leaf: { names: string[] } }) => n.leaf.names)).toEqual([
      ['localhost', '127.0.0.1'],
      ['localhost', '127.0.0.1'],
    ]);
  });

  it('exit 0 when every node is fine, 1 when only warnings', async () => {
    expect(
      (await cli(['fleet', 'check', '--ca', 'ca/ca.crt', at('good'), `localhost:${ports.good}`]))
        .status,
    ).toBe(0);
    const warn = await cli([
      'fleet',
      'check',
      '--dir',
      'ca',
      '--warn',
      '3d',
      at('good'),
      at('soon'),
      at('superseded'),
    ]);
    expect(warn.status).toBe(1);
    // The same nodes judged three days on: the 2-day certificate has expired.
    const later = new Date(Date.now() + 3 * DAY).toISOString();
    const r = await cli([
      'fleet',
      'check',
      '--ca',
      'ca/ca.crt',
      '--at',
      later,
      at('soon'),
      '--format',
      'json',
    ]);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).nodes[0].alerts).toEqual(['tls-cert-expired']);
  });

  it('Prometheus in the textfile format, written atomically with --out', async () => {
    const out = join(work, 'textfile', 'fleet.prom');
    const r = await cli([
      'fleet',
      'check',
      '--ca',
      'ca/ca.crt',
      '--crl',
      'ca.crl',
      '--format',
      'prometheus',
      '--out',
      out,
      at('good'),
      at('revoked'),
      `127.0.0.1:${closedPort}`,
    ]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const samples = expectTextfileFormat(readFileSync(out, 'utf8'));
    const alert = samples.get('nodeid_fleet_node_alert')!;
    expect(alert).toContain(`nodeid_fleet_node_alert{target="${at('revoked')}",alert="revoked"} 1`);
    expect(alert).toContain(`nodeid_fleet_node_alert{target="${at('good')}",alert="revoked"} 0`);
    expect(samples.get('nodeid_fleet_node_up')).toContain(
      `nodeid_fleet_node_up{target="127.0.0.1:${closedPort}"} 0`,
    );
    expect(samples.get('nodeid_fleet_node_not_after_seconds')).toHaveLength(2);
  });

  it('refuses files and missing CA before any work', async () => {
    const file = await cli(['fleet', 'check', '--ca', 'ca/ca.crt', issued('good').cert]);
    expect(file.status).toBe(2);
    expect(file.stderr).toMatch(/no endpoint .*use "nodeid expiry check" for files \(ERR_USAGE\)/);
    const noCa = await cli(['fleet', 'check', at('good')]);
    expect(noCa.status).toBe(2);
    expect(noCa.stderr).toMatch(/--ca FILE/);
  });
});

describe('nodeid expiry check on endpoints', () => {
  it('reports every presented certificate as files are, with the target; exit 1 when expiring', async () => {
    const r = await cli([
      'expiry',
      'check',
      at('good'),
      `tls://localhost:${ports.soon}`,
      '--warn',
      '3d',
      '--format',
      'json',
    ]);
    expect(r.status).toBe(1);
    const rows = JSON.parse(r.stdout).certificates;
    expect(
      rows.map((c: { target: string; index: number; count: number; status: string }) => [
        c.target,
        c.index,
        c.count,
        c.status,
      ]),
    ).toEqual([
      [at('good'), 1, 2, 'valid'],
      [at('good'), 2, 2, 'valid'],
      [`tls://localhost:${ports.soon}`, 1, 2, 'expiring'],
      [`tls://localhost:${ports.soon}`, 2, 2, 'valid'],
    ]);
    expect(rows[1].isCa).toBe(true);
  });

  it('expired, unreachable, and --ca with the SDK message: exit 2', async () => {
    const expired = await cli(['expiry', 'check', at('expired')]);
    expect(expired.status).toBe(2);
    expect(expired.stdout).toMatch(
      /expired: 127\.0\.0\.1:\d+ \(certificate 1 of 2\) serial 7e01: certificate CN=fleet\.cluster expired at/,
    );
    const down = await cli(['expiry', 'check', `127.0.0.1:${closedPort}`, '--format', 'json']);
    expect(down.status).toBe(2);
    expect(JSON.parse(down.stdout).certificates[0]).toMatchObject({
      status: 'unreachable',
      message: `127.0.0.1:${closedPort} is unreachable: connection refused`,
    });
    const foreign = await cli(['expiry', 'check', at('foreign'), '--ca', 'ca/ca.crt']);
    expect(foreign.status).toBe(2);
    expect(foreign.stdout).toMatch(
      /invalid: .*certificate signed by unknown authority.*\(ERR_UNKNOWN_AUTHORITY\)/,
    );
    const cluster = await cli([
      'expiry',
      'check',
      at('good'),
      '--ca',
      'ca/ca.crt',
      '--cluster',
      'wrong.cluster',
    ]);
    expect(cluster.status).toBe(2);
    expect(cluster.stdout).toMatch(/ERR_CLUSTER_NAME_MISMATCH/);
    expect(
      (
        await cli([
          'expiry',
          'check',
          at('good'),
          '--ca',
          'ca/ca.crt',
          '--cluster',
          'fleet.cluster',
        ])
      ).status,
    ).toBe(0);
  });

  it('--targets FILE and Prometheus with a target label in the textfile format', async () => {
    writeFileSync(
      join(work, 'nodes.txt'),
      `# key servers\n${at('good')}\n\n${at('soon')}  # standby\n`,
    );
    const out = join(work, 'textfile', 'nodeid.prom');
    const r = await cli([
      'expiry',
      'check',
      '--targets',
      'nodes.txt',
      issued('good').cert,
      '--format',
      'prometheus',
      '--out',
      out,
    ]);
    expect(r.status).toBe(1);
    const samples = expectTextfileFormat(readFileSync(out, 'utf8'));
    const status = samples.get('nodeid_certificate_expiry_status')!;
    expect(status).toHaveLength(5);
    expect(
      status.filter((l) => l.includes(`target="${at('soon')}"`) && l.includes('status="expiring"')),
    ).toHaveLength(1);
    // A file's series keep their labels (no target label).
    expect(status.filter((l) => !l.includes('target='))).toHaveLength(1);
  });
});

describe('nodeid expiry watch on endpoints', () => {
  it('--once prints each presented certificate with its bounds and alert, and the unreachable one', async () => {
    const once = await cli([
      'expiry',
      'watch',
      '--once',
      '--warn',
      '3d',
      at('soon'),
      `127.0.0.1:${closedPort}`,
    ]);
    expect(once.status).toBe(2);
    expect(once.stdout).toMatch(
      new RegExp(
        `loaded ${at('soon')}#1/2\\[[^\\]]+\\] tls-cert-will-soon-expire: certificate CN=fleet\\.cluster expires in 1d`,
      ),
    );
    expect(once.stdout).toMatch(new RegExp(`loaded ${at('soon')}#2/2\\[[^\\]]+\\] ok: `));
    expect(once.stdout).toMatch(
      new RegExp(`loaded 127\\.0\\.0\\.1:${closedPort} unreachable: .*connection refused`),
    );
  });
});

describe('nodeid cert inspect', () => {
  it('prints the chain an endpoint presents; - reads standard input', async () => {
    const r = await cli([
      'cert',
      'inspect',
      `tls://127.0.0.1:${ports.foreign}`,
      '--format',
      'json',
    ]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.certificates).toHaveLength(2);
    expect(j.certificates[0].subject.text).toBe('CN=other.cluster');
    expect(j.certificates[1].subject.text).toBe('CN=other.cluster CA,OU=other.cluster');
    const stdin = await cli(
      ['cert', 'inspect', '-', '--format', 'json'],
      readFileSync(issued('good').cert, 'utf8'),
    );
    expect(stdin.status).toBe(0);
    expect(JSON.parse(stdin.stdout).subject.text).toBe('CN=fleet.cluster');
    const help = (await cli(['cert', 'inspect', '--help'])).stdout;
    expect(help).toContain('cert inspect tls://');
    expect(help).toContain('cert inspect -');
  });
});

describe('50 endpoints at once', () => {
  it('are contacted concurrently; the unreachable one is reported, the rest valid', async () => {
    // One TLS server behind 50 listeners; a connection is handed to TLS only once all 50 are
    // open at the same time. A check that contacted them one by one would never get an answer.
    const n = 50;
    const keyPem = readFileSync(issued('good').key, 'utf8');
    const certPem = readFileSync(issued('good').cert, 'utf8');
    const tlsServer = tls.createServer({ cert: certPem, key: keyPem });
    tlsServer.on('secureConnection', (s) => s.end());
    tlsServer.on('tlsClientError', () => {});
    const held: net.Socket[] = [];
    let released = false;
    const listeners: net.Server[] = [];
    const endpointPorts: number[] = [];
    for (let i = 0; i < n; i++) {
      const l = net.createServer((socket) => {
        socket.on('error', () => {});
        if (released) return tlsServer.emit('connection', socket);
        held.push(socket);
        if (held.length === n) {
          released = true;
          for (const s of held.splice(0)) tlsServer.emit('connection', s);
        }
      });
      await new Promise<void>((r) => l.listen(0, '127.0.0.1', () => r()));
      listeners.push(l);
      endpointPorts.push((l.address() as AddressInfo).port);
    }
    try {
      const r = await runCliAsync(
        [
          'expiry',
          'check',
          '--format',
          'json',
          '--concurrency',
          '64',
          '--timeout',
          '20s',
          ...endpointPorts.map((p) => `127.0.0.1:${p}`),
          `127.0.0.1:${closedPort}`,
        ],
        40_000,
      );
      expect(r.status, r.stderr).toBe(2);
      const rows = JSON.parse(r.stdout).certificates as { target: string; status: string }[];
      expect(rows).toHaveLength(n + 1);
      expect(rows.filter((c) => c.status === 'valid')).toHaveLength(n);
      expect(rows.at(-1)).toMatchObject({
        target: `127.0.0.1:${closedPort}`,
        status: 'unreachable',
      });
      expect(released).toBe(true);
    } finally {
      for (const s of held) s.destroy();
      for (const l of listeners) l.close();
    }
  }, 45_000);
});
