/**
 * The server section of `pnpm bench`: nodeid-server started as a real process over HTTPS on
 * 127.0.0.1 from a CA folder made by the built CLI, loaded with POST /v1/sign by a load
 * generator in a process of its own (`load-client.mjs`: closed loop, keep-alive connections,
 * one fresh enrollment token per request), at 32 and 64 connections; beside it, in the same
 * run and on the same CSRs:
 *
 * - the floor: the SDK's `signCsr` alone, on one thread of this process, with the server's policy
 *   and the server's crypto (`createNodeCrypto`);
 * - Debian's `golang-cfssl` (`cfssl serve`, HTTPS with the same server certificate, the same CA
 *   key) on /api/v1/cfssl/sign, when `cfssl` is on PATH: once without storage (it only signs),
 *   and once with its own SQLite certdb (`-db-config`, the schema recreated each run with the
 *   sqlite3 command), which records every certificate as nodeid-server does: equal durability.
 *
 * Tokens (through the admin API) and CSRs (SDK `createCsr`) are made before any clock starts.
 * The cases take turns for the rounds; a case's rate is its median round, counted while every
 * connection was busy (from the start until the last request was sent), and its p50/p99 are
 * over every request of its rounds. Then a longer run at 64 connections samples the server's
 * RSS every second (20,000 signings at BENCH_SCALE=1, 100,000 with BENCH_SERVER_LONG=1).
 * BENCH_SERVER_PROF=1 runs the server under `node --cpu-prof` and prints where its time went.
 * Nothing here asserts a time: it prints, with each target beside its figure.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:https';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as sdk from '@nodeid/sdk';
import { createNodeCrypto, loadCaFolder } from '@nodeid/sdk/node';
import { cpuMsOf } from './proc-cpu.mjs';
import { wrkGenerator, wrkVersion } from './wrk-client.mjs';

/**
 * cfssl's SQLite certdb schema, as certdb/sqlite/migrations/001_CreateCertificates.sql of the
 * cfssl 1.2.x line creates it (Debian's golang-cfssl 1.2.0 inserts exactly these columns; the
 * later migration adding issued_at, not_before, metadata, sans and common_name came after it).
 */
const CFSSL_CERTDB_SCHEMA = `
CREATE TABLE certificates (
  serial_number            blob NOT NULL,
  authority_key_identifier blob NOT NULL,
  ca_label                 blob,
  status                   blob NOT NULL,
  reason                   int,
  expiry                   timestamp,
  revoked_at               timestamp,
  pem                      blob NOT NULL,
  PRIMARY KEY(serial_number, authority_key_identifier)
);
CREATE TABLE ocsp_responses (
  serial_number            blob NOT NULL,
  authority_key_identifier blob NOT NULL,
  body                     blob NOT NULL,
  expiry                   timestamp,
  PRIMARY KEY(serial_number, authority_key_identifier),
  FOREIGN KEY(serial_number, authority_key_identifier) REFERENCES certificates(serial_number, authority_key_identifier)
);
`;

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const CLI = join(root, 'apps/cli/bin/nodeid.cjs');
const SERVER = join(root, 'apps/server/dist/main.js');
const CLUSTER = 'bench';
const CONNECTIONS = [32, 64];
/** Distinct CSRs (keys and names); token k is for the name of CSR k mod POOL. */
const POOL = 256;
/** Rate limits high enough that a load test from one address is never refused (main.ts reads them). */
const UNLIMITED = {
  NODEID_SIGN_RATE_PER_MINUTE: '1000000000',
  NODEID_SIGN_BURST: '1000000000',
  NODEID_ENROLL_RATE_PER_MINUTE: '1000000000',
  NODEID_ENROLL_BURST: '1000000000',
};

/** Microseconds on the monotonic clock, the one a V8 CPU profile's sample times are on. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (v, d = 1) =>
  v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mb = (bytes) => `${fmt(bytes / 1048576, 1)} MB`;

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

function hasCommand(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** RSS of a process in bytes (Linux /proc, else ps). */
function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {}
  try {
    return (
      Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' })) * 1024
    );
  } catch {
    return Number.NaN;
  }
}

