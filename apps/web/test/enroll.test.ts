/**
 * Enrollment end to end: the page generates the key, sends only the CSR, shows granted and
 * denied names and offers the files. Every request the page makes is recorded (URL and body),
 * and the test fails if any carries private-key material: a `PRIVATE KEY` PEM, a JWK `"d"`, or
 * the PKCS#8 DER of the generated key (taken back from the downloaded key file) in binary,
 * base64, base64url or hex. openssl verifies the downloaded certificate against the CA and
 * checks that it matches the downloaded key.
 *
 * By default the server is a stub in this file that signs the CSR with the SDK's signCsr, on the
 * same origin as the page (as nodeid-server serves it). Set NODEID_WEB_SERVER (the URL of a
 * running nodeid-server that serves this build at `/`) and NODEID_WEB_ADMIN_TOKEN to run the
 * same test against the real server; it then creates its enrollment through the admin API.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCa, type Identity, NodeIdError, signCsr } from '@nodeid/sdk';
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiHandler,
  downloadAll,
  launchBrowser,
  openPage,
  opensslVerifies,
  type PageServer,
  publicKeys,
  screenshot,
  servePage,
  tempDir,
} from './page-harness.js';

const NAME = 'node1.example.net';

/** Where the page and the API are, how to get a token, and the CA's PEM. */
interface Target {
  url: string;
  token(): Promise<string>;
  caPem(): Promise<string>;
  /** Bodies the server received (stub only). */
  received?: string[];
  close(): Promise<void>;
}

/** The stub: POST /v1/sign signs with signCsr under a policy, GET /v1/ca answers PEM or JSON. */
async function stubTarget(): Promise<Target> {
  const ca: Identity = await createCa({ clusterName: 'enroll.cluster', organization: 'Example' });
  const tokens = new Map([
    ['0123456789abcdef.s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s', 'unused'],
  ]);
  const received: string[] = [];
  const json = (response: import('node:http').ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  };
  const api: ApiHandler = async (request, body, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/v1/ca' && request.method === 'GET') {
      if (url.searchParams.get('format') !== 'json') {
        response.writeHead(200, { 'content-type': 'application/x-pem-file' });
        response.end(ca.certificate.pem);
        return true;
      }
      const x = new X509Certificate(ca.certificate.pem);
      return json(response, 200, {
        pem: ca.certificate.pem,
        fingerprintSha256: x.fingerprint256,
        subject: ca.certificate.subject.text,
        notAfter: ca.certificate.notAfter.toISOString(),
      });
    }
    if (url.pathname !== '/v1/sign') return false;
    received.push(body.toString('latin1'));
    if (request.method !== 'POST')
      return json(response, 405, { code: 'ERR_METHOD', message: 'use POST' });
    let parsed: { csr?: unknown; token?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return json(response, 400, { code: 'ERR_BAD_REQUEST', message: 'the body is not JSON' });
    }
    if (typeof parsed.token !== 'string' || tokens.get(parsed.token) !== 'unused')
      return json(response, 401, {
        code: 'ERR_TOKEN_INVALID',
        message: 'the enrollment token is unknown, used, expired or cancelled',
      });
    try {
      const signed = await signCsr({
        csr: String(parsed.csr),
        ca,
        policy: { dns: ['.example.net'], ips: ['10.0.0.0/8'], maxDays: 90 },
      });
      tokens.set(parsed.token, 'used');
      return json(response, 200, {
        certificate: signed.certificate.pem,
        chain: signed.chain.map((c) => c.pem),
        granted: signed.granted,
        denied: signed.denied,
        serialNumber: signed.certificate.serialNumber,
        notAfter: signed.certificate.notAfter.toISOString(),
      });
    } catch (e) {
      if (!NodeIdError.isInstance(e)) throw e;
      return json(response, e.code === 'ERR_POLICY_DENIED' ? 403 : 400, e.toJSON());
    }
  };
  const server: PageServer = await servePage(api);
  return {
    url: server.url,
    token: async () => '0123456789abcdef.s3cret-s3cret-s3cret-s3cret-s3cret-s3cret-s',
    caPem: async () => ca.certificate.pem,
    received,
    close: () => server.close(),
  };
}

