// Helpers for e2e tests: run the cluster's kubectl as one of the test users.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { inject } from 'vitest';

/** Test users of scripts/cluster.sh: admin is in system:masters, alice in
 * acme-devs, bob in globex-devs, carol in tenant:initech, mallory in no tenant. */
export type User = 'admin' | 'alice' | 'bob' | 'carol' | 'mallory';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's standard input (e.g. a manifest for `-f -`). */
  input?: string;
  timeoutMs?: number;
}

const PROXY_VARS = ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY'];

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const v of PROXY_VARS) delete env[v];
  delete env.KUBECONFIG;
  return env;
}

export function kubeconfigOf(user: User): string {
  return join(inject('tgKubeconfigDir'), user);
}

/** Runs kubectl as `user`; never throws for a non-zero exit. */
export function kubectl(user: User, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const timeout = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const child = execFile(
      inject('tgKubectl'),
      ['--kubeconfig', kubeconfigOf(user), '--request-timeout=30s', ...args],
      { timeout, maxBuffer: 32 * 1024 * 1024, env: childEnv() },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          code = typeof err.code === 'number' ? err.code : -1;
          if (err.killed) stderr += `\n[e2e] kubectl killed after ${timeout}ms`;
        }
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/** A fresh DNS-1123 name, e.g. uniqueName('acme') -> 'acme-e2e-lx3k9a-1f2e3d'. */
export function uniqueName(prefix: string): string {
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return `${prefix}-e2e-${suffix}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
}

/** Deletes namespaces as admin without waiting: the local control plane has no
 * namespace controller, so deleted namespaces stay Terminating until `down`. */
export async function deleteNamespaces(names: Iterable<string>): Promise<void> {
  const list = [...names];
  if (list.length === 0) return;
  const res = await kubectl('admin', ['delete', 'namespace', '--wait=false', '--ignore-not-found', ...list]);
  if (res.code !== 0) throw new Error(`deleting namespaces ${list.join(', ')} failed: ${res.stderr}`);
}
