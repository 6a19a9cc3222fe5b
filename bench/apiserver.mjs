/**
 * Through the real API server (not a test): NetworkPolicy CREATE latency as a
 * tenant user, with tenant-guard's validating webhook registered and without
 * it, side by side in one run on a local control plane (src/dev/cluster.ts
 * with its own state folder; the webhook runs as the image runs it: the
 * bundle with IMAGE_NODE_FLAGS and IMAGE_ENV). A third kind of window registers the bench's
 * bare server (bench/server.mjs: fastify answering "allowed" without a
 * decision, same node flags, same serving certificate) in its place: the
 * floor any webhook on this stack pays on this machine, which says how much
 * of the difference is tenant-guard's. Windows take turns (with, without,
 * bare), so a noisy moment of the shared machine hits each alike: "without"
 * deletes the ValidatingWebhookConfiguration, "with" puts it back, "bare"
 * registers the bare server's own, and each window starts only once a
 * dry-run probe shows the API server acting on that state.
 *
 * Also read: the API server's own histogram of the webhook's calls
 * (apiserver_admission_webhook_admission_duration_seconds from its /metrics,
 * CREATE calls of validate.tenant-guard.io during the "with" windows and of
 * the bare server's hook during the "bare" ones), the
 * webhook's resident memory at idle and its peak under this load, and the
 * idle resident memory of `serve` and `serve --controller` against the same
 * small cluster, bundled and from dist/.
 *
 *   npm run build && node bench/apiserver.mjs
 *
 * Environment: BENCH_API_SECONDS per window [10], BENCH_API_WINDOWS [9],
 * BENCH_API_CLIENTS concurrent clients [50], BENCH_IDLE_SECONDS before the
 * idle figures [20], BENCH_WRITE=0 to leave bench/README.md alone.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { IMAGE_ENV, IMAGE_NODE_FLAGS } from '../scripts/cli-build-options.mjs';
import { cluster, clusterEnv, freePort, repo, rssOf, userClient } from './local-cluster.mjs';
import { summarize } from './paced.mjs';
import { ServerChild } from './server-child.mjs';

const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const SECONDS = num('BENCH_API_SECONDS', 10);
const WINDOWS = num('BENCH_API_WINDOWS', 9);
const MODES = ['with', 'without', 'bare'];
const CLIENTS = num('BENCH_API_CLIENTS', 50);
const IDLE_SECONDS = num('BENCH_IDLE_SECONDS', 20);
const DIR = join(repo, '.cache', 'bench-apiserver', 'cluster');
const NS = 'acme-bench';
const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const NP = `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies`;
const HOOK = 'validate.tenant-guard.io';
const BARE_HOOK = 'bare.bench.tenant-guard.io';
const BARE_VWC = 'bench-bare-webhook';
const BUNDLE = 'dist/bundle/tenant-guard.mjs';

const log = (s) => process.stderr.write(`[bench] ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (b) => (b === undefined ? '–' : (b / 1048576).toFixed(0));
const serveArgs = '--config "$TG_WEBHOOK_CONFIG" --port "$TG_WEBHOOK_PORT" --cert "$TG_WEBHOOK_CERT" --key "$TG_WEBHOOK_KEY" --kubeconfig "$TG_WEBHOOK_KUBECONFIG"';

/** The small NetworkPolicy of bench/bodies.mjs (np-small), as kubectl apply sends it. */
function policy(name) {
  const obj = {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: NS },
    spec: {
      podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }, { podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
      egress: [
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [{ namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'acme' } } }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
      ],
    },
  };
  obj.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(obj)}\n` };
  return obj;
}

/** Starts `serve` (a bench copy, on its own port, not registered) and returns its resident memory after IDLE_SECONDS. */
async function idleRss(env, label, nodeArgs, extra, childEnv = {}) {
  const port = await freePort();
  const certs = join(DIR, 'webhook', 'certs');
  const args = [...nodeArgs, 'serve', '--config', join(repo, 'test', 'cluster', 'config.yaml'), '--host', '127.0.0.1', '--port', String(port), '--cert', join(certs, 'tls.crt'), '--key', join(certs, 'tls.key'), ...extra];
  const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, ...childEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(IDLE_SECONDS * 1000);
  const rss = rssOf(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  log(`idle: ${label}: ${mib(rss)} MiB`);
  return { label, rss };
}

/** A webhook's CREATE calls in the API server's histogram: count (`+Inf`) and calls under each bound. */
async function hookHistogram(admin, hook) {
  const { text } = await admin.send('GET', '/metrics', undefined, 'text/plain');
  const buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_admission_webhook_admission_duration_seconds_bucket{') || !line.includes(`name="${hook}"`) || !line.includes('operation="CREATE"')) continue;
    const le = /le="([^"]+)"/.exec(line)[1];
    buckets.set(le, (buckets.get(le) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/**
 * The bare server's ValidatingWebhookConfiguration: tenant-guard's NetworkPolicy
 * hook as registered (`saved`), renamed, calling the bare server instead.
 */
function bareConfiguration(saved, port) {
  const hook = saved.webhooks.find((h) => h.name === HOOK);
  const rules = hook.rules.filter((r) => r.resources.includes('networkpolicies'));
  return {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: BARE_VWC },
    webhooks: [{ ...hook, name: BARE_HOOK, rules, clientConfig: { ...hook.clientConfig, url: `https://127.0.0.1:${port}/validate` } }],
  };
}

