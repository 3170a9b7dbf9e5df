/**
 * ACME interop (issue 13) with lego, certbot and Caddy, clients nobody here wrote, against a real nodeid-server on
 * loopback. Names resolve through pebble-challtestsrv's DNS server (every A query: 127.0.0.1),
 * which the server's --acme-resolver points at. The same lego commands run against pebble first,
 * so a failure here is nodeid's and not the harness's.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChallTestSrv } from './helpers/challtestsrv.js';
import { opensslReq } from './helpers/openssl-req.js';
import {
  adminToken,
  api,
  assertBuilt,
  auditEvents,
  CLI,
  freePort,
  initCaFolder,
  Running,
  type ServerProcess,
  startServer,
  stopAll,
  tokenAdminArgs,
} from './helpers/processes.js';

/** Runs a command to its end (killed after `timeoutMs`), with its output. */
async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<{ code: number | null; out: string }> {
  const p = new Running(
    spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }),
  );
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, out: `${p.stdoutLines.join('\n')}\n${p.stderr}` };
}

let work: string;
let caDir: string;
let caPem: string;
let admin: string;
let server: ServerProcess;
let dnsPort: number;
let httpPort: number;
let tlsPort: number;
let pebbleUrl: string;
/** pebble-challtestsrv's management API (set-txt for dns-01). */
let dnsManagement: number;

/** lego with a fresh --path (or the one given, for a renewal), trusting `trust`. */
function lego(args: string[], options: { path: string; trust: string }) {
  return run(
    'lego',
    ['--accept-tos', '--email', 'ops@example.test', '--path', options.path, ...args],
    { LEGO_CA_CERTIFICATES: options.trust },
  );
}

/** lego's account and name flags: the directory, the token's EAB, the names. */
function eab(
  server: string,
  token: { eab: { kid: string; hmacKey: string } },
  domains: string,
): string[] {
  return [
    '--server',
    server,
    '--eab',
    '--kid',
    token.eab.kid,
    '--hmac',
    token.eab.hmacKey,
    '--domains',
    domains,
  ];
}

/**
 * A hook that puts a TXT record in pebble-challtestsrv's DNS: `hook present FQDN VALUE` (lego's
 * exec provider) or, with no arguments, certbot's manual auth hook (CERTBOT_DOMAIN and
 * CERTBOT_VALIDATION in its environment).
 */
function txtHook(path: string): string {
  const hook = join(path, 'hook.sh');
  writeFileSync(
    hook,
    `#!/bin/sh
if [ $# -eq 0 ]; then set -- present "_acme-challenge.$CERTBOT_DOMAIN." "$CERTBOT_VALIDATION"; fi
[ "$1" = present ] || exit 0
exec "${process.execPath}" -e 'fetch("http://127.0.0.1:${dnsManagement}/set-txt", { method: "POST", body: JSON.stringify({ host: process.argv[1], value: process.argv[2] }) }).then((r) => process.exit(r.ok ? 0 : 1))' "$2" "$3"
`,
    { mode: 0o700 },
  );
  return hook;
}

/** lego's dns-01 solver: the exec hook above, lego's own checks through the local DNS. */
const dns01 = () => [
  '--dns',
  'exec',
  '--dns.disable-cp',
  '--dns.resolvers',
  `127.0.0.1:${dnsPort}`,
];
const dns01Env = (hook: string) => ({
  EXEC_PATH: hook,
  EXEC_POLLING_INTERVAL: '1',
  EXEC_PROPAGATION_TIMEOUT: '10',
  // the exec provider waits a minute between the names of one order by default
  EXEC_SEQUENCE_INTERVAL: '1',
});

/** `openssl verify` of `leaf` against the CA folder's certificate, with `flags`. */
const opensslVerify = (leaf: string, ...flags: string[]) =>
  run('openssl', ['verify', '-CAfile', join(caDir, 'ca.crt'), ...flags, leaf]);

/** lego over dns-01 with the token's EAB for `domains`, its state under `path`. */
function legoDns(
  path: string,
  token: { eab: { kid: string; hmacKey: string } },
  domains: string[],
) {
  mkdirSync(path, { recursive: true });
  return run(
    'lego',
    [
      '--accept-tos',
      '--email',
      'ops@example.test',
      '--path',
      path,
      ...eab(`${server.url}/acme/directory`, token, domains[0]!),
      ...domains.slice(1).flatMap((d) => ['--domains', d]),
      ...dns01(),
      'run',
    ],
    { LEGO_CA_CERTIFICATES: join(caDir, 'ca.crt'), ...dns01Env(txtHook(path)) },
  );
}

