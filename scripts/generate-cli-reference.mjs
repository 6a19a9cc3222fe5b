#!/usr/bin/env node
// Writes the CLI reference into README.md from the parser (src/cli/reference.ts,
// built into dist/ by `npm run build`, which `npm run generate` runs first).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { withReference } = await import(join(repo, 'dist', 'cli', 'reference.js'));
const path = join(repo, 'README.md');
const before = readFileSync(path, 'utf8');
const after = withReference(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'README.md: CLI reference up to date' : 'README.md: CLI reference written');