const callsOf = async (admin, hook) => (await hookHistogram(admin, hook)).get('+Inf') ?? 0;

let current = 'with';
async function setMode(admin, alice, saved, bare, want) {
  const present = { tg: current === 'with', bare: current === 'bare' };
  const wanted = { tg: want === 'with', bare: want === 'bare' };
  if (present.tg && !wanted.tg) await admin.request('DELETE', `${VWC}/${saved.metadata.name}`);
  if (present.bare && !wanted.bare) await admin.request('DELETE', `${VWC}/${BARE_VWC}`);
  if (!present.tg && wanted.tg) await admin.request('POST', VWC, saved);
  if (!present.bare && wanted.bare) await admin.request('POST', VWC, bare);
  current = want;
  // The API server acts on the new state once a dry run of a cross-tenant policy is refused by
  // tenant-guard, or admitted, and reaches the bare server exactly when it is registered.
  const probe = { ...policy('probe'), spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'globex' } } }] }] } };
  for (let i = 0; i < 200; i++) {
    const before = await callsOf(admin, BARE_HOOK);
    const { status } = await alice.send('POST', `${NP}?dryRun=All`, probe);
    const bareCalled = (await callsOf(admin, BARE_HOOK)) > before;
    if ((status === 403) === wanted.tg && (status === 201 || status === 403) && bareCalled === wanted.bare) return;
    await sleep(100);
  }
  throw new Error(`the API server did not act on the webhooks of the "${want}" window within 20 s`);
}

