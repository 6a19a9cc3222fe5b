// Helpers for e2e tests: run the cluster's kubectl as one of the test users,
// against the shared cluster of the run (global-setup.ts) or a private one.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject } from 'vitest';
import { clusterArgv } from '../../src/dev/layout.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [node, ...clusterArgs] = clusterArgv() as [string, ...string[]];

/** Test users of the local cluster (src/dev/layout.ts): admin is in system:masters, alice in
 * acme-devs, bob in globex-devs, carol in tenant:initech, mallory in no tenant;
 * tenant-guard is the webhook's own identity (namespaces get/list/watch and ciliumcidrgroups list/watch only). */
export type User = 'admin' | 'alice' | 'bob' | 'carol' | 'mallory' | 'tenant-guard';

/** The webhook's username (src/dev/layout.ts, test/cluster/manifests/webhook-rbac.yaml). */
export const WEBHOOK_USER = 'system:serviceaccount:tenant-guard-system:tenant-guard';

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

function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const v of PROXY_VARS) delete env[v];
  delete env.KUBECONFIG;
  return { ...env, ...extra };
}

function runKubectl(bin: string, kubeconfig: string, args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  const timeout = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise) => {
    const child = execFile(
      bin,
      ['--kubeconfig', kubeconfig, '--request-timeout=30s', ...args],
      { timeout, maxBuffer: 32 * 1024 * 1024, env: childEnv() },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          code = typeof err.code === 'number' ? err.code : -1;
          if (err.killed) stderr += `\n[e2e] kubectl killed after ${timeout}ms`;
        }
        resolvePromise({ code, stdout, stderr });
      },
    );
    // kubectl may exit before reading its input (no `-f -`): a closed pipe is not a test failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

export function kubeconfigOf(user: User): string {
  return join(inject('tgKubeconfigDir'), user);
}

/** Runs kubectl as `user` on the run's shared cluster; never throws for a non-zero exit. */
export function kubectl(user: User, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  return runKubectl(inject('tgKubectl'), kubeconfigOf(user), args, opts);
}

