/**
 * Real processes for the end-to-end tests: the built `nodeid-server` and `nodeid` CLI (run
 * `pnpm build` in packages/sdk, packages/store, apps/server and apps/cli first), HTTPS calls
 * verified against the cluster CA, and a register of every process started so `afterAll` can
 * kill exactly those. Loopback only; every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** A TCP port on 127.0.0.1 that nothing listens on (at the time of asking). */
export { freePort } from '@nodeid/testing/free-port';

const here = dirname(fileURLToPath(import.meta.url));
/** The built server entry point. */
export const SERVER = join(here, '..', '..', 'dist', 'main.js');
/** The built CLI entry point. */
export const CLI = join(here, '..', '..', '..', 'cli', 'bin', 'nodeid.cjs');

/** Fails early with a clear message when the builds are missing. */
export function assertBuilt(): void {
  for (const f of [SERVER, CLI])
    if (!existsSync(f))
      throw new Error(`${f} is missing: run pnpm build in apps/server and apps/cli first`);
}

const started = new Set<ChildProcess>();

/** Kills every process this file started that is still running (SIGKILL, by pid). */
export function killStarted(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  started.clear();
}

/** What a CLI run produced. */
export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `nodeid ...args` as a process and waits for it (at most `timeout` ms, default 60 s). */
export function cli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeout?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      started.delete(child);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** A long-running process whose output is collected line by line. */
export class Running {
  readonly stdoutLines: string[] = [];
  stderr = '';
  private waiters: (() => void)[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    started.add(child);
    let partial = '';
    child.stdout!.on('data', (d) => {
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      this.stdoutLines.push(...lines.filter(Boolean));
      this.wake();
    });
    child.stderr!.on('data', (d) => {
      this.stderr += d;
      this.wake();
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        started.delete(child);
        this.wake();
        resolve({ code, signal });
      }),
    );
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `check()` returns something (re-checked on each output), at most `timeoutMs`. */
  async waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (!this.running)
        throw new Error(`the process exited while waiting for ${what}; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; stderr:\n${this.stderr}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a signal and waits for the exit (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000) {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** Starts `nodeid ...args` as a long-running process (e.g. the agent). */
export function spawnCli(args: string[]): Running {
  return new Running(
    spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    }),
  );
}

/** A running nodeid-server. */
export interface ServerProcess extends Running {
  port: number;
  url: string;
}

/** Starts `nodeid-server --ca caDir --listen 127.0.0.1:port` and waits until it listens. */
export async function startServer(options: {
  caDir: string;
  port?: number;
  db?: string;
  args?: string[];
}): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      SERVER,
      '--ca',
      options.caDir,
      '--listen',
      `127.0.0.1:${options.port ?? 0}`,
      ...(options.db ? ['--db', options.db] : []),
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const server = new Running(child) as ServerProcess;
  let port: number;
  try {
    port = await server.waitFor('the server to listen', () => {
      const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(server.stderr);
      return m ? Number(m[1]) : undefined;
    });
  } catch (e) {
    // a server that did not come up (timed out) is not left running behind the failure
    await server.stop('SIGKILL');
    throw e;
  }
  server.port = port;
  server.url = `https://127.0.0.1:${port}`;
  return server;
}

/**
 * Runs `nodeid-server --ca caDir --listen 127.0.0.1:0 ...args` expecting it to refuse to start:
 * waits for its exit (SIGKILL after `timeoutMs`, default 30 s) and answers its exit and stderr.
 */
export async function startRefused(
  caDir: string,
  args: string[] = [],
  timeoutMs = 30_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const running = new Running(
    spawn(process.execPath, [SERVER, '--ca', caDir, '--listen', '127.0.0.1:0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  const exit = await running.exited;
  clearTimeout(timer);
  return { ...exit, stderr: running.stderr };
}

/** The audit events a server printed on stdout. */
export function auditEvents(server: Running): Record<string, unknown>[] {
  return server.stdoutLines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.audit === true);
}

/** An HTTPS response. */
export interface ApiResponse {
  status: number;
  /** Response headers, names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: () => unknown;
}

/** One HTTPS request verified against `ca` (new connection each time; no session reuse). */
export function api(
  url: string,
  path: string,
  options: {
    ca: string;
    method?: string;
    json?: unknown;
    admin?: string;
    cert?: string;
    key?: string;
    /** Source address on loopback (127.0.0.x), so rate limits count clients apart. */
    localAddress?: string;
    /** Extra request headers. */
    headers?: Record<string, string>;
    /** A raw body, sent as is (instead of `json`). */
    body?: string;
    timeoutMs?: number;
  },
): Promise<ApiResponse> {
  const u = new URL(url);
  const body =
    options.body !== undefined
      ? Buffer.from(options.body)
      : options.json === undefined
        ? undefined
        : Buffer.from(JSON.stringify(options.json));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: u.hostname,
        port: u.port,
        path,
        method: options.method ?? (body ? 'POST' : 'GET'),
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        localAddress: options.localAddress,
        agent: false,
        headers: {
          ...(options.json !== undefined && { 'content-type': 'application/json' }),
          ...(options.admin && { authorization: `Bearer ${options.admin}` }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          const text = buf.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: buf,
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * nodeid-server on the CA folder `caDir()` for the tests of the `describe` block this is called
 * in: started before them (with `args`), stopped after. The handle's `server` and `admin` (the
 * folder's admin token) are set once it runs.
 */
export function serverForBlock(
  caDir: () => string,
  args: string[] = [],
): { server: ServerProcess; admin: string } {
  const handle = {} as { server: ServerProcess; admin: string };
  beforeAll(async () => {
    handle.server = await startServer({ caDir: caDir(), args });
    handle.admin = adminToken(caDir());
  });
  afterAll(() => handle.server?.stop());
  return handle;
}

/** The admin token a server created in its CA folder. */
export function adminToken(caDir: string): string {
  return readFileSync(join(caDir, 'admin.token'), 'utf8').trim().split('\n')[0]!;
}

/** A CA folder for `cluster` made by `nodeid ca init --no-passphrase` in a new temporary folder. */
export async function initCaFolder(
  prefix: string,
  cluster: string,
): Promise<{ work: string; caDir: string; caPem: string }> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const caDir = join(work, 'ca');
  const init = await cli(['ca', 'init', cluster, '--no-passphrase', '--dir', caDir]);
  if (init.status !== 0) throw new Error(`nodeid ca init failed: ${init.stderr}`);
  return { work, caDir, caPem: readFileSync(join(caDir, 'ca.crt'), 'utf8') };
}

/** A CA folder made by `nodeid ca init` and a nodeid-server serving it on loopback. */
export interface CaServer {
  /** The temporary folder everything is made in; {@link stopAll} removes it. */
  work: string;
  caDir: string;
  /** The CA certificate (PEM), to verify the server's HTTPS with. */
  caPem: string;
  /** The admin token the server created in the CA folder. */
  admin: string;
  server: ServerProcess;
}

/**
 * The set-up of the end-to-end tests: a CA folder for `cluster` in a new temporary folder
 * (named with `prefix`), nodeid-server started on it on a free loopback port (`server` gives
 * `--db`, extra flags and a port), and the admin token it made. Checks the builds first.
 * `prepare`, when given, runs on the new folder before the server starts (e.g. `nodeid ca
 * set-crl-url`); its failure fails the set-up.
 */
export async function startCaServer(
  prefix: string,
  cluster: string,
  server: { port?: number; db?: string; args?: string[] } = {},
  prepare?: (folder: { work: string; caDir: string }) => Promise<void>,
): Promise<CaServer> {
  assertBuilt();
  const { work, caDir, caPem } = await initCaFolder(prefix, cluster);
  await prepare?.({ work, caDir });
  const started = await startServer({ caDir, ...server });
  return { work, caDir, caPem, admin: adminToken(caDir), server: started };
}

/** The tear-down: kills every process started here and removes the temporary folder. */
export function stopAll(work: string | undefined): void {
  killStarted();
  if (work) rmSync(work, { recursive: true, force: true });
}

/** A running server and the CA folder it serves (its `admin.token` and `ca.crt` are used). */
export interface EnrollTarget {
  url: string;
  caDir: string;
  /** The CA file the admin's CLI trusts the server with, when not the folder's `ca.crt`. */
  caFile?: string;
}

/** What `nodeid token create --format json` prints. */
export interface CreatedToken {
  token: string;
  id: string;
  caFingerprint: string;
  expiresAt: string;
}

/** Fails with the command's output unless it exited 0 with nothing on stderr. */
function assertClean(r: RunResult, what: string): void {
  if (r.status !== 0 || r.stderr !== '')
    throw new Error(`${what}: exit ${r.status ?? r.signal}, stderr:\n${r.stderr}`);
}

/** `--server`, `--admin-token-file` and `--ca-file` of `nodeid token create` for `at`. */
export function tokenAdminArgs(at: EnrollTarget): string[] {
  return [
    '--server',
    at.url,
    '--admin-token-file',
    join(at.caDir, 'admin.token'),
    '--ca-file',
    at.caFile ?? join(at.caDir, 'ca.crt'),
  ];
}

/** Runs `nodeid token create name ...extra --format json` as the admin; fails unless it exits 0 with an empty stderr. */
export async function createToken(
  at: EnrollTarget,
  name: string,
  extra: string[] = [],
): Promise<CreatedToken> {
  const r = await cli([
    'token',
    'create',
    name,
    ...tokenAdminArgs(at),
    '--format',
    'json',
    ...extra,
  ]);
  assertClean(r, `nodeid token create ${name}`);
  return JSON.parse(r.stdout) as CreatedToken;
}

/** The arguments of `nodeid enroll` with a token and the CA fingerprint it pins (text output unless `json`). */
export function enrollArgs(o: {
  url: string;
  token: string;
  fingerprint: string;
  name: string;
  out: string;
  json?: boolean;
}): string[] {
  return [
    'enroll',
    '--server',
    o.url,
    '--token',
    o.token,
    '--fingerprint',
    o.fingerprint,
    '--name',
    o.name,
    '--out',
    o.out,
    ...(o.json ? ['--format', 'json'] : []),
  ];
}

/** `nodeid agent --server url --cert --key --ca` for a node's files (add `--once`, `--format` ...). */
export function agentArgs(url: string, node: { cert: string; key: string; ca: string }): string[] {
  return ['agent', '--server', url, '--cert', node.cert, '--key', node.key, '--ca', node.ca];
}

/** A node's files after `nodeid enroll`, and what the enrollment reported. */
export interface EnrolledNode {
  name: string;
  dir: string;
  cert: string;
  key: string;
  ca: string;
  serialNumber: string;
  granted: string[];
  denied: { name: string; reason: string }[];
}

/** A node's name and the files the agent works on (its certificate, key and CA bundle). */
export type NodeFiles = Pick<EnrolledNode, 'name' | 'cert' | 'key' | 'ca'>;

/**
 * Enrolls `name` as a node does: `nodeid token create` as the admin, then `nodeid enroll
 * --format json` into `out` with the token and the pinned fingerprint (`tokenExtra` and
 * `enrollExtra` are added to each); fails unless both exit 0 with an empty stderr.
 */
export async function enrollNode(
  at: EnrollTarget,
  name: string,
  out: string,
  options: { tokenExtra?: string[]; enrollExtra?: string[] } = {},
): Promise<EnrolledNode> {
  const { token, caFingerprint } = await createToken(at, name, options.tokenExtra);
  const r = await cli([
    ...enrollArgs({ url: at.url, token, fingerprint: caFingerprint, name, out, json: true }),
    ...(options.enrollExtra ?? []),
  ]);
  assertClean(r, `nodeid enroll ${name}`);
  const printed = JSON.parse(r.stdout) as Pick<EnrolledNode, 'serialNumber' | 'granted' | 'denied'>;
  return {
    name,
    dir: out,
    cert: join(out, `${name}.crt`),
    key: join(out, `${name}.key`),
    ca: join(out, 'ca.crt'),
    serialNumber: printed.serialNumber,
    granted: printed.granted,
    denied: printed.denied,
  };
}
