import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/http/**/*.test.ts', 'test/robustness/**/*.test.ts'],
    testTimeout: 30_000,
    // Every review in these suites is held to the suggestion invariant (issue: refusals come with the fix).
    setupFiles: ['test/support/suggestion-invariant.ts'],
  },
});
