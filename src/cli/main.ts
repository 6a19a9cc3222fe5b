#!/usr/bin/env node
/**
 * The executable (package.json "bin", the container's entrypoint, the
 * kubectl plugin): always runs, whatever name it is started or linked as.
 * The program is imported only once the Node version is known to be
 * supported (start.ts). Tests import program.ts, never this file.
 */
import { start } from './start.js';

start({
  nodeVersion: process.versions.node,
  argv: process.argv.slice(2),
  invokedAs: process.argv[1],
  load: () => import('./program.js'),
  err: (line) => process.stderr.write(line + '\n'),
}).then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write('tenant-guard: ' + (e instanceof Error ? e.message : String(e)) + '\n');
  process.exitCode = 2;
});
