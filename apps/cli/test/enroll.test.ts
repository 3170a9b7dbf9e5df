/**
 * The CLI's side of nodeid-server: `token create`, `enroll` and `agent` as processes, against a
 * real `nodeid-server` on loopback and against a man in the middle (an HTTPS server with another
 * CA, or one replaying the real CA certificate). What is checked is what a node relies on: the
 * pinned fingerprint is the only way in, nothing is sent or written when it does not hold, flags
 * are checked before any work, files in the way stop enrollment before the token is used, and
 * the exit codes. Needs the builds of apps/cli and apps/server.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import {
  createCa,
  exportPrivateKeyPem,
  type Identity,
  issueIdentity,
  parseCertificate,
  parsePkcs12,
} from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentArgs,
  assertBuilt,
  cli,
  createToken,
  enrollArgs as enrollArgsOf,
  initCaFolder,
  type ServerProcess,
  spawnCli,
  startServer,
  stopAll,
} from '../../server/test/helpers/processes.js';

let work: string;
let caDir: string;
let caFile: string;
let tokenFile: string;
let server: ServerProcess;
let fingerprint: string;
/** A port nothing listens on (the one a stopped server had). */
let closedPort: number;

const fp = (pem: string) =>
  `SHA256:${createHash('sha256')
    .update(parseCertificate(pem).der)
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':')}`;

/** `nodeid token create name ...extra --format json` against the suite's server. */
const token = (name: string, extra: string[] = []) =>
  createToken({ url: server.url, caDir }, name, extra);

/** `nodeid enroll` of `name` into `out` through `url`, pinning `pin` (the real CA's fingerprint by default). */
const enrollArgs = (url: string, tok: string, name: string, out: string, pin = fingerprint) =>
  enrollArgsOf({ url, token: tok, fingerprint: pin, name, out });

/** An HTTPS server on loopback with `identity`'s certificate, serving `caPem` at /v1/ca and recording every request. */
async function manInTheMiddle(identity: Identity, caPem: string) {
  const seen: { method: string; url: string; body: string }[] = [];
  const mitm: Server = createServer(
    {
      cert: identity.certificate.pem,
      key: await exportPrivateKeyPem(identity.privateKey),
    },
    (req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body });
        if (req.url === '/v1/ca') res.end(caPem);
        else res.writeHead(500).end('{}');
      });
    },
  );
  mitm.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => mitm.listen(0, '127.0.0.1', resolve));
  const port = (mitm.address() as { port: number }).port;
  return { url: `https://127.0.0.1:${port}`, seen, close: () => mitm.close() };
}

beforeAll(async () => {
  assertBuilt();
  ({ work, caDir } = await initCaFolder('nodeid-cli-enroll-', 'cli.cluster'));
  caFile = join(caDir, 'ca.crt');
  tokenFile = join(caDir, 'admin.token');
  fingerprint = fp(readFileSync(caFile, 'utf8'));
  const first = await startServer({ caDir });
  closedPort = first.port;
  await first.stop('SIGTERM');
  server = await startServer({ caDir });
});

afterAll(() => stopAll(work));

