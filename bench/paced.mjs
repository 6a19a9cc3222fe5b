/**
 * An open-loop client at a fixed request rate: request i is sent at
 * start + i/rate whether or not earlier ones were answered, over a pool of
 * keep-alive HTTPS connections (as the API server keeps them). autocannon's
 * own rate limit sends each second's budget in one burst and then idles,
 * which measures a burst rather than a steady rate, so this is used for the
 * latency-at-a-fixed-rate figures.
 *
 * Latency is measured per request from the moment it is written to the
 * moment its answer is complete (`service`), and also from the moment it was
 * due (`due`), which adds any delay of this client itself.
 */
import https from 'node:https';
import { performance } from 'node:perf_hooks';

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: sorted.length > 0 ? sorted[sorted.length - 1] : NaN };
}

export async function paced({ port, ca, path, body, rate, seconds, check }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca, servername: 'localhost' });
  const payload = Buffer.from(body);
  const total = Math.max(1, Math.round(rate * seconds));
  const service = [];
  const due = [];
  let errors = 0;
  let wrong = 0;
  let firstProblem;
  let finished = 0;
  const start = performance.now() + 20;
  let next = 0;

  await new Promise((resolve) => {
    const send = (i) => {
      const dueAt = start + (i * 1000) / rate;
      const sentAt = performance.now();
      const req = https.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const end = performance.now();
          service.push(end - sentAt);
          due.push(end - dueAt);
          const problem = check?.(res.statusCode, Buffer.concat(chunks).toString('utf8'));
          if (problem !== undefined) {
            wrong++;
            firstProblem ??= problem;
          }
          if (++finished === total) resolve();
        });
      });
      req.on('error', (err) => {
        errors++;
        firstProblem ??= err.message;
        if (++finished === total) resolve();
      });
      req.end(payload);
    };
    const tick = () => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / rate <= now) send(next++);
      if (next < total) setTimeout(tick, Math.max(0, start + (next * 1000) / rate - performance.now()));
    };
    setTimeout(tick, 20);
  });
  agent.destroy();
  return { total, errors, wrong, firstProblem, service: summarize(service), due: summarize(due), serviceMs: service, dueMs: due };
}
