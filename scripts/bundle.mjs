#!/usr/bin/env node
// The CLI as one file: src/cli/main.ts and everything it imports, bundled by
// esbuild into an ES module with a #! line, runnable with any Node >= 24 and
// nothing else beside it (no checkout, no node_modules). The entry still
// checks the Node version before the program is evaluated: modules reached
// through its dynamic import stay lazily evaluated in the bundle.
//   node scripts/bundle.mjs [--outfile FILE]   (default dist/bundle/tenant-guard.mjs)
import { chmodSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const at = args.indexOf('--outfile');
const outfile = at >= 0 && args[at + 1] !== undefined ? args[at + 1] : join(repo, 'dist', 'bundle', 'tenant-guard.mjs');
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

await build({
  absWorkingDir: repo,
  entryPoints: ['src/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __tenantGuardCreateRequire } from 'node:module';\nconst require = __tenantGuardCreateRequire(import.meta.url);" },
  define: { TENANT_GUARD_VERSION: JSON.stringify(version) },
  legalComments: 'eof',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`bundled ${outfile}`);
