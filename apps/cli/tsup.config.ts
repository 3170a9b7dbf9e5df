import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { lazyStringWidth } from './build/lazy-string-width.js';

/**
 * Writes dist/THIRD-PARTY-LICENSES.txt: the license text of every npm package bundled into dist
 * (their licenses ask that it travel with the code), read from esbuild's metafile.
 */
function writeBundledLicenses(): void {
  const metafile = 'dist/metafile-esm.json';
  const { inputs } = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: object };
  const roots = new Set<string>();
  for (const input of Object.keys(inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m?.[1]) roots.add(m[1]);
  }
  const texts = [...roots].sort().map((root) => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const file = existsSync(root)
      ? readdirSync(root).find((f) => /^(licen[cs]e|copying)(\..*)?$/i.test(f))
      : undefined;
    const text = file ? readFileSync(join(root, file), 'utf8').trim() : `License: ${pkg.license}`;
    return `${pkg.name}@${pkg.version} (${pkg.license})\n\n${text}\n`;
  });
  writeFileSync('dist/THIRD-PARTY-LICENSES.txt', texts.join(`\n${'-'.repeat(72)}\n\n`));
  rmSync(metafile);
}

/** What both bundles share. */
const common = {
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
} satisfies Options;

export default defineConfig([
  {
    ...common,
    entry: { cli: 'src/cli.ts' },
    // the worker's bundle (below) is built beside this one, at the same time
    clean: ['!issue-worker.js', '!issue-worker.js.map'],
    banner: { js: '#!/usr/bin/env node' },
    // yargs is bundled into the CLI: loaded as its ~45 separate modules it took ~0.12 s of CPU of
    // every command's start-up, bundled ~0.01 s (its texts are its built-in English ones either
    // way: nodeid never sets a locale). The workspace packages stay imports.
    noExternal: ['yargs', 'yargs/helpers'],
    esbuildPlugins: [lazyStringWidth],
    metafile: true,
    onSuccess: async () => writeBundledLicenses(),
  },
  {
    ...common,
    // A bulk issuance's worker thread, in one file with the parts of @nodeid/sdk and
    // @nodeid/store it uses (186 KB instead of the 460 KB of their whole modules): the thread
    // loads it while the main thread loads the CLI, both cores busy, in about 35 ms instead of
    // 65 ms. A thread has its own copy of every module anyway; nothing of it is shared with the
    // main thread but messages. Both packages bundle no third-party code.
    entry: { 'issue-worker': 'src/issue-worker.ts' },
    // one file, lazily loaded parts included: the CLI's build above cleans every other file
    splitting: false,
    clean: false,
    noExternal: [/^@nodeid\/(sdk|store)(\/|$)/],
  },
]);
