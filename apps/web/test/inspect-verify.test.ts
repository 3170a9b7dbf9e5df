/**
 * Inspect and verify in the page: a pasted chain (leaf + intermediate) is described, verified
 * against the pasted root for the right host (OK with the chain) and for a wrong host, whose
 * message must be the SDK's own, word for word, as the CLI prints it. Nothing goes on the wire.
 */
import { createCa, createCsr, type Identity, issueIdentity, verifyCertificate } from '@nodeid/sdk';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, type PageServer, screenshot, servePage } from './page-harness.js';

let server: PageServer;
let browser: Browser;
let root: Identity;
let intermediate: Identity;
let leaf: Identity;

beforeAll(async () => {
  root = await createCa({ clusterName: 'inspect.cluster', organization: 'Example' });
  intermediate = await createCa({ commonName: 'rack-1 CA', issuer: root, pathLength: 0 });
  leaf = await issueIdentity({
    ca: intermediate,
    name: 'node1.example.net',
    clusterName: 'inspect.cluster',
    ips: ['10.0.0.1'],
  });
  server = await servePage();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const chainPem = () => leaf.certificate.pem + intermediate.certificate.pem;

describe('inspect and verify', () => {
  it('describes a pasted chain and verifies it for the right and a wrong host name', async () => {
    const { context, page, problems } = await openPage(browser, `${server.url}/#inspect`);
    const before = server.requests.length;
    const flow = page.locator('#inspect');
    await flow.getByLabel('Certificate, chain, CSR or CRL (PEM)', { exact: true }).fill(chainPem());
    await flow.getByRole('button', { name: 'Inspect' }).click();
    await page.locator('#inspect-status[data-kind="ok"]').waitFor();
    const figures = page.locator('#inspect-output figure');
    expect(await figures.count()).toBe(2);
    const first = (await figures.nth(0).textContent()) ?? '';
    expect(first).toContain('node1.example.net');
    expect(first).toContain('10.0.0.1');
    expect(first).toContain(leaf.certificate.serialNumber.slice(0, 2));
    expect((await figures.nth(1).textContent()) ?? '').toContain('rack-1 CA');
    expect(await page.locator('#inspect-status').textContent()).toMatch(/does not verify/);

    await flow.getByLabel('Trusted CA certificate(s) (PEM)').fill(root.certificate.pem);
    await flow.getByLabel('Host name').fill('node1.example.net');
    await flow.getByLabel('Cluster name').fill('inspect.cluster');
    await flow.getByRole('button', { name: 'Verify' }).click();
    const verdict = page.locator('#verify-status');
    await page.locator('#verify-status[data-kind="ok"]').waitFor();
    expect(await verdict.textContent()).toBe(
      `OK (${leaf.certificate.subject.text} <- ${intermediate.certificate.subject.text} <- ${root.certificate.subject.text})`,
    );
    await screenshot(page, 'inspect-verify-ok-light-desktop');

    // a wrong host: the SDK's message, as the CLI prints it, next to the field too
    const expected = await verifyCertificate({
      certificate: leaf.certificate.pem,
      intermediates: [intermediate.certificate.pem],
      trustAnchors: [root.certificate.pem],
      host: 'node2.example.net',
      clusterName: 'inspect.cluster',
      usage: 'server',
    });
    expect(expected.ok).toBe(false);
    if (expected.ok) return;
    expect(expected.code).toBe('ERR_HOSTNAME_MISMATCH');
    await flow.getByLabel('Host name').fill('node2.example.net');
    await flow.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#verify-status[data-kind="error"]').waitFor();
    expect(await verdict.textContent()).toBe(`invalid: ${expected.message} (${expected.code})`);
    expect(expected.message).toContain('node2.example.net');
    expect(await page.locator('#verify-host-error').textContent()).toBe(expected.message);
    expect(await flow.getByLabel('Host name').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'inspect-verify-wrong-host-light-desktop');

    // a wrong IP, and a CA that did not issue the chain
    await flow.getByLabel('Host name').fill('');
    await flow.getByLabel('IP address').fill('10.0.0.2');
    await flow.getByRole('button', { name: 'Verify' }).click();
    await expect
      .poll(() => verdict.textContent())
      .toMatch(/^invalid: .*10\.0\.0\.2.*\(ERR_IP_MISMATCH\)$/);
    const stranger = await createCa({ clusterName: 'other.cluster' });
    await flow.getByLabel('IP address').fill('10.0.0.1');
    await flow.getByLabel('Trusted CA certificate(s) (PEM)').fill(stranger.certificate.pem);
    await flow.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => verdict.textContent()).toMatch(/^invalid: /);
    expect(await verdict.textContent()).not.toContain('ERR_IP_MISMATCH');

    expect(server.requests.length).toBe(before);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reads a DER file and a CSR, and says what is wrong with garbage', async () => {
    const { context, page, problems } = await openPage(browser, `${server.url}/#inspect`, {
      colorScheme: 'dark',
      phone: true,
    });
    const flow = page.locator('#inspect');
    await page.locator('#inspect-file').setInputFiles({
      name: 'node1.der',
      mimeType: 'application/pkix-cert',
      buffer: Buffer.from(leaf.certificate.der),
    });
    await expect.poll(() => page.locator('#inspect-status').textContent()).toMatch(/node1\.der/);
    await flow.getByRole('button', { name: 'Inspect' }).click();
    await page.locator('#inspect-status[data-kind="ok"]').waitFor();
    expect(await page.locator('#inspect-output figure').count()).toBe(1);
    expect(await page.locator('#inspect-output').textContent()).toContain('node1.example.net');

    const csr = await createCsr({ name: 'node9.example.net', ips: ['10.9.9.9'] });
    const input = flow.getByLabel('Certificate, chain, CSR or CRL (PEM)', { exact: true });
    await input.fill(csr.pem);
    await flow.getByRole('button', { name: 'Inspect' }).click();
    await expect.poll(() => page.locator('#inspect-status').textContent()).toMatch(/csr/);
    expect(await page.locator('#inspect-output').textContent()).toContain('node9.example.net');
    await screenshot(page, 'inspect-csr-dark-phone');

    await input.fill(
      '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n',
    );
    await flow.getByRole('button', { name: 'Inspect' }).click();
    await page.locator('#inspect-status[data-kind="error"]').waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#inspect-input-error').textContent()).toMatch(/\(ERR_[A-Z_]+\)$/);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'inspect-error-dark-phone');
    expect(problems).toEqual([]);
    await context.close();
  });
});