describe('nodeid enroll: the pinned fingerprint is the only way in', () => {
  it('refuses a server whose CA does not match: exit 4, nothing sent, nothing written', async () => {
    const other = await createCa({ clusterName: 'evil.cluster' });
    const tls = await issueIdentity({
      ca: other,
      profile: 'server',
      name: 'localhost',
      ips: ['127.0.0.1'],
    });
    const mitm = await manInTheMiddle(tls, other.certificate.pem);
    try {
      const { token: tok } = await token('node1.example.net');
      const out = join(work, 'mitm1');
      const r = await cli([
        ...enrollArgs(mitm.url, tok, 'node1.example.net', out),
        '--format',
        'json',
      ]);
      expect(r.status).toBe(4);
      expect(r.stderr).toContain('(ERR_FINGERPRINT_MISMATCH)');
      expect(r.stderr).toContain(fp(other.certificate.pem));
      expect(r.stderr).toContain(fingerprint);
      expect(r.stdout).toBe('');
      expect(mitm.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /v1/ca']);
      expect(existsSync(out)).toBe(false);
      // the token was never shown to the impostor: it still works on the real server
      const real = await cli(enrollArgs(server.url, tok, 'node1.example.net', join(work, 'node1')));
      expect(real.stderr).toBe('');
      expect(real.status).toBe(0);
    } finally {
      mitm.close();
    }
  });

  it('refuses a server that replays the real CA certificate but cannot prove it holds a certificate from it', async () => {
    const other = await createCa({ clusterName: 'evil.cluster' });
    const tls = await issueIdentity({
      ca: other,
      profile: 'server',
      name: 'localhost',
      ips: ['127.0.0.1'],
    });
    const mitm = await manInTheMiddle(tls, readFileSync(caFile, 'utf8'));
    try {
      const { token: tok } = await token('node2.example.net');
      const out = join(work, 'mitm2');
      const r = await cli(enrollArgs(mitm.url, tok, 'node2.example.net', out));
      expect(r.status).toBe(4);
      expect(r.stderr).toContain('(ERR_TLS_UNTRUSTED)');
      // the CSR and the token never reached it: the TLS handshake failed before any request
      expect(mitm.seen.map((s) => s.method)).toEqual(['GET']);
      expect(mitm.seen.some((s) => s.body.includes(tok))).toBe(false);
      expect(existsSync(out)).toBe(false);
    } finally {
      mitm.close();
    }
  });

  it('checks the token, the fingerprint and the URL before any network work (exit 2)', async () => {
    const closed = `https://127.0.0.1:${closedPort}`;
    const good = `${'ab'.repeat(8)}.${'A'.repeat(43)}`;
    const cases: [string[], RegExp][] = [
      [
        enrollArgs(closed, 'not-a-token', 'n.example.net', join(work, 'x')),
        /does not look like an enrollment token/,
      ],
      [
        enrollArgs(closed, good, 'n.example.net', join(work, 'x'), 'SHA256:AB:CD'),
        /not a SHA-256 fingerprint/,
      ],
      [
        enrollArgs(`http://127.0.0.1:${closedPort}`, good, 'n.example.net', join(work, 'x')),
        /must be an https:\/\/ URL/,
      ],
      [enrollArgs(closed, good, '../etc/passwd', join(work, 'x')), /cannot name a file/],
      [['enroll', '--server', closed, '--fingerprint', fingerprint], /--token or --token-file/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('says when the server cannot be reached (exit 3)', async () => {
    const good = `${'ab'.repeat(8)}.${'A'.repeat(43)}`;
    const r = await cli(
      enrollArgs(`https://127.0.0.1:${closedPort}`, good, 'n.example.net', join(work, 'y')),
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/cannot reach https:\/\/127\.0\.0\.1:\d+.*\(ERR_SERVER_UNREACHABLE\)/);
  });
});

describe('nodeid enroll: files', () => {
  it('stops before using the token when a file is in the way (exit 3), and --force replaces it', async () => {
    const { token: tok } = await token('node3.example.net');
    const out = join(work, 'node3');
    const r1 = await cli([...enrollArgs(server.url, tok, 'node3.example.net', out), '--force']);
    expect(r1.status).toBe(0);
    const { token: tok2 } = await token('node3.example.net');
    const before = readFileSync(join(out, 'node3.example.net.key'), 'utf8');
    const blocked = await cli(enrollArgs(server.url, tok2, 'node3.example.net', out));
    expect(blocked.status).toBe(3);
    expect(blocked.stderr).toMatch(/already exist.*the token was not used.*\(ERR_FILE_EXISTS\)/);
    expect(readFileSync(join(out, 'node3.example.net.key'), 'utf8')).toBe(before);
    const forced = await cli([
      ...enrollArgs(server.url, tok2, 'node3.example.net', out),
      '--force',
      '--format',
      'json',
    ]);
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout).files.every((f: { replaced: boolean }) => f.replaced)).toBe(
      true,
    );
    expect(readFileSync(join(out, 'node3.example.net.key'), 'utf8')).not.toBe(before);
  });

  it('writes the layout asked for, reads the token from a file, and makes the key it was asked to', async () => {
    const { token: tok } = await token('node4.example.net');
    const file = join(work, 'node4.token');
    writeFileSync(file, `${tok}\n`, { mode: 0o600 });
    const out = join(work, 'node4');
    const r = await cli([
      'enroll',
      '--server',
      server.url,
      '--token-file',
      file,
      '--fingerprint',
      fingerprint.replace('SHA256:', '').replace(/:/g, '').toLowerCase(),
      '--name',
      'node4.example.net',
      '--out',
      out,
      '--layout',
      'scale',
      '--algorithm',
      'Ed25519',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/enrolled node4\.example\.net/);
    expect(r.stdout).toMatch(/granted DNS:node4, DNS:node4\.example\.net/);
    expect(statSync(join(out, 'node4.example.net.key')).mode & 0o777).toBe(0o600);
    const cert = parseCertificate(readFileSync(join(out, 'node4.example.net.pem'), 'utf8'));
    expect(cert.publicKey.type).toBe('Ed25519');
    expect(readFileSync(join(out, 'ca.crt'), 'utf8')).toBe(readFileSync(caFile, 'utf8'));
  });

  it('--layout pkcs12: <name>.p12 and truststore.p12 with --p12-passphrase-file; a file in the way stops it first', async () => {
    const { token: tok } = await token('node5.example.net');
    const out = join(work, 'node5');
    const pass = join(work, 'node5.pass');
    writeFileSync(pass, 'changeit\n');
    const args = [
      ...enrollArgs(server.url, tok, 'node5.example.net', out),
      '--layout',
      'pkcs12',
      '--p12-passphrase-file',
      pass,
    ];
    const r = await cli(args);
    expect(r.status, r.stderr).toBe(0);
    const p12 = await parsePkcs12(readFileSync(join(out, 'node5.example.net.p12')), {
      passphrase: 'changeit',
    });
    expect(p12.keys).toHaveLength(1);
    expect(p12.certificates.map((c) => c.hasKey)).toEqual([true, false]);
    const blocked = await cli(args);
    expect(blocked.status).toBe(3);
    expect(blocked.stderr).toMatch(/node5\.example\.net\.p12.*already exist.*token was not used/);
  });
});

describe('nodeid token create', () => {
  it('needs one way to trust the server, and checks it', async () => {
    const base = [
      'token',
      'create',
      'n.example.net',
      '--server',
      server.url,
      '--admin-token-file',
      tokenFile,
    ];
    for (const extra of [[], ['--ca-file', caFile, '--fingerprint', fingerprint]]) {
      const r = await cli([...base, ...extra]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--ca-file or --fingerprint/);
    }
    const otherCa = join(work, 'other-ca');
    expect(
      (await cli(['ca', 'init', 'other.cluster', '--no-passphrase', '--dir', otherCa])).status,
    ).toBe(0);
    const untrusted = await cli([...base, '--ca-file', join(otherCa, 'ca.crt')]);
    expect(untrusted.status).toBe(4);
    expect(untrusted.stderr).toMatch(/not trusted.*\(ERR_TLS_UNTRUSTED\)/);
    const pinnedWrong = await cli([
      ...base,
      '--fingerprint',
      fp(readFileSync(join(otherCa, 'ca.crt'), 'utf8')),
    ]);
    expect(pinnedWrong.status).toBe(4);
    expect(pinnedWrong.stderr).toMatch(/ERR_FINGERPRINT_MISMATCH/);
    const pinned = await cli([...base, '--fingerprint', fingerprint]);
    expect(pinned.status).toBe(0);
    expect(pinned.stdout).toContain(`CA fingerprint to pin: ${fingerprint}`);
    // printed once
    const tok = /^ {2}([0-9a-f]{16}\.[A-Za-z0-9_-]{43})$/m.exec(pinned.stdout)![1]!;
    expect(pinned.stdout.split(tok)).toHaveLength(2);
  });

  it('reports a wrong admin token as a refusal (exit 1) and bad options as usage errors (exit 2)', async () => {
    const wrong = join(work, 'wrong.token');
    writeFileSync(wrong, '# comment\nnot-the-admin-token\n');
    const base = ['token', 'create', 'n.example.net', '--server', server.url, '--ca-file', caFile];
    const refused = await cli([...base, '--admin-token-file', wrong]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/\(ERR_UNAUTHORIZED\)/);
    const badTtl = await cli([...base, '--admin-token-file', tokenFile, '--ttl', '30d']);
    expect(badTtl.status).toBe(1);
    expect(badTtl.stderr).toMatch(/ttl.*\(ERR_INVALID_ARGUMENT\)/);
    const badDays = await cli([...base, '--admin-token-file', tokenFile, '--days', '0']);
    expect(badDays.status).toBe(2);
    const missing = await cli([...base, '--admin-token-file', join(work, 'nope')]);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/ERR_FILE_NOT_FOUND/);
  });
});

describe('nodeid agent', () => {
  let node: { cert: string; key: string; ca: string };

  beforeAll(async () => {
    const { token: tok } = await token('agent.example.net', ['--days', '30']);
    const out = join(work, 'agent');
    const r = await cli(enrollArgs(server.url, tok, 'agent.example.net', out));
    expect(r.status).toBe(0);
    node = {
      cert: join(out, 'agent.example.net.crt'),
      key: join(out, 'agent.example.net.key'),
      ca: join(out, 'ca.crt'),
    };
  });

  const agent = (url: string, extra: string[]) => cli([...agentArgs(url, node), ...extra]);

  it('renews with the same key when asked (--keep-key), and judges "due" by --renew-at', async () => {
    const key = readFileSync(node.key, 'utf8');
    const serial = parseCertificate(readFileSync(node.cert, 'utf8')).serialNumber;
    expect((await agent(server.url, ['--once', '--renew-at', '10d'])).stdout).toMatch(/not-due/);
    const due = await agent(server.url, [
      '--once',
      '--renew-at',
      '40d',
      '--keep-key',
      '--format',
      'json',
    ]);
    expect(due.stderr).toBe('');
    expect(due.status).toBe(0);
    const event = JSON.parse(due.stdout);
    expect(event).toMatchObject({ event: 'renewed', replaces: serial, newKey: false });
    expect(readFileSync(node.key, 'utf8')).toBe(key);
    expect(parseCertificate(readFileSync(node.cert, 'utf8')).serialNumber).toBe(event.serialNumber);
  });

  it('--layout pkcs12 also writes <name>.p12 and truststore.p12 beside --cert, with the renewed certificate', async () => {
    const pass = join(work, 'agent-p12.pass');
    writeFileSync(pass, 'changeit\n');
    const r = await agent(server.url, [
      '--once',
      '--force-renew',
      '--layout',
      'pkcs12',
      '--p12-passphrase-file',
      pass,
      '--format',
      'json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const serial = JSON.parse(r.stdout).serialNumber;
    const dir = join(work, 'agent');
    const keystore = await parsePkcs12(readFileSync(join(dir, 'agent.example.net.p12')), {
      passphrase: 'changeit',
    });
    expect(keystore.certificates[0]).toMatchObject({
      hasKey: true,
      friendlyName: 'agent.example.net',
    });
    expect(keystore.certificates[0]!.certificate.serialNumber).toBe(serial);
    expect(parseCertificate(readFileSync(node.cert, 'utf8')).serialNumber).toBe(serial);
    const truststore = await parsePkcs12(readFileSync(join(dir, 'truststore.p12')), {
      passphrase: 'changeit',
    });
    expect(truststore.certificates.map((c) => c.trusted)).toEqual([true]);
    expect(statSync(join(dir, 'agent.example.net.p12')).mode & 0o777).toBe(0o600);
  });

  it('exits 1 when --exec fails with --once, 3 when the server is down, 4 when it is not the CA in --ca', async () => {
    const failing = await agent(server.url, ['--once', '--force-renew', '--exec', 'exit 7']);
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/exec exit 7 exited with 7/);
    const down = await agent(`https://127.0.0.1:${closedPort}`, ['--once', '--force-renew']);
    expect(down.status).toBe(3);
    expect(down.stderr).toMatch(/ERR_SERVER_UNREACHABLE/);
    const other = join(work, 'other.crt');
    writeFileSync(other, (await createCa({ clusterName: 'x' })).certificate.pem);
    const untrusted = await cli([
      ...agentArgs(server.url, { ...node, ca: other }),
      '--once',
      '--force-renew',
    ]);
    expect(untrusted.status).toBe(4);
    expect(untrusted.stderr).toMatch(/ERR_TLS_UNTRUSTED/);
  });

  it('backs off exponentially, capped, while the server is down, and stops cleanly on SIGTERM', async () => {
    const running = spawnCli([
      'agent',
      '--server',
      `https://127.0.0.1:${closedPort}`,
      '--cert',
      node.cert,
      '--key',
      node.key,
      '--ca',
      node.ca,
      '--force-renew',
      '--retry-min',
      '100ms',
      '--retry-max',
      '400ms',
      '--format',
      'json',
    ]);
    const retries = () =>
      running.stdoutLines.map((l) => JSON.parse(l)).filter((e) => e.event === 'retry');
    await running.waitFor('five retries', () => retries().length >= 5 || undefined);
    const exit = await running.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const delays = retries()
      .slice(0, 5)
      .map((e) => e.delayMs as number);
    const bounds = [100, 200, 400, 400, 400];
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(bounds[i]! * 0.8);
      expect(d).toBeLessThanOrEqual(bounds[i]! * 1.2);
    });
    expect(JSON.parse(running.stdoutLines.at(-1)!)).toMatchObject({
      event: 'stopped',
      signal: 'SIGTERM',
    });
  });

  it('refuses bad schedules before any work (exit 2)', async () => {
    for (const extra of [
      ['--renew-at', 'soon'],
      ['--jitter', '80%'],
      ['--retry-min', '0s'],
      ['--retry-min', '10m'],
    ]) {
      const r = await agent(server.url, ['--once', ...extra]);
      expect(r.status, extra.join(' ')).toBe(2);
    }
  });
});
