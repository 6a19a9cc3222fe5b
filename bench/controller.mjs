/**
 * Baseline controller benchmark (not a test): how long `tenant-guard
 * controller` takes to converge N tenant namespaces from a cold start
 * against a real local kube-apiserver, how many API requests it spends per
 * namespace, how many writes per managed object, and its memory.
 *
 * Each run gets a fresh control plane (src/dev/cluster.ts with its own state
 * folder under .cache/, the real webhook included, so every write is
 * admitted as in production): create N tenant namespaces as admin, then
 * start the controller and time it until it logs that its first full sync
 * is complete; then count the managed policies through the API, and watch
 * the writes counter for a while to check that nothing more is written.
 *
 *   npm run build && node bench/controller.mjs [--sizes 100,1000,10000] [--qps 20,200] [--burst-factor 2] [--steady-seconds 10]
 *
 * Prints one JSON line per run on stdout and a Markdown table at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { cluster as clusterCommand, clusterEnv, freePort, repo, rssOf, userClient } from './local-cluster.mjs';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const SIZES = flag('sizes', '100,1000,10000').split(',').map(Number);
const QPS = flag('qps', '20,200').split(',').map(Number);
const BURST_FACTOR = Number(flag('burst-factor', '2'));
const STEADY_SECONDS = Number(flag('steady-seconds', '10'));
const CONVERGE_TIMEOUT_S = Number(flag('timeout-seconds', '1800'));
const STATE = join(repo, '.cache', 'bench-controller');
const CLUSTER_DIR = join(STATE, 'cluster');

const log = (s) => process.stderr.write(`[bench] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cluster = (cmd) => clusterCommand(CLUSTER_DIR, cmd);

async function createNamespaces(api, n) {
  const names = Array.from({ length: n }, (_, i) => `t${i % 50}-bench-${i}`);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const name = names[i];
      for (let attempt = 0; ; attempt++) {
        try {
          await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'tenant-guard.io/tenant': `t${i % 50}` } } });
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await sleep(200 * 2 ** attempt);
        }
      }
      if ((i + 1) % 1000 === 0) log(`  created ${i + 1}/${n} namespaces`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return performance.now() - t0;
}

async function countManaged(api) {
  let count = 0;
  let cont = '';
  do {
    const page = await api.request('GET', `/apis/networking.k8s.io/v1/networkpolicies?labelSelector=${encodeURIComponent('app.kubernetes.io/managed-by=tenant-guard')}&limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    count += page.items.length;
    cont = page.metadata?.continue ?? '';
  } while (cont);
  return count;
}

async function scrape(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}
const sum = (samples, name, pred = () => true) => samples.filter((s) => s.name === name && pred(s.labels)).reduce((a, s) => a + s.value, 0);

/**
 * Memory that is really retained: through the inspector (the controller runs
 * with --inspect on a free local port), collect garbage, then read
 * process.memoryUsage(). Nothing in the product is changed for this.
 */
