/** "shared via" cells: connections between tenants that go only through a share in force are not open. */
import { describe, expect, it } from 'vitest';
import type { ActiveShare } from '../policy/share.js';
import { desiredSharePolicies } from '../sharing/desired.js';
import { buildCluster, type SourceObject } from './cluster.js';
import { tenantMatrix, type Cell, type Matrix } from './matrix.js';
import { matrixJson, renderMatrixText } from './matrix-render.js';
import { renderMatrixSvg } from './matrix-svg.js';
import { parseNetworkPolicy, type Policy } from './networkpolicy.js';
import type { Tenancy } from './tenancy.js';

const LABEL = 'tenant-guard.io/tenant';
const isolate = (namespace: string, tenant: string): Record<string, unknown> => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'tenant-guard-isolate', namespace, labels: { 'app.kubernetes.io/managed-by': 'tenant-guard' } },
  spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [LABEL]: tenant } } }, { namespaceSelector: { matchLabels: { [LABEL]: 'platform' } } }] }] },
});
const tenancy: Tenancy = {
  tenantLabel: LABEL, platformValue: 'platform', platformNamespaces: ['kube-system'], tenants: ['partner', 'auth', 'billing'], namespacePrefix: false,
  newNamespacePolicies: (tenant, namespace) => [parseNetworkPolicy(isolate(namespace, tenant), namespace, 'tenant-guard-isolate', []) as Policy],
};
const ns = (name: string, tenant: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [LABEL]: tenant } } });
const np = (namespace: string, name: string, spec: object, labels: Record<string, string> = {}) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace, labels }, spec });

// The case: partner-api in partner-cp calls auth in global-auth on TCP 5555.
const share: ActiveShare = {
  export: { namespace: 'global-auth', name: 'auth', uid: undefined, generation: undefined, podSelector: { matchLabels: { app: 'auth' }, matchExpressions: [] }, ports: [{ protocol: 'TCP', port: 5555, endPort: 5555 }], to: [{ tenant: 'partner', namespaces: ['partner-cp'] }], expiresAt: undefined },
  import: { namespace: 'partner-cp', name: 'auth', uid: undefined, generation: undefined, from: { namespace: 'global-auth', export: 'auth' }, podSelector: { matchLabels: { app: 'partner-api' }, matchExpressions: [] }, ports: undefined },
  exporterTenant: 'auth',
  importerTenant: 'partner',
  ports: [{ protocol: 'TCP', port: 5555, endPort: 5555 }],
};
// What the share controller writes for it, in the NetworkPolicy flavour with ingress isolated.
const sharePolicies = desiredSharePolicies([share], 'networkpolicy', { ingress: true, egress: false }) as unknown as Record<string, unknown>[];
const cluster = [ns('partner-cp', 'partner'), ns('global-auth', 'auth'), ns('billing-cp', 'billing'), isolate('partner-cp', 'partner'), isolate('global-auth', 'auth'), isolate('billing-cp', 'billing')];

function matrixOf(objects: Record<string, unknown>[]): Matrix {
  const built = buildCluster(objects.map((object, i): SourceObject => ({ object, where: `#${i + 1}` })));
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return tenantMatrix(built.cluster, tenancy);
}
function cell(m: Matrix, from: string, to: string): Cell {
  const c = m.cells.find((x) => x.from === `tenant:${from}` && x.to === `tenant:${to}`);
  if (c === undefined) throw new Error(`no cell ${from} -> ${to}`);
  return c;
}

describe('shared via: a share in force between two tenants', () => {
  it('is a shared cell naming the Export and its ports, not an open one, and the exit-code count stays 0', () => {
    const m = matrixOf([...cluster, ...sharePolicies]);
    const c = cell(m, 'partner', 'auth');
    expect(c.state).toBe('shared');
    expect(c.shares).toHaveLength(1);
    expect(matrixJson(m)).toMatchObject({ crossTenantOpen: 0, crossTenantShared: 1 });
    expect((matrixJson(m) as { cells: { from: string; to: string; shares: unknown }[] }).cells.find((x) => x.from === 'partner' && x.to === 'auth')?.shares).toEqual([{ via: 'global-auth/auth', connections: 'TCP 5555' }]);
    expect(c.paths).toContainEqual(expect.objectContaining({ direction: 'ingress', namespace: 'global-auth', share: 'global-auth/auth' }));
    // The direction nobody shared, and the third tenant, stay isolated.
    expect(cell(m, 'auth', 'partner').state).toBe('isolated');
    expect(cell(m, 'billing', 'auth').state).toBe('isolated');
    const text = renderMatrixText(m);
    expect(text).toContain('partner -> auth: shared via global-auth/auth (TCP 5555)');
    expect(text).toContain('no cross-tenant path beyond the shares (1 shared with consent)');
    expect(renderMatrixSvg(m)).toContain('via global-auth/auth');
  });

  it('is open once anything but the share lets the same tenants through', () => {
    const wider = np('global-auth', 'from-partner', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABEL]: 'partner' } } }] }] });
    const m = matrixOf([...cluster, ...sharePolicies, wider]);
    expect(cell(m, 'partner', 'auth').state).toBe('open');
    expect(m.crossTenantOpen).toBe(1);
  });

  it('takes only the share controller\'s managed policies as shares: the same labels without managed-by are an ordinary policy', () => {
    const forged = sharePolicies.map((p) => {
      const md = p.metadata as { labels: Record<string, string> };
      const { 'app.kubernetes.io/managed-by': _managed, ...labels } = md.labels;
      return { ...p, metadata: { ...md, labels } };
    });
    expect(cell(matrixOf([...cluster, ...forged]), 'partner', 'auth').state).toBe('open');
  });
});
