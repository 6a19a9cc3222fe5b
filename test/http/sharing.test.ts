/**
 * Export and Import through the real app: the AdmissionReviews the API
 * server sends for the new kinds, answered with the owner rule, the refusal
 * text, and the Import warning that kubectl prints.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StaticNamespaces } from '../../src/kube/namespace-view.js';
import { readExport, readImport, type ExportFacts, type ImportFacts } from '../../src/policy/share.js';
import { buildApp } from '../../src/server/app.js';
import { buildSharesView } from '../../src/sharing/view.js';
import { buildMetrics } from '../../src/telemetry/metrics.js';
import { alice, makeConfig, NAMESPACES, post, reviewOf } from './helpers.js';

const config = makeConfig();
const bob = { username: 'bob', groups: ['globex-devs', 'system:authenticated'] };
const exportSpec = { podSelector: { matchLabels: { app: 'db' } }, ports: [{ port: 5432, protocol: 'TCP' }], to: [{ tenant: 'acme', namespaces: ['acme-web'] }] };
const offered = readExport({ metadata: { namespace: 'globex-db', name: 'db' }, spec: exportSpec });
if (!offered.ok) throw new Error('fixture invalid');

const imported = readImport({ metadata: { namespace: 'acme-web', name: 'db' }, spec: { from: { namespace: 'globex-db', export: 'db' }, podSelector: { matchLabels: { app: 'api' } } } });
if (!imported.ok) throw new Error('fixture invalid');

function appWith(exports: ExportFacts[], imports: ImportFacts[] = []) {
  return buildApp({
    config,
    namespaces: new StaticNamespaces(NAMESPACES),
    shares: { view: (ns) => buildSharesView({ synced: true, exports, imports }, ns, config, Date.now()) },
    metrics: buildMetrics({ defaults: false }),
  });
}

const empty = appWith([]);
const withExport = appWith([offered.value]);
const inForce = appWith([offered.value], [imported.value]);
afterAll(async () => { await Promise.all([empty.close(), withExport.close(), inForce.close()]); });

function shareReview(kind: 'Export' | 'Import', namespace: string, user: { username: string; groups: string[] }, spec: unknown, operation = 'CREATE') {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${kind}-${namespace}`,
      kind: { group: 'tenant-guard.io', version: 'v1alpha1', kind },
      resource: { group: 'tenant-guard.io', version: 'v1alpha1', resource: `${kind.toLowerCase()}s` },
      requestKind: { group: 'tenant-guard.io', version: 'v1alpha1', kind },
      requestResource: { group: 'tenant-guard.io', version: 'v1alpha1', resource: `${kind.toLowerCase()}s` },
      name: 'db',
      namespace,
      operation,
      userInfo: user,
      object: operation === 'DELETE' ? null : { apiVersion: 'tenant-guard.io/v1alpha1', kind, metadata: { name: 'db', namespace }, spec },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

describe('Export over HTTP', () => {
  it('allowed for the exporting tenant', async () => {
    const body = reviewOf(await post(empty, '/validate', shareReview('Export', 'globex-db', bob, exportSpec)));
    expect(body.response).toEqual({ uid: 'uid-Export-globex-db', allowed: true });
  });

  it('refused for another tenant, with the field, the reason and the fix', async () => {
    const body = reviewOf(await post(empty, '/validate', shareReview('Export', 'globex-db', alice, { ...exportSpec, ports: [] })));
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.code).toBe(403);
    expect(body.response.status?.message).toBe([
      'tenant-guard refused Export globex-db/db: 1 violation',
      '- metadata.namespace: Forbidden: namespace "globex-db" belongs to tenant globex; only its members may create an Export there (fix: ask tenant globex or the platform team)',
    ].join('\n'));
    expect(body.response.status?.details?.causes.map((c) => c.reason)).toEqual(['ShareNotOwner']);
  });

  it('refuses an Export without explicit ports', async () => {
    const body = reviewOf(await post(empty, '/validate', shareReview('Export', 'globex-db', bob, { ...exportSpec, ports: [{ protocol: 'TCP' }] })));
    expect(body.response.status?.details?.causes).toEqual([{ reason: 'SharePorts', field: 'spec.ports[0].port', message: 'must be a port number from 1 to 65535, found undefined (named ports and "all ports" cannot be shared) (fix: list each port as {port: <number>, protocol: TCP|UDP|SCTP}, or a range with endPort)' }]);
  });

  it('is not sent to /mutate for a change', async () => {
    const body = reviewOf(await post(empty, '/mutate', shareReview('Export', 'globex-db', bob, exportSpec)));
    expect(body.response).toEqual({ uid: 'uid-Export-globex-db', allowed: true });
  });
});

describe('Import over HTTP', () => {
  const importSpec = { from: { namespace: 'globex-db', export: 'db' }, podSelector: {}, ports: [{ port: 5432, protocol: 'TCP' }] };

  it('admitted with a warning before the Export lists it, and the same for a namespace that does not exist', async () => {
    const a = reviewOf(await post(empty, '/validate', shareReview('Import', 'acme-web', alice, importSpec)));
    expect(a.response.allowed).toBe(true);
    expect(a.response.warnings).toEqual(['no traffic flows until Export "db" in namespace "globex-db" lists tenant acme (namespace "acme-web") and offers the ports imported; this Import\'s status says when it is Accepted']);
    const b = reviewOf(await post(empty, '/validate', shareReview('Import', 'acme-web', alice, { ...importSpec, from: { namespace: 'globex-nothing', export: 'db' } })));
    expect(b.response.warnings).toEqual([a.response.warnings![0]!.replace('globex-db', 'globex-nothing')]);
  });

  it('admitted silently once the Export lists it', async () => {
    const body = reviewOf(await post(withExport, '/validate', shareReview('Import', 'acme-web', alice, importSpec)));
    expect(body.response).toEqual({ uid: 'uid-Import-acme-web', allowed: true });
  });

  it('another namespace of the same tenant, not listed, gets the warning', async () => {
    const body = reviewOf(await post(withExport, '/validate', shareReview('Import', 'acme-api', alice, importSpec)));
    expect(body.response.warnings).toHaveLength(1);
  });

  it('deleting your own Import is allowed; deleting another tenant\'s is not', async () => {
    expect(reviewOf(await post(withExport, '/validate', shareReview('Import', 'acme-web', alice, undefined, 'DELETE'))).response.allowed).toBe(true);
    expect(reviewOf(await post(withExport, '/validate', shareReview('Import', 'acme-web', bob, undefined, 'DELETE'))).response.allowed).toBe(false);
  });
});

// The tenant's own policy within the share, as kubectl sends it: the review
// must reach the engine with the app's shares (a lost wiring refuses it).
describe('a tenant\'s NetworkPolicy within a share in force, over HTTP', () => {
  function callDb(namespace: string, port: number) {
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: `uid-np-${namespace}-${port}`,
        kind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
        resource: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
        name: 'call-db',
        namespace,
        operation: 'CREATE',
        userInfo: alice,
        object: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'call-db', namespace },
          spec: {
            podSelector: { matchLabels: { app: 'api' } },
            policyTypes: ['Egress'],
            egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'globex-db' } }, podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port }] }],
          },
        },
        oldObject: null,
      },
    };
  }

  it('allowed on the shared port, with the warning that names the share', async () => {
    const body = reviewOf(await post(inForce, '/validate', callDb('acme-web', 5432)));
    expect(body.response.allowed).toBe(true);
    expect(body.response.warnings).toContain('spec.egress[0].to[0].namespaceSelector: allowed within the share of Export globex-db/db and Import acme-web/db; once the share ends, this rule is refused on its next change and reported by tenant-guard audit');
  });

  it('refused on another port, from a namespace without the Import, and before the Import exists', async () => {
    const otherPort = reviewOf(await post(inForce, '/validate', callDb('acme-web', 5433)));
    expect(otherPort.response.allowed).toBe(false);
    expect(otherPort.response.status?.message).toContain('its ports must be inside the share\'s (TCP 5432)');
    const otherNamespace = reviewOf(await post(inForce, '/validate', callDb('acme-api', 5432)));
    expect(otherNamespace.response.status?.details?.causes.map((c) => c.reason)).toEqual(['SelectorOtherTenant']);
    const exportOnly = reviewOf(await post(withExport, '/validate', callDb('acme-web', 5432)));
    expect(exportOnly.response.allowed).toBe(false);
  });
});