/** certbot certonly with the token's EAB and `args`, its state under `dir`. */
function certbot(dir: string, token: { eab: { kid: string; hmacKey: string } }, args: string[]) {
  return run(
    'certbot',
    [
      'certonly',
      '--non-interactive',
      '--agree-tos',
      '-m',
      'ops@example.test',
      '--server',
      `${server.url}/acme/directory`,
      '--eab-kid',
      token.eab.kid,
      // one argument with `=`: a base64url key may begin with "-", which argparse would take
      // for an option (certbot: "argument --eab-hmac-key: expected one argument")
      `--eab-hmac-key=${token.eab.hmacKey}`,
      ...args,
      '--config-dir',
      join(dir, 'config'),
      '--work-dir',
      join(dir, 'work'),
      '--logs-dir',
      join(dir, 'logs'),
    ],
    { REQUESTS_CA_BUNDLE: join(caDir, 'ca.crt') },
  );
}

/**
 * `certbot(dir, token, [...args, '-d', name])` (with `--cert-name` when given) must exit 0, and the
 * certificate it saved under `live/` must pass `openssl verify ...verify` against the CA.
 */
async function certbotVerified(
  dir: string,
  token: { eab: { kid: string; hmacKey: string } },
  args: string[],
  cert: { name: string; certName?: string; verify: string[] },
): Promise<void> {
  const r = await certbot(dir, token, [
    ...args,
    '-d',
    cert.name,
    ...(cert.certName ? ['--cert-name', cert.certName] : []),
  ]);
  expect(r.code, r.out).toBe(0);
  const leaf = join(dir, 'config', 'live', cert.certName ?? cert.name, 'cert.pem');
  const verified = await opensslVerify(leaf, ...cert.verify);
  expect(verified.code, verified.out).toBe(0);
}

/** lego's http-01 solver on the port the server validates on. */
const http01 = () => ['--http', '--http.port', `127.0.0.1:${httpPort}`];

/**
 * `caddy run` in a new folder `work/name` (its state there) on a Caddyfile whose global options
 * are `admin off`, that folder's storage, the server's validation ports and `globals`, then the
 * `site` block; waits until Caddy has obtained its certificate, runs `check`, and stops Caddy
 * (also on failure).
 */
async function withCaddy(
  name: string,
  caddyfile: { globals?: string; site: string },
  check: () => Promise<void>,
): Promise<void> {
  const dir = join(work, name);
  mkdirSync(dir);
  const file = join(dir, 'Caddyfile');
  writeFileSync(
    file,
    `{
  admin off
  storage file_system ${join(dir, 'data')}
  http_port ${httpPort}
  https_port ${tlsPort}
${caddyfile.globals ?? ''}}
${caddyfile.site}`,
  );
  const caddy = new Running(
    spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOME: dir,
        XDG_DATA_HOME: join(dir, 'xdg'),
        XDG_CONFIG_HOME: join(dir, 'xdg'),
      },
    }),
  );
  try {
    await caddy.waitFor(
      'Caddy to obtain its certificate',
      () => /certificate obtained successfully/.test(caddy.stderr) || undefined,
      90_000,
    );
    await check();
  } finally {
    await caddy.stop();
  }
}

