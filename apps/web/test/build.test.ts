/**
 * What the build ships: a strict Content-Security-Policy in the page, no inline code, nothing
 * from another origin, no browser storage in the script, the Reflect polyfill the SDK's CSR
 * generator needs, and the gzipped JavaScript within its 150 KB budget (as scripts/size.mjs
 * reports it for `pnpm bench`).
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

  it('ships a script with no browser storage and with the Reflect polyfill', () => {
    const js = scripts().join('\n');
    expect(js).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie/);
    expect(js).not.toMatch(/from\s*["']node:/);
    expect(js).toContain('defineMetadata');
  });

  it('stays within 150 KB of gzipped JavaScript when it opens', () => {
    const out = execFileSync(process.execPath, [join(distDir, '..', 'scripts', 'size.mjs')], {
      encoding: 'utf8',
    });
    const kb = Number(out.match(/^web js gzip: ([\d.]+) KB$/m)?.[1]);
    expect(kb).toBeGreaterThan(10);
    expect(kb).toBeLessThanOrEqual(150);
    const json = JSON.parse(
      execFileSync(process.execPath, [join(distDir, '..', 'scripts', 'size.mjs'), '--json'], {
        encoding: 'utf8',
      }),
    ) as { gzipBytes: number; files: { file: string; onDemand: boolean; gzipBytes: number }[] };
    expect(json.gzipBytes / 1024).toBeCloseTo(kb, 0);
    // the page's own script loads at once; the SDK's Public Suffix List (tldts) only when a
    // Web PKI verification asks for it, from a chunk of its own
    const entry = html().match(/<script\b[^>]*\bsrc="\.\/([^"]+\.js)"/)?.[1];
    expect(json.files.find((f) => f.file === entry)?.onDemand).toBe(false);
    const onDemand = json.files.filter((f) => f.onDemand);
    const text = (f: { file: string }) => readFileSync(join(distDir, f.file), 'utf8');
    expect(onDemand.some((f) => /publicSuffix|getPublicSuffix/.test(text(f)))).toBe(true);
    // the admin views are a chunk of their own, fetched when the Admin section is first opened
    const admin = onDemand.filter((f) => /\/v1\/admin\/overview/.test(text(f)));
    expect(admin.map((f) => f.file)).toEqual([expect.stringMatching(/^assets\/admin-[\w-]+\.js$/)]);
    expect(text(json.files.find((f) => f.file === entry)!)).not.toContain('/v1/admin/overview');
    // every chunk is one of these two
    for (const f of onDemand)
      expect(admin.includes(f) || /publicSuffix|getPublicSuffix/.test(text(f)), f.file).toBe(true);
  });
});
