import { defineConfig } from 'vitest/config';

/** Only the conformance suite's wrapper; every other test runs under node:test. */
export default defineConfig({
  test: {
    include: ['test/durable-streams-conformance/suite.vitest.ts'],
    root: new URL('../..', import.meta.url).pathname,
    // The suite's own long-poll tests wait up to longPollTimeoutMs + 1 s each.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
