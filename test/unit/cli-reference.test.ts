/** README.md's CLI reference is the parser's help, as `npm run generate` writes it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliReference, REFERENCE_END, REFERENCE_START, withReference } from '../../src/cli/reference.js';
import { repo } from './cli-support.js';

describe('the CLI reference in README.md', () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');

  it('is what the parser prints (run `npm run generate` after changing a flag)', () => {
    const section = readme.slice(readme.indexOf(REFERENCE_START), readme.indexOf(REFERENCE_END) + REFERENCE_END.length);
    expect(section).toBe(cliReference());
    expect(withReference(readme)).toBe(readme);
  });

  it('has every command and flag', () => {
    for (const heading of ['serve', 'check', 'audit', 'floor', 'controller', 'certs', 'completion']) expect(cliReference()).toContain(`### tenant-guard ${heading}\n`);
    for (const flag of ['--fix', '--in-place', '-n, --namespace <ns>', '--log-level <level>', '--old <path>', '-R, --recursive', '--context <name>']) expect(cliReference()).toContain(flag);
  });
});
