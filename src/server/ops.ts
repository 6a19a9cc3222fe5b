/**
 * Plain-HTTP /metrics (Prometheus), /healthz (the process is alive) and
 * /readyz (the caches are synced), for a process without the webhook
 * (`tenant-guard controller`); with the webhook, its HTTPS port serves them
 * for the whole process. Nothing here is secret, and the API server never
 * calls it.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface StatusSource {
  /** Reasons the controller is not ready (empty: ready). */
  notReady(): string[];
  /** Facts shown on /readyz and /healthz. */
  status(): Record<string, unknown>;
}

export interface RunningHttp {
  port: number;
  close(): Promise<void>;
}

export async function startOpsHttp(registry: Registry, source: StatusSource, port: number, host: string): Promise<RunningHttp> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'application/json', JSON.stringify({ error: 'only GET' }));
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then((text) => send(200, registry.contentType, text), (err: unknown) => send(500, 'text/plain', `metrics failed: ${(err as Error).message}`));
    } else if (path === '/healthz') {
      send(200, 'application/json', JSON.stringify({ status: 'ok', ...source.status() }));
    } else if (path === '/readyz') {
      const reasons = source.notReady();
      send(reasons.length === 0 ? 200 : 503, 'application/json', JSON.stringify({ status: reasons.length === 0 ? 'ready' : 'not ready', reasons, ...source.status() }));
    } else {
      send(404, 'application/json', JSON.stringify({ error: 'not found', paths: ['/metrics', '/healthz', '/readyz'] }));
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}
