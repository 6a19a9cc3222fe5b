/**
 * The CLI as a Node single executable application (scripts/sea.mjs): one
 * binary that runs where there is no Node at all (empty environment, no PATH)
 * and gives the program's verdicts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, repo, run, tempDir } from './cli-support.js';

const tmp = tempDir('tenant-guard-sea-');
const binary = join(tmp.dir, 'tenant-guard');

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'sea.mjs'), '--outfile', binary], { encoding: 'utf8', timeout: 180_000 });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
}, 200_000);
afterAll(() => tmp.cleanup());

function runBinary(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // No PATH, no HOME: nothing of this machine's Node or kubeconfig.
    const child = spawn(binary, args, { cwd: tmp.dir, env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('the single executable', () => {
  const args = ['check', '-f', example('cross-tenant.yaml'), '-n', 'acme-web', '--tenant', 'acme'];

  it('refuses as the program does, with no Node on the machine\'s PATH', async () => {
    const [sea, program] = await Promise.all([runBinary(args), run(...args)]);
    expect(sea.stderr).toBe('');
    expect(sea.code).toBe(1);
    expect(sea.stdout).toBe(`${program.stdout}\n`);
  });

  it('reads standard input and knows its version', async () => {
    const r = await runBinary(['check', '-f', '-', '-n', 'acme-web', '--tenant', 'acme'], readFileSync(example('same-tenant.yaml'), 'utf8'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ALLOWED NetworkPolicy acme-web/allow-from-acme-and-platform (-#1)');
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    expect((await runBinary(['--version'])).stdout).toBe(`${pkg.version}\n`);
  });
});