/** GET / over HTTPS on loopback `port`, trusting the CA folder's certificate. */
function httpsGet(
  port: number,
  options: { servername?: string; host?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        ca: readFileSync(join(caDir, 'ca.crt')),
        ...(options.servername && { servername: options.servername }),
        ...(options.host && { headers: { host: options.host } }),
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function acmeToken(name: string, extra: Record<string, unknown> = {}) {
  const res = await api(server.url, '/v1/enrollments', {
    ca: caPem,
    method: 'POST',
    admin,
    json: { name, acme: true, validityDays: 30, ...extra },
  });
  expect(res.status).toBe(201);
  return res.json() as { id: string; eab: { kid: string; hmacKey: string } };
}

/** `nodeid token create name ...flags` run as this server's admin (its exit code and output). */
const tokenCreate = (name: string, ...flags: string[]) =>
  run(process.execPath, [
    CLI,
    'token',
    'create',
    name,
    ...tokenAdminArgs({ url: server.url, caDir }),
    ...flags,
  ]);

const certOf = (path: string, name: string) =>
  readFileSync(join(path, 'certificates', `${name}.crt`), 'utf8');

beforeAll(async () => {
  assertBuilt();
  ({ work, caDir, caPem } = await initCaFolder('nodeid-acme-', 'acme.cluster'));
  [httpPort, tlsPort] = [await freePort(), await freePort()];
  ({ dnsPort, managementPort: dnsManagement } = await startChallTestSrv());
  server = await startServer({
    caDir,
    args: [
      '--acme-resolver',
      `127.0.0.1:${dnsPort}`,
      '--acme-http-port',
      String(httpPort),
      '--acme-tls-port',
      String(tlsPort),
    ],
  });
  admin = adminToken(caDir);
}, 60_000);

afterAll(() => stopAll(work));

describe('the harness, against pebble', () => {
  it('lego gets a certificate from pebble with EAB over http-01', async () => {
    // pebble's TLS certificate: a throwaway one for 127.0.0.1
    const dir = join(work, 'pebble');
    mkdirSync(dir);
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    opensslReq('-x509', { key, out: cert }, '/CN=pebble', [
      '-days',
      '1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const port = await freePort();
    const hmac = Buffer.alloc(32, 7).toString('base64url');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${port}`,
          managementListenAddress: `127.0.0.1:${await freePort()}`,
          certificate: cert,
          privateKey: key,
          httpPort,
          tlsPort,
          externalAccountBindingRequired: true,
          externalAccountMACKeys: { 'kid-1': hmac },
        },
      }),
    );
    const env = { ...process.env };
    delete env['PEBBLE_VA_ALWAYS_VALID'];
    const pebble = new Running(
      spawn('pebble', ['-config', join(dir, 'config.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...env, PEBBLE_VA_NOSLEEP: '1' },
      }),
    );
    await pebble.waitFor(
      'pebble to listen',
      () => /Listening on/.test(pebble.stdoutLines.join('\n') + pebble.stderr) || undefined,
    );
    pebbleUrl = `https://127.0.0.1:${port}/dir`;
    const path = join(work, 'lego-pebble');
    const r = await lego(
      [
        ...eab(pebbleUrl, { eab: { kid: 'kid-1', hmacKey: hmac } }, 'node0.test'),
        ...http01(),
        'run',
      ],
      { path, trust: cert },
    );
    expect(r.code, r.out).toBe(0);
    expect(certOf(path, 'node0.test')).toContain('BEGIN CERTIFICATE');
    await pebble.stop();
  }, 120_000);
});

describe('lego against nodeid-server', () => {
  const directory = () => `${server.url}/acme/directory`;
  const trust = () => join(caDir, 'ca.crt');

  it('gets a certificate over http-01 with an enrollment token as EAB; it verifies with openssl and is in the inventory as issued through ACME', async () => {
    const token = await acmeToken('node1.test');
    const path = join(work, 'lego-1');
    const r = await lego([...eab(directory(), token, 'node1.test'), ...http01(), 'run'], {
      path,
      trust: trust(),
    });
    expect(r.code, r.out).toBe(0);
    const pem = certOf(path, 'node1.test');
    const leaf = join(path, 'certificates', 'node1.test.crt');
    const verified = await opensslVerify(leaf, '-purpose', 'sslserver');
    expect(verified.code, verified.out).toBe(0);
    const text = await run('openssl', [
      'x509',
      '-in',
      leaf,
      '-noout',
      '-ext',
      'subjectAltName',
      '-serial',
      '-enddate',
    ]);
    expect(text.out).toContain('DNS:node1.test');
    expect(text.out).not.toContain('node1,');
    const serial = /serial=([0-9A-F]+)/.exec(text.out)![1]!.toLowerCase().replace(/^0+/, '');
    const inv = await api(server.url, `/v1/certificates/${serial}`, { ca: caPem, admin });
    expect(inv.status).toBe(200);
    expect(inv.json()).toMatchObject({ issuedBy: 'acme', profile: 'node', status: 'valid' });
    expect(pem).toContain('BEGIN CERTIFICATE');
    const issued = auditEvents(server).find(
      (e) => e.action === 'certificate.issue' && e.via === 'acme',
    );
    expect(issued).toMatchObject({ enrollment: token.id, names: ['DNS:node1.test'] });
    // the token is used up by the account: /v1/enrollments says so
    const list = (await api(server.url, '/v1/enrollments', { ca: caPem, admin })).json() as {
      id: string;
      status: string;
    }[];
    expect(list.find((t) => t.id === token.id)?.status).toBe('used');

    // a renewal: the same account (no EAB needed again) orders the same name
    const renewed = await lego(
      [
        // lego wants the EAB flags whenever the CA requires EAB; the account it has is reused
        ...eab(directory(), token, 'node1.test'),
        ...http01(),
        'renew',
        '--days',
        '400',
        '--no-random-sleep',
      ],
      { path, trust: trust() },
    );
    expect(renewed.code, renewed.out).toBe(0);
    expect(certOf(path, 'node1.test')).not.toBe(pem);

    const renewedSerial = (await run('openssl', ['x509', '-in', leaf, '-noout', '-serial'])).out
      .match(/serial=([0-9A-F]+)/)![1]!
      .toLowerCase()
      .replace(/^0+/, '');
    // revocation by the account (RFC 8555 §7.6): the inventory says revoked
    const revoked = await lego([...eab(directory(), token, 'node1.test'), 'revoke'], {
      path,
      trust: trust(),
    });
    expect(revoked.code, revoked.out).toBe(0);
    const after = await api(server.url, `/v1/certificates/${renewedSerial}`, { ca: caPem, admin });
    expect(after.json()).toMatchObject({ status: 'revoked' });
  }, 180_000);

  it('nodeid token create --acme prints an EAB with a lego line that works as printed', async () => {
    const made = await tokenCreate('node5.test', '--acme');
    expect(made.code, made.out).toBe(0);
    expect(made.out).toMatch(
      /certbot certonly --server \S+\/acme\/directory --eab-kid=[0-9a-f]{16} --eab-hmac-key=[A-Za-z0-9_-]{43} --standalone -d node5\.test/,
    );
    const line = /^\s+(lego --server .*)$/m.exec(made.out)![1]!;
    const args = line
      .split(' ')
      .slice(1)
      .map((a) => (a === 'EMAIL' ? 'ops@example.test' : a));
    const path = join(work, 'lego-cli');
    const r = await run(
      'lego',
      ['--accept-tos', '--path', path, ...args.slice(0, -2), ...http01(), 'run'],
      {
        LEGO_CA_CERTIFICATES: trust(),
      },
    );
    expect(r.code, r.out).toBe(0);
    expect(certOf(path, 'node5.test')).toContain('BEGIN CERTIFICATE');
  }, 120_000);

  it('gets a certificate over dns-01, the TXT record set by lego through an exec hook in the local DNS', async () => {
    const token = await acmeToken('node12.test');
    const path = join(work, 'lego-dns');
    const r = await legoDns(path, token, ['node12.test']);
    expect(r.code, r.out).toBe(0);
    expect(certOf(path, 'node12.test')).toContain('BEGIN CERTIFICATE');
  }, 120_000);

  it('gets a wildcard certificate over dns-01 for a token made with nodeid token create --acme --wildcard (RFC 8555 §7.1.3); one the token does not list is rejectedIdentifier', async () => {
    // the admin grants the wildcard explicitly, with nodeid token create --wildcard
    const cli = (...extra: string[]) => tokenCreate('wild12.test', '--profile', 'server', ...extra);
    expect((await cli('--wildcard', '*.wild12.test')).code).toBe(2); // without --acme
    const overSuffix = await cli('--acme', '--wildcard', '*.co.uk');
    expect(overSuffix.code).toBe(3);
    expect(overSuffix.out).toContain('public suffix "co.uk"');
    const made = await cli('--acme', '--wildcard', '*.Wild12.test', '--format', 'json');
    expect(made.code, made.out).toBe(0);
    const token = JSON.parse(made.out) as {
      eab: { kid: string; hmacKey: string };
      wildcards: string[];
    };
    expect(token.wildcards).toEqual(['*.wild12.test']);
    const path = join(work, 'lego-wild');
    const r = await legoDns(path, token, ['*.wild12.test', 'wild12.test']);
    expect(r.code, r.out).toBe(0);
    const leaf = join(path, 'certificates', '_.wild12.test.crt');
    const text = await run('openssl', ['x509', '-in', leaf, '-noout', '-ext', 'subjectAltName']);
    expect(text.out).toContain('DNS:*.wild12.test');
    for (const [name, code] of [
      ['node1.wild12.test', 0],
      ['a.node1.wild12.test', 2],
    ] as const) {
      const verified = await opensslVerify(leaf, '-purpose', 'sslserver', '-verify_hostname', name);
      expect(verified.code, `${name}: ${verified.out}`).toBe(code);
    }
    // a token without the wildcard: refused before any challenge
    const exact = await acmeToken('wild13.test', { profile: 'server' });
    const refused = await legoDns(join(work, 'lego-wild-refused'), exact, ['*.wild13.test']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('rejectedIdentifier');
  }, 120_000);

  it('gets a certificate over tls-alpn-01 (RFC 8737)', async () => {
    const token = await acmeToken('node2.test');
    const path = join(work, 'lego-2');
    const r = await lego(
      [
        ...eab(directory(), token, 'node2.test'),
        '--tls',
        '--tls.port',
        `127.0.0.1:${tlsPort}`,
        'run',
      ],
      { path, trust: trust() },
    );
    expect(r.code, r.out).toBe(0);
    expect(certOf(path, 'node2.test')).toContain('BEGIN CERTIFICATE');
  }, 120_000);

  it('refuses a used token (unauthorized), a name outside the token (rejectedIdentifier) and no EAB (externalAccountRequired), issuing nothing', async () => {
    const before = (
      await api(server.url, '/v1/certificates', { ca: caPem, admin })
    ).json() as unknown[];
    const token = await acmeToken('node3.test');
    const first = await lego([...eab(directory(), token, 'node4.test'), ...http01(), 'run'], {
      path: join(work, 'lego-3'),
      trust: trust(),
    });
    expect(first.code).not.toBe(0);
    expect(first.out).toContain('rejectedIdentifier');
    const again = await lego([...eab(directory(), token, 'node3.test'), ...http01(), 'run'], {
      path: join(work, 'lego-4'),
      trust: trust(),
    });
    expect(again.code).not.toBe(0);
    expect(again.out).toContain('unauthorized');
    const none = await lego(
      ['--server', directory(), '--domains', 'node3.test', ...http01(), 'run'],
      { path: join(work, 'lego-5'), trust: trust() },
    );
    expect(none.code).not.toBe(0);
    expect(none.out).toMatch(/externalAccountRequired|External Account Binding/);
    const after = (
      await api(server.url, '/v1/certificates', { ca: caPem, admin })
    ).json() as unknown[];
    expect(after.length).toBe(before.length);
    expect(readdirSync(join(work, 'lego-4')).includes('certificates')).toBe(false);
  }, 180_000);
});

describe('certbot and Caddy against nodeid-server', () => {
  it('certbot certonly --standalone with --eab-kid and --eab-hmac-key gets a certificate over http-01 (RS256 account key)', async () => {
    const token = await acmeToken('node6.test');
    const dir = join(work, 'certbot');
    await certbotVerified(
      dir,
      token,
      ['--standalone', '--http-01-address', '127.0.0.1', '--http-01-port', String(httpPort)],
      { name: 'node6.test', verify: ['-purpose', 'sslserver'] },
    );
  }, 120_000);

  it('certbot --manual --preferred-challenges dns gets a wildcard certificate (its auth hook sets the TXT record)', async () => {
    const token = await acmeToken('wild14.test', {
      profile: 'server',
      wildcards: ['*.wild14.test'],
    });
    const dir = join(work, 'certbot-wild');
    mkdirSync(dir);
    await certbotVerified(
      dir,
      token,
      ['--manual', '--preferred-challenges', 'dns', '--manual-auth-hook', txtHook(dir)],
      {
        name: '*.wild14.test',
        certName: 'wild14',
        verify: ['-verify_hostname', 'node1.wild14.test'],
      },
    );
  }, 120_000);

  it('Caddy with acme_ca and acme_eab obtains its own certificate and serves HTTPS with it on loopback', async () => {
    const token = await acmeToken('node7.test');
    await withCaddy(
      'caddy',
      {
        globals: `  email ops@example.test
  acme_ca ${server.url}/acme/directory
  acme_ca_root ${join(caDir, 'ca.crt')}
  acme_eab {
    key_id ${token.eab.kid}
    mac_key ${token.eab.hmacKey}
  }
`,
        site: `node7.test {
  bind 127.0.0.1
  respond "served by caddy"
}
`,
      },
      async () => {
        const res = await httpsGet(tlsPort, { servername: 'node7.test', host: 'node7.test' });
        expect(res).toEqual({ status: 200, body: 'served by caddy' });
      },
    );
  }, 120_000);

  it('Caddy gets a certificate for an IP identifier (RFC 8738) with an explicit ACME issuer', async () => {
    const token = await acmeToken('node11.test', { ips: ['127.0.0.1'] });
    await withCaddy(
      'caddy-ip',
      {
        site: `https://127.0.0.1 {
  bind 127.0.0.1
  tls {
    issuer acme {
      dir ${server.url}/acme/directory
      trusted_roots ${join(caDir, 'ca.crt')}
      email ops@example.test
      eab ${token.eab.kid} ${token.eab.hmacKey}
    }
  }
  respond "ip by caddy"
}
`,
      },
      async () => {
        const { body } = await httpsGet(tlsPort);
        expect(body).toBe('ip by caddy');
      },
    );
  }, 120_000);
});
