#!/usr/bin/env node
// The CLI as a Node single executable application: one binary with Node
// inside, for the platform of the Node that runs this script (about 130 MB;
// no Node needed where it runs). esbuild bundles the CLI as the CommonJS
// script Node 24's SEA support takes, `node --experimental-sea-config` makes
// the blob, and postject writes it into a copy of this Node binary.
//   node scripts/sea.mjs [--outfile FILE]   (default dist/sea/tenant-guard)
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { inject } from 'postject';
import { cliBuildOptions, repo, writeOutputs } from './cli-build-options.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--outfile');
const outfile = at >= 0 && args[at + 1] !== undefined ? args[at + 1] : join(repo, 'dist', 'sea', 'tenant-guard');
const work = `${outfile}.build`;
mkdirSync(work, { recursive: true });
const script = join(work, 'tenant-guard.cjs');
await writeOutputs(await build(cliBuildOptions('cjs', script)));
const blob = join(work, 'sea-prep.blob');
writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }));
execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: 'inherit' });
mkdirSync(dirname(outfile), { recursive: true });
copyFileSync(process.execPath, outfile);
chmodSync(outfile, 0o755);
// The fuse is Node's: it tells the binary a blob is there to run.
await inject(outfile, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2' });
console.log(`wrote ${outfile} (Node ${process.versions.node}, ${process.platform}-${process.arch})`);
