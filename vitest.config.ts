import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/pg-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end tests start real processes and servers; two cores run them comfortably in parallel.
    maxWorkers: 2,
  },
});
