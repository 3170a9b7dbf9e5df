/**
 * Test harness for the built page: a tiny static server on 127.0.0.1 for `dist/` (with an
 * optional API handler on the same origin, as nodeid-server serves both), Debian's Chromium
 * driven by playwright-core, downloads saved to a temp folder, screenshots in `.artifacts/`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, findChromium } from '@nodeid/testing/runtimes';
import type { Browser, BrowserContext, Download, Locator, Page } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = join(root, 'dist');
export const artifactsDir = join(root, '.artifacts');

/** The headers README.md asks a server to send with the page. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Handles an API request; returns false to let the static files answer. */
export type ApiHandler = (
  request: IncomingMessage,
  body: Buffer,
  response: ServerResponse,
) => boolean | Promise<boolean>;

/** A request that reached the test server. */
export interface ServedRequest {
  method: string;
  url: string;
  body: string;
}

export interface PageServer {
  url: string;
  requests: ServedRequest[];
  close(): Promise<void>;
}

/** Serves dist/ (and `api`, if given) on 127.0.0.1 on a free port. */
export async function servePage(api?: ApiHandler): Promise<PageServer> {
  if (!existsSync(join(distDir, 'index.html')))
    throw new Error('apps/web/dist is missing: run `pnpm --filter @nodeid/web build` first');
  const requests: ServedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', async () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        body: body.toString('latin1'),
      });
      try {
        if (api && (await api(request, body, response))) return;
        const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
        const file = normalize(join(distDir, path === '/' ? 'index.html' : path));
        if (!file.startsWith(distDir) || !existsSync(file) || request.method !== 'GET') {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          return;
        }
        response.writeHead(200, {
          ...PAGE_HEADERS,
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        });
        response.end(readFileSync(file));
      } catch (error) {
        response.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Chromium from Debian, headless, quiet, as root. */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: findChromium(),
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/** A page that fails the test on a page error or a console error (a CSP violation is one). */
export async function openPage(
  browser: Browser,
  url: string,
  options: { colorScheme?: 'light' | 'dark'; phone?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    acceptDownloads: true,
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.phone ? { width: 375, height: 740 } : { width: 1200, height: 900 },
    deviceScaleFactor: 1,
    ...(options.phone ? { isMobile: true, hasTouch: true } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-ready="true"]');
  return { context, page, problems };
}

/** A new temp folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `nodeid-web-${prefix}-`));
}

/** Clicks `link` and saves the download under its suggested name in `dir`; returns the path. */
export async function download(page: Page, link: Locator, dir: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = join(dir, (file as Download).suggestedFilename());
  await (file as Download).saveAs(path);
  return path;
}

/** Saves every file offered in `container` (its a[download] links); returns name -> path. */
export async function downloadAll(
  page: Page,
  container: Locator,
  dir: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const links = container.locator('a[download]');
  await links.first().waitFor();
  const count = await links.count();
  for (let i = 0; i < count; i++) {
    const path = await download(page, links.nth(i), dir);
    out[path.slice(dir.length + 1)] = path;
  }
  return out;
}

/** A full-page screenshot kept in apps/web/.artifacts/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs openssl and returns its stdout (throws with stderr when it fails). */
export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, {
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `openssl verify -CAfile ca [-untrusted chain] cert` succeeded. */
export function opensslVerifies(caFile: string, certFile: string, untrusted?: string): string {
  return openssl([
    'verify',
    '-CAfile',
    caFile,
    ...(untrusted ? ['-untrusted', untrusted] : []),
    certFile,
  ]).trim();
}

/** The public key of a certificate and of a private key file, as openssl prints them. */
export function publicKeys(certFile: string, keyFile: string, passphrase?: string) {
  return {
    fromCertificate: openssl(['x509', '-in', certFile, '-noout', '-pubkey']),
    fromKey: openssl([
      'pkey',
      '-in',
      keyFile,
      '-pubout',
      ...(passphrase ? ['-passin', `pass:${passphrase}`] : []),
    ]),
  };
}
