/**
 * Offline CA: once the page has loaded, every request is aborted and recorded; a CA and two
 * node identities are made and downloaded in the page, and openssl verifies them. The page must
 * not have tried a single request.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, exportPrivateKeyPem } from '@nodeid/sdk';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadAll,
  launchBrowser,
  openPage,
  openssl,
  opensslVerifies,
  type PageServer,
  publicKeys,
  screenshot,
  servePage,
  tempDir,
} from './page-harness.js';

let server: PageServer;
let browser: Browser;

beforeAll(async () => {
  server = await servePage();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('offline CA', () => {
  it('creates a CA and two node identities with no network request after load', async () => {
    const { context, page, problems } = await openPage(browser, `${server.url}/`);
    const servedBeforeBlock = server.requests.length;
    const attempted: string[] = [];
    page.on('request', (r) => attempted.push(`${r.method()} ${r.url()}`));
    await context.route('**/*', (route) => {
      attempted.push(`routed ${route.request().url()}`);
      return route.abort('blockedbyclient');
    });
    const dir = tempDir('offline');

    await page.getByRole('link', { name: 'Offline CA' }).click();
    const flow = page.locator('#offline');
    await expect.poll(() => page.locator('#offline').isVisible()).toBe(true);
    await flow.getByLabel('Cluster name', { exact: true }).fill('offline.cluster');
    await flow.getByLabel('Organization').fill('Example Org');
    await flow.getByRole('button', { name: 'Create CA' }).click();
    await page.locator('#ca-status[data-kind="ok"]').waitFor();
    await flow.getByLabel('CA key passphrase').fill('ca secret');
    await flow.getByRole('button', { name: 'Prepare CA files' }).click();
    const caFiles = await downloadAll(page, page.locator('#ca-files'), dir);
    expect(Object.keys(caFiles).sort()).toEqual(['ca.crt', 'ca.key']);
    expect(readFileSync(caFiles['ca.key']!, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    openssl(['pkey', '-in', caFiles['ca.key']!, '-passin', 'pass:ca secret', '-noout']);
    const ca = caFiles['ca.crt']!;
    expect(openssl(['x509', '-in', ca, '-noout', '-subject'])).toMatch(/offline\.cluster CA/);

    // node 1: P-256, plain layout, key in the clear
    await flow.getByLabel('Node name (FQDN)').fill('node1.example.net');
    await page.locator('#node-extra').fill('10.0.0.1, node1-ib.example.net');
    await flow.getByLabel('File layout').selectOption('plain');
    await flow.getByRole('button', { name: 'Issue node identity' }).click();
    await page.locator('li[data-node="node1.example.net"] a[download]').first().waitFor();
    const node1 = await downloadAll(page, page.locator('li[data-node="node1.example.net"]'), dir);
    expect(Object.keys(node1).sort()).toEqual([
      'ca.crt',
      'node1.example.net.crt',
      'node1.example.net.key',
    ]);
    expect(opensslVerifies(ca, node1['node1.example.net.crt']!)).toMatch(/: OK$/);
    const keys1 = publicKeys(node1['node1.example.net.crt']!, node1['node1.example.net.key']!);
    expect(keys1.fromKey).toBe(keys1.fromCertificate);
    const text1 = openssl(['x509', '-in', node1['node1.example.net.crt']!, '-noout', '-text']);
    expect(text1).toMatch(/DNS:node1\.example\.net/);
    expect(text1).toMatch(/IP Address:10\.0\.0\.1/);
    expect(text1).toMatch(/DNS:node1-ib\.example\.net/);

    // node 2: Ed25519, scale layout, key encrypted
    await flow.getByLabel('Node name (FQDN)').fill('node2.example.net');
    await page.locator('#node-algorithm').selectOption('Ed25519');
    await flow.getByLabel('File layout').selectOption('scale');
    await page.locator('#node-passphrase').fill('node2 secret');
    await flow.getByRole('button', { name: 'Issue node identity' }).click();
    await page.locator('li[data-node="node2.example.net"] a[download]').first().waitFor();
    const dir2 = join(dir, 'node2');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir2);
    const node2 = await downloadAll(page, page.locator('li[data-node="node2.example.net"]'), dir2);
    expect(Object.keys(node2).sort()).toEqual([
      'ca.crt',
      'node2.example.net.key',
      'node2.example.net.pem',
    ]);
    expect(opensslVerifies(ca, node2['node2.example.net.pem']!)).toMatch(/: OK$/);
    expect(readFileSync(node2['node2.example.net.key']!, 'utf8')).toContain('ENCRYPTED');
    const keys2 = publicKeys(
      node2['node2.example.net.pem']!,
      node2['node2.example.net.key']!,
      'node2 secret',
    );
    expect(keys2.fromKey).toBe(keys2.fromCertificate);
    expect(keys2.fromKey).toContain('MCowBQYDK2Vw'); // Ed25519 SPKI prefix

    await screenshot(page, 'offline-ca-light-desktop');
    expect(attempted).toEqual([]);
    expect(server.requests.length).toBe(servedBeforeBlock);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('issues from an intermediate CA folder (ca.crt, ca.key, chain.crt, root.crt): leaf + intermediates, the root as ca.crt; pkcs12 too', async () => {
    // root -> mid -> issuing, as `nodeid ca init --intermediate` + `ca sign` leave them
    const root = await createCa({ clusterName: 'deep.cluster', commonName: 'deep root CA' });
    const mid = await createCa({ commonName: 'deep mid CA', issuer: root, extractable: true });
    const issuing = await createCa({
      commonName: 'deep issuing CA',
      issuer: mid,
      pathLength: 0,
      extractable: true,
    });
    const dir = tempDir('intermediate');
    const folder = join(dir, 'ca');
    mkdirSync(folder);
    const files = {
      'ca.crt': issuing.certificate.pem,
      'ca.key': await exportPrivateKeyPem(issuing.privateKey, { passphrase: 'ca pass' }),
      'chain.crt': mid.certificate.pem,
      'root.crt': root.certificate.pem,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);

    const { context, page, problems } = await openPage(browser, `${server.url}/#offline`);
    const flow = page.locator('#offline');
    // the root alone is not enough: the chain must reach it through mid
    await page.locator('#ca-load-cluster').fill('deep.cluster');
    await page.locator('#ca-load-cert').fill(files['ca.crt']);
    await page.locator('#ca-load-key').fill(files['ca.key']);
    await page.locator('#ca-load-chain').fill(files['root.crt']);
    await page.locator('#ca-load-passphrase').fill('ca pass');
    await flow.getByRole('button', { name: 'Use this CA' }).click();
    await page.locator('#ca-load-status[data-kind="error"]').waitFor();
    expect(await page.locator('#ca-load-chain-error').textContent()).toMatch(
      /deep issuing CA is issued by .*deep mid CA, not by .*deep root CA/,
    );
    // the folder's four files chosen at once fill the paste areas by name, and the cluster name
    // from the OU nodeid's root carries
    await page.locator('#ca-load-cluster').fill('');
    await page
      .locator('#ca-load-files')
      .setInputFiles(Object.keys(files).map((n) => join(folder, n)));
    await expect.poll(() => page.locator('#ca-load-chain').inputValue()).toContain('BEGIN');
    expect(await page.locator('#ca-load-cluster').inputValue()).toBe('deep.cluster');
    await page.locator('#ca-load-passphrase').fill('wrong');
    await flow.getByRole('button', { name: 'Use this CA' }).click();
    await expect.poll(() => page.locator('#ca-load-key-error').isVisible()).toBe(true);
    await page.locator('#ca-load-passphrase').fill('ca pass');
    await flow.getByRole('button', { name: 'Use this CA' }).click();
    await page.locator('#ca-load-status[data-kind="ok"]').waitFor();
    expect(await page.locator('#ca-load-status').textContent()).toMatch(
      /Intermediate CA ".*deep issuing CA" under the root ".*deep root CA.*" loaded/,
    );

    await flow.getByLabel('Node name (FQDN)').fill('node1.deep.example');
    await flow.getByLabel('File layout').selectOption('plain');
    await flow.getByRole('button', { name: 'Issue node identity' }).click();
    await page.locator('li[data-node="node1.deep.example"] a[download]').first().waitFor();
    const out = join(dir, 'plain');
    mkdirSync(out);
    const node = await downloadAll(page, page.locator('li[data-node="node1.deep.example"]'), out);
    // the node file: leaf, issuing CA, mid (nearest first); ca.crt: the root only
    const leafFile = node['node1.deep.example.crt']!;
    const pems = readFileSync(leafFile, 'utf8').match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(pems).toHaveLength(3);
    expect(readFileSync(node['ca.crt']!, 'utf8')).toBe(root.certificate.pem);
    // openssl builds the path from the root with the intermediates the node file carries
    expect(opensslVerifies(node['ca.crt']!, leafFile, leafFile)).toMatch(/: OK$/);

    // pkcs12: no passphrase is refused next to the field; with one, the keystore holds the path
    await flow.getByLabel('Node name (FQDN)').fill('node2.deep.example');
    await flow.getByLabel('File layout').selectOption('pkcs12');
    await flow.getByRole('button', { name: 'Issue node identity' }).click();
    await expect.poll(() => page.locator('#node-passphrase-error').isVisible()).toBe(true);
    await page.locator('#node-passphrase').fill('p12 pass');
    await flow.getByRole('button', { name: 'Issue node identity' }).click();
    await page.locator('li[data-node="node2.deep.example"] a[download]').first().waitFor();
    const out2 = join(dir, 'p12');
    mkdirSync(out2);
    const p12 = await downloadAll(page, page.locator('li[data-node="node2.deep.example"]'), out2);
    expect(Object.keys(p12).sort()).toEqual(['node2.deep.example.p12', 'truststore.p12']);
    const dump = openssl([
      'pkcs12',
      '-in',
      p12['node2.deep.example.p12']!,
      '-passin',
      'pass:p12 pass',
      '-nokeys',
    ]);
    expect(dump.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(4);
    expect(dump).toMatch(/friendlyName: node2\.deep\.example/);
    expect(dump).toMatch(/subject=.*deep root CA/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('looks right on a phone in dark mode, with errors next to the field', async () => {
    const { context, page, problems } = await openPage(browser, `${server.url}/#offline`, {
      colorScheme: 'dark',
      phone: true,
    });
    const flow = page.locator('#offline');
    await flow.getByRole('button', { name: 'Create CA' }).click();
    const field = flow.getByLabel('Cluster name', { exact: true });
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
    expect(describedBy.split(' ')).toContain('ca-cluster-error');
    expect(await page.locator('#ca-cluster-error').textContent()).toMatch(/cluster name/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('ca-cluster');
    await field.fill('phone.cluster');
    await flow.getByRole('button', { name: 'Create CA' }).click();
    await page.locator('#ca-status[data-kind="ok"]').waitFor();
    await flow.getByLabel('Node name (FQDN)').fill('node1.example.net');
    await flow.getByRole('button', { name: 'Issue node identity' }).click();
    await page.locator('li[data-node="node1.example.net"] a[download]').first().waitFor();
    // nothing wider than the phone's screen
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'offline-ca-dark-phone');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('works from the keyboard alone', async () => {
    const { context, page, problems } = await openPage(browser, `${server.url}/`);
    // the skip link first, then the nav links: Tab to "Offline CA" and follow it
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    let guard = 0;
    while ((await page.evaluate(() => document.activeElement?.textContent)) !== 'Offline CA') {
      await page.keyboard.press('Tab');
      if (++guard > 10) throw new Error('Offline CA link not reachable with Tab');
    }
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('offline-title');
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe('Offline CA');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('ca-cluster');
    await page.keyboard.type('keys.cluster');
    await page.keyboard.press('Enter');
    await page.locator('#ca-status[data-kind="ok"]').waitFor();
    expect(await page.locator('#ca-status').getAttribute('aria-live')).toBe('polite');
    expect(await page.locator('#ca-status').textContent()).toContain('keys.cluster');
    expect(problems).toEqual([]);
    await context.close();
  });
});
