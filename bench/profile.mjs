/**
 * Where the time goes in a V8 CPU profile (`node --cpu-prof`): self time per
 * area (our engine, our HTTP layer, fastify, pino, ajv, TLS and the rest of
 * node, garbage collection, idle) and the hottest functions.
 *
 *   node bench/profile.mjs bench/results/<file>.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

function area(url, name) {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8/native (program)';
  if (url.includes('/dist/policy/')) return 'tenant-guard engine (dist/policy)';
  if (url.includes('/dist/admission/')) return 'tenant-guard admission (decode, handle)';
  if (url.includes('/dist/')) return 'tenant-guard server/telemetry';
  if (url.includes('/node_modules/pino') || url.includes('/node_modules/sonic-boom') || url.includes('fast-json-stringify') || url.includes('/node_modules/fast-redact')) return 'logging (pino)';
  if (url.includes('/node_modules/prom-client')) return 'metrics (prom-client)';
  if (url.includes('/node_modules/ajv')) return 'ajv (envelope validation)';
  if (url.includes('/node_modules/')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    return m?.[1] === 'fastify' || m?.[1]?.startsWith('@fastify') || m?.[1] === 'find-my-way' || m?.[1] === 'light-my-request' || m?.[1] === 'secure-json-parse' || m?.[1] === 'avvio'
      ? 'fastify' : `other packages (${m?.[1] ?? '?'})`;
  }
  if (url.startsWith('node:') || url === '') return name.includes('JSON') ? 'JSON parse/stringify (native)' : 'node core (TLS, HTTP, streams) and native';
  return 'other';
}

export function summarizeProfile(file, top = 15) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  const areas = new Map();
  const fns = new Map();
  let total = 0;
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const a = area(url, name);
    total += us;
    if (a !== 'idle') busy += us;
    areas.set(a, (areas.get(a) ?? 0) + us);
    const short = url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '');
    const key = `${name} ${short === '' ? '' : `${short}:${lineNumber + 1}`}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us) => (busy === 0 ? 0 : (100 * us) / busy);
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    areas: [...areas].filter(([a]) => a !== 'idle').sort((x, y) => y[1] - x[1]).map(([a, us]) => ({ area: a, ms: us / 1000, pct: pct(us) })),
    functions: [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, top).map(([fn, us]) => ({ fn, ms: us / 1000, pct: pct(us) })),
  };
}

export function profileMarkdown(s) {
  const lines = [
    `Self time while busy (${(s.busyMs / 1000).toFixed(1)} s of ${(s.totalMs / 1000).toFixed(1)} s profiled):`,
    '',
    '| area | share |',
    '|---|---:|',
    ...s.areas.map((a) => `| ${a.area} | ${a.pct.toFixed(1)} % |`),
    '',
    '| hottest functions (self time) | share |',
    '|---|---:|',
    ...s.functions.map((f) => `| \`${f.fn.replace(/\|/g, '\\|')}\` | ${f.pct.toFixed(1)} % |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: node bench/profile.mjs FILE.cpuprofile');
    process.exit(2);
  }
  console.log(profileMarkdown(summarizeProfile(file, 25)));
}
