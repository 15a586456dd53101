import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-fast-check.ts'],
    // The CLI tests spawn the compiled command: rebuild dist/ first if a source changed.
    globalSetup: ['test/build-if-stale.ts'],
    testTimeout: 60_000,
    // Two cores on CI: run files in parallel, one worker per core.
    pool: 'forks',
  },
});
