import { describe, expect, it } from 'vitest';
import { fieldPathText } from '../path.js';
import { lintObject, lintPolicy, type LintInput } from './index.js';
import type { LintCode } from './types.js';

const NP = { group: 'networking.k8s.io', kind: 'NetworkPolicy' };

function np(spec: Record<string, unknown>, extra: Partial<LintInput> = {}): LintInput {
  return { kind: 'NetworkPolicy', namespace: 'acme-web', object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' }, spec }, asWritten: false, ...extra };
}

function cnp(spec: Record<string, unknown>, extra: Partial<LintInput> = {}): LintInput {
  return { kind: 'CiliumNetworkPolicy', namespace: 'acme-web', object: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p' }, spec }, asWritten: false, ...extra };
}

function codes(input: LintInput): [LintCode, string][] {
  return lintPolicy(input).map((l) => [l.code, fieldPathText(l.path)]);
}

const DNS_BOTH = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };

describe('PodLabelMeansNamespace', () => {
  it('a Cilium selector on a namespace-like pod label', () => {
    expect(codes(cnp({ endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/namespace': 'acme-db' } }] }] })))
      .toEqual([['PodLabelMeansNamespace', 'spec.ingress[0].fromEndpoints[0]']]);
    expect(codes(cnp({ endpointSelector: { matchExpressions: [{ key: 'k8s:namespace', operator: 'In', values: ['x'] }] } })))
      .toEqual([['PodLabelMeansNamespace', 'spec.endpointSelector']]);
  });

  it('not for the keys that do name the namespace in Cilium, nor for ordinary labels', () => {
    expect(codes(cnp({ endpointSelector: {}, ingress: [{ fromEndpoints: [
      { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'acme-db' } },
      { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name': 'acme-db' } },
      { matchLabels: { app: 'dns', 'app.kubernetes.io/name': 'web' } },
    ] }] }))).toEqual([]);
  });

  it('a NetworkPolicy podSelector on the namespace name label selects pods, not the namespace', () => {
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'acme-db' } } }] }] })))
      .toEqual([['PodLabelMeansNamespace', 'spec.ingress[0].from[0].podSelector']]);
  });
});

describe('DNSOneProtocol', () => {
  it('UDP 53 without TCP 53, and the other way round', () => {
    const udp = { ...DNS_BOTH, ports: [{ protocol: 'UDP', port: 53 }] };
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [udp] }))).toEqual([['DNSOneProtocol', 'spec.egress[0].ports']]);
    const tcp = { ...DNS_BOTH, ports: [{ port: 53 }] };
    expect(lintPolicy(np({ podSelector: {}, policyTypes: ['Egress'], egress: [tcp] }))[0]?.message).toMatch(/^DNS is allowed on TCP 53 but not on UDP 53/);
  });

  it('both protocols, a range over 53, a rule with every port, or another policy that allows DNS: no lint', () => {
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [DNS_BOTH] }))).toEqual([]);
    const range = { ...DNS_BOTH, ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 50, endPort: 60 }] };
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [range] }))).toEqual([]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [{ ...DNS_BOTH, ports: [{ protocol: 'UDP', port: 53 }] }, { to: [{ ipBlock: { cidr: '192.0.2.0/24' } }] }] }))).toEqual([]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [{ ...DNS_BOTH, ports: [{ protocol: 'UDP', port: 53 }] }] }, { dnsAllowedElsewhere: true }))).toEqual([]);
  });

  it('Cilium toPorts: ANY covers both, UDP alone does not', () => {
    const dns = { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } };
    expect(codes(cnp({ endpointSelector: {}, egress: [{ toEndpoints: [dns], toPorts: [{ ports: [{ port: '53' }] }] }] }))).toEqual([]);
    expect(codes(cnp({ endpointSelector: {}, egress: [{ toEndpoints: [dns], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] }] })))
      .toEqual([['DNSOneProtocol', 'spec.egress[0].toPorts']]);
  });
});

