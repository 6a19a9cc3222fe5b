/** auditWarnings(): the engine's lint over stored policies, with the pods the cluster runs. */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { desiredBaseline } from '../baseline/desired.js';
import { auditWarnings, type AuditPod } from './lint.js';
import type { AuditObject } from './report.js';

function config(overrides: Record<string, unknown> = {}): Config {
  const r = configFromObject({ platform: { value: 'platform', namespaces: ['kube-system'] }, ...overrides });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const L = 'tenant-guard.io/tenant';
const namespaces: AuditObject[] = [{ metadata: { name: 'kube-system', labels: { [L]: 'platform' } } }, { metadata: { name: 'acme-web', labels: { [L]: 'acme' } } }];
const np = (name: string, spec: object): AuditObject => ({ metadata: { name, namespace: 'acme-web' }, spec });
const onlyDb = np('db-only', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] });
const pods: AuditPod[] = [{ namespace: 'acme-web', labels: { app: 'web' } }, { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }];
const codes = (ws: ReturnType<typeof auditWarnings>) => ws.map((w) => [w.name, w.code, w.path]);

describe('auditWarnings', () => {
  it('warns about a podSelector that matches none of the namespace\'s pods, with its path', () => {
    const ws = auditWarnings({ namespaces, networkPolicies: [onlyDb], ciliumPolicies: undefined }, config(), pods);
    expect(codes(ws)).toEqual([['db-only', 'SelectorMatchesNoWorkload', 'spec.podSelector']]);
    expect(ws[0]).toMatchObject({ kind: 'NetworkPolicy', namespace: 'acme-web' });
  });

  it('says nothing of it once a pod matches, and nothing when the pods were not listed', () => {
    const withDb = [...pods, { namespace: 'acme-web', labels: { app: 'db' } }];
    expect(auditWarnings({ namespaces, networkPolicies: [onlyDb], ciliumPolicies: undefined }, config(), withDb)).toEqual([]);
    expect(auditWarnings({ namespaces, networkPolicies: [onlyDb], ciliumPolicies: undefined }, config(), undefined)).toEqual([]);
  });

  it('reads CiliumNetworkPolicies as Cilium does (the k8s: source), and skips the platform\'s managed baseline', () => {
    const cnp: AuditObject = { metadata: { name: 'cnp-db', namespace: 'acme-web' }, spec: { endpointSelector: { matchLabels: { 'k8s:app': 'db' } }, ingress: [{ fromEndpoints: [{}] }] } };
    const baseline = desiredBaseline('acme-web', { kind: 'tenant', tenant: 'acme' }, config()) as unknown as AuditObject[];
    const ws = auditWarnings({ namespaces, networkPolicies: baseline, ciliumPolicies: [cnp] }, config(), [{ namespace: 'acme-web', labels: { app: 'api' } }]);
    expect(codes(ws)).toEqual([['cnp-db', 'SelectorMatchesNoWorkload', 'spec.endpointSelector']]);
  });

  it('finds the DNS pods among the listed ones: a DNS rule is judged against the pods that run', () => {
    const egress = np('dns-v2', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns', variant: 'v2' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
    });
    const c = config({ baseline: { egress: { enabled: false } } });
    const lintCodes = (listed: AuditPod[]) => codes(auditWarnings({ namespaces, networkPolicies: [egress], ciliumPolicies: undefined }, c, listed)).map((x) => x[1]);
    // The running DNS pods carry only the well-known label: the rule's extra `variant` matches none of them.
    expect(lintCodes(pods)).toContain('DNSNoServer');
    const v2: AuditPod[] = [{ namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', variant: 'v2' } }, { namespace: 'acme-web', labels: { app: 'web' } }];
    expect(lintCodes(v2)).not.toContain('DNSNoServer');
  });
});
