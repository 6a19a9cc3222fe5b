/**
 * netpol-analyzer's own test cases (shared/oracle/netpol-analyzer, beside the
 * repository; TG_SHARED_DIR overrides the shared folder): `reach -o connlist`
 * over each case's folder must print exactly the lines that tool's `list`
 * printed. A missing oracle fails the suite: the cases are the check that
 * the engine's semantics are Kubernetes'.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './cli-support.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sharedDir = process.env.TG_SHARED_DIR !== undefined && process.env.TG_SHARED_DIR !== ''
  ? path.resolve(process.env.TG_SHARED_DIR)
  : path.resolve(repoRoot, '..', 'shared');
const oracleDir = path.join(sharedDir, 'oracle', 'netpol-analyzer');
const cases = existsSync(path.join(oracleDir, 'tests')) ? readdirSync(path.join(oracleDir, 'tests')).sort() : [];

describe('netpol-analyzer oracle', () => {
  it('is present, with its 21 cases', () => {
    expect(existsSync(oracleDir), `the netpol-analyzer oracle was not found at ${oracleDir}; it lives in the shared folder beside the repository (shared/oracle/netpol-analyzer), or set TG_SHARED_DIR to the shared folder`).toBe(true);
    expect(cases).toHaveLength(21);
  });

  for (const name of cases) {
    it(name, async () => {
      const expected = readFileSync(path.join(oracleDir, 'expected', `${name}_connlist_output.txt`), 'utf8').split('\n').filter((l) => l !== '');
      const { code, stdout, stderr } = await run('reach', '-f', path.join(oracleDir, 'tests', name), '-o', 'connlist');
      const err = stderr === '' ? [] : stderr.split('\n');
      // Lint warnings are no input errors: the cases are written to exercise semantics, not to be free of likely mistakes.
      expect(err.filter((e) => !e.startsWith('skipped ') && !e.includes(': ignored, ') && !e.startsWith('warning: ')), 'no input errors').toEqual([]);
      expect(code).toBe(0);
      const lines = stdout.split('\n').filter((l) => l !== '');
      expect(lines).toEqual(expected);
    });
  }
});
