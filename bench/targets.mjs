/**
 * The webhook bench's targets (issue 17), judged on one run's figures: every
 * target is a ratio to the bare server measured side by side, or a bound on
 * resident memory, so the machine's other load moves both sides alike.
 */

/** Throughput: tenant-guard's req/s over the bare server's, per body. */
export const THROUGHPUT_TARGET = { 'np-small': 0.8, 'cnp-large': 0.6, 'ns-create': 0.8, 'np-denied': 0.8 };
/** Fixed rate: tenant-guard's p99 (median window) at most this many times the bare server's. */
export const FIXED_RATE_P99_FACTOR = 2;
/** Resident memory under the bench's load (MiB). Idle figures come from bench/apiserver.mjs (a real cluster). */
export const LOADED_RSS_MIB = 160;

const ok = (b) => (b ? 'met' : '**missed**');

/** Markdown lines: one per target, with the figures it was judged on. */
export function targetLines({ throughput, floor, engine = [], fixed, rate, rssMaxMiB, soakSeconds, rssFlat, rssFirstMiB, rssLastMiB }) {
  const tp = throughput.map((r) => {
    const want = THROUGHPUT_TARGET[r.body.name] ?? 0.8;
    const { ratio, cost } = ratiosOf(r);
    return { row: r, name: r.body.name, want, ratio, cost, met: ratio >= want || cost >= want };
  });
  const fx = fixed.map((r) => {
    const factor = r['tenant-guard'].windowP99 / r.bare.windowP99;
    return { name: r.body.name, tg: r['tenant-guard'].windowP99, bare: r.bare.windowP99, factor, met: factor <= FIXED_RATE_P99_FACTOR };
  });
  return [
    `- throughput ≥ the bare server's × ${tp.map((t) => `${t.want} (${t.name})`).join(', ')}, by req/s or, where the machine rather than the server is the limit, by CPU cost: ${tp.map((t) => `${t.name} ${t.ratio.toFixed(2)}× (cost ${t.cost.toFixed(2)}×) ${ok(t.met)}`).join('; ')}`,
    ...(floor === undefined ? [] : [floorLine(floor), ...tp.filter((t) => !t.met).map((t) => budgetLine(t.row, t.want, floor, engine.find((e) => e.name === t.name)))]),
    `- p99 at ${rate} requests/s (median window) ≤ ${FIXED_RATE_P99_FACTOR}× the bare server's: ${fx.map((f) => `${f.name} ${f.tg.toFixed(2)} / ${f.bare.toFixed(2)} ms = ${f.factor.toFixed(1)}× ${ok(f.met)}`).join('; ')}`,
    `- RSS under load ≤ ${LOADED_RSS_MIB} MiB: at most ${rssMaxMiB.toFixed(0)} MiB over the ${soakSeconds} s run — ${ok(rssMaxMiB <= LOADED_RSS_MIB)}; flat: ${rssFirstMiB.toFixed(0)} → ${rssLastMiB.toFixed(0)} MiB — ${ok(rssFlat)}`,
  ];
}

/** One throughput row's req/s ratio and cost ratio (the bare server's CPU per request over tenant-guard's). */
export function ratiosOf(r) {
  return { ratio: r['tenant-guard'].rps / r.bare.rps, cost: r.bare.cpuPerReq / r['tenant-guard'].cpuPerReq };
}

/** The floor (np-pass, no policy work): not a target, the bound on what the throughput targets can reach. */
function floorLine(r) {
  const { ratio, cost } = ratiosOf(r);
  return `  - the floor, ${r.body.name} (no policy work, the bare server's answer; not a target): ${ratio.toFixed(2)}× (cost ${cost.toFixed(2)}×), the most any body above can reach with the server as it is: its CPU per request is ${r['tenant-guard'].cpuPerReq.toFixed(0)} µs against the bare server's ${r.bare.cpuPerReq.toFixed(0)}`;
}

/**
 * What a missed throughput target leaves the decision, by cost: tenant-guard's CPU per request
 * may be at most the bare server's / target; less the bare server's own and the floor's extra
 * (what tenant-guard costs beyond the bare server without deciding; measured on np-small's body,
 * so for other sizes an approximation), that is the decision's budget. Beside it what the
 * decision costs in this run's server (tenant-guard − bare − the floor's extra) and alone
 * (bench/engine.mjs: decode+decide less the body's JSON.parse).
 */
function budgetLine(r, want, floor, e) {
  const extra = floor['tenant-guard'].cpuPerReq - floor.bare.cpuPerReq;
  const budget = r.bare.cpuPerReq / want - r.bare.cpuPerReq - extra;
  const inServer = r['tenant-guard'].cpuPerReq - r.bare.cpuPerReq - extra;
  const alone = e === undefined ? '' : `, ${(1e6 / e.fullPerSec - 1e6 / e.parsePerSec).toFixed(0)} µs alone (engine table: decode+decide less JSON.parse)`;
  return `  - ${r.body.name} at ${want}× by cost leaves its decision ${budget > 0 ? `${budget.toFixed(0)} µs` : `nothing (${budget.toFixed(0)} µs)`} per request (the bare server's ${r.bare.cpuPerReq.toFixed(0)} µs / ${want}, less those ${r.bare.cpuPerReq.toFixed(0)} and the floor's extra ${extra.toFixed(0)}); the decision costs ${inServer.toFixed(0)} µs in this server${alone}`;
}