/** A small HTTPS client for the set-up calls of this process (not the load). */
function client(url, ca) {
  const agent = new Agent({ keepAlive: true, maxSockets: 8, ca });
  const call = (method, path, { body, headers = {} } = {}) =>
    new Promise((resolvePromise) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, url),
        {
          method,
          agent,
          headers: text ? { 'content-type': 'application/json', ...headers } : headers,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolvePromise({
              status: res.statusCode,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', (e) => resolvePromise({ status: 0, text: e.message }));
      req.end(text);
    });
  return { call, close: () => agent.destroy() };
}

async function waitUntilAnswering(url, ca, child, logFile, what) {
  const c = client(url, ca);
  try {
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null)
        throw new Error(
          `${what} exited (${child.exitCode}): ${readFileSync(logFile, 'utf8').slice(-800)}`,
        );
      if ((await c.call('GET', '/healthz')).status > 0) return;
      await sleep(100);
    }
    throw new Error(`${what} did not answer on ${url} within 30 s`);
  } finally {
    c.close();
  }
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Drives `load-client.mjs` over IPC. */
function loadGenerator() {
  const child = fork(join(here, 'load-client.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  let nextId = 1;
  child.on('message', (m) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  child.on('exit', () => {
    for (const w of waiting.values()) w({ ok: false, firstError: 'the load generator exited' });
  });
  return {
    name: "node's https client (load-client.mjs)",
    cpuMs: () => cpuMsOf(child.pid),
    run(job) {
      const id = nextId++;
      child.send({ id, ...job });
      return new Promise((r) => waiting.set(id, r)).then((m) => {
        if (!m.ok) throw new Error(`load generator: ${m.firstError}`);
        return m;
      });
    },
    close: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.send('exit');
      }),
  };
}

/**
 * Req/s counted while every connection was busy: from the start until the last request was
 * sent (then fewer connections are busy); requests completed by then over that time.
 */
function steadyRate(result, concurrency) {
  if (result.rate !== undefined) return result.rate; // wrk: completed / run time
  const done = result.latenciesMs.length;
  if (done <= concurrency) return (done * 1000) / result.elapsedMs;
  return ((done - concurrency) * 1000) / result.lastSentMs;
}

/**
 * Where the server's main thread spent its time, from a V8 `.cpuprofile`: the top functions by
 * self time, and the synchronous time of each store and signing step per call (better-sqlite3
 * is synchronous, so a store call's time includes its disk sync).
 */
function summarizeProfile(file, { signings, windows }) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // sample times are on the monotonic clock every process shares (as process.hrtime), so only
  // the samples taken while the load generator ran /v1/sign are counted
  const inWindow = (at) => windows.some(([from, to]) => at >= from && at <= to);
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (!inWindow(at)) continue;
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? basename(f.url.replace(/^file:\/\//, '')) : '';
    return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
  };
  // self time by function
  const selfByFn = new Map();
  for (const [id, us] of self) {
    const key = label(byId.get(id));
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
  }
  // inclusive time of the steps of /v1/sign (counted once per sample, however deep the recursion)
  const calls = Object.fromEntries(
    [
      'jsonBody',
      'parseCsr',
      'getToken',
      'signCsr',
      'parseCertificateDer',
      'flushRedeems',
      'emit',
      'json',
    ].map((step) => [step, signings]),
  );
  const steps = Object.keys(calls);
  const inclusive = new Map(steps.map((s) => [s, 0]));
  for (const [id, us] of self) {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const name = byId.get(n).callFrame.functionName;
      if (inclusive.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, inclusive.get(name) + us);
      }
    }
  }
  const pct = (us) => `${fmt((100 * us) / total, 1).padStart(5)}%`;
  const idle = [...selfByFn].filter(([k]) => k === '(idle)').reduce((a, [, us]) => a + us, 0);
  const perCall = (k, us) =>
    calls[k] ? `   ${fmt(us / 1000 / calls[k], 3)} ms per call, ${calls[k]} calls` : '';
  return [
    `server CPU profile (node --cpu-prof, only while /v1/sign was under load: ${signings} signings; ${fmt(total / 1e6, 1)} s sampled)`,
    `  main thread busy ${fmt((total - idle) / 1000 / signings, 3)} ms per signing`,
    '  self time, top functions:',
    ...[...selfByFn]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([k, us]) => `    ${pct(us)}  ${k}`),
    '  inclusive time of the store and signing steps (synchronous part):',
    ...[...inclusive]
      .filter(([, us]) => us > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([k, us]) => `    ${pct(us)}  ${k.padEnd(18)}${perCall(k, us)}`),
  ];
}

