/** auditCluster(): every category, from listed objects as the API returns them (list items carry no kind). */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { auditCluster, findingCounts, totalFindings, type AuditInput, type AuditObject } from './report.js';
import { desiredBaseline } from '../baseline/desired.js';

function config(overrides: Record<string, unknown> = {}): Config {
  const r = configFromObject({ platform: { value: 'platform', namespaces: ['kube-system', 'default'] }, ...overrides });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const L = 'tenant-guard.io/tenant';
const ns = (name: string, labels: Record<string, string> = {}, extra: Partial<AuditObject> = {}): AuditObject => ({ metadata: { name, labels }, ...extra });
const baselineOf = (name: string, tenant: string, c: Config): AuditObject[] =>
  desiredBaseline(name, { kind: 'tenant', tenant }, c).map((p) => {
    const { apiVersion: _a, kind: _k, ...rest } = p;
    return structuredClone(rest);
  });

function cleanCluster(c: Config): AuditInput {
  return {
    namespaces: [ns('kube-system', { [L]: 'platform' }), ns('default', { [L]: 'platform' }), ns('acme-web', { [L]: 'acme' }), ns('globex-db', { [L]: 'globex' })],
    networkPolicies: [...baselineOf('acme-web', 'acme', c), ...baselineOf('globex-db', 'globex', c)],
    ciliumPolicies: [],
    clusterPolicies: [],
    config: c,
    flavour: 'networkpolicy',
  };
}

describe('auditCluster', () => {
  it('finds nothing in a clean cluster (and does not judge the managed baselines)', () => {
    const c = config();
    const report = auditCluster(cleanCluster(c));
    expect(totalFindings(report)).toBe(0);
    expect(report.scanned).toEqual({ namespaces: 4, networkPolicies: 2, ciliumNetworkPolicies: 0, clusterPolicies: 0, managedSkipped: 2 });
  });

  it('lists a cross-tenant policy with the webhook\'s violations', () => {
    const c = config();
    const input = cleanCluster(c);
    input.networkPolicies = [...input.networkPolicies, {
      metadata: { name: 'allow-globex', namespace: 'acme-web' },
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [L]: 'globex' } } }] }] },
    }, {
      metadata: { name: 'fine', namespace: 'acme-web' },
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] },
    }];
    const report = auditCluster(input);
    expect(report.refusedPolicies).toEqual([{
      kind: 'NetworkPolicy',
      namespace: 'acme-web',
      name: 'allow-globex',
      violations: [expect.objectContaining({ code: 'SelectorOtherTenant', path: 'spec.ingress[0].from[0].namespaceSelector', message: 'selects namespaces of tenant globex' })],
    }]);
    expect(findingCounts(report)).toMatchObject({ refusedPolicies: 1 });
  });

  it('judges CiliumNetworkPolicies too', () => {
    const c = config();
    const input = cleanCluster(c);
    input.ciliumPolicies = [{ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'world', namespace: 'acme-web' }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }] } }];
    const report = auditCluster(input);
    expect(report.refusedPolicies.map((p) => [p.kind, p.name, p.violations.map((v) => v.code)])).toEqual([['CiliumNetworkPolicy', 'world', ['EntityDenied']]]);
  });

  it('lists cluster-wide policies with their field managers and the note that the creator is unknown', () => {
    const c = config();
    const input = cleanCluster(c);
    input.clusterPolicies = [{ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'ccnp', creationTimestamp: '2030-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl-create' }, { manager: 'helm' }, { manager: 'helm' }] } }];
    const report = auditCluster(input);
    expect(report.clusterPolicies).toEqual([{ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', name: 'ccnp', managers: ['kubectl-create', 'helm'], created: '2030-01-01T00:00:00Z', note: expect.stringContaining('does not record who created it') }]);
  });

  it('finds tenant namespaces with a missing or drifted baseline', () => {
    const c = config({ baseline: { egress: { enabled: true } } });
    const input = cleanCluster(c);
    const drifted = structuredClone(input.networkPolicies.find((p) => p.metadata?.namespace === 'globex-db' && p.metadata.name === 'tenant-guard-isolate')!);
    (drifted.spec as Record<string, unknown>).podSelector = { matchLabels: { app: 'db' } };
    input.networkPolicies = [
      ...input.networkPolicies.filter((p) => p.metadata?.namespace !== 'globex-db' && p.metadata?.name !== 'tenant-guard-egress'),
      drifted,
    ];
    const report = auditCluster(input);
    expect(report.missingBaseline).toEqual([
      { namespace: 'acme-web', tenant: 'acme', missing: ['NetworkPolicy/tenant-guard-egress'], drifted: [] },
      { namespace: 'globex-db', tenant: 'globex', missing: ['NetworkPolicy/tenant-guard-egress'], drifted: ['NetworkPolicy/tenant-guard-isolate'] },
    ]);
  });

  it('expects the Cilium flavour when that is what the controller writes', () => {
    const c = config({ baseline: { flavour: 'cilium' } });
    const input = cleanCluster(config());
    input.config = c;
    input.flavour = 'cilium';
    expect(auditCluster(input).missingBaseline.map((m) => m.missing)).toEqual([['CiliumNetworkPolicy/tenant-guard-isolate'], ['CiliumNetworkPolicy/tenant-guard-isolate']]);
  });

  it('finds unowned namespaces and unlabelled platform namespaces; ignores terminating ones', () => {
    const c = config();
    const input = cleanCluster(c);
    input.namespaces = [...input.namespaces.filter((n) => n.metadata?.name !== 'default'), ns('default'), ns('legacy'), ns('shared', { [L]: 'platform' }), ns('going', {}, { status: { phase: 'Terminating' } })];
    const report = auditCluster(input);
    expect(report.unlabeledNamespaces).toEqual(['legacy']);
    expect(report.platformUnlabeled).toEqual(['default']);
    expect(totalFindings(report)).toBe(2);
  });

  it('lists the namespaces tenants[].namespaces assigns that adoption must leave as they are, with the reason', () => {
    const c = config({ tenants: [{ name: 'acme', namespaces: ['shop-*', 'kube-system', 'held'] }, { name: 'globex', namespaces: ['shop-both'] }] });
    const input = cleanCluster(c);
    input.namespaces = [...input.namespaces, ns('shop-new'), ns('shop-both'), ns('held', { [L]: 'globex' }), ns('shop-going', {}, { status: { phase: 'Terminating' } })];
    const report = auditCluster(input);
    // shop-new is simply adopted (not a conflict): until the controller labels it, it is unowned.
    expect(report.adoptionConflicts).toEqual([
      { namespace: 'held', reason: expect.stringContaining('already labelled tenant-guard.io/tenant=globex (tenant globex)') },
      { namespace: 'kube-system', reason: expect.stringContaining('is a platform namespace') },
      { namespace: 'shop-both', reason: expect.stringContaining('assigned to tenants acme, globex') },
    ]);
    expect(report.unlabeledNamespaces).toEqual(['shop-both', 'shop-new']);
    expect(findingCounts(report)).toMatchObject({ adoptionConflicts: 3, unlabeledNamespaces: 2 });
  });
});
