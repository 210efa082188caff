import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/edge runs inside workerd: vitest.workers.config.mts.
    exclude: ['test/edge/**', 'node_modules/**'],
    testTimeout: 120_000,
  },
});
