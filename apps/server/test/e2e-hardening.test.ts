import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCsr, exportPrivateKeyPem } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  assertBuilt,
  auditEvents,
  initCaFolder,
  type ServerProcess,
  serverForBlock,
  startRefused,
  startServer,
  stopAll,
} from './helpers/processes.js';

let work: string;
let caDir: string;
let caPem: string;

/** Runs the server with `args` and waits for it to exit (it is expected to refuse to start). */
const refusedStart = (args: string[]) => startRefused(caDir, args);

beforeAll(async () => {
  assertBuilt();
  ({ work, caDir, caPem } = await initCaFolder('nodeid-e2e-hardening-', 'hard.cluster'));
});

afterAll(() => stopAll(work));

describe('admin token files the server refuses to start with', () => {
  it('a world-readable token file: one error line with ERR_FILE_PERMISSIONS, exit 3', async () => {
    const file = join(work, 'readable.token');
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`);
    chmodSync(file, 0o644);
    const run = await refusedStart(['--admin-token-file', file]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^error: .*readable\.token is accessible by group or others \(mode 0644\).* \(ERR_FILE_PERMISSIONS\)\n$/,
    );
  });

  it('a two-letter token: ERR_SECRET_WEAK, and the token is not printed', async () => {
    const file = join(work, 'weak.token');
    writeFileSync(file, 'qz\n', { mode: 0o600 });
    const run = await refusedStart(['--admin-token-file', file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^error: .*about 9 bits of entropy; at least 128 .*\(ERR_SECRET_WEAK\)\n$/,
    );
    expect(run.stderr).not.toContain('qz');
  });
});

describe('starting on the wrong address', () => {
  it('--plain-http on 127.example.com is refused: the host is parsed as an address, not prefix-matched', async () => {
    const run = await refusedStart(['--plain-http', '--listen', '127.example.com:0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: plain HTTP is only allowed on a loopback address .*"127\.example\.com".* \(ERR_USAGE\)\n$/,
    );
  });

  it('a busy port: one line "error: ... (ERR_ADDRESS_IN_USE)", exit 3, no stack trace', async () => {
    const first = await startServer({ caDir });
    try {
      const run = await refusedStart(['--listen', `127.0.0.1:${first.port}`]);
      expect(run.code).toBe(3);
      const lines = run.stderr.trim().split('\n');
      expect(lines.at(-1)).toBe(
        `error: cannot listen on 127.0.0.1:${first.port}: the address is already in use (ERR_ADDRESS_IN_USE)`,
      );
      // the only other lines are the JSON events of start-up, and no stack trace
      for (const line of lines.slice(0, -1)) expect(line).toMatch(/^\{.*\}$/);
      // two workers on a busy port: the supervisor stops instead of forking forever
      const workers = await refusedStart(['--listen', `127.0.0.1:${first.port}`, '--workers', '2']);
      expect(workers.code).toBe(3);
      expect(workers.stderr).toContain('(ERR_ADDRESS_IN_USE)');
      expect(workers.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await first.stop();
    }
  });
});

describe('guessing the admin token over HTTPS', () => {
  let server: ServerProcess;
  let tokenFile: string;
  const admin = randomBytes(32).toString('base64url');
  const second = randomBytes(16).toString('hex');

  beforeAll(async () => {
    tokenFile = join(work, 'admin.token');
    writeFileSync(tokenFile, `# admins\n${admin}\n${second}\n`, { mode: 0o600 });
    server = await startServer({ caDir, args: ['--admin-token-file', tokenFile] });
  });
  afterAll(() => server?.stop());

  it('an attacker gets 10 tries, then 429 with Retry-After, audited; the admin elsewhere still gets in', async () => {
    const attacker = '127.0.0.2';
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 15; i++) {
      const res = await api(server.url, '/v1/certificates', {
        ca: caPem,
        admin: `guess${i.toString().padStart(2, '0')}`,
        localAddress: attacker,
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.json()).toMatchObject({ code: 'ERR_RATE_LIMITED' });
        retryAfter = res.headers['retry-after'];
      }
    }
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(5).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // even the right token from the attacker's address is refused while it is throttled
    const right = await api(server.url, '/v1/certificates', {
      ca: caPem,
      admin,
      localAddress: attacker,
    });
    expect(right.status).toBe(429);
    const ok = await api(server.url, '/v1/certificates', {
      ca: caPem,
      admin,
      localAddress: '127.0.0.3',
    });
    expect(ok.status).toBe(200);
    const failed = await server.waitFor('the audit lines of the failures', () => {
      const lines = auditEvents(server).filter((e) => String(e.action).startsWith('admin.auth-'));
      return lines.length >= 10 ? lines : undefined;
    });
    expect(failed).toHaveLength(10);
    for (const e of failed) expect(e).toMatchObject({ actor: 'anonymous', client: attacker });
    expect(server.stdoutLines.join('\n')).not.toMatch(/guess\d\d/);
  });

  it('a token removed from the file stops working at once, without a restart', async () => {
    const from = { ca: caPem, localAddress: '127.0.0.4' };
    expect((await api(server.url, '/v1/enrollments', { ...from, admin: second })).status).toBe(200);
    writeFileSync(tokenFile, `${admin}\n`);
    expect((await api(server.url, '/v1/enrollments', { ...from, admin: second })).status).toBe(401);
    const res = await api(server.url, '/v1/enrollments', {
      ...from,
      admin,
      json: { name: 'node1.example.net' },
    });
    expect(res.status).toBe(201);
    // the admin's actions are audited with a name for the token (never the token) and the address
    const created = await server.waitFor('the enrollment audit line', () =>
      auditEvents(server).find((e) => e.action === 'enrollment.create'),
    );
    expect(created).toMatchObject({
      actor: expect.stringMatching(/^admin:[0-9a-f]{8}$/),
      client: '127.0.0.4',
    });
    expect(JSON.stringify(created)).not.toContain(admin);
  });
});

