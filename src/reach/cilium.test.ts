import { describe, expect, it } from 'vitest';
import { parseCiliumNetworkPolicy } from './cilium.js';
import { buildCluster, type Cluster, type SourceObject } from './cluster.js';
import { connRows, renderConnlist } from './connlist-render.js';
import { connectivity } from './connectivity.js';
import { tenantMatrix } from './matrix.js';
import type { Tenancy } from './tenancy.js';

const LABEL = 'tenant-guard.io/tenant';
const ns = (name: string, tenant: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [LABEL]: tenant } } });
const pod = (namespace: string, name: string, labels: Record<string, string>, ports: object[] = []) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'x', ports }] },
});
const cnp = (namespace: string, name: string, spec: object) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec });

function cluster(objects: Record<string, unknown>[]): Cluster {
  const built = buildCluster(objects.map((object, i): SourceObject => ({ object, where: `#${i + 1}` })));
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return built.cluster;
}

function connlist(objects: Record<string, unknown>[]): string[] {
  return renderConnlist(connRows(connectivity(cluster(objects)))).split('\n').filter((l) => l !== '' && !l.includes('[External]'));
}

const isolateAll = (namespace: string) => cnp(namespace, 'iso', { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }], egress: [{ toEndpoints: [{}] }] });
// A new namespace gets the Cilium isolation too, as the baseline of flavour cilium would write it.
const tenancy: Tenancy = {
  tenantLabel: LABEL, platformValue: 'platform', platformNamespaces: ['kube-system'], tenants: ['acme', 'globex'], namespacePrefix: false,
  newNamespacePolicies: (_tenant, namespace) => parseCiliumNetworkPolicy(isolateAll(namespace), namespace, 'iso', undefined).policies,
};

const WORKLOADS = [ns('acme-web', 'acme'), ns('acme-db', 'acme'), ns('globex-api', 'globex'), pod('acme-web', 'web', { app: 'web' }), pod('acme-db', 'db', { app: 'db' }, [{ name: 'pg', containerPort: 5432 }]), pod('globex-api', 'api', { app: 'api' })];

describe('CiliumNetworkPolicy in reach', () => {
  it('an endpoint selector without a namespace key stays in the policy\'s namespace (the pin)', () => {
    const isolate = cnp('acme-db', 'only-here', { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] });
    const lines = connlist([...WORKLOADS, isolate]);
    expect(lines.filter((l) => l.endsWith('=> acme-db/db[Pod] : All Connections'))).toEqual([]);
    expect(lines).toContain('acme-web/web[Pod] => globex-api/api[Pod] : All Connections');
  });

  it('the namespace as Cilium names it: io.kubernetes.pod.namespace and namespace labels, with k8s: or any source, and ports', () => {
    const byName = cnp('acme-db', 'from-web', { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'acme-web', 'k8s:app': 'web' } }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] }] });
    expect(connlist([...WORKLOADS, byName]).filter((l) => l.includes('=> acme-db/db'))).toEqual(['acme-web/web[Pod] => acme-db/db[Pod] : TCP 5432']);
    const byLabel = cnp('acme-db', 'from-acme', { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { [`io.cilium.k8s.namespace.labels.${LABEL}`]: 'acme' } }], toPorts: [{ ports: [{ port: 'pg' }] }] }] });
    // Protocol ANY on the named port: the container's port is TCP.
    expect(connlist([...WORKLOADS, byLabel]).filter((l) => l.includes('=> acme-db/db'))).toEqual(['acme-web/web[Pod] => acme-db/db[Pod] : TCP 5432']);
  });

  it('entities: cluster is every pod, world the addresses outside; an empty rule allows nothing, a rule with only ports every peer', () => {
    const cluster_ = cnp('acme-db', 'cluster', { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] }] });
    expect(connlist([...WORKLOADS, cluster_]).filter((l) => l.includes('=> acme-db/db'))).toEqual([
      'acme-web/web[Pod] => acme-db/db[Pod] : TCP 5432',
      'globex-api/api[Pod] => acme-db/db[Pod] : TCP 5432',
    ]);
    const deny = cnp('acme-db', 'deny-all', { endpointSelector: {}, ingress: [{}] });
    expect(connlist([...WORKLOADS, deny]).filter((l) => l.includes('=> acme-db/db'))).toEqual([]);
    const l4 = cnp('acme-db', 'l4', { endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] }] });
    expect(connlist([...WORKLOADS, l4]).filter((l) => l.includes('=> acme-db/db'))).toHaveLength(2);
  });

  it('egress is isolated by an egress section, and a reserved or foreign label selects no pod', () => {
    const eg = cnp('acme-web', 'out', { endpointSelector: { matchLabels: { 'k8s:app': 'web' } }, egress: [{ toEndpoints: [{ matchLabels: { 'reserved:host': '' } }, { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'acme-db' } }] }] });
    expect(connlist([...WORKLOADS, eg]).filter((l) => l.startsWith('acme-web/web'))).toEqual(['acme-web/web[Pod] => acme-db/db[Pod] : All Connections']);
  });

  it('the tenant matrix: a cluster entity opens the tenant to every other; a pinned selector keeps it isolated', () => {
    const base = [ns('acme-web', 'acme'), ns('globex-api', 'globex'), isolateAll('acme-web'), isolateAll('globex-api')];
    const closed = tenantMatrix(cluster(base), tenancy);
    expect(closed.cells.find((c) => c.from === 'tenant:acme' && c.to === 'tenant:globex')?.state).toBe('isolated');
    const open = [...base,
      cnp('acme-web', 'out', { endpointSelector: {}, egress: [{ toEntities: ['cluster'] }] }),
      cnp('globex-api', 'in', { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] })];
    const m = tenantMatrix(cluster(open), tenancy);
    const cell = m.cells.find((c) => c.from === 'tenant:acme' && c.to === 'tenant:globex');
    expect(cell?.state).toBe('open');
    expect(cell?.paths.map((p) => `${p.direction} ${p.namespace}/${p.policy} ${p.kind} ${p.path}`)).toEqual([
      'ingress globex-api/in CiliumNetworkPolicy spec.ingress[0].fromEntities[0]',
      'egress acme-web/out CiliumNetworkPolicy spec.egress[0].toEntities[0]',
    ]);
  });
});

