/**
 * Runs code in the other JavaScript runtimes the SDK supports, for tests: Deno and Bun (their
 * binaries come from the `deno` and `bun` npm packages, devDependencies of this package), and
 * headless Chromium (Debian's `chromium`, driven by playwright-core; never a downloaded browser).
 * Everything here is bounded in time and talks only to 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin');

/** Path of the Deno CLI installed from the `deno` npm package. */
export const denoPath = join(BIN, 'deno');

/** Path of the Bun CLI installed from the `bun` npm package. */
export const bunPath = join(BIN, 'bun');

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`), with no stdin, and collects its output. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Finds the system Chromium: `$CHROMIUM_PATH`, else `chromium` or `chromium-browser` on PATH
 * (Debian's package installs `/usr/bin/chromium`). Throws a message saying how to install it.
 */
export function findChromium(): string {
  const candidates = process.env['CHROMIUM_PATH']
    ? [process.env['CHROMIUM_PATH']]
    : (process.env['PATH'] ?? '')
        .split(delimiter)
        .filter(Boolean)
        .flatMap((dir) => [join(dir, 'chromium'), join(dir, 'chromium-browser')]);
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error(
    'no Chromium found: install it (apt-get install -y chromium) or set CHROMIUM_PATH',
  );
}

/** Flags for a quiet headless Chromium on a machine without network (and running as root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A file served to the page. */
export interface ServedFile {
  body: string | Uint8Array;
  type: string;
}

/**
 * Serves `files` on 127.0.0.1, opens `/index.html` in headless Chromium, and returns the value of
 * the global `resultGlobal` (awaited when it is a promise). Page errors and console errors are
 * added to the thrown error when the page fails to produce a result.
 */
export async function runPageInChromium<T>(options: {
  files: Record<string, ServedFile>;
  resultGlobal: string;
  timeoutMs?: number;
}): Promise<T> {
  const timeout = options.timeoutMs ?? 60_000;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = options.files[path];
    if (!file) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    response.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: CHROMIUM_ARGS,
    timeout,
  });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await page.goto(`http://127.0.0.1:${port}/index.html`, { waitUntil: 'load', timeout });
    page.setDefaultTimeout(timeout);
    await page.waitForFunction((name) => name in globalThis, options.resultGlobal, { timeout });
    return (await page.evaluate(
      (name) => (globalThis as unknown as Record<string, unknown>)[name],
      options.resultGlobal,
    )) as T;
  } catch (error) {
    const detail = problems.length > 0 ? `\n${problems.join('\n')}` : '';
    throw new Error(`${(error as Error).message}${detail}`, { cause: error });
  } finally {
    await browser.close();
    server.close();
  }
}

/** Bundles an ES module and everything it imports into one browser script (esbuild). */
export async function bundleForBrowser(
  entry: string,
  options: { alias?: Record<string, string> } = {},
): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    ...(options.alias ? { alias: options.alias } : {}),
  });
  return result.outputFiles[0]?.text ?? '';
}
