/**
 * The reports from the audit's input, as `audit -o policyreport` prints
 * them and the controller writes them: one PolicyReport per tenant
 * namespace, a result per policy (pass, or a fail per violation with its
 * code as the rule), the baseline, the summary; the ClusterPolicyReport.
 */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { desiredBaseline } from '../baseline/desired.js';
import type { AuditInput, AuditObject } from '../audit/report.js';
import { reportsOfAudit } from './from-audit.js';
import { policyResults } from './desired.js';

const L = 'tenant-guard.io/tenant';

function config(): Config {
  const r = configFromObject({ platform: { value: 'platform', namespaces: ['kube-system'] } });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const ns = (name: string, labels: Record<string, string> = {}): AuditObject => ({ metadata: { name, labels } });

function input(c: Config): AuditInput {
  const baseline = desiredBaseline('acme-web', { kind: 'tenant', tenant: 'acme' }, c).map((p) => structuredClone(p) as unknown as AuditObject);
  return {
    namespaces: [ns('kube-system', { [L]: 'platform' }), ns('acme-web', { [L]: 'acme' }), ns('globex-db', { [L]: 'globex' }), ns('legacy')],
    networkPolicies: [
      ...baseline,
      { metadata: { name: 'allow-globex', namespace: 'acme-web', uid: 'u-1' }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [L]: 'globex' } } }] }] } },
      { metadata: { name: 'same-ns', namespace: 'acme-web', uid: 'u-2' }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } },
    ],
    ciliumPolicies: undefined,
    clusterPolicies: [{ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'ccnp', managedFields: [{ manager: 'kubectl' }] } }],
    config: c,
    flavour: 'networkpolicy',
  };
}

describe('reportsOfAudit', () => {
  const c = config();
  const reports = reportsOfAudit(input(c));

  it('makes one PolicyReport per tenant namespace and one ClusterPolicyReport, labelled as tenant-guard\'s', () => {
    expect(reports.map((r) => [r.kind, r.metadata.namespace, r.metadata.name])).toEqual([
      ['PolicyReport', 'acme-web', 'tenant-guard'],
      ['PolicyReport', 'globex-db', 'tenant-guard'],
      ['ClusterPolicyReport', undefined, 'tenant-guard'],
    ]);
    for (const r of reports) {
      expect(r.apiVersion).toBe('wgpolicyk8s.io/v1alpha2');
      expect(r.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'tenant-guard' });
    }
  });

  it('judges each policy: a fail per violation with its code as the rule, a pass otherwise; the baseline is not judged', () => {
    const acme = reports[0]!;
    expect(acme.results.map((r) => [r.resources[0]!.name, r.rule, r.result])).toEqual([
      ['allow-globex', 'SelectorOtherTenant', 'fail'],
      ['same-ns', 'Confined', 'pass'],
    ]);
    expect(acme.results[0]).toEqual({
      source: 'tenant-guard',
      policy: 'tenant-isolation',
      rule: 'SelectorOtherTenant',
      category: 'Network isolation',
      result: 'fail',
      severity: 'high',
      scored: true,
      message: expect.stringMatching(/^spec\.ingress\[0\]\.from\[0\]\.namespaceSelector: Forbidden: selects namespaces of tenant globex \(fix: /),
      resources: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'allow-globex', namespace: 'acme-web', uid: 'u-1' }],
      properties: { path: 'spec.ingress[0].from[0].namespaceSelector', enforcement: 'deny' },
    });
    expect(acme.summary).toEqual({ pass: 1, fail: 1, warn: 0, error: 0, skip: 0 });
  });

  it('reports a missing baseline as a fail on the Namespace', () => {
    const globex = reports[1]!;
    expect(globex.results).toEqual([expect.objectContaining({ rule: 'BaselineMissing', result: 'fail', resources: [{ apiVersion: 'v1', kind: 'Namespace', name: 'globex-db' }], message: expect.stringContaining('missing NetworkPolicy/tenant-guard-isolate') })]);
    expect(globex.summary.fail).toBe(1);
  });

  it('puts cluster-wide findings in the ClusterPolicyReport', () => {
    const cluster = reports[2]!;
    expect(cluster.results.map((r) => [r.resources[0]!.kind, r.resources[0]!.name, r.rule, r.result])).toEqual([
      ['CiliumClusterwideNetworkPolicy', 'ccnp', 'ClusterScopedPolicy', 'warn'],
      ['Namespace', 'legacy', 'NamespaceUnowned', 'warn'],
    ]);
    expect(cluster.summary).toEqual({ pass: 0, fail: 0, warn: 2, error: 0, skip: 0 });
  });

  it('records what a relaxed tenant is admitted as a warning with its mode, through the engine as the controller judges', () => {
    const r = configFromObject({ platform: { value: 'platform', namespaces: ['kube-system'] }, enforcement: { tenants: { acme: 'dryrun' } } });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const acme = reportsOfAudit(input(r.config))[0]!;
    expect(acme.results.map((x) => [x.resources[0]!.name, x.rule, x.result, x.properties?.enforcement])).toEqual([
      ['allow-globex', 'SelectorOtherTenant', 'warn', 'dryrun'],
      ['same-ns', 'Confined', 'pass', undefined],
    ]);
    expect(acme.summary).toEqual({ pass: 1, fail: 0, warn: 1, error: 0, skip: 0 });
  });

  it('puts the namespaces adoption leaves as they are in the ClusterPolicyReport as fails', () => {
    const r = configFromObject({ platform: { value: 'platform', namespaces: ['kube-system'] }, tenants: [{ name: 'acme', namespaces: ['legacy'] }, { name: 'globex', namespaces: ['leg*'] }] });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const cluster = reportsOfAudit(input(r.config)).at(-1)!;
    expect(cluster.results.filter((x) => x.rule === 'AdoptionConflict')).toEqual([expect.objectContaining({
      result: 'fail',
      severity: 'high',
      resources: [{ apiVersion: 'v1', kind: 'Namespace', name: 'legacy' }],
      message: 'namespace "legacy" is assigned to tenants acme, globex by tenants[].namespaces; it is left as it is until one assignment remains',
    })]);
    expect(cluster.summary).toEqual({ pass: 0, fail: 1, warn: 2, error: 0, skip: 0 });
  });

  it('is the same for the same input, whatever the listing order', () => {
    const shuffled = input(c);
    shuffled.networkPolicies = [...shuffled.networkPolicies].reverse();
    shuffled.namespaces = [...shuffled.namespaces].reverse();
    expect(reportsOfAudit(shuffled)).toEqual(reports);
  });
});

