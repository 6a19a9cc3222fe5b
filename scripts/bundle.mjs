#!/usr/bin/env node
// The CLI as one file: src/cli/main.ts and everything it imports, bundled by
// esbuild into an ES module with a #! line, runnable with any Node >= 24 and
// nothing else beside it (no checkout, no node_modules). The entry still
// checks the Node version before the program is evaluated: modules reached
// through its dynamic import stay lazily evaluated in the bundle. `npm run
// build` makes it; it is the package's bin and what the container image runs.
//   node scripts/bundle.mjs [--outfile FILE]   (default dist/bundle/tenant-guard.mjs)
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cliBuildOptions, repo, writeOutputs } from './cli-build-options.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--outfile');
const outfile = at >= 0 && args[at + 1] !== undefined ? args[at + 1] : join(repo, 'dist', 'bundle', 'tenant-guard.mjs');
await writeOutputs(await build(cliBuildOptions('esm', outfile)));
chmodSync(outfile, 0o755);
console.log(`bundled ${outfile}`);
