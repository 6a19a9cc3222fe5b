/**
 * The server under adverse conditions: no namespace ownership (fail closed),
 * overload (fast 429 and not ready), an engine failure (an in-band refusal,
 * no internals), and the probes and metrics that report them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { StaticNamespaces, UnavailableNamespaces, type NamespaceResolver } from '../../src/kube/namespace-view.js';
import type { NamespaceView } from '../../src/policy/types.js';
import { decodePatch, fixture, fixtureText, makeApp, makeConfig, NAMESPACES, post, reviewOf } from './helpers.js';

describe('without namespace ownership (no Kubernetes API)', () => {
  const reason = 'no Kubernetes API configured (no in-cluster service account, $KUBECONFIG or ~/.kube/config)';

  it('a NetworkPolicy is refused with OwnershipUnknown, saying why', async () => {
    const { app } = makeApp({ namespaces: new UnavailableNamespaces(reason) });
    const body = reviewOf(await post(app, '/validate', fixture('networkpolicy-create-same-tenant')));
    expect(body.response.uid).toBe('1e3c5a79-2d4f-4b6a-9c8e-0a2b4d6f8a13');
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.code).toBe(403);
    const lines = body.response.status!.message.split('\n');
    expect(lines[1]).toBe(`- metadata.namespace: Forbidden: the owner of namespace "acme-web" cannot be established (${reason}); tenant-guard refuses rather than guess (fix: retry in a moment; if it persists, ask the platform team to check tenant-guard's access to the API server)`);
    expect(body.response.status?.details?.causes[0]).toMatchObject({ reason: 'OwnershipUnknown', field: 'metadata.namespace' });
    await app.close();
  });

  it('Namespace decisions need no API and keep working', async () => {
    const { app } = makeApp({ namespaces: new UnavailableNamespaces(reason) });
    const mutate = reviewOf(await post(app, '/mutate', fixture('namespace-create-tenant')));
    expect(mutate.response.allowed).toBe(true);
    expect(decodePatch(mutate)).toEqual([{ op: 'add', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'acme' }]);
    const refused = reviewOf(await post(app, '/validate', fixture('namespace-create-foreign-label')));
    expect(refused.response.status?.details?.causes.map((c) => c.reason)).toEqual(['NamespaceForeignTenant']);
    await app.close();
  });

  it('/readyz stays 200 but reports "degraded" with the reason; /healthz is 200', async () => {
    const { app } = makeApp({ namespaces: new UnavailableNamespaces(reason) });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'degraded', degraded: [`policy decisions fail closed: ${reason}`] });
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    await app.close();
  });

  it('with ownership known, /readyz is "ok"', async () => {
    const { app } = makeApp();
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', degraded: [] });
    await app.close();
  });
});

describe('namespace lookups on the admission path', () => {
  /** A resolver that records the names each request asks for. */
  function recording(): { resolver: NamespaceResolver; asked: string[][] } {
    const inner = new StaticNamespaces(NAMESPACES);
    const asked: string[][] = [];
    return { asked, resolver: { resolve: (names) => { asked.push([...names]); return inner.resolve(); }, degraded: () => undefined } };
  }

  const byName = (namespace: string) => ({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [namespace] }] });

  it('a tenant\'s policy: its own namespace and every namespace it names', async () => {
    const { resolver, asked } = recording();
    const { app } = makeApp({ namespaces: resolver });
    const review = fixture('networkpolicy-create-cross-tenant');
    (review.request.object as { spec: { ingress: { from: unknown[] }[] } }).spec.ingress[0]!.from.push({ namespaceSelector: byName('globex-db') });
    reviewOf(await post(app, '/validate', review));
    expect(asked).toEqual([['acme-web', 'globex-db']]);
    await app.close();
  });

  it('deleting a policy reads only the namespace it lives in; admins and unjudged kinds read none', async () => {
    const { resolver, asked } = recording();
    const { app } = makeApp({ namespaces: resolver });
    const del = fixture('networkpolicy-delete');
    (del.request.oldObject as { spec: { ingress: { from: unknown[] }[] } }).spec.ingress[0]!.from.push({ namespaceSelector: byName('globex-db') });
    expect(reviewOf(await post(app, '/validate', del)).response.allowed).toBe(true);
    const byAdmin = fixture('networkpolicy-create-cross-tenant');
    byAdmin.request.userInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
    expect(reviewOf(await post(app, '/validate', byAdmin)).response.allowed).toBe(true);
    expect(reviewOf(await post(app, '/validate', fixture('pod-create'))).response.allowed).toBe(true);
    expect(asked).toEqual([['acme-web'], [], []]);
    await app.close();
  });
});

describe('/readyz', () => {
  it('is 503 while shutting down or when another component is not ready', async () => {
    const state = { shuttingDown: false, notReady: (): string[] => [], degraded: (): string[] => [] };
    const { app } = makeApp({ state });
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    state.notReady = () => ['serving certificate not loaded'];
    state.shuttingDown = true;
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not ready', reasons: ['serving certificate not loaded', 'shutting down'], degraded: [] });
    await app.close();
  });
});

