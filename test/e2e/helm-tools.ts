// Helpers for the chart tests: the helm binary built from Go modules
// (scripts/build-helm.sh), run with its state in a temporary folder, and
// small utilities for rendered manifests.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = join(repo, 'charts', 'tenant-guard');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const PROXY_VARS = ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY'];

/** Runs a command; never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const timeout = opts.timeoutMs ?? 120_000;
  const env = { ...process.env, ...opts.env };
  for (const v of PROXY_VARS) delete env[v];
  return new Promise((resolvePromise) => {
    const child = execFile(cmd, args, { cwd: repo, timeout, maxBuffer: 64 * 1024 * 1024, env }, (err, stdout, stderr) => {
      let code = 0;
      if (err) {
        code = typeof err.code === 'number' ? err.code : -1;
        if (err.killed) stderr += `\n[e2e] ${cmd} killed after ${timeout}ms`;
      }
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}

/** Builds helm if it is not cached yet (a cold build takes a few minutes) and returns its path. */
export async function buildHelm(): Promise<string> {
  const res = await run('bash', [join(repo, 'scripts', 'build-helm.sh')], { timeoutMs: 20 * 60_000 });
  if (res.code !== 0) throw new Error(`scripts/build-helm.sh failed (exit ${res.code}):\n${res.stderr}`);
  const path = res.stdout.trim().split('\n').pop() ?? '';
  if (path === '') throw new Error('scripts/build-helm.sh printed no path');
  return path;
}

const helmHome = mkdtempSync(join(tmpdir(), 'tg-helm-home-'));

/** Runs helm with its cache/config/data in a temporary folder, with `kubeconfig` when it talks to a cluster. */
export function helm(bin: string, args: string[], opts: { kubeconfig?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const kube = opts.kubeconfig === undefined ? [] : ['--kubeconfig', opts.kubeconfig];
  return run(bin, [...args, ...kube], {
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 120_000,
    env: {
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
      KUBECONFIG: '',
    },
  });
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null && typeof d === 'object' && typeof d.kind === 'string');
}

export function find(docs: Manifest[], kind: string): Manifest[] {
  return docs.filter((d) => d.kind === kind);
}

export function one(docs: Manifest[], kind: string): Manifest {
  const all = find(docs, kind);
  if (all.length !== 1) throw new Error(`expected one ${kind}, found ${all.length}`);
  return all[0]!;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolvePromise(port));
    });
  });
}

/** Polls `probe` until it returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
