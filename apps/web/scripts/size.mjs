#!/usr/bin/env node
/**
 * The gzipped size of the built page's JavaScript (1 KB = 1024 bytes, gzip level 9 as static
 * hosts precompress), in four figures: what the page loads when it opens (the scripts of
 * index.html and what they import statically), the admin views' chunk (`admin-*.js`, fetched
 * when the Admin section is first opened), the other chunks fetched on demand (dynamic
 * `import()`, e.g. the Public Suffix List the SDK loads for Web PKI verification only), and the
 * whole page: every chunk, which the issue's budget of {@link WEB_TARGET_KB} KB covers.
 *
 * `node apps/web/scripts/size.mjs` (from any folder) prints them as lines, the first being
 * `web js gzip: N KB` (at open); `--json` prints `{ files, gzipBytes, rawBytes,
 * adminGzipBytes, onDemandGzipBytes, wholeGzipBytes, targetKb }`, each file marked `onDemand`
 * and `admin`. tools/bench/web-size.mjs imports {@link measureWebPage} for `pnpm bench`.
 * Run after `pnpm --filter @nodeid/web build`; exits 1 when there is no build.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The budget of the whole page's JavaScript, gzipped, in KB (1024 bytes). */
export const WEB_TARGET_KB = 150;

/** The page's build folder, found from this file (not from the working directory). */
export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** Every file under `dir`, recursively. */
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/**
 * Measures the build in `dist`. Throws an Error with a one-line message when there is no build.
 * @returns {{ files: { file: string, rawBytes: number, gzipBytes: number, onDemand: boolean,
 *   admin: boolean }[], gzipBytes: number, rawBytes: number, adminGzipBytes: number,
 *   onDemandGzipBytes: number, wholeGzipBytes: number, targetKb: number }}
 */
export function measureWebPage(dist = WEB_DIST) {
  let paths;
  let html;
  try {
    paths = walk(dist).filter((p) => p.endsWith('.js'));
    html = readFileSync(join(dist, 'index.html'), 'utf8');
  } catch {
    throw new Error(`no build in ${dist}: run \`pnpm --filter @nodeid/web build\` first`);
  }
  if (paths.length === 0) throw new Error(`no JavaScript in ${dist}`);
  // What the page loads when it opens: the scripts of index.html, then every static import
  // (`import "./x.js"`, `from "./x.js"`, never `import("./x.js")`) of those, transitively.
  const opening = new Set();
  const pending = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+\.js)"/g)].map((m) =>
    join(dist, m[1]),
  );
  while (pending.length > 0) {
    const path = pending.pop();
    if (opening.has(path)) continue;
    opening.add(path);
    const code = readFileSync(path, 'utf8');
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["'](\.{1,2}\/[^"']+\.js)["']/g))
      pending.push(join(dirname(path), m[1]));
  }
  const files = paths.map((path) => {
    const bytes = readFileSync(path);
    const onDemand = !opening.has(path);
    return {
      file: relative(dist, path),
      rawBytes: bytes.length,
      gzipBytes: gzipSync(bytes, { level: 9 }).length,
      onDemand,
      admin: onDemand && /(^|\/)admin-[^/]*\.js$/.test(relative(dist, path)),
    };
  });
  const sum = (list, key = 'gzipBytes') => list.reduce((n, f) => n + f[key], 0);
  const atOpen = files.filter((f) => !f.onDemand);
  return {
    files,
    gzipBytes: sum(atOpen),
    rawBytes: sum(atOpen, 'rawBytes'),
    adminGzipBytes: sum(files.filter((f) => f.admin)),
    onDemandGzipBytes: sum(files.filter((f) => f.onDemand && !f.admin)),
    wholeGzipBytes: sum(files),
    targetKb: WEB_TARGET_KB,
  };
}

/** The report as text lines; the first is `web js gzip: N KB` (what the page loads at open). */
export function formatWebPage(report) {
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  const other = report.files.filter((f) => f.onDemand && !f.admin).map((f) => f.file);
  const whole = report.wholeGzipBytes / 1024;
  return [
    `web js gzip: ${kb(report.gzipBytes)}`,
    `web js gzip admin: ${kb(report.adminGzipBytes)}`,
    `web js gzip on demand: ${kb(report.onDemandGzipBytes)} (${other.join(', ') || 'none'})`,
    `web js gzip whole page: ${kb(report.wholeGzipBytes)} (target <= ${report.targetKb} KB: ${whole <= report.targetKb ? 'meets' : 'MISSES'})`,
  ];
}

/** Whether `path` names this file (run as `node .../size.mjs`, not imported). */
function isThisFile(path) {
  try {
    return realpathSync(path) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (process.argv[1] && isThisFile(process.argv[1])) {
  try {
    const report = measureWebPage();
    console.log(
      process.argv.includes('--json') ? JSON.stringify(report) : formatWebPage(report).join('\n'),
    );
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
