/** Running the CLI in-process with captured output, and temporary files for its inputs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/program.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const example = (name: string): string => join(repo, 'examples', name);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(...argv: string[]): Promise<Run> {
  return runWithInput(undefined, ...argv);
}

/** As run, with `input` as standard input (for `-f -`). */
export async function runWithInput(input: string | undefined, ...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = () => (input === undefined ? Promise.reject(new Error('this test gives no standard input')) : Promise.resolve(input));
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), stdin, isTTY: false });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'tenant-guard-test-'): { dir: string; write: (name: string, text: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
