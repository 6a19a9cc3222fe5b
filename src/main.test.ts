// `serve --controller` is one process on one runtime: against a fake API
// server that counts requests, the webhook's namespace ownership and the
// baseline controller share one Namespace watch, the baseline and share
// controllers one watch of tenant-guard's policies, the webhook's sharing
// rules and the share controller one watch of Exports and Imports, every
// metric is on one registry served by the plain-HTTP metrics port (never the
// webhook's), and no listener opens on controller.port.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { get as httpGet } from 'node:http';
import { request } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './cli/serve.js';
import { configFromObject } from './config/load.js';

const NAMESPACES = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', uid: 'u-default', resourceVersion: '10', labels: { 'kubernetes.io/metadata.name': 'default', 'tenant-guard.io/tenant': 'platform' } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-web', uid: 'u-acme', resourceVersion: '11', labels: { 'kubernetes.io/metadata.name': 'acme-web', 'tenant-guard.io/tenant': 'acme' } } },
];

/** Requests by "VERB path" (watches as "WATCH path"). */
const seen = new Map<string, number>();
const openWatches = new Set<ServerResponse>();
let api: Server;
let dir: string;
let server: RunningServer | undefined;
let controllerPort: number;

function count(key: string): void {
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fakeApi(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  let body = '';
  req.on('data', (c: Buffer) => { body += c.toString(); });
  req.on('end', () => {
    if (url.searchParams.get('watch') === 'true') {
      count(`WATCH ${url.pathname}`);
      // Held open until the test ends, as a real watch is.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      openWatches.add(res);
      return;
    }
    count(`${req.method} ${url.pathname}`);
    if (req.method === 'GET' && url.pathname === '/api/v1/namespaces') return json(res, 200, { kind: 'NamespaceList', metadata: { resourceVersion: '20' }, items: NAMESPACES });
    if (req.method === 'GET' && url.pathname === '/apis/networking.k8s.io/v1/networkpolicies') return json(res, 200, { kind: 'NetworkPolicyList', metadata: { resourceVersion: '20' }, items: [] });
    if (req.method === 'GET' && url.pathname === '/apis/tenant-guard.io/v1alpha1/exports') return json(res, 200, { kind: 'ExportList', metadata: { resourceVersion: '20' }, items: [] });
    if (req.method === 'GET' && url.pathname === '/apis/tenant-guard.io/v1alpha1/imports') return json(res, 200, { kind: 'ImportList', metadata: { resourceVersion: '20' }, items: [] });
    const ns = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url.pathname)?.[1];
    if (req.method === 'GET' && ns !== undefined) {
      const found = NAMESPACES.find((n) => n.metadata.name === ns);
      return found !== undefined ? json(res, 200, found) : json(res, 404, { kind: 'Status', reason: 'NotFound', message: `namespaces "${ns}" not found` });
    }
    if (req.method === 'PATCH' && url.pathname.startsWith('/apis/networking.k8s.io/v1/namespaces/')) {
      const applied = JSON.parse(body) as Record<string, { [k: string]: unknown }>;
      return json(res, 200, { ...applied, metadata: { ...applied.metadata, uid: 'u-np', resourceVersion: '30' } });
    }
    if (req.method === 'POST' && url.pathname.endsWith('/events')) return json(res, 201, JSON.parse(body));
    // Discovery of optional groups, and anything else: not served here.
    return json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'not served' });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
}

function plainGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    }).on('error', reject);
  });
}

function inUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-one-process-'));
  api = createServer(fakeApi);
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  const apiPort = (api.address() as { port: number }).port;
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${apiPort}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 'x' } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'tenant-guard-system' } }],
  }));
  controllerPort = await freePort();
  const cfg = configFromObject({
    platform: { namespaces: ['default'] },
    tenants: [{ name: 'acme', groups: ['acme-devs'] }],
    controller: { port: controllerPort, host: '127.0.0.1', auditIntervalSeconds: 0, leaderElection: { enabled: false } },
  });
  if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
  server = await startServer(cfg.config, { port: '0', host: '127.0.0.1', kubeconfig, controller: true, 'tls-mode': 'dev', cert: join(dir, 'tls.crt'), 'metrics-port': '0' }, pino({ level: process.env.TG_TEST_LOG ?? 'silent' }));
});

afterAll(async () => {
  for (const w of openWatches) w.end();
  await server?.close();
  await new Promise<void>((r) => api.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('serve --controller: one runtime', () => {
  it('runs one watch per resource, shared by the webhook and the controllers', async () => {
    let ready = { status: 0, body: '{}' };
    // Up to 20 s: four caches to list, on a machine that may be busy.
    for (let i = 0; i < 400; i++) {
      ready = await get(server!.port, '/readyz');
      const body = JSON.parse(ready.body) as { controller?: { ready?: boolean; fullSyncs?: number } };
      if (body.controller?.ready === true && (body.controller.fullSyncs ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const body = JSON.parse(ready.body) as { status: string; controller: { ready: boolean; reasons: string[] } };
    expect(body.controller).toMatchObject({ ready: true, reasons: [] });
    // The webhook's ownership view reads the same cache: synced, so not degraded.
    expect(body.status).toBe('ok');
    // A cache is synced once listed; its watch request may still be on its way.
    const watches = () => [...seen.keys()].filter((k) => k.startsWith('WATCH '));
    for (let i = 0; i < 100 && watches().length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    expect(seen.get('WATCH /api/v1/namespaces')).toBe(1);
    // Two on NetworkPolicies: the baseline's (its managed policies, by label) and the PolicyReports' (every policy),
    // whose watch may open a moment after the baseline is ready.
    for (let i = 0; i < 100 && (seen.get('WATCH /apis/networking.k8s.io/v1/networkpolicies') ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(seen.get('WATCH /apis/networking.k8s.io/v1/networkpolicies')).toBe(2);
    expect([...seen.keys()].filter((k) => k.startsWith('WATCH ')).sort()).toEqual([
      'WATCH /api/v1/namespaces', 'WATCH /apis/networking.k8s.io/v1/networkpolicies',
      'WATCH /apis/tenant-guard.io/v1alpha1/exports', 'WATCH /apis/tenant-guard.io/v1alpha1/imports',
    ]);
    for (const k of seen.keys()) if (k.startsWith('WATCH ') && !k.endsWith('/networkpolicies')) expect(seen.get(k), k).toBe(1);
    expect(seen.get('GET /api/v1/namespaces')).toBe(1);
  });

  it('serves every metric of the process from one registry on the plain-HTTP metrics port, none on the webhook port', async () => {
    expect((await get(server!.port, '/metrics')).status).toBe(404);
    const metrics = await plainGet(server!.opsPort!, '/metrics');
    expect(metrics.status).toBe(200);
    // Node's process metrics keep their standard names, unprefixed.
    for (const name of ['tenant_guard_admission_in_flight', 'tenant_guard_controller_leader', 'tenant_guard_controller_api_requests_total', 'tenant_guard_controller_reconciles_total', 'tenant_guard_degraded', 'tenant_guard_shares_active', 'process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      expect(metrics.body.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `)), name).toHaveLength(1);
    }
    expect(metrics.body).toMatch(/tenant_guard_controller_api_requests_total\{verb="watch",resource="namespaces",code="200"\} 1\n/);
  });

  it('opens nothing on controller.port: the metrics port is the one asked for', async () => {
    expect(await inUse(controllerPort)).toBe(false);
  });
});
