/**
 * PolicyReports (wgpolicyk8s.io/v1alpha2, the Policy WG's format that
 * Kyverno writes and Policy Reporter reads) from the audit's findings. Pure:
 * the controller (controller.ts) and `audit -o policyreport` give it what
 * they read, and write or print what it returns.
 *
 * - one PolicyReport per tenant namespace: a result per NetworkPolicy and
 *   CiliumNetworkPolicy there (pass, or one result per violation with its
 *   code as `rule` and its enforcement mode in `properties.enforcement`:
 *   fail for a violation the webhook refuses (mode deny), warn for one the
 *   rollout mode admits (warn or dryrun): the object stays, and the report
 *   is where a dryrun violation is seen), a warn per engine warning, and a
 *   fail when the namespace lacks its baseline. Tenants read it with
 *   `kubectl get policyreport`.
 * - one ClusterPolicyReport: the cluster-wide findings (cluster-scoped
 *   policies not known to come from an admin, namespaces nobody owns,
 *   platform namespaces without the platform label, namespaces the adoption
 *   of `tenants[].namespaces` leaves as they are).
 *
 * No timestamps: a report changes only when a finding does, so the
 * controller writes nothing at steady state.
 */
import type { Config } from '../config/schema.js';
import { compareText, MANAGED_BY_LABEL, MANAGED_BY_VALUE, renderViolation, type EnforcementMode, type Violation } from '../policy/index.js';
import type { AdoptionConflict, ClusterPolicyFinding, JudgedPolicy, MissingBaseline } from '../audit/report.js';

export const REPORT_API_VERSION = 'wgpolicyk8s.io/v1alpha2';
/** `source` of every result, and the `policy` name Policy Reporter groups by. */
export const REPORT_SOURCE = 'tenant-guard';
export const REPORT_POLICY = 'tenant-isolation';

export type ResultKind = 'pass' | 'fail' | 'warn' | 'error' | 'skip';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export interface ReportResult {
  source: string;
  policy: string;
  rule: string;
  category: string;
  result: ResultKind;
  severity?: 'high' | 'medium' | 'low' | 'info';
  scored: boolean;
  message: string;
  resources: ResourceRef[];
  properties?: Record<string, string>;
}

export interface ReportSummary {
  pass: number;
  fail: number;
  warn: number;
  error: number;
  skip: number;
}

export interface PolicyReport {
  apiVersion: typeof REPORT_API_VERSION;
  kind: 'PolicyReport' | 'ClusterPolicyReport';
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  summary: ReportSummary;
  results: ReportResult[];
}

const CATEGORY = 'Network isolation';

function result(rule: string, kind: ResultKind, message: string, resource: ResourceRef, properties?: Record<string, string>): ReportResult {
  // A copy per result: printed as YAML, a shared object would become an anchor and aliases.
  const r: ReportResult = { source: REPORT_SOURCE, policy: REPORT_POLICY, rule, category: CATEGORY, result: kind, scored: true, message, resources: [{ ...resource }] };
  if (kind === 'fail') r.severity = 'high';
  else if (kind === 'warn') r.severity = 'medium';
  if (properties !== undefined) r.properties = properties;
  return r;
}

function summarise(results: readonly ReportResult[]): ReportSummary {
  const s: ReportSummary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) s[r.result] += 1;
  return s;
}

function refText(r: ResourceRef): string {
  return `${r.namespace ?? ''}/${r.name}/${r.kind}`;
}

/** A stable order, so the same findings always render to the same report. */
function sorted(results: ReportResult[]): ReportResult[] {
  return results.sort((a, b) => compareText(refText(a.resources[0]!), refText(b.resources[0]!)) || compareText(a.rule, b.rule) || compareText(a.message, b.message));
}

function report(kind: PolicyReport['kind'], name: string, namespace: string | undefined, results: ReportResult[]): PolicyReport {
  const metadata: PolicyReport['metadata'] = { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } };
  if (namespace !== undefined) metadata.namespace = namespace;
  const ordered = sorted(results);
  return { apiVersion: REPORT_API_VERSION, kind, metadata, summary: summarise(ordered), results: ordered };
}

