import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal core bridge is a native module: keep process isolation.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/temp-root.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
