/**
 * The admin views (issue 15) in Debian's Chromium against a real nodeid-server serving this
 * build, with an inventory of 2,000 node certificates issued by the CLI (`nodeid cert issue
 * --from-file`) and three that expire in ten days. Signs in with the admin token; finds a node
 * by name and revokes it, then reads the CRL the server serves with the SDK; creates a token and
 * enrolls a node by running the exact command the page shows; cancels a token; sees the expiring
 * certificates in the overview and the chart; filters the audit trail. Every request the page
 * makes is recorded: the admin token appears only in `Authorization` headers to the API, never
 * in a URL, a body or another header, and nothing is kept in any storage. Screenshots of each
 * view, light and dark, desktop and phone, go to apps/web/.artifacts/.
 *
 * Time: the work folder (2,000 bundles, about 6,000 files) goes on a RAM file system when there
 * is one (/dev/shm): on a loaded shared disk, writing them took 16-23 s and removing them 27 s,
 * which the inventory this test is about does not need (the bulk tests in apps/cli prove the
 * durable writes). Chromium starts while the CLI issues; the screenshots switch colour scheme
 * and width four times, not twenty.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCertificate, parseCrl } from '@nodeid/sdk';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, distDir, launchBrowser } from './page-harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, '..', '..', 'server', 'dist', 'main.js');
const CLI = join(here, '..', '..', 'cli', 'dist', 'cli.js');
const NODES = 2000;

const started = new Set<ChildProcess>();
let work: string;
let caDir: string;
let server: { child: ChildProcess; url: string; stderr: string };
let adminToken: string;
let browser: Browser | undefined;
let launching: Promise<Browser> | undefined;

/** Runs `nodeid ...args`; resolves with its exit status and output. */
function cli(args: string[], cwd?: string) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
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
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      started.delete(child);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Starts nodeid-server on a free loopback port over the CA folder; resolves once it listens. */
function startServer(): Promise<typeof server> {
  const child = spawn(process.execPath, [SERVER, '--ca', caDir, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const s = { child, url: '', stderr: '' };
  child.stdout!.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${s.stderr}`)), 30_000);
    child.stderr!.on('data', (d) => {
      s.stderr += d;
      const m = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(s.stderr);
      if (m && !s.url) {
        s.url = m[1]!;
        clearTimeout(timer);
        resolve(s);
      }
    });
    child.on('exit', () => reject(new Error(`server exited:\n${s.stderr}`)));
  });
}

/** GET over HTTPS from Node, trusting the cluster CA only. */
function fetchFromServer(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${server.url}${path}`,
      { ca: readFileSync(join(caDir, 'ca.crt')) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Every request a context made: url, method, headers, body. */
interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

async function openAdmin(
  options: { colorScheme?: 'light' | 'dark'; phone?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; seen: Seen[]; problems: string[] }> {
  const context = await browser!.newContext({
    // the server's TLS certificate is issued by the test's own cluster CA
    ignoreHTTPSErrors: true,
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.phone ? { width: 375, height: 740 } : { width: 1200, height: 900 },
    ...(options.phone ? { isMobile: true, hasTouch: true } : {}),
  });
  const seen: Seen[] = [];
  context.on('request', (r) =>
    seen.push({ url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() ?? '' }),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // a refused sign-in is a 401 the browser logs; everything else is a problem
    if (m.type() === 'error' && !/status of 40[13]|status of 429/.test(m.text()))
      problems.push(`console error: ${m.text()}`);
  });
  await page.goto(`${server.url}/#admin`, { waitUntil: 'load' });
  await page.waitForSelector('html[data-admin="ready"]');
  return { context, page, seen, problems };
}

async function signIn(page: Page, token = adminToken): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Where the work folder goes: /dev/shm when it is a writable RAM file system with room for the
 * inventory and its bundles (1 GB free), else the system's temporary folder.
 */
function workRoot(): string {
  try {
    const fs = statfsSync('/dev/shm');
    accessSync('/dev/shm', constants.W_OK);
    if (fs.bavail * fs.bsize >= 2 ** 30) return '/dev/shm';
  } catch {
    // no /dev/shm (or not writable): the temporary folder
  }
  return tmpdir();
}

const tab = (page: Page, name: string) => page.getByRole('tab', { name });

/** What the screen shows (the viewport, not the whole page: a quarter of the time), in .artifacts/. */
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, `${name}.png`) });
}