/** The results of one judged policy. */
export function policyResults(p: JudgedPolicy): ReportResult[] {
  const ref: ResourceRef = { apiVersion: p.apiVersion, kind: p.kind, name: p.name, namespace: p.namespace };
  if (p.uid !== undefined) ref.uid = p.uid;
  const violations: (Violation & { mode: EnforcementMode })[] = [...p.verdict.violations.map((v) => ({ ...v, mode: 'deny' as const })), ...(p.verdict.relaxed ?? [])];
  const out: ReportResult[] = [];
  // Only a refusal fails: what the rollout mode admits is a warning to act on before the mode becomes deny.
  for (const v of violations) out.push(result(v.code, v.mode === 'deny' ? 'fail' : 'warn', renderViolation(v), ref, { path: v.path, enforcement: v.mode }));
  for (const w of p.verdict.warnings) out.push(result('Warning', 'warn', w, ref));
  if (out.length === 0) out.push(result('Confined', 'pass', 'reaches only its own tenant and the platform', ref));
  return out;
}

export interface NamespaceFindings {
  namespace: string;
  tenant: string;
  /** The namespace's judged policies (managed ones left out). */
  policies: readonly JudgedPolicy[];
  baseline: MissingBaseline | undefined;
}

/** The PolicyReport of one tenant namespace. */
export function desiredNamespaceReport(f: NamespaceFindings, config: Config): PolicyReport {
  const results = f.policies.flatMap((p) => policyResults(p));
  if (f.baseline !== undefined) {
    const parts: string[] = [];
    if (f.baseline.missing.length > 0) parts.push(`missing ${f.baseline.missing.join(', ')}`);
    if (f.baseline.drifted.length > 0) parts.push(`differs from the baseline: ${f.baseline.drifted.join(', ')}`);
    results.push(result('BaselineMissing', 'fail', `the namespace is not isolated as configured: ${parts.join('; ')} (the controller repairs it; if this stays, see its BaselineFailed events)`, { apiVersion: 'v1', kind: 'Namespace', name: f.namespace }));
  }
  return report('PolicyReport', config.reports.name, f.namespace, results);
}

export interface ClusterFindings {
  clusterPolicies: readonly ClusterPolicyFinding[];
  unlabeledNamespaces: readonly string[];
  platformUnlabeled: readonly string[];
  adoptionConflicts: readonly AdoptionConflict[];
}

/** The ClusterPolicyReport: findings no tenant namespace holds. */
export function desiredClusterReport(f: ClusterFindings, config: Config): PolicyReport {
  const results: ReportResult[] = [];
  for (const p of f.clusterPolicies) {
    const managers = p.managers.length > 0 ? p.managers.join(', ') : 'none recorded';
    results.push(result('ClusterScopedPolicy', 'warn', `cluster-wide policies apply to every tenant; ${p.note} (field managers: ${managers})`, { apiVersion: p.apiVersion, kind: p.kind, name: p.name }));
  }
  for (const n of f.unlabeledNamespaces) {
    results.push(result('NamespaceUnowned', 'warn', `no ${config.tenantLabel} label and not a platform namespace: nobody owns it, so any tenant's policy may name it`, { apiVersion: 'v1', kind: 'Namespace', name: n }));
  }
  for (const n of f.platformUnlabeled) {
    results.push(result('PlatformLabelMissing', 'fail', `a platform namespace without ${config.tenantLabel}: ${config.platform.value}; the baselines admit the platform by that label (the controller sets it)`, { apiVersion: 'v1', kind: 'Namespace', name: n }));
  }
  for (const a of f.adoptionConflicts) {
    results.push(result('AdoptionConflict', 'fail', a.reason, { apiVersion: 'v1', kind: 'Namespace', name: a.namespace }));
  }
  return report('ClusterPolicyReport', config.reports.name, undefined, results);
}