/** CLIENTS workers creating policies for `seconds`; latencies in ms. */
async function load(alice, seconds, tag) {
  const latencies = [];
  let errors = 0;
  let firstError;
  let seq = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const name = `np-${tag}-${seq++}`;
      const t0 = performance.now();
      const { status, text } = await alice.send('POST', NP, policy(name));
      const ms = performance.now() - t0;
      if (status === 201) latencies.push(ms);
      else {
        errors++;
        firstError ??= `${status} ${text.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return { latencies, errors, firstError, seconds };
}

const startedAt = new Date();
const load0 = os.loadavg();
const imageEnv = Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
const hookCmd = `env ${imageEnv} node ${IMAGE_NODE_FLAGS.join(' ')} ${BUNDLE} serve ${serveArgs}`;
log(`fresh control plane in ${DIR}; webhook: ${hookCmd}`);
cluster(DIR, 'down');
cluster(DIR, 'up', { TG_WEBHOOK_CMD: hookCmd });
const env = clusterEnv(DIR);
const admin = userClient(env, 'admin');
const alice = userClient(env, 'alice', { maxSockets: CLIENTS });
const webhookPid = Number(readFileSync(join(DIR, 'pids', 'webhook.pid'), 'utf8').trim());
let bareServer;
try {
  await admin.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'tenant-guard.io/tenant': 'acme' } } });
  const idle = [];
  await sleep(IDLE_SECONDS * 1000);
  idle.push({ label: 'serve, the registered webhook (bundle, as the image runs it)', rss: rssOf(webhookPid) });
  idle.push(await idleRss(env, 'serve --controller (bundle, as the image runs it)', [...IMAGE_NODE_FLAGS, BUNDLE], ['--kubeconfig', join(env.TG_E2E_KUBECONFIG_DIR, 'admin'), '--controller'], IMAGE_ENV));
  idle.push(await idleRss(env, 'serve (dist/cli/main.js, no flags)', ['dist/cli/main.js'], ['--kubeconfig', env.TG_WEBHOOK_KUBECONFIG]));
  idle.push(await idleRss(env, 'serve --controller (dist/cli/main.js, no flags)', ['dist/cli/main.js'], ['--kubeconfig', join(env.TG_E2E_KUBECONFIG_DIR, 'admin'), '--controller']));

  const saved = await admin.request('GET', `${VWC}/tenant-guard`);
  saved.metadata = { name: saved.metadata.name, labels: saved.metadata.labels, annotations: saved.metadata.annotations };
  const certs = join(DIR, 'webhook', 'certs');
  bareServer = await new ServerChild(join(repo, 'bench', 'server.mjs'), 'bare', IMAGE_NODE_FLAGS.filter((f) => f !== '--expose-gc'), { tls: { key: readFileSync(join(certs, 'tls.key'), 'utf8'), cert: readFileSync(join(certs, 'tls.crt'), 'utf8') } }, IMAGE_ENV).start();
  const bare = bareConfiguration(saved, bareServer.port);
  log(`warm-up: 3 s with the webhook, ${CLIENTS} clients`);
  await load(alice, 3, 'warm');

  const runs = { with: [], without: [], bare: [] };
  const hists = { with: new Map(), bare: new Map() };
  const hookOf = { with: HOOK, bare: BARE_HOOK };
  let peakRss = 0;
  for (let w = 0; w < WINDOWS; w++) {
    const mode = MODES[w % MODES.length];
    await setMode(admin, alice, saved, bare, mode);
    log(`window ${w + 1}/${WINDOWS}: ${mode === 'bare' ? 'with the bare server as the webhook' : `${mode} the webhook`}, ${SECONDS} s`);
    const histBefore = mode === 'without' ? undefined : await hookHistogram(admin, hookOf[mode]);
    let sampling = mode === 'with';
    const sampler = (async () => {
      while (sampling) {
        peakRss = Math.max(peakRss, rssOf(webhookPid) ?? 0);
        await sleep(500);
      }
    })();
    runs[mode].push(await load(alice, SECONDS, `w${w}`));
    sampling = false;
    await sampler;
    if (histBefore !== undefined) for (const [le, v] of await hookHistogram(admin, hookOf[mode])) hists[mode].set(le, (hists[mode].get(le) ?? 0) + v - (histBefore.get(le) ?? 0));
  }
  await setMode(admin, alice, saved, bare, 'with');

  const row = (mode) => {
    const all = runs[mode].flatMap((r) => r.latencies);
    const secs = runs[mode].reduce((a, r) => a + r.seconds, 0);
    return { mode, n: all.length, rps: all.length / secs, errors: runs[mode].reduce((a, r) => a + r.errors, 0), firstError: runs[mode].find((r) => r.firstError)?.firstError, s: summarize(all) };
  };
  const withRow = row('with');
  const withoutRow = row('without');
  const bareRow = row('bare');
  const callsIn = (m) => hists[m].get('+Inf') ?? 0;
  const shareIn = (m) => (callsIn(m) === 0 ? 0 : (hists[m].get('0.005') ?? 0) / callsIn(m));
  const calls = callsIn('with');
  const share = shareIn('with');
  const p99Ratio = withRow.s.p99 / withoutRow.s.p99;
  const f2 = (n) => n.toFixed(2);
  const label = { with: 'with tenant-guard', without: 'without a webhook', bare: 'with the bare server' };
  // Only the API server's own bounds (5, 25, 100 ms, … for this histogram), never one it does not have.
  const histLine = (m) => `${['0.005', '0.01', '0.025', '0.1'].filter((le) => hists[m].has(le)).map((le) => `≤ ${Number(le) * 1000} ms ${(100 * (hists[m].get(le) ?? 0) / Math.max(1, callsIn(m))).toFixed(2)} %`).join(', ')}`;
  const md = [
    `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.availableParallelism()} cores, ${os.cpus()[0]?.model?.trim()}, Node ${process.version}; kube-apiserver, etcd, the webhook and the load generator share these cores. Load average before the run: ${load0.map((l) => l.toFixed(2)).join(', ')}; after: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}.`,
    '',
    `Settings: ${CLIENTS} concurrent clients (user alice, tenant acme, one keep-alive connection each) creating the np-small NetworkPolicy under new names in one namespace; ${WINDOWS} windows of ${SECONDS} s taking turns with tenant-guard's webhook registered, without a webhook, and with the bench's bare server (fastify answering "allowed", the same node flags, environment and certificate) registered in its place, after a 3 s warm-up; the webhook is \`${hookCmd.replace(serveArgs, '…')}\`.`,
    '',
    '**Targets**',
    '',
    `- p99 with the webhook ≤ 1.1× without: ${f2(withRow.s.p99)} / ${f2(withoutRow.s.p99)} ms = ${f2(p99Ratio)}× — ${p99Ratio <= 1.1 ? 'met' : '**missed**'}`,
    `- ≥ 99.9 % of webhook calls under the API server's 5 ms bucket: ${(100 * share).toFixed(2)} % of ${calls.toLocaleString('en-US')} calls — ${share >= 0.999 ? 'met' : '**missed**'}`,
    '',
    `The floor, the bare server as the webhook in the same run: p99 ${f2(bareRow.s.p99)} / ${f2(withoutRow.s.p99)} ms = ${f2(bareRow.s.p99 / withoutRow.s.p99)}× without, ${(100 * shareIn('bare')).toFixed(2)} % of its ${callsIn('bare').toLocaleString('en-US')} calls under 5 ms; tenant-guard's p99 is ${f2(withRow.s.p99 / bareRow.s.p99)}× the bare server's.`,
    '',
    '| NetworkPolicy CREATE | requests | req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...[withRow, bareRow, withoutRow].map((r) => `| ${label[r.mode]} | ${r.n.toLocaleString('en-US')} | ${r.rps.toFixed(0)} | ${f2(r.s.p50)} | ${f2(r.s.p99)} | ${f2(r.s.p999)} | ${f2(r.s.max)} | ${r.errors}${r.firstError ? ` (${r.firstError.replace(/\|/g, '\\|')})` : ''} |`),
    '',
    `The API server's histogram of the webhook's CREATE calls: tenant-guard (${calls.toLocaleString('en-US')} calls) ${histLine('with')}; the bare server (${callsIn('bare').toLocaleString('en-US')} calls) ${histLine('bare')}.`,
    '',
    `**Resident memory** (VmRSS after ${IDLE_SECONDS} s idle against this cluster: 5 namespaces and the bench's own; the webhook's peak sampled every 0.5 s in the "with" windows)`,
    '',
    '| process | RSS MiB |',
    '|---|---:|',
    ...idle.map((i) => `| ${i.label}, idle | ${mib(i.rss)} |`),
    `| the registered webhook, peak under this load | ${mib(peakRss)} |`,
  ].join('\n');
  process.stdout.write(`\n${md}\n`);
  if (process.env.BENCH_WRITE !== '0') {
    const file = join(repo, 'bench', 'README.md');
    const begin = '<!-- apiserver-bench:begin (written by node bench/apiserver.mjs) -->';
    const end = '<!-- apiserver-bench:end -->';
    let text = readFileSync(file, 'utf8');
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    text = i !== -1 && j > i ? `${text.slice(0, i)}${begin}\n${md}\n${text.slice(j)}` : `${text.trimEnd()}\n\n${begin}\n${md}\n${end}\n`;
    writeFileSync(file, text);
    log('written to bench/README.md');
  }
} finally {
  await bareServer?.stop();
  admin.close();
  alice.close();
  if (process.env.BENCH_API_KEEP !== '1') cluster(DIR, 'down');
}