beforeAll(async () => {
  for (const f of [SERVER, CLI, join(distDir, 'index.html')])
    if (!existsSync(f))
      throw new Error(`${f} is missing: build apps/server, apps/cli and apps/web`);
  work = mkdtempSync(join(workRoot(), 'nodeid-web-admin-'));
  // Chromium starts while the CLI makes the inventory
  launching = launchBrowser();
  launching.catch(() => {}); // awaited below; a failure there is reported once
  caDir = join(work, 'ca');
  const init = await cli(['ca', 'init', 'admin.cluster', '--no-passphrase', '--dir', caDir]);
  expect(init.status, init.stderr).toBe(0);
  const lines = Array.from(
    { length: NODES },
    (_, i) =>
      `node${String(i).padStart(4, '0')}.example.net 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`,
  );
  writeFileSync(join(work, 'nodes.txt'), `${lines.join('\n')}\n`);
  const bulk = await cli(
    // Ed25519: the quickest keys to make; the inventory is what this test is about
    [
      'cert',
      'issue',
      '--from-file',
      'nodes.txt',
      '--out',
      'certs',
      '--algorithm',
      'Ed25519',
      // inside the chart's year
      '--days',
      '200',
      '--dir',
      caDir,
      '--quiet',
    ],
    work,
  );
  expect(bulk.status, bulk.stderr).toBe(0);
  // three names in one process (no worker threads for three certificates)
  const soon = await cli(
    [
      'cert',
      'issue',
      ...['soon1.example.net', 'soon2.example.net', 'soon3.example.net'],
      '--out',
      'soon',
      '--days',
      '10',
      '--dir',
      caDir,
    ],
    work,
  );
  expect(soon.status, soon.stderr).toBe(0);
  server = await startServer();
  adminToken = readFileSync(join(caDir, 'admin.token'), 'utf8').trim().split('\n')[0]!.trim();
  browser = await launching;
});

afterAll(async () => {
  // the browser also when beforeAll failed before it was awaited
  await (browser ?? (await launching?.catch(() => undefined)))?.close();
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
});

