import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start registries and write real layers; two at a time suits 2-core hosts.
    maxWorkers: 2,
    // No test may give the machine's own network namespace a bridge or firewall rules: containers
    // of tests get `--network none` by default (dockerd's --bridge=none). Network tests run their
    // daemon inside a network namespace they made, with the bridge switched back on there.
    // Nor may a test read or write the learner's own lesson progress in the home directory.
    env: { SKIFF_BRIDGE: 'none', SKIFF_LESSONS: 'none' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
