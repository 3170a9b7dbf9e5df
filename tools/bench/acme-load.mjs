/**
 * ACME under load (issue 13): complete orders per second (account reused, an IP identifier,
 * http-01 validated by the server against a local responder, finalize, download) at 16
 * concurrent clients, beside enrollments through `/v1/sign` (admin token + sign) at the same
 * concurrency, against one nodeid-server over HTTPS on loopback, in this run. Needs `pnpm build`.
 * Prints; asserts nothing. `node acme-load.mjs` alone, or from `run.mjs`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as sdk from '@nodeid/sdk';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, '..', '..', 'apps', 'server', 'dist', 'main.js');
const CLI = join(here, '..', '..', 'apps', 'cli', 'bin', 'nodeid.cjs');
const CONCURRENCY = 16;
const enc = new TextEncoder();

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** One HTTPS client with keep-alive for every worker. */
function httpsClient(origin, ca) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2, ca });
  const call = (method, url, { body, headers = {} } = {}) =>
    new Promise((resolve, reject) => {
      const req = request(new URL(url, origin), { method, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

/** The ACME account of the bench: one key, reused by every worker (nonces are per request). */
async function acmeAccount(http, base, eab) {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
  ]);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey);
  const jwk = { kty, crv, x, y };
  const thumbprint = await sdk.jwkThumbprint(jwk);
  let kid;
  const nonces = [];
  const nonce = async () =>
    nonces.pop() ?? (await http.call('HEAD', `${base}/new-nonce`)).headers['replay-nonce'];
  const post = async (url, payload) => {
    const header = { alg: 'ES256', nonce: await nonce(), url, ...(kid ? { kid } : { jwk }) };
    const p = sdk.toBase64Url(enc.encode(JSON.stringify(header)));
    const body = payload === '' ? '' : sdk.toBase64Url(enc.encode(JSON.stringify(payload)));
    const sig = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      keys.privateKey,
      enc.encode(`${p}.${body}`),
    );
    const res = await http.call('POST', url, {
      headers: { 'content-type': 'application/jose+json' },
      body: JSON.stringify({
        protected: p,
        payload: body,
        signature: sdk.toBase64Url(new Uint8Array(sig)),
      }),
    });
    if (res.headers['replay-nonce']) nonces.push(res.headers['replay-nonce']);
    if (res.status >= 400) throw new Error(`${url}: ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  };
  const binding = await sdk.createExternalAccountBinding({
    kid: eab.kid,
    hmacKey: Buffer.from(eab.hmacKey, 'base64url'),
    url: `${base}/new-account`,
    accountJwk: jwk,
  });
  const made = await post(`${base}/new-account`, {
    termsOfServiceAgreed: true,
    externalAccountBinding: binding,
  });
  kid = made.headers.location;
  return { post, thumbprint };
}

/** Runs `fn` on `CONCURRENCY` workers for `ms`; answers completions per second. */
async function measure(ms, fn) {
  const until = Date.now() + ms;
  let done = 0;
  let failed = 0;
  let error;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        try {
          await fn();
          done++;
        } catch (e) {
          failed++;
          error ??= e;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: done / seconds, done, failed, error };
}

export async function runAcmeLoad({ scale = 1, log = () => {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'nodeid-bench-acme-'));
  const caDir = join(work, 'ca');
  let server;
  let responder;
  try {
    execFileSync(
      process.execPath,
      [CLI, 'ca', 'init', 'bench.cluster', '--no-passphrase', '--dir', caDir],
      { stdio: 'ignore' },
    );
    const ca = readFileSync(join(caDir, 'ca.crt'));
    let thumbprint = '';
    responder = createHttpServer((req, res) =>
      res.end(`${req.url.split('/').pop()}.${thumbprint}`),
    );
    await new Promise((r) => responder.listen(0, '127.0.0.1', r));
    const port = await freePort();
    server = spawn(
      process.execPath,
      [
        SERVER,
        '--ca',
        caDir,
        '--listen',
        `127.0.0.1:${port}`,
        '--acme-http-port',
        String(responder.address().port),
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          NODEID_SIGN_RATE_PER_MINUTE: '1000000',
          NODEID_SIGN_BURST: '100000',
          NODEID_ENROLL_RATE_PER_MINUTE: '1000000',
          NODEID_ENROLL_BURST: '100000',
          NODEID_ACME_ADDRESS_RATE_PER_MINUTE: '10000000',
          NODEID_ACME_ADDRESS_BURST: '1000000',
          NODEID_ACME_ACCOUNT_RATE_PER_MINUTE: '10000000',
          NODEID_ACME_ACCOUNT_BURST: '1000000',
        },
      },
    );
    let stderr = '';
    server.stderr.on('data', (d) => (stderr += d));
    for (let i = 0; i < 300 && !/listening on/.test(stderr); i++) await sleep(100);
    if (!/listening on/.test(stderr))
      throw new Error(`nodeid-server did not start: ${stderr.slice(-500)}`);
    // made by the server on its first start
    for (let i = 0; i < 100 && !existsSync(join(caDir, 'admin.token')); i++) await sleep(50);
    const admin = readFileSync(join(caDir, 'admin.token'), 'utf8').trim().split('\n')[0];
    const origin = `https://127.0.0.1:${port}`;
    const base = `${origin}/acme`;
    const http = httpsClient(origin, ca);
    const adminHeaders = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const token = await http.call('POST', '/v1/enrollments', {
      headers: adminHeaders,
      body: JSON.stringify({
        name: 'bench.test',
        ips: ['127.0.0.1'],
        acme: true,
        ttl: '1h',
        validityDays: 30,
      }),
    });
    const account = await acmeAccount(http, base, token.json.eab);
    thumbprint = account.thumbprint;
    const csr = await sdk.createCsr({ name: '127.0.0.1', profile: 'server' });
    const csrB64 = sdk.toBase64Url(csr.der);
    const nodeCsr = await sdk.createCsr({ name: 'bench1.test' });

    const order = async () => {
      const o = await account.post(`${base}/new-order`, {
        identifiers: [{ type: 'ip', value: '127.0.0.1' }],
      });
      const authzUrl = o.json.authorizations[0];
      const authz = await account.post(authzUrl, '');
      await account.post(authz.json.challenges.find((c) => c.type === 'http-01').url, {});
      for (let i = 0; ; i++) {
        const a = await account.post(authzUrl, '');
        if (a.json.status === 'valid') break;
        if (a.json.status !== 'pending' || i > 200)
          throw new Error(`authorization ${a.json.status}`);
        await sleep(10);
      }
      const fin = await account.post(o.json.finalize, { csr: csrB64 });
      await account.post(fin.json.certificate, '');
    };
    const enroll = async () => {
      const t = await http.call('POST', '/v1/enrollments', {
        headers: adminHeaders,
        body: JSON.stringify({ name: 'bench1.test' }),
      });
      const s = await http.call('POST', '/v1/sign', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: t.json.token, csr: nodeCsr.pem }),
      });
      if (s.status !== 200) throw new Error(`/v1/sign ${s.status} ${s.text.slice(0, 200)}`);
    };
    const ms = Math.max(2000, 10_000 * scale);
    log(
      `nodeid bench: ACME orders and /v1/sign enrollments at ${CONCURRENCY} clients, ${ms / 1000} s each\n`,
    );
    await measure(1000, enroll);
    const sign = await measure(ms, enroll);
    await measure(1000, order);
    const acme = await measure(ms, order);
    http.close();
    const fmt = (v) =>
      v.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
    const failures = (r) =>
      r.failed ? `, ${r.failed} failed (${r.error?.message?.slice(0, 120)})` : '';
    return [
      `  ${'ACME, 16 clients (one account, IP identifier, http-01)'.padEnd(58)} ${'/s'.padStart(8)}`,
      `  ${'/v1/sign enrollment (token create + sign)'.padEnd(58)} ${fmt(sign.perSecond).padStart(8)}   n=${sign.done}${failures(sign)}`,
      `  ${'ACME complete order (7 JWS requests + validation)'.padEnd(58)} ${fmt(acme.perSecond).padStart(8)}   n=${acme.done}${failures(acme)}`,
      `  ACME / sign    ${fmt(acme.perSecond / sign.perSecond)}x`,
    ];
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    responder?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines = await runAcmeLoad({
    scale: Number(process.env.BENCH_SCALE ?? 1) || 1,
    log: (t) => process.stderr.write(t),
  });
  process.stdout.write(`${lines.join('\n')}\n`);
}
