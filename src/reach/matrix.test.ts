import { describe, expect, it } from 'vitest';
import { buildCluster, type SourceObject } from './cluster.js';
import { tenantMatrix, type Cell, type Matrix } from './matrix.js';
import { parseNetworkPolicy, type Policy } from './networkpolicy.js';
import type { Tenancy } from './tenancy.js';

const LABEL = 'tenant-guard.io/tenant';

function isolate(namespace: string, tenant: string): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'tenant-guard-isolate', namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [LABEL]: tenant } } }, { namespaceSelector: { matchLabels: { [LABEL]: 'platform' } } }] }] },
  };
}

function tenancy(overrides: Partial<Tenancy> = {}): Tenancy {
  return {
    tenantLabel: LABEL,
    platformValue: 'platform',
    platformNamespaces: ['kube-system'],
    tenants: ['acme', 'globex'],
    namespacePrefix: false,
    newNamespacePolicies: (tenant, namespace) => [parseNetworkPolicy(isolate(namespace, tenant), namespace, 'tenant-guard-isolate', []) as Policy],
    ...overrides,
  };
}

const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const np = (namespace: string, name: string, spec: object) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

function matrixOf(objects: Record<string, unknown>[], t: Tenancy = tenancy()): Matrix {
  const built = buildCluster(objects.map((object, i): SourceObject => ({ object, where: `#${i + 1}` })));
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return tenantMatrix(built.cluster, t);
}

function cell(m: Matrix, from: string, to: string): Cell {
  const c = m.cells.find((x) => x.from === from && x.to === to);
  if (c === undefined) throw new Error(`no cell ${from} -> ${to}`);
  return c;
}

const baseline = [ns('acme-web', { [LABEL]: 'acme' }), ns('globex-db', { [LABEL]: 'globex' }), ns('kube-system', { [LABEL]: 'platform' }), isolate('acme-web', 'acme'), isolate('globex-db', 'globex')];

describe('tenant matrix', () => {
  it('with the baseline in every tenant namespace, tenants are isolated from each other', () => {
    const m = matrixOf(baseline);
    expect(cell(m, 'tenant:acme', 'tenant:globex').state).toBe('isolated');
    expect(cell(m, 'tenant:globex', 'tenant:acme').state).toBe('isolated');
    expect(cell(m, 'tenant:acme', 'tenant:acme').state).toBe('own');
    expect(cell(m, 'platform', 'tenant:acme').state).toBe('open');
    expect(m.crossTenantOpen).toBe(0);
  });

  it('a policy admitting another tenant opens the cell and names its rule', () => {
    const m = matrixOf([...baseline, np('globex-db', 'from-acme', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABEL]: 'acme' } } }], ports: [{ port: 5432 }] }] })]);
    const c = cell(m, 'tenant:acme', 'tenant:globex');
    expect(c.state).toBe('open');
    expect(c.paths).toContainEqual({ direction: 'ingress', namespace: 'globex-db', policy: 'from-acme', path: 'spec.ingress[0].from[0]' });
    expect(c.examples).toEqual(['acme-web -> globex-db']);
    expect(c.viaNewNamespaces).toBe(true);
    expect(cell(m, 'tenant:globex', 'tenant:acme').state).toBe('isolated');
    expect(m.crossTenantOpen).toBe(1);
  });

  it('a selector no namespace matches today is open through the namespaces a tenant can create later', () => {
    const m = matrixOf([...baseline, np('globex-db', 'partners', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { partner: 'yes' } } }] }] })]);
    const c = cell(m, 'tenant:acme', 'tenant:globex');
    expect(c.state).toBe('open');
    expect(c.namespacePairs).toBe(0);
    expect(c.viaNewNamespaces).toBe(true);
  });

  it('a namespace named but absent can be created by any tenant, or with namespacePrefix only by the tenant whose prefix it has', () => {
    const objects = [...baseline, ns('initech-x', { [LABEL]: 'initech' }), isolate('initech-x', 'initech'),
      np('globex-db', 'by-name', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'acme-new' } } }] }] })];
    const open = matrixOf(objects);
    expect(cell(open, 'tenant:acme', 'tenant:globex').state).toBe('open');
    expect(cell(open, 'tenant:initech', 'tenant:globex').state).toBe('open');
    const prefixed = matrixOf(objects, tenancy({ namespacePrefix: true }));
    expect(cell(prefixed, 'tenant:acme', 'tenant:globex').state).toBe('open');
    expect(cell(prefixed, 'tenant:initech', 'tenant:globex').state).toBe('isolated');
  });

  it('a tenant namespace without ingress isolation is open to every tenant, and says so', () => {
    const m = matrixOf([...baseline, ns('globex-open', { [LABEL]: 'globex' })]);
    const c = cell(m, 'tenant:acme', 'tenant:globex');
    expect(c.state).toBe('open');
    expect(c.paths).toContainEqual({ direction: 'ingress', namespace: 'globex-open', policy: undefined, path: undefined });
  });

  it('isolation that selects only some pods leaves the others open', () => {
    const m = matrixOf([ns('acme-web', { [LABEL]: 'acme' }), ns('globex-db', { [LABEL]: 'globex' }), np('globex-db', 'db', { podSelector: { matchLabels: { app: 'db' } }, ingress: [] })]);
    expect(cell(m, 'tenant:acme', 'tenant:globex').state).toBe('open');
  });

  it('the source side counts too: egress isolation, and ports both sides must share', () => {
    const open = np('globex-db', 'web', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 80 }] }] });
    const denyEgress = np('acme-web', 'no-egress', { podSelector: {}, policyTypes: ['Egress'] });
    const dnsOnly = np('acme-web', 'dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] });
    const m1 = matrixOf([...baseline, open, denyEgress], tenancy({ tenants: ['acme', 'globex'] }));
    const fromExisting = cell(m1, 'tenant:acme', 'tenant:globex');
    // acme's existing namespace cannot send; a new acme namespace (no egress baseline) still can
    expect(fromExisting.examples).toEqual([]);
    expect(fromExisting.viaNewNamespaces).toBe(true);
    const m2 = matrixOf([...baseline, open, dnsOnly]);
    expect(cell(m2, 'tenant:acme', 'tenant:globex').examples).toEqual([]);
  });

  it('named ports stay names: their number depends on the pod', () => {
    const m = matrixOf([...baseline, np('globex-db', 'named', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] }] })]);
    const c = cell(m, 'tenant:acme', 'tenant:globex');
    expect(c.named).toEqual([{ protocol: 'TCP', name: 'http' }]);
  });
});
