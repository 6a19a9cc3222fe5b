/**
 * Prints the oracle suite's count as the run's last line,
 * "N policies, M disagreements", after vitest's own summary.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Reporter } from 'vitest/node';
import { SUMMARY_FILE } from './summary.js';

export default class OracleSummaryReporter implements Reporter {
  onTestRunEnd(): void {
    const line = existsSync(SUMMARY_FILE) ? readFileSync(SUMMARY_FILE, 'utf8').trim() : 'the oracle suite did not run: 0 policies, 0 disagreements';
    process.stdout.write(`${line}\n`);
  }
}