describe('admin views against a real nodeid-server', () => {
  it('signs in, finds and revokes a node (the served CRL lists it), creates and cancels tokens, enrolls with the shown command, filters the audit; the token stays out of URLs, bodies and storage', async () => {
    const { context, page, seen, problems } = await openAdmin();

    // a wrong token: the server's message, and nothing shown
    await signIn(page, 'not-the-admin-token-0123456789abcdef');
    await expect
      .poll(() => page.locator('#signin-status').textContent())
      .toContain('this call needs an admin token');
    expect(await page.locator('#admin-app').isHidden()).toBe(true);
    await expect
      .poll(() => page.locator('#signin-token').getAttribute('aria-invalid'))
      .toBe('true');
    // a malformed one is caught in the page, before anything is sent
    const before = seen.length;
    await signIn(page, 'has spaces in it');
    await expect
      .poll(() => page.locator('#signin-status').textContent())
      .toContain('not an admin token');
    expect(seen.length).toBe(before);

    // overview: counts, the three certificates that expire in ten days, the chart
    await signIn(page);
    await page.locator('#view-overview').waitFor();
    await expect.poll(() => page.locator('[data-count="expiring"] dd').textContent()).toBe('3');
    // the nodes and the server's own TLS certificate, which it records when it makes it
    expect(await page.locator('[data-count="valid"] dd').textContent()).toBe(String(NODES + 1));
    expect(await page.locator('#signin-token').inputValue()).toBe('');
    const next = await page.locator('#overview-next tbody tr').allTextContents();
    expect(next).toHaveLength(10);
    expect(next.slice(0, 3).every((r) => /soon\d\.example\.net/.test(r))).toBe(true);
    expect(next[0]).toContain('tls-cert-will-soon-expire');
    expect(await page.locator('#overview-ca').textContent()).toContain('CN=admin.cluster');
    // a fresh 7-day CRL (6 whole days left once a moment passed): the SDK's crlExpiryStatus says
    // valid, so no crl-* alert
    expect(await page.locator('#overview-crl').textContent()).toMatch(
      /^next update .+ \([67] days left\), CRL number \d+, \d+ revoked ok$/,
    );
    expect(await page.locator('#overview-root-crl-box').isHidden()).toBe(true);
    // ten days from now falls in week 1, the bulk (200 days) in week 28
    const soonBar = page.locator('#overview-chart rect[data-week="1"]');
    expect(await soonBar.getAttribute('data-count')).toBe('3');
    expect(Number(await soonBar.getAttribute('height'))).toBeGreaterThan(0);
    expect(
      await page.locator('#overview-chart rect[data-week="28"]').getAttribute('data-count'),
    ).toBe(String(NODES));
    expect(await page.locator('#overview-chart svg').getAttribute('role')).toBe('img');

    // certificates: find a node by name, look at it, revoke it with a reason, confirmed
    await tab(page, 'Certificates').click();
    await expect.poll(() => page.locator('#certs-page').textContent()).toBe(`1–25 of ${NODES + 4}`);
    await page.locator('#certs-q').fill('node0042.example');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('#certs-page').textContent()).toBe('1–1 of 1');
    const found = page.locator('#certs-table tbody tr');
    expect(await found.textContent()).toContain('node0042.example.net');
    const serial = (await found.locator('td').nth(1).textContent())!;
    await found.getByRole('button', { name: /Details/ }).click();
    await expect
      .poll(() => page.locator('#cert-detail-text').textContent())
      .toContain('node0042.example.net');
    await page.getByLabel('Revocation reason').selectOption('keyCompromise');
    await page.getByRole('button', { name: 'Revoke…' }).click();
    // asked first: nothing is revoked until confirmed
    await page.getByRole('alertdialog').waitFor();
    expect((await context.request.get(`${server.url}/v1/crl?format=pem`)).ok()).toBe(true);
    await page.getByRole('button', { name: 'Revoke it' }).click();
    await expect
      .poll(() => page.locator('#revoke-status').textContent())
      .toContain(`Revoked ${serial}`);
    const crl = parseCrl(new Uint8Array(await fetchFromServer('/v1/crl')));
    expect(crl.entries.map((e) => e.serialNumber)).toContain(serial);
    expect(crl.entries.find((e) => e.serialNumber === serial)?.reason).toBe('keyCompromise');
    await page.locator('#certs-status').selectOption('revoked');
    await page.locator('#certs-q').fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('#certs-page').textContent()).toBe('1–1 of 1');

    // tokens: create one, run the command the page shows, and the node is enrolled
    await tab(page, 'Enrollment tokens').click();
    await page.locator('#token-name').fill('newnode.example.net');
    await page.locator('#token-extra').fill('10.9.0.1 newnode-ib.example.net');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#token-created').waitFor();
    const token = await page.locator('#token-value').inputValue();
    const command = await page.locator('#token-command').inputValue();
    expect(token).toMatch(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(command).toContain(`--token ${token}`);
    expect(command).toContain('--ip 10.9.0.1');
    expect(command).toContain('--dns newnode-ib.example.net');
    // no word needs quoting: the command splits on spaces as a shell would
    expect(command).not.toMatch(/['"\\$`]/);
    const [program, ...args] = command.split(' ');
    expect(program).toBe('nodeid');
    const enrolled = await cli(args, work);
    expect(enrolled.status, enrolled.stderr).toBe(0);
    const issued = parseCertificate(
      readFileSync(join(work, 'newnode.example.net', 'newnode.example.net.crt'), 'utf8'),
    );
    expect(issued.subjectAltNames?.map((n) => n.value).sort()).toEqual(
      ['10.9.0.1', 'newnode', 'newnode-ib.example.net', 'newnode.example.net'].sort(),
    );
    // the token worked once: it is no longer pending
    await tab(page, 'Overview').click();
    await tab(page, 'Enrollment tokens').click();
    await expect
      .poll(() => page.locator('#tokens-status').textContent())
      .toContain('No pending token');

    // an ACME token, offered because the server's OpenAPI document has "acme": its EAB is shown
    expect(await page.locator('#token-acme-field').isVisible()).toBe(true);
    await page.locator('#token-name').fill('acmenode.example.net');
    await page.getByLabel(/ACME account/).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.locator('#token-eab').isVisible()).toBe(true);
    const kid = await page.locator('#token-eab-kid').inputValue();
    const hmac = await page.locator('#token-eab-hmac').inputValue();
    expect((await page.locator('#token-value').inputValue()).startsWith(`${kid}.`)).toBe(true);
    expect(hmac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('#token-certbot').inputValue()).toBe(
      `certbot certonly --standalone --server ${server.url}/acme/directory --eab-kid ${kid} --eab-hmac-key ${hmac} -d acmenode.example.net`,
    );
    const directory = await context.request.get(`${server.url}/acme/directory`);
    expect(((await directory.json()) as { newAccount?: string }).newAccount).toContain('/acme/');
    await page.getByRole('button', { name: 'Cancel the token for acmenode.example.net' }).click();
    await expect
      .poll(() => page.locator('#tokens-status').textContent())
      .toContain('Cancelled the token for acmenode.example.net');

    // a second token, cancelled from the list
    await page.locator('#token-name').fill('cancelme.example.net');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('button', { name: 'Cancel the token for cancelme.example.net' }).click();
    await expect
      .poll(() => page.locator('#tokens-status').textContent())
      .toContain('Cancelled the token for cancelme.example.net');
    const listed = await context.request.get(`${server.url}/v1/enrollments`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const cancelled = ((await listed.json()) as { name: string; status: string }[]).find(
      (t) => t.name === 'cancelme.example.net',
    );
    expect(cancelled?.status).toBe('cancelled');

    // cluster health: the server checks the node of its own certificate (itself, on its port)
    await tab(page, 'Cluster health').click();
    await page.getByLabel('TLS port of the nodes').fill(new URL(server.url).port);
    await page.getByLabel('Only nodes matching').fill('localhost');
    await page.getByRole('button', { name: 'Check the fleet' }).click();
    await expect
      .poll(() => page.locator('#fleet-status').textContent())
      .toContain('1 node(s) checked');
    const fleetLine = (await page.locator('#fleet-table tbody tr').textContent()) ?? '';
    expect(fleetLine).toContain('127.0.0.1');

    // audit, filtered by event
    await tab(page, 'Audit').click();
    await page.getByLabel('Event').selectOption('certificate.revoke');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect
      .poll(() => page.locator('#audit-status').textContent())
      .toContain('1 line(s) of certificate.revoke');
    expect(await page.locator('#audit-table tbody').textContent()).toContain(serial);

    // the token: in Authorization headers to the API only
    const origin = new URL(server.url).origin;
    const withToken = seen.filter((r) => JSON.stringify(r).includes(adminToken));
    expect(withToken.length).toBeGreaterThan(5);
    for (const r of seen) {
      expect(new URL(r.url).origin, r.url).toBe(origin);
      expect(r.url).not.toContain(adminToken);
      expect(r.body).not.toContain(adminToken);
      for (const [name, value] of Object.entries(r.headers))
        if (name !== 'authorization') expect(value, name).not.toContain(adminToken);
      if (r.headers['authorization'] !== undefined) {
        expect(new URL(r.url).pathname).toMatch(/^\/v1\//);
        // the wrong token of the first attempt, or the admin token
        expect(r.headers['authorization']).toMatch(/^Bearer \S+$/);
      }
    }
    expect(withToken.every((r) => r.headers['authorization'] === `Bearer ${adminToken}`)).toBe(
      true,
    );
    // nothing stored anywhere
    const stored = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      databases: (await indexedDB.databases()).length,
    }));
    expect(stored).toEqual({ local: 0, session: 0, cookie: '', databases: 0 });
    expect(await context.cookies()).toEqual([]);
    expect(page.url()).not.toContain(adminToken);

    // sign out: the views are gone and the next call would need the token again
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.locator('#admin-app').isHidden()).toBe(true);
    expect(await page.locator('#signin-status').textContent()).toContain('forgotten');
    // a reload forgets it as well: the sign-in form again
    await signIn(page);
    await page.locator('#view-overview').waitFor();
    await page.reload();
    await page.waitForSelector('html[data-admin="ready"]');
    expect(await page.locator('#signin-form').isVisible()).toBe(true);
    expect(await page.locator('#admin-app').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('screenshots of each view, light and dark, desktop and phone', async () => {
    // one signed-in page, its colour scheme and width switched: no sign-in per combination
    const { context, page, problems } = await openAdmin();
    await screenshot(page, 'admin-signin-light-desktop');
    await signIn(page);
    await expect.poll(() => page.locator('[data-count="expiring"] dd').textContent()).toBe('3');
    // the tabs by keyboard (WAI-ARIA tabs pattern): focus follows, the panel shows
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('tab-overview');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-certificates');
    expect(await tab(page, 'Certificates').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#view-certificates').isVisible()).toBe(true);
    await page.keyboard.press('End');
    expect(await tab(page, 'Audit').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Home');
    expect(await tab(page, 'Overview').getAttribute('aria-selected')).toBe('true');
    const views = [
      ['Overview', 'overview', '#overview-chart svg'],
      ['Certificates', 'certificates', '#certs-table tbody tr'],
      ['Enrollment tokens', 'tokens', '#tokens-status:not(:empty)'],
      ['Cluster health', 'fleet', '#fleet-form'],
      ['Audit', 'audit', '#audit-table tbody tr'],
    ] as const;
    // each colour scheme and width once, then every view in it
    for (const colorScheme of ['light', 'dark'] as const)
      for (const phone of [false, true]) {
        await page.emulateMedia({ colorScheme });
        await page.setViewportSize(
          phone ? { width: 375, height: 740 } : { width: 1200, height: 900 },
        );
        for (const [name, view, ready] of views) {
          await tab(page, name).click();
          await page.locator(ready).first().waitFor();
          // on a phone the view itself, not the header above it
          await page
            .locator(`#view-${view}`)
            .evaluate((el, top) => (top ? window.scrollTo(0, 0) : el.scrollIntoView()), !phone);
          await screenshot(page, `admin-${view}-${colorScheme}-${phone ? 'phone' : 'desktop'}`);
          // nothing wider than the screen on a phone
          if (phone)
            expect(
              await page.evaluate(() => document.documentElement.scrollWidth),
              view,
            ).toBeLessThanOrEqual(375);
        }
      }
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows the server's throttling message after repeated failed sign-ins", async () => {
    const { context, page } = await openAdmin();
    for (let i = 0; i < 11; i++) {
      await signIn(page, `wrong-token-${i}-0123456789abcdef0123456789`);
      await expect
        .poll(() => page.locator('#signin-status').textContent())
        .toMatch(/Not signed in/);
    }
    await expect
      .poll(() => page.locator('#signin-status').textContent())
      .toContain('too many failed admin attempts from this address; retry in');
    await context.close();
  });
});
