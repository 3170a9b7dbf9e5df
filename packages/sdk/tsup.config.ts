import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  treeshake: true,
  // keep `node:` specifiers in dist/node.*: Deno and Bun resolve built-ins by them
  removeNodeProtocol: false,
});
