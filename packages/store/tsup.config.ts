import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    record: 'src/record.ts',
    errors: 'src/errors-entry.ts',
    'commit-worker': 'src/sqlite/commit-worker.ts',
  },
  // import.meta.url in the CommonJS build too: the commit thread is found beside the bundle
  shims: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'node',
  treeshake: true,
});
