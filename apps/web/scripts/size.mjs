#!/usr/bin/env node
/**
 * Prints the gzipped size of the JavaScript the built page loads when it opens (the scripts of
 * index.html and what they import statically), as `web js gzip: N KB` (1 KB = 1024 bytes, gzip
 * level 9 as static hosts precompress), then the chunks fetched only on demand (dynamic
 * `import()`, e.g. the Public Suffix List, loaded by the SDK for Web PKI verification only)
 * as `web js gzip on demand: N KB`. With `--json` it prints `{ "files": [...], "gzipBytes": N,
 * "rawBytes": N, "onDemandGzipBytes": N }` instead, each file marked `onDemand`. Run after
 * `pnpm --filter @nodeid/web build`; exits 1 when there is no build. The target is 150 KB for
 * what the page loads when it opens.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** Every file under `dir`, recursively. */
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let paths;
try {
  paths = walk(dist).filter((p) => p.endsWith('.js'));
} catch {
  console.error(`no build in ${dist}: run \`pnpm --filter @nodeid/web build\` first`);
  process.exit(1);
}
if (paths.length === 0) {
  console.error(`no JavaScript in ${dist}`);
  process.exit(1);
}
// What the page loads when it opens: the scripts of index.html, then every static import
// (`import "./x.js"`, `from "./x.js"`, never `import("./x.js")`) of those, transitively.
const opening = new Set();
const pending = [
  ...readFileSync(join(dist, 'index.html'), 'utf8').matchAll(/<script\b[^>]*\bsrc="([^"]+\.js)"/g),
].map((m) => join(dist, m[1]));
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
  return {
    file: relative(dist, path),
    rawBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    onDemand: !opening.has(path),
  };
});
const sum = (list, key) => list.reduce((n, f) => n + f[key], 0);
const atOpen = files.filter((f) => !f.onDemand);
const onDemand = files.filter((f) => f.onDemand);
const gzipBytes = sum(atOpen, 'gzipBytes');
const rawBytes = sum(atOpen, 'rawBytes');
const onDemandGzipBytes = sum(onDemand, 'gzipBytes');
if (process.argv.includes('--json'))
  console.log(JSON.stringify({ files, gzipBytes, rawBytes, onDemandGzipBytes }));
else {
  console.log(`web js gzip: ${(gzipBytes / 1024).toFixed(1)} KB`);
  console.log(
    `web js gzip on demand: ${(onDemandGzipBytes / 1024).toFixed(1)} KB (${onDemand.map((f) => f.file).join(', ') || 'none'})`,
  );
}
