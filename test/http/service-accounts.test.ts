/**
 * Service accounts as members of their namespace's tenant, through the real
 * app: the webhook resolves the account's namespace for the decision (and
 * only then), labels the namespaces it creates with that tenant, refuses a
 * claim on another tenant, and fails closed when the namespace cannot be read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StaticNamespaces, mapView, type NamespaceResolver } from '../../src/kube/namespace-view.js';
import { decodePatch, fixture, makeApp, NAMESPACES, post, reviewOf } from './helpers.js';

const SA = { username: 'system:serviceaccount:acme-web:argocd', groups: ['system:serviceaccounts', 'system:serviceaccounts:acme-web', 'system:authenticated'] };

/** The fixtures' namespaces, recording which names each decision resolves; `flaky` cannot be read. */
function recording(): NamespaceResolver & { asked: string[][] } {
  const inner = new StaticNamespaces(NAMESPACES);
  const asked: string[][] = [];
  return {
    asked,
    async resolve(names) {
      asked.push([...names]);
      const view = await inner.resolve();
      return mapView(new Map(names.map((n) => [n, n === 'flaky' ? { state: 'unknown' as const, reason: 'API server unreachable' } : view.lookup(n)])), { state: 'unknown', reason: 'namespace was not resolved' });
    },
    degraded: () => undefined,
  };
}

function asServiceAccount(name: string, user = SA) {
  const review = fixture(name);
  review.request.userInfo = user;
  return review;
}

describe('a service account creating a Namespace', () => {
  const namespaces = recording();
  const { app } = makeApp({ namespaces });
  afterAll(() => app.close());

  it('gets the owner label of its own namespace\'s tenant, read for the decision', async () => {
    const body = reviewOf(await post(app, '/mutate', asServiceAccount('namespace-create-tenant')));
    expect(body.response.allowed).toBe(true);
    expect(decodePatch(body)).toEqual([{ op: 'add', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'acme' }]);
    expect(namespaces.asked.at(-1)).toEqual(['acme-web']);
  });

  it('is refused a label that claims another tenant', async () => {
    const body = reviewOf(await post(app, '/validate', asServiceAccount('namespace-create-foreign-label')));
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.details?.causes.map((c) => c.reason)).toEqual(['NamespaceForeignTenant']);
  });

  it('is refused, fail closed, when its namespace cannot be read', async () => {
    const user = { ...SA, username: 'system:serviceaccount:flaky:argocd' };
    const body = reviewOf(await post(app, '/mutate', asServiceAccount('namespace-create-tenant', user)));
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.details?.causes.map((c) => c.reason)).toEqual(['OwnershipUnknown']);
  });

  it('a policy decision with nothing relaxed does not read the account\'s namespace (each lookup may cost an API call)', async () => {
    const review = asServiceAccount('networkpolicy-create-same-tenant', { ...SA, username: 'system:serviceaccount:globex-db:bot' });
    const body = reviewOf(await post(app, '/validate', review));
    expect(body.response.allowed).toBe(true);
    expect(namespaces.asked.at(-1)).toContain(review.request.namespace);
    expect(namespaces.asked.at(-1)).not.toContain('globex-db');
  });
});
