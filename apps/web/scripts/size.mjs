#!/usr/bin/env node
/**
 * Prints the gzipped size of the JavaScript the built page ships (every .js under dist/), as
 * `web js gzip: N KB` (1 KB = 1024 bytes, gzip level 9 as static hosts precompress). With
 * `--json` it prints `{ "files": [...], "gzipBytes": N, "rawBytes": N }` instead. Run after
 * `pnpm --filter @nodeid/web build`; exits 1 when there is no build. The target is 150 KB.
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
const files = paths.map((path) => {
  const bytes = readFileSync(path);
  return {
    file: relative(dist, path),
    rawBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
  };
});
const gzipBytes = files.reduce((n, f) => n + f.gzipBytes, 0);
const rawBytes = files.reduce((n, f) => n + f.rawBytes, 0);
if (process.argv.includes('--json')) console.log(JSON.stringify({ files, gzipBytes, rawBytes }));
else console.log(`web js gzip: ${(gzipBytes / 1024).toFixed(1)} KB`);
