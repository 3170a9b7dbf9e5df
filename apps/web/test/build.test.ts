/**
 * What the build ships: a strict Content-Security-Policy in the page, no inline code, nothing
 * from another origin, no browser storage in the script, no Reflect polyfill or dependency
 * container (the SDK encodes its CSRs itself), and the gzipped JavaScript of the whole page
 * within its 150 KB budget (as scripts/size.mjs reports it for `pnpm bench`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distDir } from './page-harness.js';

const html = () => readFileSync(join(distDir, 'index.html'), 'utf8');
const scripts = () =>
  readdirSync(join(distDir, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(distDir, 'assets', f), 'utf8'));

describe('the built page', () => {
  it('carries a strict Content-Security-Policy and no inline or foreign code', () => {
    const page = html();
    const csp = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
    expect(csp).toBeDefined();
    const directives = new Map(
      csp!.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values];
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe');
    // every script is a file of the build; no style element
    expect(page).not.toMatch(/<style\b/);
    for (const script of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(script[1]).toMatch(/src="\.\/assets\/[^"]+\.js"/);
      expect(script[2]!.trim()).toBe('');
    }
    expect(page).not.toMatch(/\s(src|href)="(https?:)?\/\//);
    expect(page).not.toMatch(/\son[a-z]+="/); // no inline event handlers
  });

  it('ships a script with no browser storage and no Reflect polyfill', () => {
    const js = scripts().join('\n');
    expect(js).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie/);
    expect(js).not.toMatch(/from\s*["']node:/);
    // the CSR in the enroll flow is the SDK's own encoder: no @peculiar/x509, tsyringe or
    // reflect-metadata (their polyfill alone was 4 KB gzipped)
    expect(js).not.toMatch(/defineMetadata|Pkcs10CertificateRequestGenerator/);
  });

  it('stays within 150 KB of gzipped JavaScript for the whole page, every chunk', () => {
    const size = (...args: string[]) =>
      execFileSync(process.execPath, [join(distDir, '..', 'scripts', 'size.mjs'), ...args], {
        encoding: 'utf8',
        cwd: '/', // the script finds the build from its own path, not the working directory
      });
    const out = size();
    const figure = (label: string) =>
      Number(out.match(new RegExp(`^web js gzip${label}: ([\\d.]+) KB`, 'm'))?.[1]);
    const whole = figure(' whole page');
    expect(figure('')).toBeGreaterThan(10);
    expect(whole).toBeLessThanOrEqual(150);
    expect(out).toMatch(/^web js gzip whole page: [\d.]+ KB \(target <= 150 KB: meets\)$/m);
    const json = JSON.parse(size('--json')) as {
      gzipBytes: number;
      adminGzipBytes: number;
      onDemandGzipBytes: number;
      wholeGzipBytes: number;
      files: { file: string; onDemand: boolean; admin: boolean; gzipBytes: number }[];
    };
    // the whole page is every chunk: at open + admin + the other on-demand chunks
    const gzipOf = (files: typeof json.files) => files.reduce((n, f) => n + f.gzipBytes, 0);
    expect(json.wholeGzipBytes).toBe(gzipOf(json.files));
    expect(json.gzipBytes + json.adminGzipBytes + json.onDemandGzipBytes).toBe(json.wholeGzipBytes);
    expect(json.wholeGzipBytes / 1024).toBeCloseTo(whole, 0);
    expect(json.gzipBytes / 1024).toBeCloseTo(figure(''), 0);
    expect(json.adminGzipBytes / 1024).toBeCloseTo(figure(' admin'), 0);
    // the page's own script loads at once; the SDK's Public Suffix List (a trie string: `uk`
    // is a rule with children) only when a Web PKI verification asks for it, from its own chunk
    const entry = html().match(/<script\b[^>]*\bsrc="\.\/([^"]+\.js)"/)?.[1];
    expect(json.files.find((f) => f.file === entry)?.onDemand).toBe(false);
    const onDemand = json.files.filter((f) => f.onDemand);
    const text = (f: { file: string }) => readFileSync(join(distDir, f.file), 'utf8');
    expect(onDemand.some((f) => /[,(]uk\+\(/.test(text(f)))).toBe(true);
    // the admin views are a chunk of their own, fetched when the Admin section is first opened
    const admin = onDemand.filter((f) => /\/v1\/admin\/overview/.test(text(f)));
    expect(admin.map((f) => f.file)).toEqual([expect.stringMatching(/^assets\/admin-[\w-]+\.js$/)]);
    expect(json.files.filter((f) => f.admin)).toEqual(admin);
    expect(text(json.files.find((f) => f.file === entry)!)).not.toContain('/v1/admin/overview');
    // every chunk is one of these two
    for (const f of onDemand)
      expect(admin.includes(f) || /[,(]uk\+\(/.test(text(f)), f.file).toBe(true);
  });
});
