/**
 * `npm run bench`: tenant-guard against a bare fastify server, side by side,
 * over HTTPS with keep-alive on 127.0.0.1, for each body of bench/bodies.mjs;
 * then latency at a fixed rate, memory over a long mixed run, and the engine
 * alone. Prints the tables and writes them into bench/README.md.
 *
 * Environment (defaults in brackets):
 *   BENCH_SECONDS       seconds per throughput run [10]
 *   BENCH_RATE          requests/s of the fixed-rate runs [1000]
 *   BENCH_RATE_SECONDS  seconds per fixed-rate run [BENCH_SECONDS], split into
 *                       BENCH_RATE_WINDOWS windows [5] that alternate between the servers
 *   BENCH_SOAK_SECONDS  seconds of the memory run [60]
 *   BENCH_CONNECTIONS   keep-alive connections of the throughput runs [16]
 *   BENCH_ENGINE_MS     milliseconds per engine figure [2000]
 *   BENCH_ONLY          comma-separated body names to run (default: all four)
 *   BENCH_LOG_LEVEL     tenant-guard's log level [info: one line per decision, as deployed]
 *   BENCH_PROFILE=1     run tenant-guard under --cpu-prof and print where the time goes
 *   BENCH_WRITE=0       print only; leave bench/README.md alone
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BODIES as ALL_BODIES, checkAnswer, FLOOR } from './bodies.mjs';
import { paced, summarize } from './paced.mjs';
import { build } from 'esbuild';
import { cliBuildOptions, IMAGE_ENV, IMAGE_NODE_FLAGS, writeOutputs } from '../scripts/cli-build-options.mjs';
import { profileMarkdown, summarizeProfile } from './profile.mjs';
import { ratiosOf, targetLines } from './targets.mjs';
import { request, ServerChild } from './server-child.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const num = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
  return n;
};
const SECONDS = num('BENCH_SECONDS', 10);
const RATE = num('BENCH_RATE', 1000);
const RATE_SECONDS = num('BENCH_RATE_SECONDS', SECONDS);
const SOAK_SECONDS = num('BENCH_SOAK_SECONDS', 60);
const RATE_WINDOWS = Math.round(num('BENCH_RATE_WINDOWS', 5));
const CONNECTIONS = num('BENCH_CONNECTIONS', 16);
const ENGINE_MS = num('BENCH_ENGINE_MS', 2000);
const PROFILE = process.env.BENCH_PROFILE === '1';
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const RESULTS = `${here}results`;
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
const BODIES = ONLY.length === 0 ? ALL_BODIES : ALL_BODIES.filter((b) => ONLY.includes(b.name));
// The floor (bench/bodies.mjs) is measured for throughput only, in a full run or when named.
const WITH_FLOOR = ONLY.length === 0 || ONLY.includes(FLOOR.name);
const THROUGHPUT_BODIES = WITH_FLOOR ? [...BODIES, FLOOR] : BODIES;
if (THROUGHPUT_BODIES.length === 0) throw new Error(`BENCH_ONLY names no body; the bodies are ${[...ALL_BODIES, FLOOR].map((b) => b.name).join(', ')}`);
// A partial run does not replace the full table.
const WRITE_README = process.env.BENCH_WRITE !== '0' && ONLY.length === 0;

const log = (s) => process.stderr.write(`${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- TLS material, from the product's own issuer --------------------------
const { issueCA, issueServing } = await import(new URL('../dist/certs/issue.js', import.meta.url).href);
const ca = issueCA('tenant-guard-bench-ca', 2);
const serving = issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 2 });
const tls = { key: serving.keyPem, cert: serving.certPem };

// --- server children --------------------------------------------------------
// Both servers run from one bundle of bench/server.mjs, made with the CLI's bundle options, as the image
// runs the CLI; a profiled run uses the files themselves, so the profile can tell the modules apart.
const SERVER_BUNDLE = `${RESULTS}/server.bundle.mjs`;
mkdirSync(RESULTS, { recursive: true });
if (!PROFILE) await writeOutputs(await build(cliBuildOptions('esm', SERVER_BUNDLE, 'bench/server.mjs')));
const SERVER_ENTRY = PROFILE ? `${here}server.mjs` : SERVER_BUNDLE;

const startOpts = { tls, logLevel: LOG_LEVEL };
class Child extends ServerChild {
  constructor(kind, execArgv, env) {
    super(SERVER_ENTRY, kind, execArgv, startOpts, env);
  }
}
const once = (port, b) => request(port, b, ca.certPem);

// --- one closed-loop run with autocannon ------------------------------------
async function cannon(child, opts, seconds) {
  const before = await child.stats();
  const latencies = [];
  const instance = autocannon({
    url: `https://127.0.0.1:${child.port}${opts.path ?? ''}`,
    connections: CONNECTIONS,
    duration: seconds,
    servername: 'localhost',
    ...opts,
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  const after = await child.stats();
  const wall = result.duration * 1e6;
  return {
    rps: result.requests.total / result.duration,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    latency: summarize(latencies),
    cpu: (100 * (after.cpuMicros - before.cpuMicros)) / wall,
    cpuPerReq: (after.cpuMicros - before.cpuMicros) / Math.max(1, result.requests.total),
    rss: after.rss,
  };
}

const bodyOpts = (b) => ({ method: 'POST', path: b.path, body: b.body, headers: { 'content-type': 'application/json' } });
// autocannon takes the path from the url for a single request, from each entry of `requests` otherwise.

// --- the run ---------------------------------------------------------------
mkdirSync(RESULTS, { recursive: true });
const startedAt = new Date();
const load0 = os.loadavg();
const machine = {
  cpus: os.availableParallelism(),
  nproc: (() => {
    try {
      return execFileSync('nproc', { encoding: 'utf8' }).trim();
    } catch {
      return String(os.availableParallelism());
    }
  })(),
  model: os.cpus()[0]?.model?.trim() ?? 'unknown',
  node: process.version,
  fastify: JSON.parse(readFileSync(new URL('../node_modules/fastify/package.json', import.meta.url), 'utf8')).version,
  autocannon: JSON.parse(readFileSync(new URL('../node_modules/autocannon/package.json', import.meta.url), 'utf8')).version,
};
log(`machine: ${machine.nproc} cores, ${machine.model}, node ${machine.node}; load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);

const profileStart = Date.now();
// tenant-guard with the image's node flags and environment; the bare server with Node's defaults.
const tg = await new Child('tenant-guard', [...IMAGE_NODE_FLAGS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`] : [])], IMAGE_ENV).start();
const bare = await new Child('bare', []).start();

await sleep(5000);
const idle = { tg: (await tg.stats()).rss, bare: (await bare.stats()).rss };
log(`idle RSS (no cluster): tenant-guard ${(idle.tg / 1048576).toFixed(0)} MiB, bare ${(idle.bare / 1048576).toFixed(0)} MiB`);

for (const b of THROUGHPUT_BODIES) {
  const answer = await once(tg.port, b);
  const problem = checkAnswer(b, answer.status, answer.text);
  if (problem !== undefined) throw new Error(`tenant-guard's answer to ${b.name} is wrong: ${problem}`);
  const bareAnswer = await once(bare.port, b);
  if (bareAnswer.status !== 200) throw new Error(`bare server: HTTP ${bareAnswer.status} for ${b.name}`);
}
log('answers checked: every body gets the expected decision from tenant-guard');

const throughput = [];
for (const [i, b] of THROUGHPUT_BODIES.entries()) {
  log(`throughput: ${b.name} (${SECONDS} s each, ${CONNECTIONS} connections)`);
  const order = i % 2 === 0 ? [tg, bare] : [bare, tg];
  const row = { body: b };
  for (const c of order) {
    await cannon(c, bodyOpts(b), Math.min(2, SECONDS)); // warm-up, discarded
    row[c.kind] = await cannon(c, bodyOpts(b), SECONDS);
  }
  throughput.push(row);
}

// Windows alternate between the two servers, so a noisy moment of the
// machine hits both alike; the median of the windows' p99 is reported beside
// the p99 over all requests.
const fixed = [];
for (const b of BODIES) {
  log(`fixed rate: ${b.name} at ${RATE}/s (${RATE_SECONDS} s each, in ${RATE_WINDOWS} windows)`);
  const acc = {};
  for (const c of [tg, bare]) {
    await paced({ port: c.port, ca: ca.certPem, path: b.path, body: b.body, rate: RATE, seconds: Math.min(1, RATE_SECONDS) });
    acc[c.kind] = { total: 0, errors: 0, wrong: 0, firstProblem: undefined, service: [], due: [], windowP99: [], cpuMicros: 0, wallMicros: 0, rss: 0 };
  }
  for (let w = 0; w < RATE_WINDOWS; w++) {
    for (const c of w % 2 === 0 ? [tg, bare] : [bare, tg]) {
      const check = c.kind === 'tenant-guard' ? (status, text) => checkAnswer(b, status, text) : (status) => (status === 200 ? undefined : `HTTP ${status}`);
      const before = await c.stats();
      const t0 = performance.now();
      const r = await paced({ port: c.port, ca: ca.certPem, path: b.path, body: b.body, rate: RATE, seconds: RATE_SECONDS / RATE_WINDOWS, check });
      const wall = (performance.now() - t0) * 1000;
      const after = await c.stats();
      const a = acc[c.kind];
      a.total += r.total;
      a.errors += r.errors;
      a.wrong += r.wrong;
      a.firstProblem ??= r.firstProblem;
      a.service.push(...r.serviceMs);
      a.due.push(...r.dueMs);
      a.windowP99.push(r.service.p99);
      a.cpuMicros += after.cpuMicros - before.cpuMicros;
      a.wallMicros += wall;
      a.rss = after.rss;
    }
  }
  const row = { body: b };
  for (const [kind, a] of Object.entries(acc)) {
    const sorted = [...a.windowP99].sort((x, y) => x - y);
    row[kind] = {
      total: a.total, errors: a.errors, wrong: a.wrong, firstProblem: a.firstProblem,
      service: summarize(a.service), due: summarize(a.due),
      windowP99: sorted[Math.floor((sorted.length - 1) / 2)],
      cpu: (100 * a.cpuMicros) / a.wallMicros, cpuPerReq: a.cpuMicros / Math.max(1, a.total), rss: a.rss,
    };
  }
  fixed.push(row);
}

log(`memory: ${SOAK_SECONDS} s of mixed bodies at full speed against tenant-guard`);
const soakStart = await tg.stats(true);
const samples = [];
const soak = autocannon({
  url: `https://127.0.0.1:${tg.port}`,
  connections: CONNECTIONS,
  duration: SOAK_SECONDS,
  servername: 'localhost',
  requests: (BODIES.length > 0 ? BODIES : [FLOOR]).map(bodyOpts),
});
let sampling = true;
const sampler = (async () => {
  const t0 = Date.now();
  while (sampling) {
    await sleep(1000);
    if (!sampling) break;
    const s = await tg.stats();
    samples.push({ t: (Date.now() - t0) / 1000, rss: s.rss, heapUsed: s.heapUsed });
  }
})();
const soakResult = await soak;
sampling = false;
await sampler;
await sleep(200);
const soakEnd = await tg.stats(true);

await tg.stop();
await bare.stop();

log(`engine alone (${ENGINE_MS} ms per figure)`);
const engine = JSON.parse(execFileSync(process.execPath, [`${here}engine.mjs`, '--json'], { encoding: 'utf8', env: { ...process.env, BENCH_ENGINE_MS: String(ENGINE_MS) } }));

let profile;
if (PROFILE) {
  const files = readdirSync(RESULTS).filter((f) => f.endsWith('.cpuprofile')).map((f) => `${RESULTS}/${f}`).filter((f) => statSync(f).mtimeMs >= profileStart);
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (files[0] !== undefined) profile = summarizeProfile(files[0]);
}

// --- report ---------------------------------------------------------------
const f0 = (n) => Math.round(n).toLocaleString('en-US');
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const mb = (n) => (n / 1048576).toFixed(0);
const kb = (n) => (n >= 10240 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`);

const tpRows = throughput.flatMap((r) => {
  const t = r['tenant-guard'];
  const z = r.bare;
  const { ratio, cost: costRatio } = ratiosOf(r);
  const errs = (x) => (x.non2xx + x.errors > 0 ? ` (${x.non2xx} non-2xx, ${x.errors} errors)` : '');
  return [
    `| ${r.body.name} | ${kb(r.body.body.length)} | tenant-guard | ${f0(t.rps)}${errs(t)} | ${f2(t.latency.p50)} | ${f2(t.latency.p99)} | ${f2(t.latency.max)} | ${t.cpu.toFixed(0)} % | ${t.cpuPerReq.toFixed(0)} | ${mb(t.rss)} | **${ratio.toFixed(2)}×** | ${costRatio.toFixed(2)}× |`,
    `| | | bare fastify | ${f0(z.rps)}${errs(z)} | ${f2(z.latency.p50)} | ${f2(z.latency.p99)} | ${f2(z.latency.max)} | ${z.cpu.toFixed(0)} % | ${z.cpuPerReq.toFixed(0)} | ${mb(z.rss)} | | |`,
  ];
});
const fxRows = fixed.flatMap((r) => ['tenant-guard', 'bare'].map((k, i) => {
  const x = r[k];
  const issues = x.errors + x.wrong > 0 ? ` (${x.errors} errors, ${x.wrong} wrong: ${x.firstProblem})` : '';
  return `| ${i === 0 ? r.body.name : ''} | ${k === 'bare' ? 'bare fastify' : k} | ${f2(x.service.p50)} | ${f2(x.service.p99)} | ${f2(x.windowP99)} | ${f2(x.service.p999)} | ${f2(x.service.max)} | ${f2(x.due.p99)} | ${x.cpu.toFixed(0)} % | ${x.cpuPerReq.toFixed(0)} |${issues}`;
}));

const warm = samples.filter((s) => s.t >= Math.min(10, SOAK_SECONDS / 4));
const rssWarm = warm.length > 0 ? warm : samples;
const first = rssWarm[0] ?? { rss: soakStart.rss, heapUsed: soakStart.heapUsed };
const last = rssWarm[rssWarm.length - 1] ?? first;
const rssMax = Math.max(...samples.map((s) => s.rss), soakEnd.rss);
const slope = (() => {
  // Least squares over the samples after warm-up: MiB per minute.
  const n = rssWarm.length;
  if (n < 3) return 0;
  const mt = rssWarm.reduce((a, s) => a + s.t, 0) / n;
  const mr = rssWarm.reduce((a, s) => a + s.rss, 0) / n;
  const num2 = rssWarm.reduce((a, s) => a + (s.t - mt) * (s.rss - mr), 0);
  const den = rssWarm.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  return den === 0 ? 0 : ((num2 / den) * 60) / 1048576;
})();
const heapGrowth = soakEnd.heapUsed - soakStart.heapUsed;
const soakReqs = soakResult.requests.total;
const rssFlat = Math.abs(last.rss - first.rss) < 16 * 1048576 && heapGrowth < 8 * 1048576;

const md = [
  `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine.nproc} cores (\`nproc\`), ${machine.model}; Node ${machine.node}, fastify ${machine.fastify}, autocannon ${machine.autocannon}. Load average before the run: ${load0.map((l) => l.toFixed(2)).join(', ')}. The load generator shares these cores with the server; other work on the machine adds noise.`,
  '',
  `Settings: ${SECONDS} s per throughput run (after a warm-up), ${CONNECTIONS} keep-alive connections; ${RATE} requests/s for ${RATE_SECONDS} s per server and body in the fixed-rate runs; ${SOAK_SECONDS} s memory run.`,
  '',
  '**Targets**',
  '',
  ...targetLines({ throughput: throughput.filter((r) => r.body.floor !== true), floor: throughput.find((r) => r.body.floor === true), engine, fixed, rate: RATE, rssMaxMiB: rssMax / 1048576, soakSeconds: SOAK_SECONDS, rssFlat, rssFirstMiB: first.rss / 1048576, rssLastMiB: last.rss / 1048576 }),
  '',
  `**Throughput** (closed loop: ${CONNECTIONS} connections, each sends its next request when the last is answered; latency in ms; CPU is the server process, 100 % = one core, and its CPU time per request in µs; RSS in MiB at the end of the run. "ratio" is tenant-guard's req/s over the bare server's; "cost ratio" is the bare server's CPU per request over tenant-guard's, which is what the req/s ratio becomes when the server, not the machine, is the limit)`,
  '',
  '| body | size | server | req/s | p50 | p99 | max | CPU | CPU µs/req | RSS | ratio | cost ratio |',
  '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...tpRows,
  '',
  `**Latency at a fixed ${RATE} requests/s** (open loop: requests leave on schedule whether or not earlier ones were answered; ms from write to complete answer, over ${RATE_WINDOWS} windows that alternate between the servers; "p99, median window" is the median of the windows' p99, which a single noisy moment of the machine does not move; "p99 due" counts from the scheduled time, so it also includes the client's own delays)`,
  '',
  '| body | server | p50 | p99 | p99, median window | p99.9 | max | p99 due | CPU | CPU µs/req |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...fxRows,
  '',
  `**Memory** (tenant-guard, ${SOAK_SECONDS} s, the four bodies in turn at full speed: ${f0(soakReqs)} requests, ${f0(soakReqs / soakResult.duration)}/s; ${soakResult.non2xx + soakResult.errors + soakResult.timeouts} non-2xx/errors. Idle before the first request, without a cluster: tenant-guard ${mb(idle.tg)} MiB, the bare server ${mb(idle.bare)} MiB; idle against a real cluster: bench/apiserver.mjs)`,
  '',
  '| RSS after warm-up | RSS at the end | RSS max | RSS trend | heap after GC, before → after |',
  '|---:|---:|---:|---:|---:|',
  `| ${mb(first.rss)} MiB | ${mb(last.rss)} MiB | ${mb(rssMax)} MiB | ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MiB/min | ${mb(soakStart.heapUsed)} → ${mb(soakEnd.heapUsed)} MiB (${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / 1048576).toFixed(1)}) |`,
  '',
  `**Engine alone** (one process, tight loop, ${ENGINE_MS} ms per figure; namespaces already resolved for review())`,
  '',
  '| body | size | violations | review() per s | µs each | decode+decide per s | µs each | of which JSON.parse µs | single decode+decide p99 / p99.9 µs |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...engine.map((e) => `| ${e.name} | ${kb(e.bytes)} | ${e.violations} | ${f0(e.reviewPerSec)} | ${(1e6 / e.reviewPerSec).toFixed(1)} | ${f0(e.fullPerSec)} | ${(1e6 / e.fullPerSec).toFixed(1)} | ${(1e6 / e.parsePerSec).toFixed(1)} | ${e.spread.p99.toFixed(0)} / ${e.spread.p999.toFixed(0)} |`),
  ...(profile === undefined ? [] : ['', `**CPU profile of tenant-guard** (BENCH_PROFILE=1, the whole run)`, '', profileMarkdown(profile)]),
].join('\n');

process.stdout.write(`\n${md}\n`);

if (WRITE_README) {
  const file = `${here}README.md`;
  const begin = '<!-- webhook-bench:begin (written by npm run bench) -->';
  const end = '<!-- webhook-bench:end -->';
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const block = `${begin}\n${md}\n${end}`;
  const i = text.indexOf(begin.slice(0, 26));
  const j = text.indexOf(end);
  if (i !== -1 && j > i) {
    text = `${text.slice(0, i)}${block}${text.slice(j + end.length)}`;
  } else {
    text = `${text.trimEnd()}\n\n## Webhook: latest results\n\n${block}\n`;
  }
  writeFileSync(file, text);
  log(`written to bench/README.md`);
}
