import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start registries and write real layers; two at a time suits 2-core hosts.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
