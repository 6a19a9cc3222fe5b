/**
 * The audit and the PolicyReports judge hand-written policies with the
 * shares in force: a policy within a share is no finding (a warn that names
 * the share); once
 * the share ends (its Export deleted), the same policy is a refused policy
 * and a fail, and the audit no longer lists the share.
 */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { auditCluster, type AuditInput, type AuditObject } from '../audit/report.js';
import { reportsOfAudit } from './from-audit.js';

const L = 'tenant-guard.io/tenant';

function config(): Config {
  const r = configFromObject({ platform: { value: 'platform', namespaces: ['kube-system'] }});
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const ns = (name: string, tenant: string): AuditObject => ({ metadata: { name, labels: { [L]: tenant, 'kubernetes.io/metadata.name': name } } });
const exportAuth: AuditObject = {
  apiVersion: 'tenant-guard.io/v1alpha1', kind: 'Export', metadata: { name: 'auth', namespace: 'globex-auth' },
  spec: { podSelector: { matchLabels: { app: 'auth' } }, ports: [{ port: 5555, protocol: 'TCP' }], to: [{ tenant: 'acme', namespaces: ['acme-cp'] }] },
};
const importAuth: AuditObject = {
  apiVersion: 'tenant-guard.io/v1alpha1', kind: 'Import', metadata: { name: 'auth', namespace: 'acme-cp' },
  spec: { from: { namespace: 'globex-auth', export: 'auth' }, podSelector: { matchLabels: { app: 'partner-api' } } },
};
const callAuth: AuditObject = {
  metadata: { name: 'call-auth', namespace: 'acme-cp', uid: 'u-1' },
  spec: {
    podSelector: { matchLabels: { app: 'partner-api' } },
    policyTypes: ['Egress'],
    egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'globex-auth' } }, podSelector: { matchLabels: { app: 'auth' } } }], ports: [{ protocol: 'TCP', port: 5555 }] }],
  },
};

function input(exports: AuditObject[]): AuditInput {
  return {
    namespaces: [ns('kube-system', 'platform'), ns('acme-cp', 'acme'), ns('globex-auth', 'globex')],
    networkPolicies: [callAuth],
    ciliumPolicies: undefined,
    clusterPolicies: [],
    config: config(),
    flavour: 'networkpolicy',
    exports,
    imports: [importAuth],
    nowMs: Date.parse('2026-12-01T00:00:00Z'),
  };
}

const acmeResults = (i: AuditInput) => reportsOfAudit(i).find((r) => r.metadata.namespace === 'acme-cp')!.results.filter((r) => r.resources[0]?.name === 'call-auth').map((r) => [r.resources[0]!.name, r.rule, r.result]);

describe('a hand-written policy within a share', () => {
  it('is no finding while the share is in force, and the audit lists the share', () => {
    const report = auditCluster(input([exportAuth]));
    expect(report.refusedPolicies).toEqual([]);
    expect(report.shares).toEqual([{ export: 'globex-auth/auth', import: 'acme-cp/auth', exporterTenant: 'globex', importerTenant: 'acme', ports: ['TCP 5555'] }]);
    // Allowed, with the engine's warning that it relies on the share.
    expect(acmeResults(input([exportAuth]))).toEqual([['call-auth', 'Warning', 'warn']]);
    const result = reportsOfAudit(input([exportAuth])).find((r) => r.metadata.namespace === 'acme-cp')!.results.find((r) => r.resources[0]?.name === 'call-auth')!;
    expect(result.message).toContain('allowed within the share of Export globex-auth/auth and Import acme-cp/auth');
  });

  it('is a refused policy, and a fail in its PolicyReport, once the Export is deleted', () => {
    const report = auditCluster(input([]));
    expect(report.shares).toEqual([]);
    expect(report.refusedPolicies.map((p) => [p.namespace, p.name, p.violations.map((v) => v.code)])).toEqual([['acme-cp', 'call-auth', ['SelectorOtherTenant']]]);
    expect(report.refusedPolicies[0]!.violations[0]!.fix).toContain('tenant globex creates an Export in "globex-auth" listing tenant acme (namespace "acme-cp")');
    expect(acmeResults(input([]))).toEqual([['call-auth', 'SelectorOtherTenant', 'fail']]);
  });
});
