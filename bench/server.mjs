/**
 * The two servers the benchmark compares, built from the compiled dist/:
 *
 *   tenant-guard  the real app (buildApp, as `tenant-guard serve` composes it:
 *                 metrics, a pino logger at info writing one line per
 *                 decision to stdout), with namespace ownership from a fixed
 *                 list (StaticNamespaces) instead of a cluster. This module is
 *                 the bench-only way to run the server without a cluster; the
 *                 product's behaviour is unchanged.
 *   bare          plain fastify with the same TLS material and body limit,
 *                 which parses the JSON body and answers a constant allowed
 *                 AdmissionReview (only the uid is copied from the request):
 *                 the limit of what this stack can do.
 *
 * Both listen on 127.0.0.1 over HTTPS with keep-alive. Run as a child process
 * (driven over IPC by bench/run.mjs, which bundles this file first as the
 * image bundles the CLI) so each server's CPU time and RSS are its own:
 *   parent → {cmd: 'start', kind: 'tenant-guard'|'bare', tls: {key, cert}}
 *   child  → {port}
 *   parent → {cmd: 'stats', gc?: true}  child → {cpuMicros, rss, heapUsed}
 *   parent → {cmd: 'exit'}              child closes and exits (a --cpu-prof profile is written then)
 */
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import Fastify from 'fastify';
// Static imports, so bench/run.mjs can bundle this file as the image bundles the CLI.
import { configFromObject } from '../dist/config/load.js';
import { StaticNamespaces } from '../dist/kube/namespace-view.js';
import { buildApp } from '../dist/server/app.js';
import { buildLogger } from '../dist/telemetry/logger.js';
import { buildMetrics } from '../dist/telemetry/metrics.js';
import { BODIES, CONFIG, NAMESPACES } from './bodies.mjs';

export async function startTenantGuard(tls, { logLevel = 'info' } = {}) {
  const cfg = configFromObject(CONFIG);
  if (!cfg.ok) throw new Error(`bench config invalid: ${JSON.stringify(cfg.errors)}`);
  const app = buildApp({
    config: cfg.config,
    namespaces: new StaticNamespaces(NAMESPACES),
    metrics: buildMetrics(),
    https: tls,
    log: buildLogger(logLevel),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: app.server.address().port };
}

export async function startBare(tls) {
  const cfg = configFromObject(CONFIG);
  const app = Fastify({
    https: { ...tls, minVersion: 'TLSv1.2' },
    logger: false,
    bodyLimit: cfg.config.server.bodyLimitBytes,
    keepAliveTimeout: cfg.config.server.keepAliveTimeoutMs,
  });
  const answer = (req) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: req.body?.request?.uid ?? '', allowed: true } });
  app.post('/validate', async (req) => answer(req));
  app.post('/mutate', async (req) => answer(req));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: app.server.address().port };
}

export { BODIES };

// Child-process mode.
if (process.send !== undefined && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let server;
  let baseline = process.cpuUsage();
  process.on('message', (msg) => {
    void (async () => {
      if (msg.cmd === 'start') {
        server = msg.kind === 'bare' ? await startBare(msg.tls) : await startTenantGuard(msg.tls, { logLevel: msg.logLevel });
        baseline = process.cpuUsage();
        process.send({ port: server.port });
      } else if (msg.cmd === 'stats') {
        if (msg.gc === true && typeof globalThis.gc === 'function') globalThis.gc();
        const cpu = process.cpuUsage(baseline);
        const mem = process.memoryUsage();
        process.send({ cpuMicros: cpu.user + cpu.system, rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, arrayBuffers: mem.arrayBuffers, v8: getHeapStatistics() });
      } else if (msg.cmd === 'exit') {
        await server?.app.close();
        process.exit(0);
      }
    })().catch((err) => {
      process.stderr.write(`bench server: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}
