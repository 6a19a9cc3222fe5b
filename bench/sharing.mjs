/**
 * Share revocation benchmark (not a test): the time from an Export's
 * deletion to the removal of the share policy the controller wrote for it,
 * on a real local kube-apiserver with the real webhook (a fresh control
 * plane under .cache/bench-sharing) and `tenant-guard controller` as a child
 * process.
 *
 * Each round: create an Export and an Import (as admin, in a globex and an
 * acme namespace), wait for the share policy, then open a watch on the
 * exporter namespace's share policies, delete the Export, and stop the clock
 * at the watch's DELETED event. `--background N` first puts N other shares in
 * force, so every reconcile looks at N+1 shares.
 *
 *   npm run build && node bench/sharing.mjs [--rounds 50] [--background 0,200]
 *
 * Prints one JSON line per setting on stdout and a Markdown table at the end.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { cluster, clusterEnv, freePort, repo, userClient } from './local-cluster.mjs';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const ROUNDS = Number(flag('rounds', '50'));
const BACKGROUND = flag('background', '0,200').split(',').map(Number);
const STATE = join(repo, '.cache', 'bench-sharing');
const CLUSTER_DIR = join(STATE, 'cluster');
const SHARE_SELECTOR = encodeURIComponent('app.kubernetes.io/managed-by=tenant-guard,tenant-guard.io/share');

const log = (s) => process.stderr.write(`[bench] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The admin's JSON client, and a watch that stamps each event when its bytes arrive. */
function adminClient(env) {
  const client = userClient(env, 'admin');
  const token = /token: (\S+)/.exec(readFileSync(join(env.TG_E2E_KUBECONFIG_DIR, 'admin'), 'utf8'))[1];
  const url = new URL(env.TG_APISERVER_URL);
  const agent = new https.Agent({ keepAlive: true, ca: readFileSync(env.TG_CA_FILE) });
  /** Watch from resourceVersion; calls onEvent(type, object, receivedAt) until stopped. */
  const watch = (path, onEvent) => {
    const req = https.request({ host: url.hostname, port: url.port, method: 'GET', path, agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        const at = performance.now();
        buf += c;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim() !== '') {
            const e = JSON.parse(line);
            onEvent(e.type, e.object, at);
          }
        }
      });
    });
    req.on('error', () => undefined);
    req.end();
    return () => req.destroy();
  };
  return { request: client.request, watch, close: () => { client.close(); agent.destroy(); } };
}

const ns = (name, tenant) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'tenant-guard.io/tenant': tenant } } });
const exportOf = (namespace, name, importer) => ({ apiVersion: 'tenant-guard.io/v1alpha1', kind: 'Export', metadata: { name, namespace }, spec: { podSelector: { matchLabels: { app: name } }, ports: [{ port: 5555, protocol: 'TCP' }], to: [{ tenant: 'acme', namespaces: [importer] }] } });
const importOf = (namespace, name, exporter) => ({ apiVersion: 'tenant-guard.io/v1alpha1', kind: 'Import', metadata: { name, namespace }, spec: { from: { namespace: exporter, export: name }, podSelector: {} } });

async function sharePolicies(api, namespace) {
  return (await api.request('GET', `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies?labelSelector=${SHARE_SELECTOR}`)).items;
}

async function waitFor(what, probe, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function runSetting(api, env, background) {
  const tag = `b${background}-${Date.now().toString(36)}`;
  const G = `globex-bench-${tag}`;
  const A = `acme-bench-${tag}`;
  await api.request('POST', '/api/v1/namespaces', ns(G, 'globex'));
  await api.request('POST', '/api/v1/namespaces', ns(A, 'acme'));
  const post = (kind, obj) => api.request('POST', `/apis/tenant-guard.io/v1alpha1/namespaces/${obj.metadata.namespace}/${kind}`, obj);
  for (let i = 0; i < background; i++) {
    await post('exports', exportOf(G, `bg-${i}`, A));
    await post('imports', importOf(A, `bg-${i}`, G));
  }
  await waitFor(`${background} background shares`, async () => (await sharePolicies(api, G)).length >= background, 300_000);
  log(`${background} background shares in force`);
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    const name = `s-${r}`;
    await post('exports', exportOf(G, name, A));
    await post('imports', importOf(A, name, G));
    let policy;
    await waitFor('the share policy', async () => {
      policy = (await sharePolicies(api, G)).find((p) => p.metadata.annotations?.['tenant-guard.io/share'] === `${G}/${name} -> ${A}/${name}`);
      return policy !== undefined;
    });
    const list = await api.request('GET', `/apis/networking.k8s.io/v1/namespaces/${G}/networkpolicies?labelSelector=${SHARE_SELECTOR}`);
    let deletedAt;
    const stop = api.watch(`/apis/networking.k8s.io/v1/namespaces/${G}/networkpolicies?watch=1&labelSelector=${SHARE_SELECTOR}&resourceVersion=${list.metadata.resourceVersion}`, (type, obj, at) => {
      if (type === 'DELETED' && obj.metadata.name === policy.metadata.name) deletedAt = at;
    });
    await sleep(100);
    const t0 = performance.now();
    await api.request('DELETE', `/apis/tenant-guard.io/v1alpha1/namespaces/${G}/exports/${name}`);
    await waitFor('the DELETED event', () => Promise.resolve(deletedAt !== undefined), 30_000);
    stop();
    samples.push(deletedAt - t0);
    await api.request('DELETE', `/apis/tenant-guard.io/v1alpha1/namespaces/${A}/imports/${name}`);
  }
  samples.sort((a, b) => a - b);
  const ms = (v) => Math.round(v * 10) / 10;
  return { background, rounds: ROUNDS, p50: ms(quantile(samples, 0.5)), p90: ms(quantile(samples, 0.9)), p99: ms(quantile(samples, 0.99)), max: ms(samples[samples.length - 1]) };
}

async function main() {
  mkdirSync(STATE, { recursive: true });
  cluster(CLUSTER_DIR, 'down');
  cluster(CLUSTER_DIR, 'up');
  const env = clusterEnv(CLUSTER_DIR);
  const api = adminClient(env);
  const port = await freePort();
  const base = readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8');
  const configFile = join(STATE, 'config.yaml');
  writeFileSync(configFile, `${base}\ncontroller:\n  host: 127.0.0.1\n  port: ${port}\n  qps: 100\n  burst: 200\n  leaderElection:\n    enabled: false\n`);
  const child = spawn(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), 'controller', '--config', configFile, '--kubeconfig', join(env.TG_E2E_KUBECONFIG_DIR, 'admin'), '--log-level', 'warn'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  const results = [];
  try {
    await waitFor('the controller', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true, 60_000);
    for (const b of BACKGROUND) {
      const r = await runSetting(api, env, b);
      console.log(JSON.stringify(r));
      results.push(r);
    }
  } finally {
    child.kill('SIGTERM');
    api.close();
    cluster(CLUSTER_DIR, 'down');
  }
  console.log('\n| shares in force besides the one revoked | rounds | p50 | p90 | p99 | max |\n|---:|---:|---:|---:|---:|---:|');
  for (const r of results) console.log(`| ${r.background} | ${r.rounds} | ${r.p50} ms | ${r.p90} ms | ${r.p99} ms | ${r.max} ms |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
