/**
 * The node owner's enrollment pins the CA when the page talks to a server other than its own
 * origin (issue 15): the page fetches `/v1/ca` first, computes the CA's SHA-256 itself (the stub
 * lies in its `fingerprintSha256` field, which must not matter), and sends the token only after
 * the person confirmed the fingerprint shown, or when the one pasted in advance matches. A
 * refusal, a wrong pasted fingerprint or a malformed one sends nothing to `/v1/sign`.
 *
 * Two loopback origins: the page (dist/, with its policy's connect-src widened to the API origin
 * as a build with NODEID_API does) and a stub API that answers CORS and signs with `signCsr`.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCa, type Identity, signCsr } from '@nodeid/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distDir, launchBrowser, openPage, type PageServer, servePage } from './page-harness.js';

const TOKEN = `0123456789abcdef.${'p'.repeat(43)}`;

let ca: Identity;
let page: PageServer;
let api: { url: string; paths: string[]; close(): Promise<void> };
let browser: Browser;

/** The stub API on its own origin: CORS for the page's origin, GET /v1/ca, POST /v1/sign. */
async function startApi(pageOrigin: () => string): Promise<typeof api> {
  const paths: string[] = [];
  const server = createServer((request, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const cors = {
        'access-control-allow-origin': pageOrigin(),
        'access-control-allow-headers': 'content-type',
        'access-control-allow-methods': 'GET, POST',
      };
      if (request.method === 'OPTIONS') return void response.writeHead(204, cors).end();
      paths.push(`${request.method} ${url.pathname}`);
      const json = (status: number, body: unknown) =>
        response
          .writeHead(status, { ...cors, 'content-type': 'application/json' })
          .end(JSON.stringify(body));
      if (url.pathname === '/v1/ca')
        return json(200, {
          pem: ca.certificate.pem,
          // a lie: the page must compute the fingerprint from the certificate itself
          fingerprintSha256: 'AA:'.repeat(31) + 'AA',
          subject: ca.certificate.subject.text,
          notAfter: ca.certificate.notAfter.toISOString(),
        });
      if (url.pathname === '/v1/sign' && request.method === 'POST') {
        const { csr, token } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (token !== TOKEN) return json(401, { code: 'ERR_TOKEN_INVALID', message: 'unknown' });
        const signed = await signCsr({
          csr,
          ca,
          policy: { dns: ['.example.net'], maxDays: 30 },
        });
        return json(200, {
          certificate: signed.certificate.pem,
          chain: [ca.certificate.pem],
          granted: signed.granted,
          denied: signed.denied,
          serialNumber: signed.certificate.serialNumber,
          notAfter: signed.certificate.notAfter.toISOString(),
        });
      }
      json(404, { code: 'ERR_NOT_FOUND', message: 'no' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  ca = await createCa({ clusterName: 'pin.cluster' });
  let pageOrigin = '';
  api = await startApi(() => pageOrigin);
  const html = readFileSync(join(distDir, 'index.html'), 'utf8').replace(
    "connect-src 'self'",
    `connect-src 'self' ${api.url}`,
  );
  page = await servePage((request, _body, response) => {
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/') return false;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    return true;
  });
  pageOrigin = page.url;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await page?.close();
  await api?.close();
});

async function fill(p: Page, fingerprint: string): Promise<void> {
  const flow = p.locator('#enroll');
  await flow.locator('#enroll-server').fill(api.url);
  await flow.getByLabel('Enrollment token').fill(TOKEN);
  await flow.getByLabel('CA fingerprint (SHA-256)').fill(fingerprint);
  await flow.getByLabel('Node name (FQDN)').fill('node1.example.net');
  await flow.getByRole('button', { name: 'Generate key and request certificate' }).click();
}

describe('enrollment against another origin pins the CA first', () => {
  it('sends the token only after the fingerprint is confirmed or matches the pasted one', async () => {
    const { context, page: p, problems } = await openPage(browser, page.url);
    const sha256 = new X509Certificate(ca.certificate.pem).fingerprint256;
    const signs = () => api.paths.filter((x) => x === 'POST /v1/sign').length;

    // nothing pasted: the fingerprint the page computed is shown, and "no" sends nothing
    await fill(p, '');
    await p.getByRole('alertdialog').waitFor();
    expect(await p.locator('#enroll-pin-text').textContent()).toContain(`SHA256:${sha256}`);
    expect(api.paths).toEqual(['GET /v1/ca']);
    await p.getByRole('button', { name: 'It does not match' }).click();
    await expect
      .poll(() => p.locator('#enroll-status').textContent())
      .toContain('Nothing was sent');
    expect(signs()).toBe(0);

    // a wrong fingerprint pasted in advance (the one the stub claims): refused, nothing sent
    await fill(p, `SHA256:${'AA:'.repeat(31)}AA`);
    await expect
      .poll(() => p.locator('#enroll-fingerprint-error').textContent())
      .toContain('is not the one you pinned');
    expect(signs()).toBe(0);
    // not a fingerprint at all
    await fill(p, 'SHA256:12:34');
    await expect
      .poll(() => p.locator('#enroll-fingerprint-error').textContent())
      .toContain('not a SHA-256 fingerprint');
    expect(signs()).toBe(0);

    // the right one, in lower case without colons: issued, and /v1/ca came before /v1/sign
    api.paths.length = 0;
    await fill(p, sha256.replace(/:/g, '').toLowerCase());
    await p.locator('#enroll-status[data-kind="ok"]').waitFor();
    expect(api.paths.slice(0, 2)).toEqual(['GET /v1/ca', 'POST /v1/sign']);

    // confirmed when shown: issued too
    await fill(p, '');
    await p.getByRole('button', { name: 'It matches: send the token' }).click();
    await expect.poll(signs).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });
});