/** A running nodeid-server: the enrollment is made with the admin token. */
function realTarget(url: string, adminToken: string): Target {
  const base = url.replace(/\/+$/, '');
  return {
    url: base,
    async token() {
      const response = await fetch(`${base}/v1/enrollments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: NAME, profile: 'node', dns: [], ips: ['10.0.0.7'] }),
      });
      if (response.status !== 201)
        throw new Error(`POST /v1/enrollments: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    },
    async caPem() {
      return (await fetch(`${base}/v1/ca`)).text();
    },
    close: async () => {},
  };
}

/** What a request carries: its URL, headers and body. */
interface Sent {
  url: string;
  headers: string;
  body: Buffer;
}

let target: Target;
let browser: Browser;

const APPS = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The real thing: a CA folder made by the built `nodeid` CLI and the built `nodeid-server`
 * serving this page's build at `/` (plain HTTP on loopback, as the server allows only there).
 */
async function spawnedServerTarget(): Promise<Target> {
  const caDir = join(tempDir('real-server'), 'ca');
  execFileSync(
    process.execPath,
    [
      join(APPS, 'cli', 'dist', 'cli.js'),
      'ca',
      'init',
      'web.cluster',
      '--no-passphrase',
      '--dir',
      caDir,
    ],
    { stdio: 'pipe' },
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(APPS, 'server', 'dist', 'main.js'),
      '--ca',
      caDir,
      '--listen',
      '127.0.0.1:0',
      '--plain-http',
      '--web',
      join(APPS, 'web', 'dist'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`nodeid-server did not start: ${err}`)),
      20_000,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`nodeid-server exited with ${code}: ${err}`)));
  });
  const adminToken = readFileSync(join(caDir, 'admin.token'), 'utf8').trim();
  return { ...realTarget(url, adminToken), close: async () => void child.kill('SIGTERM') };
}

const external = process.env['NODEID_WEB_SERVER'];
const targets: [string, () => Promise<Target>][] = external
  ? [[external, async () => realTarget(external, process.env['NODEID_WEB_ADMIN_TOKEN'] ?? '')]]
  : [
      ['a stub signer', stubTarget],
      ['the real nodeid-server', spawnedServerTarget],
    ];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

