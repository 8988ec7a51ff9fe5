import { defineConfig } from 'vitest/config';

// The compiler's tests alone: no database or Temporal servers, so no globalSetup.
// `npx vitest run --config test/dsl/vitest.config.ts`
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/dsl/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