/**
 * Runs the section and returns the lines of its report.
 *
 * @param {{ scale: number, rounds: number, log: (text: string) => void }} options
 */
export async function runServerLoad({ scale, rounds, log }) {
  const n = (count) => Math.max(2, Math.round(count * scale));
  for (const file of [CLI, SERVER])
    if (!existsSync(file))
      return [
        `server load: skipped, ${file.slice(root.length + 1)} is not built (run \`pnpm build\`)`,
      ];

  const long = process.env.BENCH_SERVER_LONG === '1';
  const profiling = process.env.BENCH_SERVER_PROF === '1';
  const useWrk = process.env.BENCH_LOAD !== 'node' && wrkVersion() !== undefined;
  // wrk opens its connections inside the timed run: longer rounds make that a small part of it
  const perRound = n(useWrk ? 3000 : 600);
  const memoryTotal = long ? 100_000 : n(20_000);
  const memoryBudgetMs = long ? Number.POSITIVE_INFINITY : Math.max(20, 120 * scale) * 1000;
  const work = mkdtempSync(join(tmpdir(), 'nodeid-bench-server-'));
  const caDir = join(work, 'ca');
  const children = [];
  const lines = [];
  /** [from, to] of every /v1/sign load, so the profile counts only those (not the token making). */
  const signWindows = [];
  let signedInWindows = 0;
  try {
    // ---- the CA, the server, the CSRs ---------------------------------------------------------
    execFileSync(
      process.execPath,
      [CLI, 'ca', 'init', CLUSTER, '--no-passphrase', '--dir', caDir],
      {
        stdio: 'ignore',
      },
    );
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const serverLog = join(work, 'server.log');
    const logFd = openSync(serverLog, 'w');
    const profDir = join(work, 'prof');
    if (profiling) mkdirSync(profDir);
    // audit lines (one JSON line per issuance on stdout) go to /dev/null: what they cost to write is counted
    const server = spawn(
      process.execPath,
      [
        ...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        // BENCH_SERVER_FLAGS: extra node flags for the server only (e.g. --trace-gc, GC sizes)
        ...(process.env.BENCH_SERVER_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
        SERVER,
        '--ca',
        caDir,
        '--listen',
        `127.0.0.1:${port}`,
        // BENCH_SERVER_WORKERS=N serves from N processes (nodeid-server --workers N)
        '--workers',
        String(process.env.BENCH_SERVER_WORKERS ?? 1),
      ],
      { env: { ...process.env, ...UNLIMITED }, stdio: ['ignore', 'ignore', logFd] },
    );
    closeSync(logFd);
    children.push(server);
    const caPem = readFileSync(join(caDir, 'ca.crt'));
    await waitUntilAnswering(url, caPem, server, serverLog, 'nodeid-server');
    const adminToken = readFileSync(join(caDir, 'admin.token'), 'utf8').split('\n')[0].trim();
    const api = client(url, caPem);
    const caCert = new X509Certificate(caPem);

    log('nodeid bench: server load, making CSRs\n');
    const { issuer, config } = await loadCaFolder(caDir);
    const names = Array.from({ length: POOL }, (_, i) => `node${i}.bench.internal`);
    const csrs = [];
    for (const name of names) csrs.push((await sdk.createCsr({ name })).pem);

    /** Enrollment tokens through the admin API, eight calls at a time; token k is for names[k % POOL]. */
    let made = 0;
    async function createTokens(count) {
      const tokens = new Array(count);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < count; i = next++) {
          const k = made + i;
          const res = await api.call('POST', '/v1/enrollments', {
            body: { name: names[k % POOL], profile: 'node', ttl: '24h' },
            headers: { authorization: `Bearer ${adminToken}` },
          });
          if (res.status !== 201)
            throw new Error(
              `POST /v1/enrollments answered ${res.status} ${res.text.slice(0, 200)}${res.status === 429 ? ' (a server built before NODEID_ENROLL_RATE_PER_MINUTE: run `pnpm build`)' : ''}`,
            );
          tokens[i] = { token: JSON.parse(res.text).token, csr: csrs[k % POOL] };
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      made += count;
      return tokens.map((t) => JSON.stringify(t));
    }

    // the server's policy for a node token: its name and short name, 365 days
    const policies = names.map((name) => ({
      dns: [name, sdk.shortName(name)],
      ips: [],
      uris: [],
      commonNames: [],
      maxDays: 365,
    }));
    // the server's crypto (signatures on the calling thread), so the floor is the same work
    const floorCrypto = createNodeCrypto();
    async function floorOnce(k) {
      const t = performance.now();
      await sdk.signCsr({
        crypto: floorCrypto,
        csr: csrs[k % POOL],
        ca: issuer,
        policy: policies[k % POOL],
        profile: 'node',
        clusterName: config.clusterName,
        now: new Date(),
      });
      return performance.now() - t;
    }

    // ---- cfssl, when installed: without storage, and with its own SQLite certdb ---------------
    /**
     * Starts `cfssl serve` with the same CA, server certificate and signing profile; with
     * `certdb`, with `-db-config` on a fresh SQLite file holding the schema of cfssl's
     * certdb/sqlite/migrations/001_CreateCertificates.sql (the one Debian's cfssl 1.2.0 writes:
     * its insert names exactly these columns), so every signature is also an INSERT, as every
     * nodeid-server signature is a recorded certificate.
     */
    const startCfssl = async (certdb) => {
      const cfPort = await freePort();
      const tag = certdb ? 'cfssl-db' : 'cfssl';
      const cfLog = join(work, `${tag}.log`);
      const config = join(work, 'cfssl.json');
      writeFileSync(
        config,
        JSON.stringify({
          signing: {
            default: {
              expiry: '8760h',
              usages: ['digital signature', 'server auth', 'client auth'],
            },
          },
        }),
      );
      const dbArgs = [];
      if (certdb) {
        const dbFile = join(work, 'cfssl-certdb.sqlite');
        rmSync(dbFile, { force: true });
        execFileSync('sqlite3', [dbFile], { input: CFSSL_CERTDB_SCHEMA });
        const dbConfig = join(work, 'cfssl-db.json');
        // a busy timeout, as an admin would set: without one, concurrent signings fail with
        // "database is locked" (go-sqlite3's default is to fail at once)
        writeFileSync(
          dbConfig,
          JSON.stringify({ driver: 'sqlite3', data_source: `${dbFile}?_busy_timeout=10000` }),
        );
        dbArgs.push('-db-config', dbConfig);
      }
      const cfFd = openSync(cfLog, 'w');
      const child = spawn(
        'cfssl',
        [
          'serve',
          '-address',
          '127.0.0.1',
          '-port',
          String(cfPort),
          '-ca',
          join(caDir, 'ca.crt'),
          '-ca-key',
          join(caDir, 'ca.key'),
          '-config',
          config,
          '-tls-cert',
          join(caDir, 'server/server.crt'),
          '-tls-key',
          join(caDir, 'server/server.key'),
          ...dbArgs,
        ],
        { stdio: ['ignore', 'ignore', cfFd] },
      );
      closeSync(cfFd);
      children.push(child);
      const cfUrl = `https://127.0.0.1:${cfPort}`;
      await waitUntilAnswering(
        cfUrl,
        caPem,
        child,
        cfLog,
        `cfssl serve${certdb ? ' -db-config' : ''}`,
      );
      const version = execFileSync('cfssl', ['version'], { encoding: 'utf8' }).match(
        /Version: (\S+)/,
      )?.[1];
      return {
        pid: child.pid,
        url: cfUrl,
        version,
        certdb,
        dbFile: certdb ? join(work, 'cfssl-certdb.sqlite') : undefined,
        bodies: csrs.map((csr) => JSON.stringify({ certificate_request: csr })),
      };
    };
    let cfssl;
    let cfsslDb;
    // BENCH_CFSSL=0 leaves cfssl out (quicker runs while working on the server)
    if (process.env.BENCH_CFSSL !== '0' && hasCommand('cfssl', ['version'])) {
      cfssl = await startCfssl(false);
      if (hasCommand('sqlite3', ['-version'])) cfsslDb = await startCfssl(true);
    }

    // ---- sanity: each path returns a certificate the CA key verifies, for the names asked ----
    {
      const [body] = await createTokens(1);
      const res = await api.call('POST', '/v1/sign', { body: JSON.parse(body) });
      if (res.status !== 200)
        throw new Error(`POST /v1/sign answered ${res.status} ${res.text.slice(0, 300)}`);
      const cert = new X509Certificate(JSON.parse(res.text).certificate);
      if (!cert.verify(caCert.publicKey) || !cert.subjectAltName?.includes(`DNS:${names[0]}`))
        throw new Error(
          'nodeid-server returned a certificate the CA key does not verify or without the name',
        );
      for (const cf of [cfssl, cfsslDb].filter(Boolean)) {
        const http = client(cf.url, caPem);
        const r = await http.call('POST', '/api/v1/cfssl/sign', {
          body: JSON.parse(cf.bodies[0]),
        });
        http.close();
        const c =
          r.status === 200 ? new X509Certificate(JSON.parse(r.text).result.certificate) : undefined;
        if (!c?.verify(caCert.publicKey) || !c.subjectAltName?.includes(`DNS:${names[0]}`))
          throw new Error(`cfssl did not sign: ${r.status} ${r.text.slice(0, 300)}`);
        // with a certdb, the signature must have become a row
        if (cf.certdb) {
          const rows = execFileSync('sqlite3', [cf.dbFile, 'SELECT count(*) FROM certificates'], {
            encoding: 'utf8',
          }).trim();
          if (rows !== '1')
            throw new Error(`cfssl's certdb holds ${rows} rows after one signature`);
        }
      }
      await floorOnce(0);
    }

    // ---- timed rounds -------------------------------------------------------------------------
    const totalTokens = (rounds + 1) * perRound * CONNECTIONS.length;
    log(`nodeid bench: server load, ${totalTokens} enrollment tokens through the admin API\n`);
    let t = performance.now();
    const tokenBodies = await createTokens(totalTokens);
    const enrollRate = (totalTokens * 1000) / (performance.now() - t);
    let taken = 0;
    const take = (count) => {
      taken += count;
      return tokenBodies.slice(taken - count, taken);
    };

    // wrk when installed (a C load generator leaves the servers most of the CPU); BENCH_LOAD=node
    // uses the Node client instead
    const gen = useWrk ? wrkGenerator() : loadGenerator();
    const headers = { 'content-type': 'application/json' };
    const nodeidJob = (concurrency, bodies) => ({
      url,
      ca: caPem.toString(),
      concurrency,
      method: 'POST',
      path: '/v1/sign',
      headers,
      bodies,
      warm: { method: 'GET', path: '/healthz' },
      expect: '"certificate"',
    });
    const cfsslJob = (concurrency, count, cf = cfssl) => ({
      url: cf.url,
      ca: caPem.toString(),
      concurrency,
      method: 'POST',
      path: '/api/v1/cfssl/sign',
      headers,
      bodies: Array.from({ length: count }, (_, i) => cf.bodies[i % POOL]),
      warm: { method: 'POST', path: '/api/v1/cfssl/sign', body: cf.bodies[0] },
      expect: '"success":true',
    });

    /** CPU ms of the serving process tree and of the load generator, from now until `stop()`. */
    const cpuMeter = (pid) => {
      const start = [cpuMsOf(pid), gen.cpuMs()];
      return { stop: () => [cpuMsOf(pid) - start[0], gen.cpuMs() - start[1]] };
    };
    const cases = [
      {
        key: 'floor',
        label: 'SDK signCsr alone, one thread (the floor)',
        async round(count) {
          const lat = [];
          const start = performance.now();
          for (let i = 0; i < count; i++) lat.push(await floorOnce(i));
          return { rate: (count * 1000) / (performance.now() - start), latencies: lat, errors: 0 };
        },
      },
      ...CONNECTIONS.map((c) => ({
        key: `nodeid${c}`,
        label: `nodeid-server /v1/sign, ${c} connections`,
        async round(count) {
          const from = monotonicUs();
          const cpu = cpuMeter(server.pid);
          const r = await gen.run(nodeidJob(c, take(count)));
          signWindows.push([from, monotonicUs()]);
          signedInWindows += count;
          return {
            cpu: cpu.stop(),
            rate: steadyRate(r, c),
            requests: r.requests,
            latencies: r.latenciesMs,
            errors: r.errors,
            firstError: r.firstError,
          };
        },
      })),
      ...[cfssl, cfsslDb].filter(Boolean).flatMap((cf) =>
        CONNECTIONS.map((c) => ({
          key: `${cf.certdb ? 'cfsslDb' : 'cfssl'}${c}`,
          label: `cfssl serve ${cf.version ?? ''}${cf.certdb ? ' + SQLite certdb' : ''}, ${c} conn.`,
          async round(count) {
            const cpu = cpuMeter(cf.pid);
            const r = await gen.run(cfsslJob(c, count, cf));
            return {
              cpu: cpu.stop(),
              rate: steadyRate(r, c),
              requests: r.requests,
              latencies: r.latenciesMs,
              errors: r.errors,
              firstError: r.firstError,
            };
          },
        })),
      ),
    ];
    log(`nodeid bench: server load, warm-up and ${rounds} rounds of ${perRound} per case\n`);
    for (const c of cases) await c.round(perRound);
    const results = new Map(
      cases.map((c) => [
        c.key,
        {
          rates: [],
          latencies: [],
          errors: 0,
          firstError: undefined,
          cpu: [0, 0],
          requests: 0,
          count: 0,
        },
      ]),
    );
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        const out = await c.round(perRound);
        const acc = results.get(c.key);
        acc.rates.push(out.rate);
        for (const l of out.latencies) acc.latencies.push(l);
        acc.errors += out.errors;
        acc.count += out.requests ?? out.latencies.length;
        if (out.cpu) {
          acc.cpu[0] += out.cpu[0];
          acc.cpu[1] += out.cpu[1];
          acc.requests += out.requests ?? out.latencies.length;
        }
        acc.firstError ??= out.firstError;
      }
      log(`  round ${r + 1}/${rounds} done\n`);
    }
    const stats = new Map();
    for (const c of cases) {
      const acc = results.get(c.key);
      const sortedLat = acc.latencies.sort((a, b) => a - b);
      const sortedRates = [...acc.rates].sort((a, b) => a - b);
      stats.set(c.key, {
        label: c.label,
        rate: median(acc.rates),
        min: sortedRates[0],
        max: sortedRates.at(-1),
        p50: percentile(sortedLat, 50),
        p99: percentile(sortedLat, 99),
        dist: [75, 90, 95, 98, 99, 99.5, 99.9, 100]
          .map((q) => `p${q}=${percentile(sortedLat, q).toFixed(1)}`)
          .join(' '),
        count: acc.count,
        errors: acc.errors,
        firstError: acc.firstError,
        // CPU ms per request: the serving processes (every thread), the load generator
        cpu: acc.requests ? acc.cpu.map((ms) => ms / acc.requests) : undefined,
      });
    }

    // ---- memory: RSS of the server over a longer run ------------------------------------------
    log(
      `nodeid bench: server memory, up to ${memoryTotal.toLocaleString('en-US')} signings at 64 connections\n`,
    );
    const samples = [];
    const sample = () => samples.push({ at: performance.now(), rss: rssOf(server.pid) });
    sample();
    const sampler = setInterval(sample, 1000);
    const chunk = Math.min(memoryTotal, 2000);
    let signed = 0;
    let signingMs = 0;
    let memoryErrors = 0;
    let memoryFirstError;
    t = performance.now();
    while (signed < memoryTotal && performance.now() - t < memoryBudgetMs) {
      const count = Math.min(chunk, memoryTotal - signed);
      const bodies = await createTokens(count);
      const from = monotonicUs();
      const r = await gen.run(nodeidJob(64, bodies));
      signWindows.push([from, monotonicUs()]);
      signedInWindows += count;
      signingMs += r.elapsedMs;
      memoryErrors += r.errors;
      memoryFirstError ??= r.firstError;
      signed += count;
      if (signed % 10_000 < chunk) log(`  ${signed.toLocaleString('en-US')} signed\n`);
    }
    clearInterval(sampler);
    sample();
    await gen.close();
    api.close();

    // ---- report -------------------------------------------------------------------------------
    const floor = stats.get('floor');
    const cpuCell = (s) => (s.cpu ? `${fmt(s.cpu[0], 2)} / ${fmt(s.cpu[1], 2)}` : '').padStart(13);
    const row = (s) =>
      `  ${s.label.padEnd(50)} ${fmt(s.rate).padStart(10)} ${fmt(s.p50, 2).padStart(9)} ${fmt(s.p99, 2).padStart(9)} ${`${fmt(s.rate / floor.rate, 2)}x`.padStart(9)} ${cpuCell(s)}   ${fmt(s.min, 0)}–${fmt(s.max, 0)}, n=${s.count}${s.errors ? `, ${s.errors} FAILED: ${s.firstError}` : ''}`;
    lines.push(
      `  ${'server load (loopback HTTPS, P-256 CSRs)'.padEnd(50)} ${'req/s'.padStart(10)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'vs floor'.padStart(9)} ${'CPU ms/req'.padStart(13)}`,
    );
    for (const s of stats.values()) lines.push(row(s), `      ${s.dist}`);
    if (!cfssl)
      lines.push(
        process.env.BENCH_CFSSL === '0'
          ? '  cfssl: left out (BENCH_CFSSL=0)'
          : '  cfssl: not installed (apt-get install golang-cfssl)',
      );
    lines.push(
      `  (load generator: ${gen.name}; req/s: median round, counted while every connection was busy${useWrk ? ' (wrk: over the whole run)' : ''};`,
      `   p50/p99: every request of the rounds${useWrk ? ", from wrk's 1,000 latency quantiles of each round" : ''};`,
      '   CPU ms/req: user + system time, every thread, of the serving processes / of the load generator;',
      `   the server's SQLite inventory and audit in a temporary folder; tokens made through the admin API at ${fmt(enrollRate, 0)}/s)`,
    );
    const s64 = stats.get('nodeid64');
    const c64 = stats.get('cfssl64');
    const d64 = stats.get('cfsslDb64');
    const meets = (ok) => (ok ? 'meets' : 'misses');
    lines.push(
      '',
      'server targets (same run, 64 connections)',
      `  server / floor   ${fmt(s64.rate / floor.rate, 2)}x   (target >= 0.5x)   ${meets(s64.rate >= 0.5 * floor.rate)}`,
      c64
        ? `  server / cfssl   ${fmt(s64.rate / c64.rate, 2)}x   (target > 1x, ahead of cfssl)   ${meets(s64.rate > c64.rate)}`
        : '  server / cfssl   cfssl not installed',
      `  server p99       ${fmt(s64.p99, 1)} ms   (target < 50 ms)   ${meets(s64.p99 < 50)}`,
      ...(d64
        ? [
            `  server / cfssl + certdb   ${fmt(s64.rate / d64.rate, 2)}x req/s   (target > 1x: both record every certificate)   ${meets(s64.rate > d64.rate)}`,
            `  server p99 / cfssl + certdb p99   ${fmt(s64.p99, 1)} / ${fmt(d64.p99, 1)} ms   (target: no worse)   ${meets(s64.p99 <= d64.p99)}`,
          ]
        : [
            c64
              ? '  cfssl + certdb: no sqlite3 command to create its schema (apt-get install sqlite3)'
              : '',
          ]),
      ...(s64.cpu && c64?.cpu
        ? [
            `  CPU per request   ${fmt(s64.cpu[0], 2)} ms nodeid-server, ${fmt(c64.cpu[0], 2)} ms cfssl without storage${d64?.cpu ? `, ${fmt(d64.cpu[0], 2)} ms cfssl + certdb` : ''}`,
          ]
        : []),
    );
    if (s64.cpu) {
      // what the figures say about the two targets that depend on the whole machine
      const cores = availableParallelism();
      const bound = (s) => (cores * 1000) / (s.cpu[0] + s.cpu[1]);
      lines.push(
        `  p99 < 50 ms at 64 connections needs more than ${fmt(64 / 0.05, 0)} req/s (closed loop: mean latency = 64 / rate);`,
        `  with ${cores} cores shared with the load generator, the CPU per request measured above allows at most`,
        `  ${fmt(bound(s64), 0)} req/s for nodeid-server (${fmt(s64.cpu[0], 2)} + ${fmt(s64.cpu[1], 2)} ms)${c64?.cpu ? ` and ${fmt(bound(c64), 0)} for cfssl (${fmt(c64.cpu[0], 2)} + ${fmt(c64.cpu[1], 2)} ms)` : ''}`,
      );
    }
    const rss = samples.map((x) => x.rss);
    const peak = Math.max(...rss);
    lines.push(
      '',
      `server memory: RSS over ${signed.toLocaleString('en-US')} signings at 64 connections, sampled every second (${samples.length} samples)`,
      `  start ${mb(rss[0])}   after a quarter ${mb(rss[Math.floor(rss.length / 4)])}   peak ${mb(peak)}   end ${mb(rss.at(-1))}   (end / start ${fmt(rss.at(-1) / rss[0], 2)}x)`,
      `  ${fmt((signed * 1000) / signingMs, 1)} signings/s sustained (tokens made between chunks of ${chunk.toLocaleString('en-US')})${memoryErrors ? `; ${memoryErrors} FAILED: ${memoryFirstError}` : ''}`,
      signed < memoryTotal
        ? `  stopped at the time budget of ${fmt(memoryBudgetMs / 1000, 0)} s, ${signed.toLocaleString('en-US')} of ${memoryTotal.toLocaleString('en-US')}; BENCH_SERVER_LONG=1 runs 100,000 without a budget`
        : long
          ? ''
          : '  (BENCH_SERVER_LONG=1 runs 100,000)',
    );

    for (const child of children) await stopProcess(child);
    if (profiling) {
      // every token made was used for one signing (a failure is reported above)
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      // kept for a closer look (e.g. in Chrome DevTools), outside the folder removed below
      const kept = join(tmpdir(), 'nodeid-server-sign.cpuprofile');
      if (file) {
        copyFileSync(join(profDir, file), kept);
        writeFileSync(kept.replace(/cpuprofile$/, 'windows.json'), JSON.stringify(signWindows));
      }
      lines.push(
        '',
        ...(file
          ? [
              ...summarizeProfile(join(profDir, file), {
                signings: signedInWindows,
                windows: signWindows,
              }),
              `  the whole profile: ${kept} (the load windows beside it, .windows.json)`,
            ]
          : ['server CPU profile: none written']),
      );
    }
    return lines;
  } finally {
    for (const child of children) await stopProcess(child).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}