describe('metrics', () => {
  it('are not served on the webhook port', async () => {
    const { app } = makeApp();
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    await app.close();
  });

  it('count decisions by endpoint, kind, operation and verdict', async () => {
    const { app, metrics } = makeApp();
    const before = await metrics.registry.metrics();
    expect(before).toContain('# TYPE tenant_guard_admission_requests_total counter');
    expect(before).not.toMatch(/^tenant_guard_admission_requests_total\{/m);

    await post(app, '/validate', fixture('networkpolicy-create-cross-tenant'));
    await post(app, '/validate', fixture('networkpolicy-create-cross-tenant'));
    await post(app, '/mutate', fixture('namespace-create-tenant'));
    const after = await metrics.registry.metrics();
    expect(after).toContain('tenant_guard_admission_requests_total{endpoint="validate",kind="NetworkPolicy",operation="CREATE",verdict="denied"} 2');
    expect(after).toContain('tenant_guard_admission_requests_total{endpoint="mutate",kind="Namespace",operation="CREATE",verdict="allowed"} 1');
    expect(after).toMatch(/^tenant_guard_admission_duration_seconds_count\{endpoint="validate"\} 2$/m);
    await app.close();
  });
});

/** A resolver that holds every lookup until released. */
function heldResolver(): { resolver: NamespaceResolver; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const startedP = new Promise<void>((r) => { started = r; });
  const view = new StaticNamespaces(NAMESPACES).view();
  return {
    resolver: {
      async resolve(): Promise<NamespaceView> {
        started();
        await gate;
        return view;
      },
      degraded: () => undefined,
    },
    release,
    started: startedP,
  };
}

describe('overload', () => {
  it('past maxInFlight, a request gets 429 at once, /readyz turns 503, and capacity comes back', async () => {
    const held = heldResolver();
    const { app, metrics } = makeApp({ config: makeConfig({ maxInFlight: 1 }), namespaces: held.resolver });
    let firstSettled = false;
    const first = post(app, '/validate', fixture('networkpolicy-create-same-tenant')).finally(() => { firstSettled = true; });
    await held.started;

    const t0 = performance.now();
    const second = await post(app, '/validate', fixture('networkpolicy-create-cross-tenant'));
    const elapsed = performance.now() - t0;
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json()).toEqual({ error: 'Too Many Requests', message: 'more than 1 admission requests in flight; retry' });
    expect(elapsed).toBeLessThan(1000);
    expect(firstSettled).toBe(false);

    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'not ready', reasons: ['overloaded: shed requests in the last 5 s (more than 1 in flight)'], degraded: [] });
    expect(await metrics.shed.get()).toMatchObject({ values: [{ value: 1 }] });

    held.release();
    const firstRes = await first;
    expect(reviewOf(firstRes).response.allowed).toBe(true);
    // The slot is free again: the next request is decided, not shed.
    const third = reviewOf(await post(app, '/validate', fixture('networkpolicy-create-cross-tenant')));
    expect(third.response.uid).toBe('d41f7b2e-8c3a-4e19-b5d0-2a6c9e1f7b83');
    await app.close();
  });

  it('refused and malformed requests release their slot too', async () => {
    const { app } = makeApp({ config: makeConfig({ maxInFlight: 1 }) });
    for (let i = 0; i < 3; i++) {
      expect((await post(app, '/validate', '{oops')).statusCode).toBe(400);
      expect((await post(app, '/validate', 'x', { 'content-type': 'text/plain' })).statusCode).toBe(415);
      expect((await post(app, '/validate', fixture('networkpolicy-create-cross-tenant'))).statusCode).toBe(200);
    }
    await app.close();
  });
});

describe('an engine failure', () => {
  const throwing: [string, NamespaceResolver][] = [
    ['throws', { resolve: () => { throw new Error('lookup exploded at /srv/app/src/kube/namespace-cache.ts:42'); }, degraded: () => undefined }],
    ['rejects', { resolve: () => Promise.reject(new TypeError('Cannot read properties of undefined (reading \'labels\')')), degraded: () => undefined }],
  ];

  it.each(throwing)('when resolve() %s: HTTP 200, allowed: false, code 500 in-band, no internals', async (_how, resolver) => {
    const { app, metrics } = makeApp({ namespaces: resolver });
    const res = await post(app, '/validate', fixture('networkpolicy-create-same-tenant'));
    const body = reviewOf(res);
    expect(body).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: '1e3c5a79-2d4f-4b6a-9c8e-0a2b4d6f8a13',
        allowed: false,
        status: {
          code: 500,
          reason: 'InternalError',
          message: 'tenant-guard internal error while deciding request 1e3c5a79-2d4f-4b6a-9c8e-0a2b4d6f8a13; retry, and report it if it persists',
        },
      },
    });
    expect(res.body).not.toMatch(/exploded|Cannot read|\.ts:|\n\s+at /);
    expect(await metrics.registry.metrics()).toContain('tenant_guard_admission_requests_total{endpoint="validate",kind="NetworkPolicy",operation="CREATE",verdict="error"} 1');
    await app.close();
  });
});

describe('shutdown', () => {
  it('a request in flight when close begins is still decided, and its connection closed', async () => {
    const held = heldResolver();
    const { app } = makeApp({ namespaces: held.resolver });
    // Runs after the app's own preClose hook: from then on, the server is closing.
    let closingBegan!: () => void;
    const closing = new Promise<void>((r) => { closingBegan = r; });
    app.addHook('preClose', (done) => { closingBegan(); done(); });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true });
    try {
      const body = fixtureText('networkpolicy-create-cross-tenant');
      const answer = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/validate', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
      await held.started;
      const closed = app.close();
      await closing;
      held.release();
      const res = await answer;
      expect(res.status).toBe(200);
      expect(res.connection).toBe('close');
      expect((JSON.parse(res.body) as { response: { uid: string; allowed: boolean } }).response).toMatchObject({ uid: 'd41f7b2e-8c3a-4e19-b5d0-2a6c9e1f7b83', allowed: false });
      // Nothing keeps the server open: close finishes well before the 95 s keep-alive timeout.
      const t0 = performance.now();
      await closed;
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      agent.destroy();
    }
  });
});