/** A fresh DNS-1123 name, e.g. uniqueName('acme') -> 'acme-e2e-lx3k9a-1f2e3d'. */
export function uniqueName(prefix: string): string {
  const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return `${prefix}-e2e-${suffix}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
}

/**
 * Creates a namespace with a fresh name as `user` (the webhook labels it with
 * the user's tenant), asserting that kubectl succeeded, and records it in
 * `cleanup`, the test file's set for deleteNamespaces.
 */
export async function createNamespace(user: User, prefix: string, cleanup: Set<string>): Promise<string> {
  const name = uniqueName(prefix);
  const res = await kubectl(user, ['create', 'namespace', name]);
  expect(res.code, res.stderr).toBe(0);
  cleanup.add(name);
  return name;
}

/** Deletes namespaces as admin without waiting: the local control plane has no
 * namespace controller, so deleted namespaces stay Terminating until `down`. */
export async function deleteNamespaces(names: Iterable<string>, run: (user: User, args: string[]) => Promise<KubectlResult> = kubectl): Promise<void> {
  const list = [...names];
  if (list.length === 0) return;
  const res = await run('admin', ['delete', 'namespace', '--wait=false', '--ignore-not-found', ...list]);
  if (res.code !== 0) throw new Error(`deleting namespaces ${list.join(', ')} failed: ${res.stderr}`);
}

/** Polls `check` until it returns true, for at most `timeoutMs`; throws with `what` otherwise. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The API server's answer when the tenant-guard validating webhook refused a request. */
export const WEBHOOK_DENIED = /admission webhook "(services\.)?validate\.tenant-guard\.io" denied the request/;
/** The API server's answer when a ValidatingAdmissionPolicy refused a request. */
export const POLICY_DENIED = /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request/;

// ------------------------------------------------------------------ private clusters

interface ScriptResult {
  code: number;
  output: string;
}

function script(stateDir: string, args: string[], timeoutMs: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<ScriptResult> {
  return new Promise((resolvePromise, reject) => {
    const env = childEnv({ TG_DEV_CONTROLLER: 'off', ...extraEnv, TG_CLUSTER_DIR: stateDir });
    delete env.TG_CLUSTER_OWNER;
    const child = spawn(node, [...clusterArgs, ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGTERM' });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/**
 * A control plane of its own (src/dev/cluster.ts with a temporary
 * TG_CLUSTER_DIR), for tests that stop the webhook, change its
 * failurePolicy or install cluster-wide admission policies: doing that on the
 * shared cluster would break other test runs using it at the same time.
 * Starts in about 10 s once the binaries are built.
 */
export class PrivateCluster {
  private constructor(
    private readonly parent: string,
    readonly stateDir: string,
    readonly kubectlBin: string,
    readonly env: Readonly<Record<string, string>>,
  ) {}

  /** `env` reaches `cluster up`, e.g. TG_WEBHOOK_CONFIG for another webhook config. */
  static async start(label: string, opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<PrivateCluster> {
    const parent = mkdtempSync(join(tmpdir(), `tg-e2e-${label}-`));
    const stateDir = join(parent, 'cluster');
    const up = await script(stateDir, ['up'], opts.timeoutMs ?? 5 * 60_000, opts.env);
    if (up.code !== 0) {
      await script(stateDir, ['down'], 60_000);
      rmSync(parent, { recursive: true, force: true });
      throw new Error(`private cluster: cluster up exited ${up.code}\n${up.output}`);
    }
    const env: Record<string, string> = {};
    for (const line of readFileSync(join(stateDir, 'env'), 'utf8').split('\n')) {
      const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
      // Values are shell words; paths under the temporary folder need no unquoting.
      if (m !== null) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
    }
    return new PrivateCluster(parent, stateDir, join(stateDir, 'bin', 'kubectl'), env);
  }

  kubeconfig(user: User): string {
    return join(this.stateDir, 'kubeconfig', user);
  }

  kubectl(user: User, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
    return runKubectl(this.kubectlBin, this.kubeconfig(user), args, opts);
  }

  /** Runs a cluster command (src/dev/cluster.ts) on this cluster; throws when it fails. */
  async script(args: string[], env: Record<string, string> = {}): Promise<string> {
    const res = await script(this.stateDir, args, 3 * 60_000, env);
    if (res.code !== 0) throw new Error(`cluster ${args.join(' ')} exited ${res.code}\n${res.output}`);
    return res.output;
  }

  webhookStop(): Promise<string> {
    return this.script(['webhook-stop']);
  }

  /** Starts the webhook again; a `config` file replaces its configuration from now on. */
  webhookStart(config?: string): Promise<string> {
    return this.script(['webhook-start'], config === undefined ? {} : { TG_WEBHOOK_CONFIG: config });
  }

  /** Runs `fn` with the webhook process stopped, and starts it again however `fn` ends. */
  async withWebhookStopped<T>(fn: () => Promise<T>): Promise<T> {
    await this.webhookStop();
    try {
      return await fn();
    } finally {
      await this.webhookStart();
    }
  }

  /** Sets failurePolicy on every webhook of both tenant-guard configurations (takes effect asynchronously). */
  async setFailurePolicy(policy: 'Fail' | 'Ignore'): Promise<void> {
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      const get = await this.kubectl('admin', ['get', kind, 'tenant-guard', '-o', 'json']);
      if (get.code !== 0) throw new Error(get.stderr);
      const count = (JSON.parse(get.stdout) as { webhooks: unknown[] }).webhooks.length;
      const patch = Array.from({ length: count }, (_, i) => ({ op: 'replace', path: `/webhooks/${i}/failurePolicy`, value: policy }));
      const res = await this.kubectl('admin', ['patch', kind, 'tenant-guard', '--type=json', '-p', JSON.stringify(patch)]);
      if (res.code !== 0) throw new Error(`patching ${kind} failed: ${res.stderr}`);
    }
  }

  async down(): Promise<void> {
    try {
      await this.script(['down']);
    } finally {
      rmSync(this.parent, { recursive: true, force: true });
    }
  }
}
