// Starts the local control plane (scripts/cluster.sh up) for the e2e run and
// stops it afterwards, unless a running cluster is reused:
//   - TG_E2E_KUBECONFIG_DIR points at a kubeconfig folder of a running
//     cluster (e.g. after `eval "$(scripts/cluster.sh env)"`), or
//   - `scripts/cluster.sh status` reports a healthy cluster already up.
// Such a cluster is left running.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const clusterScript = join(repo, 'scripts', 'cluster.sh');
// Covers a cold build of kube-apiserver, kubectl and etcd (a few minutes).
const UP_TIMEOUT_MS = 20 * 60_000;
const DOWN_TIMEOUT_MS = 2 * 60_000;

function run(args: string[], timeoutMs: number, quiet = false): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [clusterScript, ...args], {
      cwd: repo,
      stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'],
      timeout: timeoutMs,
      killSignal: 'SIGTERM',
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

/** Reads kubeconfig dir and kubectl path from the env file of the running cluster. */
async function clusterEnv(): Promise<{ kubeconfigDir: string; kubectl: string }> {
  const out = await capture('bash', [
    '-c',
    'eval "$(bash "$1" env)" && printf "%s\\n%s\\n" "$TG_E2E_KUBECONFIG_DIR" "$TG_KUBECTL"',
    'cluster-env',
    clusterScript,
  ]);
  const [kubeconfigDir = '', kubectl = ''] = out.split('\n');
  return { kubeconfigDir, kubectl };
}

async function kubectlPath(): Promise<string> {
  if (process.env.TG_KUBECTL) return process.env.TG_KUBECTL;
  const binDir = (await capture('bash', [join(repo, 'scripts', 'build-k8s.sh'), '--print-dir'])).trim();
  return join(binDir, 'kubectl');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let started = false;
  let kubeconfigDir: string;
  let kubectl: string;

  const given = process.env.TG_E2E_KUBECONFIG_DIR;
  if (given) {
    kubeconfigDir = given;
    kubectl = await kubectlPath();
  } else {
    if ((await run(['status'], 60_000, true)) === 0) {
      console.log('[e2e] reusing the running local cluster');
    } else {
      const code = await run(['up'], UP_TIMEOUT_MS);
      if (code !== 0) throw new Error(`scripts/cluster.sh up failed (exit ${code})`);
      started = true;
    }
    ({ kubeconfigDir, kubectl } = await clusterEnv());
  }
  for (const f of [join(kubeconfigDir, 'admin'), kubectl]) {
    if (!existsSync(f)) throw new Error(`e2e: ${f} does not exist`);
  }

  project.provide('tgKubeconfigDir', kubeconfigDir);
  project.provide('tgKubectl', kubectl);

  return async () => {
    if (!started || process.env.TG_E2E_KEEP_CLUSTER === '1') return;
    const code = await run(['down'], DOWN_TIMEOUT_MS);
    if (code !== 0) console.warn(`[e2e] scripts/cluster.sh down exited ${code}`);
  };
}
