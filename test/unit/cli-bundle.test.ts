/**
 * The single-file CLI and its krew package, as a user without a checkout
 * gets them: the archive scripts/krew-package.mjs makes (its sha256 in the
 * manifest it writes), unpacked into a folder with nothing else, and run as
 * the kubectl plugin file: the same verdicts as the program, standard input,
 * the Node version check before anything is loaded, and serve --dev.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { example, repo, run, tempDir } from './cli-support.js';

const tmp = tempDir('tenant-guard-bundle-');
const out = join(tmp.dir, 'krew');
const unpacked = join(tmp.dir, 'plugin');
const plugin = join(unpacked, 'kubectl-tenant_guard');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
const archive = join(out, `tenant-guard-v${pkg.version}.tar.gz`);

interface KrewManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version: string; homepage: string; shortDescription: string; description: string; caveats: string; platforms: { selector: unknown; uri: string; sha256: string; bin: string }[] };
}

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'krew-package.mjs'), '--out', out, '--manifest', join(out, 'tenant-guard.yaml')], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  mkdirSync(unpacked);
  const x = spawnSync('tar', ['-xzf', archive, '-C', unpacked], { encoding: 'utf8' });
  expect(x.status, x.stderr).toBe(0);
}, 150_000);
afterAll(() => tmp.cleanup());

/** Runs the unpacked plugin file itself (its #! line finds node on PATH), from a folder outside the repository. */
function runPlugin(args: string[], opts: { input?: string; pre?: string[] } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [exe, argv] = opts.pre === undefined ? [plugin, args] : [process.execPath, [...opts.pre, plugin, ...args]];
  const env = { ...process.env, HOME: tmp.dir, KUBECONFIG: join(tmp.dir, 'none') };
  return new Promise((resolve) => {
    const child = spawn(exe, argv, { cwd: unpacked, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

describe('the krew package', () => {
  const manifest = () => parse(readFileSync(join(out, 'tenant-guard.yaml'), 'utf8')) as KrewManifest;

  it('names the archive it made, by sha256, and the plugin file in it', () => {
    const m = manifest();
    expect(m.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(m.kind).toBe('Plugin');
    expect(m.metadata.name).toBe('tenant-guard');
    expect(m.spec.version).toBe(`v${pkg.version}`);
    expect(m.spec.platforms).toHaveLength(1);
    const p = m.spec.platforms[0]!;
    expect(p.sha256).toBe(createHash('sha256').update(readFileSync(archive)).digest('hex'));
    expect(p.uri.endsWith(`/tenant-guard-v${pkg.version}.tar.gz`)).toBe(true);
    expect(p.bin).toBe('kubectl-tenant_guard');
    expect(p.selector).toEqual({ matchExpressions: [{ key: 'os', operator: 'In', values: ['linux', 'darwin'] }] });
    expect(spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' }).stdout).toBe('kubectl-tenant_guard\n');
  });

  it('the manifest in plugins/ is the one the script writes, for this version (the sha256 is rewritten at each release)', () => {
    const committed = parse(readFileSync(join(repo, 'plugins', 'tenant-guard.yaml'), 'utf8')) as KrewManifest;
    const made = manifest();
    expect(committed.spec.platforms[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const m of [committed, made]) m.spec.platforms[0]!.sha256 = '';
    expect(committed).toEqual(made);
  });
});

describe('the single-file CLI, alone in a folder', () => {
  const args = ['check', '-f', example('cross-tenant.yaml'), '-n', 'acme-web', '--tenant', 'acme'];

  it('refuses as the program does, exit 1', async () => {
    const [bundled, program] = await Promise.all([runPlugin(args), run(...args)]);
    expect(bundled.stderr).toBe('');
    expect(bundled.code).toBe(1);
    expect(bundled.stdout).toBe(`${program.stdout}\n`);
  });

  it('reads standard input, and knows its version', async () => {
    const r = await runPlugin(['check', '-f', '-', '-n', 'acme-web', '--tenant', 'acme', '-o', 'json'], { input: readFileSync(example('same-tenant.yaml'), 'utf8') });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { file: string; allowed: boolean }[]).map((o) => [o.file, o.allowed])).toEqual([['-', true]]);
    expect((await runPlugin(['--version'])).stdout).toBe(`${pkg.version}\n`);
    expect((await runPlugin(['--help'])).stdout).toContain('Usage: kubectl tenant-guard [options] [command]');
  });

  it('checks the Node version before the bundled program is evaluated', async () => {
    const r = await runPlugin(args, { pre: ['--import', 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})'] });
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'tenant-guard needs Node 24 or newer; this is Node 20.11.1 (run it with a newer node, or through npx/npm scripts, which use the project\'s pinned Node 24)\n' });
  });

  it('does not load Node\'s own fetch (undici): its ES imports of built-ins go through require, which reads no lazy export', async () => {
    // An ES import of node:http builds the module's ES facade, which reads http.WebSocket and loads
    // Node's internal undici (several MiB resident) though client-node brings its own.
    const report = 'process.on("exit",()=>process.stderr.write("internal undici: "+process.moduleLoadList.some((m)=>m.includes("deps/undici"))+"\\n"))';
    const r = await runPlugin(args, { pre: ['--import', `data:text/javascript,${encodeURIComponent(report)}`] });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe('internal undici: false\n');
  });

  it('serve --dev listens on 127.0.0.1 and stops on SIGTERM', async () => {
    const child = spawn(plugin, ['serve', '--dev', '--port', '0', '--log-format', 'json'], { cwd: unpacked, env: { ...process.env, HOME: tmp.dir, KUBECONFIG: join(tmp.dir, 'none') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const listening = new Promise<{ host: string }>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        const line = stdout.split('\n').find((l) => l.includes('"tenant-guard webhook listening"'));
        if (line !== undefined) resolve(JSON.parse(line) as { host: string });
      });
      child.once('close', (code) => reject(new Error(`serve exited ${code}: ${stdout}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    expect((await listening).host).toBe('127.0.0.1');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