describe('DNSNoServer', () => {
  it('port 53 to pods that are not the DNS pods', () => {
    const wrong = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { app: 'coredns' } } }], ports: DNS_BOTH.ports };
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [wrong] }))).toEqual([['DNSNoServer', 'spec.egress[0].to']]);
    // A podSelector alone stays in the policy's namespace, where no DNS pod runs.
    const here = { to: [{ podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: DNS_BOTH.ports };
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [here] }))).toEqual([['DNSNoServer', 'spec.egress[0].to']]);
  });

  it('the DNS pods a cluster really has, when they are known (reach)', () => {
    const rule = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } } }], ports: DNS_BOTH.ports };
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [rule] }))).toEqual([['DNSNoServer', 'spec.egress[0].to']]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [rule] }, { dnsServers: [{ namespace: 'dns', labels: { app: 'unbound' } }] }))).toEqual([]);
  });

  it('undecided peers warn nothing: ipBlocks (node-local DNS), namespace labels not known', () => {
    const local = { to: [{ ipBlock: { cidr: '169.254.20.10/32' } }], ports: DNS_BOTH.ports };
    const labelled = { to: [{ namespaceSelector: { matchLabels: { role: 'dns' } } }], ports: DNS_BOTH.ports };
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [local, labelled] }))).toEqual([]);
  });

  it('Cilium: the pin to the policy\'s namespace is read as Cilium reads it', () => {
    const pinned = { toEndpoints: [{ matchLabels: { 'k8s:k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53' }] }] };
    expect(codes(cnp({ endpointSelector: {}, egress: [pinned] }))).toEqual([['DNSNoServer', 'spec.egress[0].toEndpoints']]);
    const right = { toEndpoints: [{ matchLabels: { 'k8s:k8s-app': 'kube-dns', 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }], toPorts: [{ ports: [{ port: '53' }] }] };
    expect(codes(cnp({ endpointSelector: {}, egress: [right] }))).toEqual([]);
  });
});

describe('EgressWithoutDNS', () => {
  it('egress isolated and no rule for port 53', () => {
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 443 }] }] }))).toEqual([['EgressWithoutDNS', 'spec.egress']]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'] }))).toEqual([['EgressWithoutDNS', 'spec.egress']]);
    expect(codes(cnp({ endpointSelector: {}, egress: [{ toEndpoints: [{}], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] }))).toEqual([['EgressWithoutDNS', 'spec.egress']]);
  });

  it('not when egress is not isolated, a rule has every port, another policy allows DNS, or a named port may be 53', () => {
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] }))).toEqual([]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] }))).toEqual([]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'] }, { dnsAllowedElsewhere: true }))).toEqual([]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }], ports: [{ port: 'dns' }] }] }))).toEqual([]);
    expect(codes(cnp({ endpointSelector: {}, enableDefaultDeny: { egress: false }, egress: [{ toEndpoints: [{}], toPorts: [{ ports: [{ port: '443' }] }] }] }))).toEqual([]);
  });
});

describe('PeerSelectorsSplit', () => {
  it('a namespaceSelector item and a podSelector item in one list', () => {
    const from = [{ namespaceSelector: { matchLabels: { team: 'a' } } }, { podSelector: { matchLabels: { app: 'api' } } }];
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from }] }))).toEqual([['PeerSelectorsSplit', 'spec.ingress[0].from']]);
  });

  it('not for both in one item, nor for the baseline\'s "this namespace or the tenant" ({} is every pod here)', () => {
    const one = [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { app: 'api' } } }];
    const baseline = [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'acme' } } }];
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: one }, { from: baseline, ports: [{ protocol: 'TCP', port: 1 }] }] }))).toEqual([]);
  });
});

describe('SelectorMatchesNoWorkload', () => {
  const spec = { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] };
  it('when the namespace\'s workloads are known and none matches', () => {
    expect(codes(np(spec, { workloads: [{ app: 'web' }] }))).toEqual([['SelectorMatchesNoWorkload', 'spec.podSelector']]);
    expect(codes(cnp({ endpointSelector: { matchLabels: { 'k8s:app': 'db' } } }, { workloads: [{ app: 'web' }] }))).toEqual([['SelectorMatchesNoWorkload', 'spec.endpointSelector']]);
  });

  it('not when one matches, when nothing is known (admission), or for an empty selector', () => {
    expect(codes(np(spec, { workloads: [{ app: 'web' }, { app: 'db', tier: 'x' }] }))).toEqual([]);
    expect(codes(np(spec))).toEqual([]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'] }, { workloads: [{ app: 'web' }] }))).toEqual([]);
    expect(codes(cnp({ endpointSelector: { matchLabels: { 'any:app': 'web' } } }, { workloads: [{ app: 'web' }] }))).toEqual([]);
  });
});

