// `kubectl tenant-guard …` with the single-file CLI installed as kubectl finds
// plugins (an executable `kubectl-tenant_guard` on PATH, as krew links it), no
// checkout beside it: kubectl lists it, runs `check` offline with the
// webhook's verdict, and `audit` against the real API server of the e2e run.
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubeconfigOf, repo } from './kube.js';

const scratch = mkdtempSync(join(tmpdir(), 'tg-plugin-e2e-'));
const bin = join(scratch, 'bin');

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'bundle.mjs'), '--outfile', join(bin, 'tenant-guard.mjs')], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  copyFileSync(join(bin, 'tenant-guard.mjs'), join(bin, 'kubectl-tenant_guard'));
  rmSync(join(bin, 'tenant-guard.mjs'));
}, 150_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // PATH: the plugin's folder, then node's (the plugin's #! line), then the system's.
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [bin, dirname(process.execPath), process.env.PATH ?? ''].join(':'), HOME: scratch };
  for (const v of ['KUBECONFIG', 'http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete env[v];
  return new Promise((resolve) => {
    execFile(inject('tgKubectl'), args, { cwd: scratch, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

describe('kubectl tenant-guard', () => {
  it('is listed by kubectl plugin list', async () => {
    const r = await kubectl(['plugin', 'list']);
    expect(r.stdout).toContain(join(bin, 'kubectl-tenant_guard'));
  });

  it('check refuses the cross-tenant example, exit 1, naming the field', async () => {
    const r = await kubectl(['tenant-guard', 'check', '-f', join(repo, 'examples', 'cross-tenant.yaml'), '-n', 'acme-web', '--tenant', 'acme']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DENIED  NetworkPolicy acme-web/allow-from-globex');
    expect(r.stdout).toContain('  - spec.ingress[0].from[0].namespaceSelector: Forbidden: selects namespaces of tenant globex (fix: ');
  });

  it('--help calls itself kubectl tenant-guard', async () => {
    const r = await kubectl(['tenant-guard', 'audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: kubectl tenant-guard audit [options]');
  });

  it('audit reads the real API server', async () => {
    const r = await kubectl(['tenant-guard', 'audit', '--kubeconfig', kubeconfigOf('admin'), '--config', join(repo, 'test', 'cluster', 'config.yaml'), '-o', 'json']);
    expect(r.stderr).toBe('');
    expect([0, 1]).toContain(r.code);
    const report = JSON.parse(r.stdout) as { apiServer: string; scanned: { namespaces: number } };
    expect(report.apiServer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(report.scanned.namespaces).toBeGreaterThan(0);
  });
});
