/**
 * The benches' way to a local control plane: the dev harness
 * (src/dev/cluster.ts, run from source as `npm run cluster` runs it) with a state
 * folder of the bench's own (a real kube-apiserver and etcd on 127.0.0.1,
 * the webhook registered), its environment file, and a small JSON client
 * that sends a kubeconfig's bearer token (bench setup and load only; the
 * product has its own client).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('..', import.meta.url));

/** `npm run cluster CMD` on the state folder DIR; extra environment (TG_WEBHOOK_CMD, …) in env. */
export function cluster(dir, cmd, env = {}) {
  const harness = ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--import', join(repo, 'scripts', 'ts-hooks.mjs'), join(repo, 'src', 'dev', 'cluster.ts')];
  const r = spawnSync(process.execPath, [...harness, cmd], {
    cwd: repo,
    // The benches start the controllers they measure: the cluster's webhook runs alone.
    env: { ...process.env, TG_DEV_CONTROLLER: 'off', ...env, TG_CLUSTER_DIR: dir },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 30 * 60_000,
  });
  if (r.status !== 0) throw new Error(`npm run cluster ${cmd} failed (${r.status})`);
}

/** The variables `npm run cluster up` wrote to DIR/env. */
export function clusterEnv(dir) {
  const env = {};
  for (const line of readFileSync(join(dir, 'env'), 'utf8').split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * A JSON client for one test user of the local cluster (its kubeconfig's
 * token). request() resolves with the parsed body of a 2xx answer and
 * rejects otherwise; send() resolves with { status, text } whatever the
 * status, for callers that time requests or expect refusals.
 */
export function userClient(env, user, { maxSockets = 32 } = {}) {
  const kubeconfig = readFileSync(join(env.TG_E2E_KUBECONFIG_DIR, user), 'utf8');
  const token = /token: (\S+)/.exec(kubeconfig)[1];
  const url = new URL(env.TG_APISERVER_URL);
  const agent = new https.Agent({ keepAlive: true, maxSockets, ca: readFileSync(env.TG_CA_FILE) });
  const send = (method, path, body, accept = 'application/json') => new Promise((resolve, reject) => {
    const req = https.request({ host: url.hostname, port: url.port, method, path, agent, headers: { authorization: `Bearer ${token}`, accept, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
  const request = async (method, path, body) => {
    const { status, text } = await send(method, path, body);
    if (status >= 200 && status < 300) return JSON.parse(text);
    throw new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`);
  };
  return { send, request, close: () => agent.destroy() };
}

/** Resident memory of a process in bytes (Linux), undefined once it is gone. */
export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