describe('HTTP hygiene over HTTPS', () => {
  const on = serverForBlock(() => caDir);

  const SECURITY_HEADERS = [
    'content-security-policy',
    'x-content-type-options',
    'strict-transport-security',
    'x-frame-options',
    'referrer-policy',
  ];

  it('HEAD answers carry the same security headers as GET', async () => {
    for (const path of ['/v1/ca', '/v1/crl', '/healthz', '/openapi.json']) {
      const get = await api(on.server.url, path, { ca: caPem });
      const head = await api(on.server.url, path, { ca: caPem, method: 'HEAD' });
      expect([path, head.status]).toEqual([path, get.status]);
      expect(head.body).toHaveLength(0);
      for (const h of SECURITY_HEADERS) {
        expect([path, h, head.headers[h]]).toEqual([path, h, get.headers[h]]);
        expect(head.headers[h]).toBeTruthy();
      }
    }
  });

  it('a token response is never cached: Cache-Control: no-store', async () => {
    const res = await api(on.server.url, '/v1/enrollments', {
      ca: caPem,
      admin: on.admin,
      json: { name: 'cache.example.net' },
      localAddress: '127.0.0.5',
    });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const list = await api(on.server.url, '/v1/enrollments', {
      ca: caPem,
      admin: on.admin,
      localAddress: '127.0.0.5',
    });
    expect(list.headers['cache-control']).toBe('no-store');
  });

  it('a text/plain body (a CORS "simple request") is refused with 415 and changes nothing', async () => {
    const enrollments = async () =>
      (
        await api(on.server.url, '/v1/enrollments', {
          ca: caPem,
          admin: on.admin,
          localAddress: '127.0.0.6',
        })
      ).json() as unknown[];
    const before = await enrollments();
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const res = await api(on.server.url, '/v1/enrollments', {
        ca: caPem,
        admin: on.admin,
        method: 'POST',
        body: JSON.stringify({ name: 'plain.example.net' }),
        headers: type === undefined ? {} : { 'content-type': type },
        localAddress: '127.0.0.6',
      });
      expect([type, res.status]).toEqual([type, 415]);
      expect(res.json()).toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
    }
    const sign = await api(on.server.url, '/v1/sign', {
      ca: caPem,
      method: 'POST',
      body: '{"token":"x","csr":"y"}',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      localAddress: '127.0.0.6',
    });
    expect(sign.status).toBe(415);
    // JSON with a charset parameter is JSON
    const ok = await api(on.server.url, '/v1/enrollments', {
      ca: caPem,
      admin: on.admin,
      method: 'POST',
      body: JSON.stringify({ name: 'json.example.net' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      localAddress: '127.0.0.6',
    });
    expect(ok.status).toBe(201);
    const after = await enrollments();
    expect(after).toHaveLength(before.length + 1);
  });
});

describe('renewal over mutual TLS', () => {
  const on = serverForBlock(() => caDir);

  it("the server's own TLS certificate (serverAuth only) cannot renew: 403 ERR_EXTENDED_KEY_USAGE", async () => {
    const csr = await createCsr({ name: 'localhost' });
    const res = await api(on.server.url, '/v1/renew', {
      ca: caPem,
      json: { csr: csr.pem },
      cert: readFileSync(join(caDir, 'server', 'server.crt'), 'utf8'),
      key: readFileSync(join(caDir, 'server', 'server.key'), 'utf8'),
      localAddress: '127.0.0.7',
    });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ERR_EXTENDED_KEY_USAGE' });
  });

  it('a node certificate renews once; renewing the old one again is 409 ERR_CERTIFICATE_SUPERSEDED', async () => {
    const from = { ca: caPem, localAddress: '127.0.0.8' };
    const { token } = (
      await api(on.server.url, '/v1/enrollments', {
        ...from,
        admin: on.admin,
        json: { name: 'node9.example.net' },
      })
    ).json() as { token: string };
    const first = await createCsr({ name: 'node9.example.net', extractable: true });
    const signed = await api(on.server.url, '/v1/sign', {
      ...from,
      json: { token, csr: first.pem },
    });
    expect(signed.status).toBe(200);
    const cert = (signed.json() as { certificate: string }).certificate;
    const key = await exportPrivateKeyPem(first.keyPair.privateKey);
    const renewOnce = async () =>
      api(on.server.url, '/v1/renew', {
        ...from,
        json: { csr: (await createCsr({ name: 'node9.example.net' })).pem },
        cert,
        key,
      });
    const renewed = await renewOnce();
    expect(renewed.status).toBe(200);
    const again = await renewOnce();
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ERR_CERTIFICATE_SUPERSEDED' });
    const renewal = await on.server.waitFor('the renewal audit line', () =>
      auditEvents(on.server).find((e) => e.action === 'certificate.renew'),
    );
    expect(renewal).toMatchObject({
      actor: expect.stringMatching(/^certificate:[0-9a-f]+$/),
      client: '127.0.0.8',
    });
  });
});