describe('what is not evaluated, and what is read wider', () => {
  it('Services, node groups, CIDR groups and a namespace selector on unknown labels are not evaluated', () => {
    const r = parseCiliumNetworkPolicy({ spec: { endpointSelector: {}, egress: [
      { toServices: [{ k8sService: { serviceName: 's', namespace: 'x' } }] },
      { toCIDRSet: [{ cidrGroupRef: 'g' }] },
    ] }, specs: [{ endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'a' } }, ingress: [{}] }] }, 'a', 'p', undefined);
    expect(r.unevaluated).toEqual([
      'spec.egress[0].toServices',
      'spec.egress[1].toCIDRSet[0]: CIDR groups',
      'specs[0].endpointSelector: names the namespace, whose labels are not known',
    ]);
  });

  it('deny rules, L7 rules and FQDNs only ever allow less: read wider, as notes', () => {
    const r = parseCiliumNetworkPolicy({ spec: { endpointSelector: {}, egressDeny: [{ toEntities: ['world'] }], egress: [
      { toFQDNs: [{ matchName: 'example.com' }], toPorts: [{ ports: [{ port: '443' }], rules: { http: [{ method: 'GET' }] } }] },
    ] } }, 'a', 'p', { [LABEL]: 'acme' });
    expect(r.unevaluated).toEqual([]);
    expect(r.widened).toEqual(['spec.egressDeny: not applied (it only takes access away)', 'spec.egress[0].toFQDNs: read as the world', 'spec.egress[0].toPorts: L7 rules are read as their ports']);
    expect(r.policies).toHaveLength(1);
  });

  it('a live or file input: the CiliumNetworkPolicy is evaluated, and listed as not evaluated only for what it is not', () => {
    const c = cluster([...WORKLOADS, cnp('acme-db', 'svc', { endpointSelector: {}, egress: [{ toServices: [{ k8sService: { serviceName: 's', namespace: 'globex-api' } }] }] }), cnp('acme-db', 'plain', { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] })]);
    expect(c.unevaluated).toEqual([{ kind: 'CiliumNetworkPolicy', namespace: 'acme-db', name: 'svc', what: ['spec.egress[0].toServices'] }]);
    expect(c.policies.map((p) => `${p.kind} ${p.name}`)).toEqual(['CiliumNetworkPolicy svc', 'CiliumNetworkPolicy plain']);
  });
});
