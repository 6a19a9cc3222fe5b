/** CiliumClusterwideNetworkPolicy in reach: the subject in any namespace, peers not pinned, and the namespaces not yet created. */
import { describe, expect, it } from 'vitest';
import { parseCiliumNetworkPolicy } from './cilium.js';
import { buildCluster, type Cluster, type SourceObject } from './cluster.js';
import { connRows, renderConnlist } from './connlist-render.js';
import { connectivity } from './connectivity.js';
import { tenantMatrix, type Cell, type Matrix } from './matrix.js';
import { renderMatrixText } from './matrix-render.js';
import type { Tenancy } from './tenancy.js';

const LABEL = 'tenant-guard.io/tenant';
const ns = (name: string, tenant: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [LABEL]: tenant, ...labels } } });
const pod = (namespace: string, name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'x' }] } });
const cnp = (namespace: string, name: string, spec: object) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec });
const ccnp = (name: string, spec: object) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name }, spec });

// Each tenant's namespaces, new ones too, admit only their own tenant (what the cilium-flavour baseline does).
const isolate = (namespace: string, tenant: string) => cnp(namespace, 'iso', {
  endpointSelector: {},
  ingress: [{ fromEndpoints: [{ matchLabels: { [`k8s:io.cilium.k8s.namespace.labels.${LABEL}`]: tenant } }] }],
  egress: [{ toEndpoints: [{ matchLabels: { [`k8s:io.cilium.k8s.namespace.labels.${LABEL}`]: tenant } }] }],
});
const tenancy: Tenancy = {
  tenantLabel: LABEL, platformValue: 'platform', platformNamespaces: ['kube-system'], tenants: ['acme', 'globex'], namespacePrefix: false,
  newNamespacePolicies: (tenant, namespace) => parseCiliumNetworkPolicy(isolate(namespace, tenant), namespace, 'iso', undefined).policies,
};
const BASE = [ns('acme-web', 'acme'), ns('globex-api', 'globex', { team: 'edge' }), isolate('acme-web', 'acme'), isolate('globex-api', 'globex'), pod('acme-web', 'web', { app: 'web' }), pod('globex-api', 'api', { app: 'api' })];

function cluster(objects: Record<string, unknown>[]): Cluster {
  const built = buildCluster(objects.map((object, i): SourceObject => ({ object, where: `#${i + 1}` })));
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return built.cluster;
}
const matrixOf = (objects: Record<string, unknown>[]): Matrix => tenantMatrix(cluster(objects), tenancy);
function cell(m: Matrix, from: string, to: string): Cell {
  const c = m.cells.find((x) => x.from === `tenant:${from}` && x.to === `tenant:${to}`);
  if (c === undefined) throw new Error(`no cell ${from} -> ${to}`);
  return c;
}
const connlist = (objects: Record<string, unknown>[]) => renderConnlist(connRows(connectivity(cluster(objects)))).split('\n').filter((l) => l !== '' && !l.includes('[External]'));

// globex-api lets acme in and out: a cluster-wide policy an admin wrote, selecting its subject by namespace label.
const openEdge = ccnp('edge-open', {
  endpointSelector: { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': 'edge' } },
  ingress: [{ fromEndpoints: [{ matchLabels: { [`k8s:io.cilium.k8s.namespace.labels.${LABEL}`]: 'acme' } }] }],
});
const acmeOut = ccnp('acme-out', { endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'acme-web' } }, egress: [{ toEndpoints: [{}] }] });

