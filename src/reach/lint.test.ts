import { describe, expect, it } from 'vitest';
import { buildCluster, type SourceObject } from './cluster.js';
import { fieldPathText } from '../policy/path.js';
import { lintCluster } from './lint.js';

const np = (namespace: string, name: string, spec: object) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
const deployment = (namespace: string, name: string, labels: Record<string, string>) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
});

function lintsOf(objects: Record<string, unknown>[]): [string, string, string][] {
  const built = buildCluster(objects.map((object, i): SourceObject => ({ object, where: `#${i + 1}` })));
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return lintCluster(built.cluster).map((l) => [l.source.name, l.lint.code, fieldPathText(l.lint.path)]);
}

const DNS_BOTH = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };

describe('lint over a whole input', () => {
  it('a podSelector that matches none of the namespace\'s workloads', () => {
    const objects = [deployment('acme-web', 'web', { app: 'web' }), np('acme-web', 'db-only', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] })];
    expect(lintsOf(objects)).toEqual([['db-only', 'SelectorMatchesNoWorkload', 'spec.podSelector']]);
    expect(lintsOf([...objects, deployment('acme-web', 'db', { app: 'db' })])).toEqual([]);
  });

  it('DNS from another policy of the namespace (the baseline) counts; without it egress isolation has no DNS', () => {
    const tight = np('acme-web', 'tight', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] , ports: [{ protocol: 'TCP', port: 443 }] }] });
    expect(lintsOf([tight])).toEqual([['tight', 'EgressWithoutDNS', 'spec.egress']]);
    const baseline = np('acme-web', 'tenant-guard-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS_BOTH] });
    expect(lintsOf([tight, baseline])).toEqual([]);
    // In another namespace it gives these pods nothing.
    expect(lintsOf([tight, { ...baseline, metadata: { name: 'tenant-guard-egress', namespace: 'acme-db' } }])).toEqual([['tight', 'EgressWithoutDNS', 'spec.egress']]);
  });

  it('the DNS pods of the input decide DNSNoServer, and namespace labels of the input are read', () => {
    const coredns = deployment('kube-system', 'coredns', { 'k8s-app': 'kube-dns', app: 'coredns' });
    const kubeSystem = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { role: 'system' } } };
    const rule = (pods: Record<string, string>) => ({ to: [{ namespaceSelector: { matchLabels: { role: 'system' } }, podSelector: { matchLabels: pods } }], ports: DNS_BOTH.ports });
    expect(lintsOf([coredns, kubeSystem, np('acme-web', 'dns', { podSelector: {}, policyTypes: ['Egress'], egress: [rule({ app: 'coredns' })] })])).toEqual([]);
    expect(lintsOf([coredns, kubeSystem, np('acme-web', 'dns', { podSelector: {}, policyTypes: ['Egress'], egress: [rule({ app: 'dns' })] })]))
      .toEqual([['dns', 'DNSNoServer', 'spec.egress[0].to']]);
  });

  it('CiliumNetworkPolicies are linted too', () => {
    const cnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'c', namespace: 'acme-web' }, spec: { endpointSelector: { matchLabels: { 'app.kubernetes.io/namespace': 'acme-db' } } } };
    expect(lintsOf([cnp])).toEqual([['c', 'PodLabelMeansNamespace', 'spec.endpointSelector']]);
  });
});
