import { defineConfig } from 'vitest/config';

// The differential oracle suite (npm run test:oracle): needs the oracle built
// by scripts/build-oracle.sh. Its last line is "N policies, M disagreements".
export default defineConfig({
  test: {
    include: ['test/oracle/**/*.oracle.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    reporters: ['default', './test/oracle/summary-reporter.ts'],
  },
});
