/**
 * Two builds of the engine side by side, in one process: decode+decide of
 * each bench body (JSON.parse, the envelope, the look-up list, review(), the
 * lint, the response and its JSON), the two builds interleaved round by
 * round, in process CPU time (garbage collection threads included). For a
 * change to the engine, this is the steadier comparison on a shared machine:
 * both builds see the same noise. Each body's two answers must be equal.
 *
 *   git stash && npm run build && cp -r dist bench/results/dist-before && git stash pop
 *   npm run build && node bench/engine-ab.mjs bench/results/dist-before
 *
 * The other build must sit inside this checkout (bench/results is ignored by
 * git), so that its imports find node_modules. BENCH_AB_ROUNDS (default 6)
 * sets the rounds of ten turns each; BENCH_ONLY a comma-separated list of
 * bodies.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BODIES, CONFIG, NAMESPACES } from './bodies.mjs';

async function load(root) {
  const at = (p) => new URL(p, root).href;
  const { decodeAdmissionReview } = await import(at('admission/codec.js'));
  const { handleAdmission } = await import(at('admission/handle.js'));
  const { StaticNamespaces } = await import(at('kube/namespace-view.js'));
  const { configFromObject } = await import(at('config/load.js'));
  const { policySettingsOf } = await import(at('config/schema.js'));
  const cfg = configFromObject(CONFIG);
  if (!cfg.ok) throw new Error(`bench config invalid in ${root}`);
  const config = cfg.config;
  const deps = { settings: policySettingsOf(config), dnsAllowedElsewhere: config.baseline.egress.enabled && config.baseline.egress.dns, namespaces: new StaticNamespaces(NAMESPACES) };
  return (b) => async () => {
    const decoded = decodeAdmissionReview(JSON.parse(b.body));
    if (!decoded.ok) throw new Error(decoded.message);
    const { body } = await handleAdmission(decoded.request, b.path === '/mutate' ? 'mutate' : 'validate', deps);
    return JSON.stringify(body);
  };
}

const other = process.argv[2];
if (other === undefined) {
  process.stderr.write('usage: node bench/engine-ab.mjs <other dist/ folder>\n');
  process.exit(2);
}
const before = await load(pathToFileURL(`${resolve(other)}/`));
const now = await load(new URL('../dist/', import.meta.url));
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 6);
const only = process.env.BENCH_ONLY?.split(',');

console.log(`| body | ${other} µs | dist/ µs | change |`);
console.log('|---|---:|---:|---:|');
for (const b of BODIES.filter((x) => only === undefined || only.includes(x.name))) {
  const runs = { before: before(b), now: now(b) };
  if (await runs.before() !== await runs.now()) throw new Error(`${b.name}: the two builds answer differently`);
  const cpu = { before: 0, now: 0 };
  // About the same time per turn for every body.
  const perTurn = Math.max(20, Math.round(400_000 / b.body.length));
  let n = 0;
  for (let turn = 0; turn < rounds * 10; turn++) {
    // Alternate which build goes first, so neither always runs on a warmer cache.
    for (const k of turn % 2 === 0 ? ['now', 'before'] : ['before', 'now']) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < perTurn; i++) await runs[k]();
      const c = process.cpuUsage(c0);
      cpu[k] += c.user + c.system;
    }
    n += perTurn;
  }
  const change = (cpu.now / cpu.before - 1) * 100;
  console.log(`| ${b.name} | ${(cpu.before / n).toFixed(1)} | ${(cpu.now / n).toFixed(1)} | ${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)} % |`);
}
