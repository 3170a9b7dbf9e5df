#!/usr/bin/env node
/**
 * Bundles the fuzzer with the SDK's sources (its internal readers are the targets, and they are
 * not exported from the SDK's dist) into dist/: `fuzz.mjs` (the driver) and `worker.mjs` (the
 * thread that runs a target, which the driver can stop when an input hangs).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const sdk = fileURLToPath(new URL('../../packages/sdk/src', import.meta.url));

await build({
  absWorkingDir: fileURLToPath(new URL('.', import.meta.url)),
  entryPoints: { fuzz: 'src/fuzz.ts', worker: 'src/worker.ts', 'tiny-tlv': 'src/tiny-tlv.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // the CLI's node-list parser imports @nodeid/sdk: its sources too, so that its parsers are the
  // ones fuzzed; the store (which the fuzzer never calls) stays an import of its built package
  plugins: [
    {
      name: 'sdk-sources',
      setup(b) {
        b.onResolve({ filter: /^@nodeid\/sdk$/ }, () => ({ path: `${sdk}/index.ts` }));
        b.onResolve({ filter: /^@nodeid\/sdk\/node$/ }, () => ({ path: `${sdk}/node/index.ts` }));
      },
    },
  ],
  external: ['@nodeid/store', '@nodeid/store/*'],
  logLevel: 'warning',
});
