// Starts the local control plane (`npm run cluster up`, src/dev/cluster.ts) for the e2e run and
// stops it afterwards, unless a running cluster is reused:
//   - TG_E2E_KUBECONFIG_DIR points at a kubeconfig folder of a running
//     cluster (e.g. after `eval "$(npm run --silent cluster env)"`), or
//   - `npm run cluster status` reports a healthy cluster already up.
// A reused cluster is left running: a run that did not start the cluster never
// stops it. `status` exiting 3 means the control plane is up and only the
// webhook is stopped; `up` then only starts the webhook, which does not make
// this run the cluster's owner either.
//
// Several runs may share the default state folder (.cluster). Each run holds
// a lease (<state>/leases/<pid>) while it uses the cluster; the run that
// started it leaves it running when other live runs still hold leases.
//
// Tests that stop the webhook or install cluster-wide admission policies do
// not touch this shared cluster: they start a private one (kube.ts,
// startPrivateCluster).
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { clusterArgv, layoutOf, parseEnvFile } from '../../src/dev/layout.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [node, ...clusterArgs] = clusterArgv() as [string, ...string[]];
// Covers a cold build of kube-apiserver, kubectl and etcd (a few minutes).
const UP_TIMEOUT_MS = 20 * 60_000;
const DOWN_TIMEOUT_MS = 2 * 60_000;

function run(args: string[], timeoutMs: number, opts: { quiet?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [...clusterArgs, ...args], {
      cwd: repo,
      stdio: ['ignore', opts.quiet === true ? 'ignore' : 'inherit', opts.quiet === true ? 'ignore' : 'inherit'],
      timeout: timeoutMs,
      killSignal: 'SIGTERM',
      // The tests start the controllers they test, scoped to their own namespaces: the cluster's webhook runs alone.
      env: { ...process.env, TG_DEV_CONTROLLER: 'off', ...opts.env },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

function capture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { cwd: repo, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

/** Reads state folder, kubeconfig dir and kubectl path from the env file of the running cluster. */
function clusterEnv(): { stateDir: string; kubeconfigDir: string; kubectl: string } {
  const env = parseEnvFile(readFileSync(layoutOf(process.env).envFile, 'utf8'));
  return { stateDir: env.TG_CLUSTER_DIR ?? '', kubeconfigDir: env.TG_E2E_KUBECONFIG_DIR ?? '', kubectl: env.TG_KUBECTL ?? '' };
}

async function kubectlPath(): Promise<string> {
  if (process.env.TG_KUBECTL) return process.env.TG_KUBECTL;
  const binDir = (await capture('bash', [join(repo, 'scripts', 'build-k8s.sh'), '--print-dir'])).trim();
  return join(binDir, 'kubectl');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of other runs that hold a lease on the cluster and are still alive. */
function otherLeaseHolders(leaseDir: string): number[] {
  if (!existsSync(leaseDir)) return [];
  return readdirSync(leaseDir)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid && alive(pid));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started = false;
  let kubeconfigDir: string;
  let kubectl: string;
  let leaseDir: string | undefined;

  const given = process.env.TG_E2E_KUBECONFIG_DIR;
  if (given) {
    kubeconfigDir = given;
    kubectl = await kubectlPath();
  } else {
    const status = await run(['status'], 60_000, { quiet: true });
    const owner = randomUUID();
    if (status === 0) {
      console.log('[e2e] reusing the running local cluster');
    } else {
      const code = await run(['up'], UP_TIMEOUT_MS, { env: { TG_CLUSTER_OWNER: owner } });
      if (code !== 0) throw new Error(`npm run cluster up failed (exit ${code})`);
    }
    let stateDir: string;
    ({ stateDir, kubeconfigDir, kubectl } = clusterEnv());
    const cmdFile = join(stateDir, 'webhook', 'cmd');
    if (existsSync(cmdFile) && readFileSync(cmdFile, 'utf8').includes('--controller')) {
      throw new Error(`the running cluster (${stateDir}) runs the controller beside the webhook, which would write in the tests' namespaces: 'npm run cluster down' first, or start it with TG_DEV_CONTROLLER=off`);
    }
    // Only the run whose token `up` recorded started the cluster (another run
    // may have started it meanwhile, or `up` may only have restarted the webhook).
    const ownerFile = join(stateDir, 'owner');
    started = status !== 0 && existsSync(ownerFile) && readFileSync(ownerFile, 'utf8').trim() === owner;
    leaseDir = join(stateDir, 'leases');
    mkdirSync(leaseDir, { recursive: true });
    writeFileSync(join(leaseDir, String(process.pid)), `${new Date().toISOString()}\n`);
  }
  for (const f of [join(kubeconfigDir, 'admin'), kubectl]) {
    if (!existsSync(f)) throw new Error(`e2e: ${f} does not exist`);
  }

  project.provide('tgKubeconfigDir', kubeconfigDir);
  project.provide('tgKubectl', kubectl);

  return async () => {
    if (leaseDir !== undefined) rmSync(join(leaseDir, String(process.pid)), { force: true });
    if (!started || process.env.TG_E2E_KEEP_CLUSTER === '1') return;
    const others = leaseDir === undefined ? [] : otherLeaseHolders(leaseDir);
    if (others.length > 0) {
      console.log(`[e2e] leaving the local cluster running: other test runs (pids ${others.join(', ')}) still use it; 'npm run cluster down' stops it`);
      return;
    }
    const code = await run(['down'], DOWN_TIMEOUT_MS);
    if (code !== 0) console.warn(`[e2e] npm run cluster down exited ${code}`);
  };
}