describe('CiliumClusterwideNetworkPolicy in reach', () => {
  it('is evaluated, not listed as not evaluated; the admin network policy kinds still are', () => {
    const anp = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'anp' }, spec: {} };
    const c = cluster([...BASE, openEdge, anp]);
    expect(c.unevaluated).toEqual([{ kind: 'AdminNetworkPolicy', namespace: '', name: 'anp' }]);
    expect(c.policies.filter((p) => p.kind === 'CiliumClusterwideNetworkPolicy').map((p) => p.namespace)).toEqual(['globex-api']);
  });

  it('a peer without a namespace key selects pods of every namespace (no pin), and both sides must allow', () => {
    // acme-web's own isolation keeps its egress to acme; acme-out adds egress to every pod of the cluster.
    expect(connlist([...BASE, acmeOut])).not.toContain('acme-web/web[Pod] => globex-api/api[Pod] : All Connections');
    expect(connlist([...BASE, acmeOut, openEdge])).toContain('acme-web/web[Pod] => globex-api/api[Pod] : All Connections');
    expect(connlist([...BASE, openEdge])).not.toContain('acme-web/web[Pod] => globex-api/api[Pod] : All Connections');
  });

  it('opens a matrix cell, naming the cluster-wide policy and its rule on each side', () => {
    const m = matrixOf([...BASE, acmeOut, openEdge]);
    const c = cell(m, 'acme', 'globex');
    expect(c.state).toBe('open');
    expect(c.paths).toEqual([
      { direction: 'ingress', namespace: 'globex-api', policy: 'edge-open', kind: 'CiliumClusterwideNetworkPolicy', path: 'spec.ingress[0].fromEndpoints[0]' },
      // globex may label a namespace it creates later team=edge.
      { direction: 'ingress', namespace: '(new namespace of globex)', policy: 'edge-open', kind: 'CiliumClusterwideNetworkPolicy', path: 'spec.ingress[0].fromEndpoints[0]' },
      { direction: 'egress', namespace: 'acme-web', policy: 'acme-out', kind: 'CiliumClusterwideNetworkPolicy', path: 'spec.egress[0].toEndpoints[0]' },
    ]);
    const text = renderMatrixText(m);
    expect(text).toContain('ingress: edge-open (CiliumClusterwideNetworkPolicy) in a new namespace of globex (if it is labelled so) spec.ingress[0].fromEndpoints[0]');
    expect(text).toContain('ingress: globex-api/edge-open (CiliumClusterwideNetworkPolicy) spec.ingress[0].fromEndpoints[0]');
    expect(cell(m, 'globex', 'acme').state).toBe('isolated');
    expect(m.clusterwidePolicies).toBe(2);
    expect(renderMatrixText(m)).toContain('2 namespaces, 0 NetworkPolicies, 2 CiliumNetworkPolicies and 2 CiliumClusterwideNetworkPolicies, and the namespaces');
  });

  it('a namespace a tenant creates later: its rules count (the tenant may label it to match), its isolation does not', () => {
    // Ingress from acme into any namespace labelled team=edge: globex can create such a namespace.
    const m = matrixOf([ns('acme-web', 'acme'), ns('globex-api', 'globex'), isolate('acme-web', 'acme'), isolate('globex-api', 'globex'), openEdge, acmeOut]);
    const c = cell(m, 'acme', 'globex');
    expect(c.state).toBe('open');
    expect(c.viaNewNamespaces).toBe(true);
    expect(c.namespacePairs).toBe(0);
    // A cluster-wide policy that would isolate every namespace does not make the new ones isolated: the baseline does that, or nothing.
    const isolateEverything = ccnp('deny-all', { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }] }] });
    const noBaseline: Tenancy = { ...tenancy, newNamespacePolicies: () => [] };
    const open = tenantMatrix(cluster([ns('acme-web', 'acme'), ns('globex-api', 'globex'), isolateEverything]), noBaseline);
    expect(cell(open, 'acme', 'globex')).toMatchObject({ state: 'open', viaNewNamespaces: true, namespacePairs: 0 });
  });

  it('a host policy (nodeSelector) is not evaluated', () => {
    const host = ccnp('host', { nodeSelector: {}, ingress: [{ fromEntities: ['cluster'] }] });
    expect(cluster([...BASE, host]).unevaluated).toEqual([{ kind: 'CiliumClusterwideNetworkPolicy', namespace: '', name: 'host', what: ['spec.nodeSelector: a host policy'] }]);
  });
});