async function memoryAfterGc(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const d = JSON.parse(m.data);
    if (d.id !== undefined && pending.has(d.id)) {
      pending.get(d.id)(d);
      pending.delete(d.id);
    }
  };
  const call = (method, params = {}) => new Promise((resolve) => {
    id += 1;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  await call('HeapProfiler.collectGarbage');
  const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
  ws.close();
  return JSON.parse(r.result.result.value);
}

async function runOnce(n, qps) {
  log(`N=${n} qps=${qps}: fresh control plane`);
  cluster('down');
  cluster('up');
  const env = clusterEnv(CLUSTER_DIR);
  const api = userClient(env, 'admin');
  log(`N=${n}: creating namespaces as admin`);
  const createMs = await createNamespaces(api, n);
  log(`N=${n}: created in ${(createMs / 1000).toFixed(1)} s`);

  const port = await freePort();
  mkdirSync(STATE, { recursive: true });
  const cfgPath = join(STATE, 'config.yaml');
  const base = readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8');
  writeFileSync(cfgPath, `${base}\ncontroller:\n  host: 127.0.0.1\n  port: ${port}\n  qps: ${qps}\n  burst: ${qps * BURST_FACTOR}\n  auditIntervalSeconds: 0\n`);

  const t0 = performance.now();
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', join(repo, 'dist', 'cli', 'main.js'), 'controller', '--config', cfgPath, '--kubeconfig', join(env.TG_E2E_KUBECONFIG_DIR, 'admin')], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let inspector;
  child.stderr.on('data', (chunk) => {
    const text = chunk.toString();
    const m = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(text);
    if (m) inspector = m[0];
    else if (!text.includes('Debugger') && !text.includes('nodejs.org/en/docs/inspector')) process.stderr.write(text);
  });
  let convergedAt;
  let syncMs;
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) {
      if (convergedAt === undefined && line.includes('full sync complete')) {
        convergedAt = performance.now();
        syncMs = JSON.parse(line).ms;
      }
    }
  });
  let peakRss = 0;
  const sampler = setInterval(() => {
    const r = rssOf(child.pid);
    if (r !== undefined && r > peakRss) peakRss = r;
  }, 100);
  const deadline = Date.now() + CONVERGE_TIMEOUT_S * 1000;
  while (convergedAt === undefined) {
    if (child.exitCode !== null) throw new Error(`controller exited ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`N=${n} did not converge within ${CONVERGE_TIMEOUT_S} s`);
    await sleep(50);
  }
  const convergeMs = convergedAt - t0;
  const atConvergence = await scrape(port);
  const rssConverged = rssOf(child.pid);
  const gcConverged = await memoryAfterGc(inspector);
  const managed = await countManaged(api);
  // Steady state: nothing changes, so nothing may be written.
  await sleep(STEADY_SECONDS * 1000);
  const later = await scrape(port);
  const gcLater = await memoryAfterGc(inspector);
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  api.close();

  const requests = sum(atConvergence, 'tenant_guard_controller_api_requests_total');
  const byVerb = {};
  for (const s of atConvergence.filter((x) => x.name === 'tenant_guard_controller_api_requests_total')) {
    const k = `${s.labels.verb} ${s.labels.resource}`;
    byVerb[k] = (byVerb[k] ?? 0) + s.value;
  }
  const result = {
    n,
    qps,
    burst: qps * BURST_FACTOR,
    createNamespacesSeconds: +(createMs / 1000).toFixed(1),
    convergeSeconds: +(convergeMs / 1000).toFixed(2),
    fullSyncMs: syncMs,
    managedPolicies: managed,
    applyWrites: sum(atConvergence, 'tenant_guard_controller_writes_total', (l) => l.action === 'apply'),
    allWrites: sum(atConvergence, 'tenant_guard_controller_writes_total'),
    apiRequests: requests,
    apiRequestsPerNamespace: +(requests / n).toFixed(3),
    throttled429: sum(atConvergence, 'tenant_guard_controller_api_throttled_total'),
    eventsSent: sum(atConvergence, 'tenant_guard_controller_events_total', (l) => l.outcome === 'sent'),
    eventsDropped: sum(atConvergence, 'tenant_guard_controller_events_total', (l) => l.outcome === 'dropped'),
    writesDuringSteadyState: sum(later, 'tenant_guard_controller_writes_total') - sum(atConvergence, 'tenant_guard_controller_writes_total'),
    rssConvergedMiB: +((rssConverged ?? 0) / 2 ** 20).toFixed(1),
    rssPeakMiB: +(peakRss / 2 ** 20).toFixed(1),
    heapAfterGcMiB: +(gcConverged.heapUsed / 2 ** 20).toFixed(1),
    rssAfterGcMiB: +(gcConverged.rss / 2 ** 20).toFixed(1),
    heapAfterGcSteadyMiB: +(gcLater.heapUsed / 2 ** 20).toFixed(1),
    requestsByVerb: byVerb,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

function machine() {
  const cpus = os.cpus();
  let kube = '';
  try {
    kube = spawnSync('bash', [join(repo, 'scripts', 'build-k8s.sh'), '--print-dir'], { encoding: 'utf8' }).stdout.trim().split('/').at(-1);
  } catch { /* unknown */ }
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}, kube-apiserver ${kube} with etcd on the same machine`;
}

const results = [];
try {
  for (const n of SIZES) {
    for (const qps of QPS) results.push(await runOnce(n, qps));
  }
} finally {
  cluster('down');
}

const date = new Date().toISOString().slice(0, 10);
const lines = [
  `Measured ${date} on ${machine()}.`,
  '',
  '| namespaces | qps / burst | converge (s) | managed policies | writes per policy | API requests per namespace | 429s | events sent / dropped | writes in the next ' + STEADY_SECONDS + ' s | heap after GC (MiB) | RSS after GC (MiB) | peak RSS (MiB) |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.n.toLocaleString('en')} | ${r.qps} / ${r.burst} | ${r.convergeSeconds} | ${r.managedPolicies.toLocaleString('en')} | ${(r.applyWrites / Math.max(1, r.managedPolicies)).toFixed(2)} | ${r.apiRequestsPerNamespace} | ${r.throttled429} | ${r.eventsSent} / ${r.eventsDropped} | ${r.writesDuringSteadyState} | ${r.heapAfterGcMiB} | ${r.rssAfterGcMiB} | ${r.rssPeakMiB} |`),
];
process.stdout.write(`\n${lines.join('\n')}\n`);