describe('policyResults', () => {
  const judged = {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace: 'acme-web', name: 'p', uid: undefined,
    verdict: { allowed: false, violations: [{ code: 'OpenRule' as const, path: 'spec.ingress[0]', segments: ['spec', 'ingress', 0], message: 'no peers', fix: 'name them' }], warnings: ['a name can change hands'], patch: [] },
  };

  it('fails each refused violation and warns for each engine warning', () => {
    expect(policyResults(judged).map((r) => [r.rule, r.result, r.properties?.enforcement])).toEqual([['OpenRule', 'fail', 'deny'], ['Warning', 'warn', undefined]]);
  });

  it('shares no object between the results of one policy, so YAML output carries no anchors', () => {
    const [a, b] = policyResults(judged);
    expect(a!.resources[0]).toEqual(b!.resources[0]);
    expect(a!.resources[0]).not.toBe(b!.resources[0]);
  });

  it('reports a violation the rollout mode admits (warn or dryrun) as a warning with its mode, not a failure', () => {
    const relaxed = { ...judged, verdict: { ...judged.verdict, allowed: true, violations: [], warnings: [], relaxed: [
      { code: 'OpenRule' as const, path: 'spec.ingress[0]', segments: ['spec', 'ingress', 0], message: 'no peers', fix: 'name them', mode: 'warn' as const },
      { code: 'SelectorUnconfined' as const, path: 'spec.ingress[1]', segments: ['spec', 'ingress', 1], message: 'any label', fix: 'the tenant label', mode: 'dryrun' as const },
    ] } };
    expect(policyResults(relaxed).map((r) => [r.rule, r.result, r.properties?.enforcement])).toEqual([['OpenRule', 'warn', 'warn'], ['SelectorUnconfined', 'warn', 'dryrun']]);
    expect(policyResults(relaxed).map((r) => r.severity)).toEqual(['medium', 'medium']);
  });
});
