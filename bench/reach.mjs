/**
 * `node bench/reach.mjs` (after `npm run build`): the tenant matrix of
 * `tenant-guard reach --tenants` on generated clusters, timed on one core
 * (the script re-runs itself under `taskset -c 0` where that exists).
 *
 * A cluster of N namespaces in T tenants (N/T each) plus kube-system, each
 * tenant namespace with P NetworkPolicies: the two baselines the controller
 * writes (isolate, egress), then allow rules of the kinds seen in practice
 * (pods of the namespace, the tenant's namespaces by label, a sibling
 * namespace by name, the ingress controller, a named port, an ipBlock).
 * Namespace-name selectors make most selectors distinct (about 2 per
 * namespace), the worst case for the selector cache.
 *
 * Prints one row per cluster: objects in, distinct selectors, time to build
 * the model from objects and to compute the matrix (median of REPEAT runs),
 * and writes the table into bench/README.md (BENCH_WRITE=0: print only).
 *
 * Environment: BENCH_SIZES (namespaces:tenants:policies, comma-separated),
 * BENCH_REPEAT [5].
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

if (process.env.BENCH_PINNED !== '1') {
  let pinned = false;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    pinned = true;
  } catch { /* no taskset: run unpinned, and say so */ }
  if (pinned) {
    const r = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } });
    process.exit(r.status ?? 1);
  }
  console.error('taskset not found: running on every core');
}

const { buildCluster } = await import(new URL('../dist/reach/cluster.js', import.meta.url));
const { tenantMatrix } = await import(new URL('../dist/reach/matrix.js', import.meta.url));
const { parseNetworkPolicy } = await import(new URL('../dist/reach/networkpolicy.js', import.meta.url));

const LABEL = 'tenant-guard.io/tenant';
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '100:5:10,1000:50:10,2000:100:10,5000:250:10,1000:50:20,1000:50:40')
  .split(',').map((s) => s.split(':').map(Number));

const np = (namespace, name, spec) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

function isolate(ns, tenant) {
  return np(ns, 'tenant-guard-isolate', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [LABEL]: tenant } } }, { namespaceSelector: { matchLabels: { [LABEL]: 'platform' } } }] }] });
}

function egress(ns, tenant) {
  return np(ns, 'tenant-guard-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [
    { to: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [LABEL]: tenant } } }, { namespaceSelector: { matchLabels: { [LABEL]: 'platform' } } }] },
    { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
    { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] } }] },
  ] });
}

/** The k-th extra policy of namespace `ns` (index i of tenant t). */
function extra(k, ns, tenant, sibling) {
  switch (k % 8) {
    case 0: return np(ns, `web-${k}`, { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ port: 8080 }] }] });
    case 1: return np(ns, `api-${k}`, { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABEL]: tenant, team: `team-${k}` } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }] }] });
    case 2: return np(ns, `from-sibling-${k}`, { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': sibling } } }], ports: [{ port: 5432 }] }] });
    case 3: return np(ns, `ingress-${k}`, { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['public', 'edge'] }] }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }], ports: [{ port: 443 }, { port: 8000, endPort: 8100 }] }] });
    case 4: return np(ns, `to-sibling-${k}`, { podSelector: { matchLabels: { app: 'worker' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': sibling } } }] }] });
    case 5: return np(ns, `metrics-${k}`, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABEL]: 'platform' } }, podSelector: { matchLabels: { app: 'prometheus' } } }], ports: [{ port: 'metrics' }] }] });
    case 6: return np(ns, `partners-${k}`, { podSelector: { matchLabels: { app: 'partner-api' } }, ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }] });
    default: return np(ns, `deny-${k}`, { podSelector: { matchExpressions: [{ key: 'quarantine', operator: 'Exists' }] }, policyTypes: ['Ingress', 'Egress'] });
  }
}

