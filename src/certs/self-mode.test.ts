// TLS mode `self` before a certificate is loaded: the server listens (so
// liveness passes) with a throwaway certificate and is not ready, saying why.
// The Secret-backed behaviour itself is tested against a real API server in
// test/e2e/helm-rotator.e2e.test.ts and test/e2e/helm-install.e2e.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../cli/serve.js';
import { configFromObject } from '../config/load.js';

let dir: string;
let server: RunningServer | undefined;
let deadApi: Server;
let deadPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-self-mode-'));
  // An "API server" that accepts connections and closes them at once.
  deadApi = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => deadApi.listen(0, '127.0.0.1', () => r()));
  deadPort = (deadApi.address() as { port: number }).port;
});

afterAll(async () => {
  await server?.close();
  await new Promise<void>((r) => deadApi.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tls mode self, API server unreachable', () => {
  it('serves /healthz, and /readyz is 503 with the reason until a certificate is loaded', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${deadPort}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'tg-test' } }],
    }));
    const cfg = configFromObject({ tls: { mode: 'self', self: { checkIntervalSeconds: 1 } } });
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    server = await startServer(cfg.config, { port: '0', host: '127.0.0.1', kubeconfig }, pino({ level: 'silent' }));

    expect((await get(server.port, '/healthz')).status).toBe(200);
    // The first check fails quickly against the closed connection; then the reason names it.
    let ready = await get(server.port, '/readyz');
    for (let i = 0; i < 50 && !ready.body.includes('certificate check failed'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await get(server.port, '/readyz');
    }
    expect(ready.status).toBe(503);
    const body = JSON.parse(ready.body) as { status: string; reasons: string[] };
    expect(body.status).toBe('not ready');
    expect(body.reasons.some((r) => r.startsWith('certificate check failed'))).toBe(true);
  });

  it('refuses settings that would renew for ever', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const cfg = configFromObject({ tls: { mode: 'self', self: { namespace: 'x', certValidityDays: 10, renewBeforeDays: 10 } } });
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    await expect(startServer(cfg.config, { port: '0', host: '127.0.0.1', kubeconfig }, pino({ level: 'silent' }))).rejects.toThrow(/the certificate validity must be longer than renewBefore/);
  });
});
