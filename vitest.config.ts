import { defineConfig } from 'vitest/config';

// Integration tests share one Temporal dev server, one time-skipping server and one
// FerretDB, started by test/global-setup.ts. Forks (not threads) because the Temporal
// worker's native runtime must live in its own process.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