function generate(namespaces, tenants, perNamespace) {
  const objects = [];
  const add = (object) => objects.push({ object, where: '' });
  add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { [LABEL]: 'platform' } } });
  add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ingress-nginx', labels: { [LABEL]: 'platform' } } });
  const per = Math.ceil(namespaces / tenants);
  for (let n = 0; n < namespaces; n++) {
    const t = Math.floor(n / per);
    const tenant = `tenant-${t}`;
    const ns = `${tenant}-ns-${n % per}`;
    const sibling = `${tenant}-ns-${(n + 1) % per}`;
    add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [LABEL]: tenant, team: `team-${n % 7}` } } });
    add(isolate(ns, tenant));
    add(egress(ns, tenant));
    for (let k = 0; k < perNamespace - 2; k++) add(extra(k, ns, tenant, sibling));
  }
  const tenantNames = Array.from({ length: tenants }, (_, t) => `tenant-${t}`);
  return { objects, tenantNames };
}

function tenancy(tenantNames) {
  return {
    tenantLabel: LABEL,
    platformValue: 'platform',
    platformNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'default'],
    tenants: tenantNames,
    namespacePrefix: false,
    newNamespacePolicies: (tenant, namespace) => [isolate(namespace, tenant), egress(namespace, tenant)].map((o) => parseNetworkPolicy(o, namespace, o.metadata.name, [])),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loadBefore = os.loadavg()[0].toFixed(1);
const rows = [];
for (const [namespaces, tenants, perNamespace] of SIZES) {
  const { objects, tenantNames } = generate(namespaces, tenants, perNamespace);
  const t = tenancy(tenantNames);
  const build = [];
  const matrix = [];
  let result;
  let cluster;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = process.hrtime.bigint();
    const built = buildCluster(objects);
    const t1 = process.hrtime.bigint();
    if (!built.ok) throw new Error(JSON.stringify(built.errors.slice(0, 3)));
    cluster = built.cluster;
    result = tenantMatrix(cluster, t);
    const t2 = process.hrtime.bigint();
    build.push(Number(t1 - t0) / 1e6);
    matrix.push(Number(t2 - t1) / 1e6);
  }
  const selectors = new Set();
  for (const p of cluster.policies) for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) for (const peer of r.peers ?? []) if (peer.kind === 'pods' && peer.namespaces !== undefined) selectors.add(peer.namespaces.key);
  const row = {
    namespaces, tenants, policies: cluster.policies.length, selectors: selectors.size,
    buildMs: median(build), matrixMs: median(matrix), open: result.crossTenantOpen,
  };
  rows.push(row);
  console.log(`${namespaces} namespaces, ${tenants} tenants, ${row.policies} policies, ${row.selectors} distinct namespace selectors: build ${row.buildMs.toFixed(0)} ms, matrix ${row.matrixMs.toFixed(0)} ms, total ${(row.buildMs + row.matrixMs).toFixed(0)} ms (cross-tenant open cells: ${row.open})`);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, Node ${process.versions.node}, ${process.env.BENCH_PINNED === '1' ? 'pinned to one core (taskset -c 0)' : 'not pinned'}; median of ${REPEAT} runs; load average ${loadBefore} before and ${os.loadavg()[0].toFixed(1)} after (${os.cpus().length} cores).`,
  '',
  '| namespaces | tenants | NetworkPolicies | distinct namespace selectors | build model (ms) | matrix (ms) | total (ms) |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.namespaces} | ${r.tenants} | ${r.policies} | ${r.selectors} | ${r.buildMs.toFixed(0)} | ${r.matrixMs.toFixed(0)} | ${(r.buildMs + r.matrixMs).toFixed(0)} |`),
].join('\n');

if (process.env.BENCH_WRITE !== '0') {
  const path = `${here}README.md`;
  const readme = readFileSync(path, 'utf8');
  const start = '<!-- reach-bench:start -->';
  const end = '<!-- reach-bench:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i !== -1 && j > i) {
    writeFileSync(path, `${readme.slice(0, i + start.length)}\n${table}\n${readme.slice(j)}`);
    console.log('bench/README.md: reach results written');
  } else {
    console.log(`bench/README.md has no ${start} … ${end} section; the table:\n${table}`);
  }
} else {
  console.log(table);
}
