/**
 * The policy engine alone, in a tight loop, per body: so a regression in the
 * engine shows apart from HTTP. Two figures per body:
 *
 *   review()     the pure decision: review(input) with the namespaces already
 *                resolved (what the webhook calls once per request)
 *   decode+decide  everything the webhook does without HTTP: JSON.parse of
 *                the body, envelope validation, referencedNamespaces, the
 *                resolver, review(), the response and JSON.stringify of it;
 *                also timed one at a time for its p99/p99.9 (the engine's
 *                share of tail latency)
 *   JSON.parse   the body's parse alone, which the bare server pays too, so
 *                decode+decide less the parse is the decision's own cost
 *
 * `node bench/engine.mjs` prints a table; `--json` prints the figures for
 * bench/run.mjs. BENCH_ENGINE_MS sets the time per figure (default 2000).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { BODIES, CONFIG, NAMESPACES } from './bodies.mjs';

const dist = new URL('../dist/', import.meta.url);
const { review, referencedNamespaces } = await import(new URL('policy/index.js', dist).href);
const { decodeAdmissionReview } = await import(new URL('admission/codec.js', dist).href);
const { handleAdmission } = await import(new URL('admission/handle.js', dist).href);
const { StaticNamespaces } = await import(new URL('kube/namespace-view.js', dist).href);
const { configFromObject } = await import(new URL('config/load.js', dist).href);
const { policySettingsOf } = await import(new URL('config/schema.js', dist).href);

const cfg = configFromObject(CONFIG);
if (!cfg.ok) throw new Error('bench config invalid');
const config = cfg.config;
// The engine's settings only, as the webhook gives them (src/server/app.ts).
const settings = policySettingsOf(config);
const namespaces = new StaticNamespaces(NAMESPACES);
const handleDeps = { settings, dnsAllowedElsewhere: config.baseline.egress.enabled && config.baseline.egress.dns, namespaces };
const ms = Number(process.env.BENCH_ENGINE_MS ?? 2000);

let sink = 0;

function reviewInput(b) {
  const r = b.review.request;
  const isNamespace = r.kind.group === '' && r.kind.kind === 'Namespace';
  return {
    kind: r.kind,
    operation: r.operation,
    namespace: isNamespace ? undefined : r.namespace,
    name: r.name,
    object: r.object,
    oldObject: r.oldObject ?? undefined,
    requester: { username: r.userInfo.username, groups: r.userInfo.groups },
    phase: b.path === '/mutate' ? 'mutating' : 'validating',
    namespaces: namespaces.view(),
    settings,
  };
}

function loop(fn, budgetMs) {
  // Batches between clock reads keep the clock out of the figure.
  let n = 0;
  let batch = 64;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) sink += fn();
    n += batch;
    elapsed = performance.now() - t0;
    if (elapsed < budgetMs / 20) batch *= 2;
  }
  return n / (elapsed / 1000);
}

async function loopAsync(fn, budgetMs) {
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 64; i++) sink += await fn();
    n += 64;
    elapsed = performance.now() - t0;
  }
  return n / (elapsed / 1000);
}

export async function engineBench(budgetMs = ms) {
  const out = [];
  for (const b of BODIES) {
    const input = reviewInput(b);
    const decide = () => review(input).violations.length + 1;
    const full = async () => {
      const decoded = decodeAdmissionReview(JSON.parse(b.body));
      if (!decoded.ok) throw new Error(decoded.message);
      const endpoint = b.path === '/mutate' ? 'mutate' : 'validate';
      const { body } = await handleAdmission(decoded.request, endpoint, handleDeps);
      return JSON.stringify(body).length;
    };
    // Warm up, and check the engine says what the body is meant to produce.
    const v = review(input);
    if (v.allowed !== b.expect.allowed) throw new Error(`${b.name}: engine says allowed=${v.allowed}`);
    loop(decide, Math.min(300, budgetMs / 4));
    await loopAsync(full, Math.min(300, budgetMs / 4));
    const reviewPerSec = loop(decide, budgetMs);
    const fullPerSec = await loopAsync(full, budgetMs);
    const parsePerSec = loop(() => (JSON.parse(b.body) === null ? 0 : 1), budgetMs / 2);
    // The spread of single decisions (decode+decide), each timed on its own: the engine's part of tail latency.
    const single = [];
    const deadline = performance.now() + budgetMs / 2;
    while (single.length < 200 || (single.length < 20_000 && performance.now() < deadline)) {
      const t0 = performance.now();
      sink += await full();
      single.push((performance.now() - t0) * 1000);
    }
    single.sort((a, c) => a - c);
    const at = (q) => single[Math.min(single.length - 1, Math.floor(q * single.length))];
    const spread = { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: single[single.length - 1] };
    const refs = referencedNamespaces(b.review.request.namespace, b.review.request.object, settings.tenantLabel).length;
    out.push({ name: b.name, title: b.title, bytes: b.body.length, violations: v.violations.length, refs, reviewPerSec, fullPerSec, parsePerSec, spread });
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await engineBench();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } else {
    for (const r of results) {
      console.log(`${r.name.padEnd(10)} ${String(r.bytes).padStart(7)} B  review() ${Math.round(r.reviewPerSec).toLocaleString('en-US').padStart(10)}/s (${(1e6 / r.reviewPerSec).toFixed(1)} µs)  decode+decide ${Math.round(r.fullPerSec).toLocaleString('en-US').padStart(9)}/s (${(1e6 / r.fullPerSec).toFixed(1)} µs, of which JSON.parse ${(1e6 / r.parsePerSec).toFixed(1)}; single p99 ${r.spread.p99.toFixed(0)} µs, p99.9 ${r.spread.p999.toFixed(0)} µs)`);
    }
  }
  if (sink === -1) console.log('');
}