for (const [label, makeTarget] of targets)
  describe(`enrollment against ${label}`, () => {
    beforeAll(async () => {
      target = await makeTarget();
    });
    afterAll(async () => {
      await target?.close();
    });
    it('sends only the CSR; the issued certificate verifies and matches the downloaded key', async () => {
      const { page, context, problems } = await openPage(browser, `${target.url}/`);
      const sent: Sent[] = [];
      page.on('request', (r: Request) =>
        sent.push({
          url: r.url(),
          headers: JSON.stringify(r.headers()),
          body: r.postDataBuffer() ?? Buffer.alloc(0),
        }),
      );
      const flow = page.locator('#enroll');
      const dir = tempDir('enroll');
      const token = await target.token();

      // a malformed token is caught in the page: nothing is sent
      const sentBefore = target.received?.length;
      await flow.getByLabel('Enrollment token').fill('nope.wrong');
      await flow.getByLabel('Node name (FQDN)').fill(NAME);
      await flow.getByRole('button', { name: 'Generate key and request certificate' }).click();
      await expect
        .poll(() => page.locator('#enroll-token-error').textContent())
        .toContain('This is not an enrollment token');
      expect(target.received?.length).toBe(sentBefore);

      // a well-formed but unknown token: the server's error next to the token field
      await flow
        .getByLabel('Enrollment token')
        .fill('fedcba9876543210.unknown-unknown-unknown-unknown-unknown-unk');
      await flow.getByLabel('Extra names').fill('10.0.0.7, evil.other.org');
      await flow.getByLabel('Key algorithm').selectOption('P-256');
      await flow.getByRole('button', { name: 'Generate key and request certificate' }).click();
      await page.locator('#enroll-status[data-kind="error"]').waitFor();
      expect(await page.locator('#enroll-token-error').textContent()).toMatch(/ERR_TOKEN_INVALID/);
      expect(await flow.getByLabel('Enrollment token').getAttribute('aria-invalid')).toBe('true');
      await screenshot(page, 'enroll-token-error-light-desktop');

      // the right token
      await flow.getByLabel('Enrollment token').fill(token);
      await flow.getByRole('button', { name: 'Generate key and request certificate' }).click();
      await page.locator('#enroll-status[data-kind="ok"]').waitFor();
      const granted = (await page.locator('ul.granted').textContent()) ?? '';
      expect(granted).toContain(`DNS:${NAME}`);
      expect(granted).toContain('IP:10.0.0.7');
      expect((await page.locator('ul.denied').textContent()) ?? '').toContain('DNS:evil.other.org');
      expect(await page.locator('#enroll-details').textContent()).toContain(NAME);
      await screenshot(page, 'enroll-issued-light-desktop');

      // plain layout, key in the clear
      await flow.getByRole('button', { name: 'Prepare files' }).click();
      const plain = await downloadAll(page, page.locator('#enroll-files'), dir);
      expect(Object.keys(plain).sort()).toEqual(['ca.crt', `${NAME}.crt`, `${NAME}.key`]);
      const caFile = join(dir, 'server-ca.pem');
      writeFileSync(caFile, await target.caPem());
      expect(opensslVerifies(caFile, plain[`${NAME}.crt`]!)).toMatch(/: OK$/);
      expect(opensslVerifies(plain['ca.crt']!, plain[`${NAME}.crt`]!)).toMatch(/: OK$/);
      const keys = publicKeys(plain[`${NAME}.crt`]!, plain[`${NAME}.key`]!);
      expect(keys.fromKey).toBe(keys.fromCertificate);

      // kubernetes layout with a passphrase: encrypted tls.key and a Secret manifest
      await flow.getByLabel('File layout').selectOption('kubernetes');
      await flow.getByLabel('Key passphrase').fill('node secret');
      await flow.getByRole('button', { name: 'Prepare files' }).click();
      await page.locator('#enroll-files a[data-file="secret.yaml"]').waitFor();
      const k8sDir = join(dir, 'k8s');
      mkdirSync(k8sDir);
      const k8s = await downloadAll(page, page.locator('#enroll-files'), k8sDir);
      expect(Object.keys(k8s).sort()).toEqual(['ca.crt', 'secret.yaml', 'tls.crt', 'tls.key']);
      expect(readFileSync(k8s['tls.key']!, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
      const k8sKeys = publicKeys(k8s['tls.crt']!, k8s['tls.key']!, 'node secret');
      expect(k8sKeys.fromKey).toBe(keys.fromCertificate);
      expect(opensslVerifies(caFile, k8s['tls.crt']!)).toMatch(/: OK$/);
      const yaml = readFileSync(k8s['secret.yaml']!, 'utf8');
      expect(yaml).toMatch(/^kind: Secret$/m);
      expect(yaml).toMatch(/^type: kubernetes\.io\/tls$/m);
      expect(yaml).toMatch(/^ {2}name: node1\.example\.net-tls$/m);
      for (const file of ['tls.crt', 'tls.key', 'ca.crt']) {
        const line = yaml.match(new RegExp(`^  ${file.replace('.', '\\.')}: (\\S+)$`, 'm'));
        expect(Buffer.from(line![1]!, 'base64').toString('utf8')).toBe(
          readFileSync(k8s[file]!, 'utf8'),
        );
      }

      // no private-key material in any request the page made
      const keyFile = plain[`${NAME}.key`]!;
      const pkcs8 = execFileSync('openssl', [
        'pkcs8',
        '-topk8',
        '-nocrypt',
        '-in',
        keyFile,
        '-outform',
        'DER',
      ]);
      // and the key in its type-specific form (SEC1 for EC), which holds the same secret
      const traditional = execFileSync('openssl', ['pkey', '-in', keyFile, '-outform', 'DER']);
      // the needles are really this key's encodings: the key file holds the same DER
      expect(readFileSync(keyFile, 'utf8').replace(/-----[^-]+-----|\s+/g, '')).toBe(
        pkcs8.toString('base64'),
      );
      expect(pkcs8.length).toBeGreaterThan(60);
      const jwkD = createPrivateKey(readFileSync(keyFile, 'utf8')).export({
        format: 'jwk',
      }).d!;
      const needles = [
        'PRIVATE KEY',
        pkcs8.toString('base64'),
        pkcs8.toString('base64url'),
        pkcs8.toString('hex'),
        pkcs8.toString('hex').toUpperCase(),
        traditional.toString('base64'),
        traditional.toString('hex'),
        jwkD,
        Buffer.from(jwkD, 'base64url').toString('base64'),
        Buffer.from(jwkD, 'base64url').toString('hex'),
      ];
      const signRequests = sent.filter((s) => s.url.endsWith('/v1/sign'));
      expect(signRequests).toHaveLength(2); // the refused one and the issued one
      for (const s of signRequests)
        expect(s.body.toString('utf8')).toContain('CERTIFICATE REQUEST');
      const bodies = [
        ...sent.map((s) => s.body),
        ...(target.received ?? []).map((b) => Buffer.from(b, 'latin1')),
      ];
      expect(bodies.length).toBeGreaterThanOrEqual(2);
      for (const s of sent) {
        const text = `${s.url}\n${s.headers}\n${s.body.toString('latin1')}`;
        for (const needle of needles)
          expect(text.includes(needle), `${needle.slice(0, 20)}… in ${s.url}`).toBe(false);
        expect(text).not.toMatch(/"d"\s*:/);
        expect(s.body.includes(pkcs8)).toBe(false);
        expect(s.body.includes(traditional)).toBe(false);
      }
      for (const body of bodies) {
        const text = body.toString('latin1');
        for (const needle of needles) expect(text.includes(needle)).toBe(false);
        expect(text).not.toMatch(/"d"\s*:/);
        expect(body.includes(pkcs8)).toBe(false);
        expect(body.includes(traditional)).toBe(false);
      }

      // the result on a phone in dark mode
      await page.setViewportSize({ width: 375, height: 740 });
      await page.emulateMedia({ colorScheme: 'dark' });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, 'enroll-issued-dark-phone');
      // the browser logs the refused token's 401 itself; nothing else may show up
      expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
      await context.close();
    });
  });
