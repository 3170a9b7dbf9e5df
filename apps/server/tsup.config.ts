import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { app: 'src/app.ts', main: 'src/main.ts', 'signing-worker': 'src/signing-worker.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { entry: { app: 'src/app.ts' } },
  sourcemap: true,
  clean: true,
});