describe('RuleShadowed', () => {
  it('a rule whose peers and ports another rule allows already', () => {
    const wide = { from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 9000 }] };
    const narrow = { from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 8080 }] };
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [narrow, wide] }))).toEqual([['RuleShadowed', 'spec.ingress[0]']]);
    expect(lintPolicy(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [narrow, wide] }))[0]?.message).toMatch(/spec\.ingress\[1\] does not allow already/);
  });

  it('of two identical rules, the later one', () => {
    const r = { from: [{ podSelector: { matchLabels: { b: '1', a: '2' } } }] };
    const same = { from: [{ podSelector: { matchLabels: { a: '2', b: '1' } } }] };
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [r, same] }))).toEqual([['RuleShadowed', 'spec.ingress[1]']]);
  });

  it('not for rules that differ in a port, a protocol or a peer; Cilium rules with other peers are not compared', () => {
    const a = { from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ protocol: 'TCP', port: 80 }] };
    const udp = { from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ protocol: 'UDP', port: 80 }] };
    const other = { from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ protocol: 'TCP', port: 80 }] };
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [a, udp, other] }))).toEqual([]);
    const cidr = { toCIDR: ['192.0.2.0/24'] };
    expect(codes(cnp({ endpointSelector: {}, egress: [{ toEndpoints: [{}] }, cidr, { ...cidr }] }))).toEqual([]);
    expect(codes(cnp({ endpointSelector: {}, egress: [{ toEndpoints: [{}] }, { toEndpoints: [{ matchLabels: { 'k8s:app': 'x' } }] }] }))).toEqual([['RuleShadowed', 'spec.egress[1]']]);
  });
});

describe('what the API server fills in later: only for `check`', () => {
  const written = { podSelector: {}, egress: [DNS_BOTH] };
  it('PolicyTypesDefaulted: egress rules alone isolate ingress too', () => {
    const found = lintPolicy(np(written, { asWritten: true })).filter((l) => l.code === 'PolicyTypesDefaulted');
    expect(found.map((l) => fieldPathText(l.path))).toEqual(['spec.policyTypes']);
    expect(found[0]?.message).toMatch(/sets \[Ingress, Egress\]: the selected pods are isolated for ingress too/);
  });

  it('ProtocolDefaulted: a port without protocol is TCP', () => {
    const spec = { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 53 }, { protocol: 'UDP', port: 53 }] }] };
    expect(codes(np(spec, { asWritten: true }))).toEqual([['ProtocolDefaulted', 'spec.ingress[0].ports[0]']]);
  });

  it('not in admission or reach, which see the stored (defaulted) object', () => {
    expect(codes(np(written))).toEqual([]);
    expect(codes(np({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 53 }] }] }))).toEqual([]);
  });
});

describe('lintObject', () => {
  it('only NetworkPolicies and CiliumNetworkPolicies with a namespace have lint', () => {
    const object = { spec: { podSelector: {}, policyTypes: ['Egress'] } };
    expect(lintObject(NP, 'acme-web', object, { asWritten: false }).map((l) => l.code)).toEqual(['EgressWithoutDNS']);
    expect(lintObject({ group: '', kind: 'Pod' }, 'acme-web', object, { asWritten: false })).toEqual([]);
    expect(lintObject(NP, undefined, object, { asWritten: false })).toEqual([]);
  });

  it('specs[] of a CiliumNetworkPolicy are each linted at their own path', () => {
    const object = { specs: [{ endpointSelector: {} }, { endpointSelector: { matchLabels: { namespace: 'x' } } }] };
    expect(lintObject({ group: 'cilium.io', kind: 'CiliumNetworkPolicy' }, 'acme-web', object, { asWritten: false }).map((l) => [l.code, fieldPathText(l.path)]))
      .toEqual([['PodLabelMeansNamespace', 'specs[1].endpointSelector']]);
  });
});
