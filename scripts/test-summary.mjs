#!/usr/bin/env node
// Sums vitest JSON reports into one closing line, "N passed, N failed", so a
// reader (or a CI log scanner) sees the totals of every suite the run went
// through. Exit code 1 when any report is missing or has failures.
import { readFileSync, existsSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`test-summary: no report at ${file}`);
    missing++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if (r.success === false && (r.numFailedTests ?? 0) === 0) failed++;
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || missing > 0 ? 1 : 0);
