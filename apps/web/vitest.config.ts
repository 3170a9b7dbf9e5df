import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
    // one browser at a time: the machine has two cores
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
