/**
 * The audit of what already exists: an admission webhook judges only what is
 * written after it is installed. Pure: the caller lists the cluster (see
 * audit-collect.ts) and this decides, with the webhook's own engine, what it
 * would refuse today and which namespaces lack their baseline.
 *
 * Categories (stable names: JSON output, metrics labels, docs):
 * - refusedPolicies: NetworkPolicies and CiliumNetworkPolicies the webhook
 *   would refuse if a tenant (a non-admin with no groups) created them now,
 *   with the webhook's violations. The platform's own managed policies are
 *   not judged.
 * - clusterPolicies: CiliumClusterwideNetworkPolicies, AdminNetworkPolicies and
 *   BaselineAdminNetworkPolicies. The API does not record who created an
 *   object (managedFields name tools such as kubectl, not users), so none is
 *   known to come from an admin; each is listed with its field managers for
 *   review.
 * - missingBaseline: tenant namespaces whose baseline policies are absent or
 *   differ from the configured baseline.
 * - unlabeledNamespaces: namespaces with no tenant label that are not platform
 *   namespaces: nobody owns them, so policies can name them freely.
 * - platformUnlabeled: platform namespaces without the platform value on the
 *   tenant label: the baselines select the platform by that label.
 * - adoptionConflicts: namespaces `tenants[].namespaces` assigns that the
 *   controller leaves as they are (two tenants, a platform namespace, another
 *   owner already set), with the reason: a conflict is never settled silently.
 */
import { policySettingsOf, type Config } from '../config/schema.js';
import { StaticNamespaces, type NamespaceLike } from '../kube/namespace-view.js';
import { compareText, isManaged, ownerFromLabels, review, storedObjectInput, type NamespaceView, type SharesView, type Verdict, type Violation } from '../policy/index.js';
import { planAdoption } from '../policy/adoption.js';
import { desiredBaseline, needsWrite, type Flavour } from '../baseline/desired.js';
import { portText, readExport, readImport } from '../policy/share.js';
import { evaluateShares } from '../sharing/evaluate.js';
import { buildSharesView, type ShareObjects } from '../sharing/view.js';

export interface AuditObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: unknown;
    managedFields?: { manager?: string; operation?: string; time?: string }[];
    creationTimestamp?: string;
  };
  spec?: unknown;
  status?: { phase?: string };
  [k: string]: unknown;
}

export interface AuditInput {
  namespaces: readonly AuditObject[];
  networkPolicies: readonly AuditObject[];
  /** undefined: CiliumNetworkPolicy is not served. */
  ciliumPolicies: readonly AuditObject[] | undefined;
  /** Cluster-wide policies of every served kind. */
  clusterPolicies: readonly AuditObject[];
  config: Config;
  /** The flavour the controller would use (cilium falls back to networkpolicy when the CRD is not served). */
  flavour: Flavour;
  /** Exports and Imports (empty when their CRDs are not served), and the time shares are judged at. */
  exports?: readonly AuditObject[];
  imports?: readonly AuditObject[];
  nowMs?: number;
}

/** A share in force, as the audit lists it. */
export interface ShareListing {
  export: string;
  import: string;
  exporterTenant: string;
  importerTenant: string;
  ports: string[];
}

export interface RefusedPolicy {
  kind: string;
  namespace: string;
  name: string;
  violations: Violation[];
}

export interface ClusterPolicyFinding {
  apiVersion: string;
  kind: string;
  name: string;
  /** Field managers from managedFields (tools, not users), creation first. */
  managers: string[];
  created: string | undefined;
  note: string;
}

export interface MissingBaseline {
  namespace: string;
  tenant: string;
  /** `Kind/name` of each absent policy. */
  missing: string[];
  /** `Kind/name` of each policy that exists but differs from the baseline. */
  drifted: string[];
}

/** A namespace tenants[].namespaces assigns but the adoption leaves as it is, and why (the controller's Event says the same). */
export interface AdoptionConflict {
  namespace: string;
  reason: string;
}

export interface AuditReport {
  refusedPolicies: RefusedPolicy[];
  clusterPolicies: ClusterPolicyFinding[];
  missingBaseline: MissingBaseline[];
  unlabeledNamespaces: string[];
  platformUnlabeled: string[];
  /** Every share in force (not a finding: the paths they open are explained by both tenants' consent). */
  shares: ShareListing[];
  adoptionConflicts: AdoptionConflict[];
  scanned: {
    namespaces: number;
    networkPolicies: number;
    ciliumNetworkPolicies: number | null;
    clusterPolicies: number;
    /** The platform's own policies (managed-by tenant-guard), not judged. */
    managedSkipped: number;
  };
}

export type AuditCategory = 'refusedPolicies' | 'clusterPolicies' | 'missingBaseline' | 'unlabeledNamespaces' | 'platformUnlabeled' | 'adoptionConflicts';
export const AUDIT_CATEGORIES: readonly AuditCategory[] = ['refusedPolicies', 'clusterPolicies', 'missingBaseline', 'unlabeledNamespaces', 'platformUnlabeled', 'adoptionConflicts'];

/** The requester the audit judges as: a tenant user with no groups, as `check` does by default. */
export const AUDIT_REQUESTER = { username: 'tenant-guard:audit', groups: [] as string[] };

const CLUSTER_NOTE = 'the API does not record who created it; review that an admin did (API server audit log)';

function terminating(o: AuditObject): boolean {
  return (o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null) || o.status?.phase === 'Terminating';
}

function byName(a: { name?: string; namespace?: string }, b: { name?: string; namespace?: string }): number {
  return compareText(`${a.namespace ?? ''}/${a.name ?? ''}`, `${b.namespace ?? ''}/${b.name ?? ''}`);
}

/** One stored policy as the webhook would judge it if a tenant created it now. */
export interface JudgedPolicy {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string | undefined;
  verdict: Verdict;
}

/**
 * The webhook's verdict on a stored NetworkPolicy or CiliumNetworkPolicy
 * (`kind` when the list left it out); undefined for the platform's own
 * managed policies, which are not judged. Shared by the audit and the
 * PolicyReports, so both say the same. `shares`: the shares in force (a path
 * only a share explains is allowed; one that relied on a share that ended is
 * refused).
 */
export function judgePolicy(obj: AuditObject, kind: 'NetworkPolicy' | 'CiliumNetworkPolicy', view: NamespaceView, config: Config, shares?: SharesView): JudgedPolicy | undefined {
  if (isManaged(obj)) return undefined;
  const apiVersion = obj.apiVersion ?? (kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'cilium.io/v2');
  const full = { ...obj, apiVersion, kind: obj.kind ?? kind };
  const verdict = review({ ...storedObjectInput(full, { operation: 'CREATE', requester: AUDIT_REQUESTER, namespaces: view, settings: policySettingsOf(config) }), shares });
  const md = obj.metadata;
  return { apiVersion, kind: full.kind, namespace: md?.namespace ?? '', name: md?.name ?? '', uid: md?.uid, verdict };
}

/** A tenant namespace's baseline against its live policies (both kinds); undefined when it is complete. */
export function baselineFinding(namespace: string, tenant: string, live: readonly AuditObject[], config: Config, flavour: Flavour): MissingBaseline | undefined {
  const missing: string[] = [];
  const drifted: string[] = [];
  for (const d of desiredBaseline(namespace, { kind: 'tenant', tenant }, config, flavour)) {
    const l = live.find((o) => o.kind === d.kind && o.metadata?.name === d.metadata.name);
    const why = needsWrite(d, l);
    if (why === 'absent') missing.push(`${d.kind}/${d.metadata.name}`);
    else if (why !== undefined) drifted.push(`${d.kind}/${d.metadata.name}`);
  }
  return missing.length > 0 || drifted.length > 0 ? { namespace, tenant, missing, drifted } : undefined;
}

/** A cluster-wide policy as a finding: nobody is known to have created it, so its field managers are listed for review. */
export function clusterPolicyFinding(p: AuditObject): ClusterPolicyFinding {
  const fields = p.metadata?.managedFields ?? [];
  const managers = [...new Set(fields.map((f) => f.manager).filter((m): m is string => typeof m === 'string' && m !== ''))];
  return { apiVersion: p.apiVersion ?? '', kind: p.kind ?? '(unknown kind)', name: p.metadata?.name ?? '', managers, created: p.metadata?.creationTimestamp, note: CLUSTER_NOTE };
}

/** Whether a namespace is a finding of its own: nobody owns it, or a platform namespace lacks the platform label. */
export function namespaceFinding(ns: AuditObject, config: Config): 'unlabeledNamespaces' | 'platformUnlabeled' | undefined {
  const name = ns.metadata?.name;
  if (name === undefined || terminating(ns)) return undefined;
  const labels = ns.metadata?.labels ?? {};
  if (config.platform.namespaces.includes(name)) return labels[config.tenantLabel] !== config.platform.value ? 'platformUnlabeled' : undefined;
  return ownerFromLabels(name, labels, policySettingsOf(config)).kind === 'none' ? 'unlabeledNamespaces' : undefined;
}

/** The listed Exports and Imports that read (the others are for the API server's schema to refuse). */
function auditShareObjects(input: AuditInput): ShareObjects {
  return {
    synced: true,
    exports: (input.exports ?? []).flatMap((o) => { const r = readExport(o); return r.ok ? [r.value] : []; }),
    imports: (input.imports ?? []).flatMap((o) => { const r = readImport(o); return r.ok ? [r.value] : []; }),
  };
}

/** The shares in force in a listing, as the audit and `audit -o policyreport` judge policies with them. */
export function auditShares(input: AuditInput, view: NamespaceView): SharesView {
  return buildSharesView(auditShareObjects(input), view, input.config, input.nowMs ?? 0);
}

/** The namespace's adoption conflict, if tenants[].namespaces assigns it and the adoption must leave it as it is. */
export function adoptionConflictOf(ns: AuditObject, config: Config): AdoptionConflict | undefined {
  const name = ns.metadata?.name;
  if (name === undefined || terminating(ns)) return undefined;
  const plan = planAdoption(name, ns.metadata?.labels, policySettingsOf(config));
  return plan.kind === 'conflict' ? { namespace: name, reason: plan.reason } : undefined;
}

export function auditCluster(input: AuditInput): AuditReport {
  const { config } = input;
  const view = new StaticNamespaces(input.namespaces as readonly NamespaceLike[]).view();
  // Hand-written policies are judged with the shares in force: a cross-tenant path only a share explains is no finding, any other is.
  const shares = auditShares(input, view);
  const refused: RefusedPolicy[] = [];
  let managedSkipped = 0;

  const judge = (obj: AuditObject, kind: 'NetworkPolicy' | 'CiliumNetworkPolicy') => {
    const j = judgePolicy(obj, kind, view, config, shares);
    if (j === undefined) {
      managedSkipped += 1;
      return;
    }
    // The audit lists what the rollout mode admits too (each such violation carries its mode): that is
    // what stands between a cluster in warn or dryrun and switching to deny.
    const found = [...j.verdict.violations, ...(j.verdict.relaxed ?? [])];
    if (found.length > 0) refused.push({ kind: j.kind, namespace: j.namespace, name: j.name, violations: found });
  };
  for (const np of input.networkPolicies) judge(np, 'NetworkPolicy');
  for (const cnp of input.ciliumPolicies ?? []) judge(cnp, 'CiliumNetworkPolicy');

  const clusterPolicies = input.clusterPolicies.map((p) => clusterPolicyFinding(p));

  // Live policies by namespace, both kinds, for the baseline comparison.
  const live = new Map<string, AuditObject[]>();
  const addLive = (o: AuditObject, kind: string) => {
    const ns = o.metadata?.namespace ?? '';
    const list = live.get(ns) ?? [];
    list.push({ ...o, kind: o.kind ?? kind });
    live.set(ns, list);
  };
  for (const np of input.networkPolicies) addLive(np, 'NetworkPolicy');
  for (const cnp of input.ciliumPolicies ?? []) addLive(cnp, 'CiliumNetworkPolicy');

  const missingBaseline: MissingBaseline[] = [];
  const unlabeledNamespaces: string[] = [];
  const platformUnlabeled: string[] = [];
  const adoptionConflicts: AdoptionConflict[] = [];
  for (const ns of input.namespaces) {
    const name = ns.metadata?.name;
    if (name === undefined || terminating(ns)) continue;
    const conflict = adoptionConflictOf(ns, config);
    if (conflict !== undefined) adoptionConflicts.push(conflict);
    const finding = namespaceFinding(ns, config);
    if (finding === 'unlabeledNamespaces') unlabeledNamespaces.push(name);
    else if (finding === 'platformUnlabeled') platformUnlabeled.push(name);
    const owner = ownerFromLabels(name, ns.metadata?.labels ?? {}, policySettingsOf(config));
    if (owner.kind !== 'tenant') continue;
    const missing = baselineFinding(name, owner.tenant, live.get(name) ?? [], config, input.flavour);
    if (missing !== undefined) missingBaseline.push(missing);
  }

  const tenantOf = (n: string) => { const o = ownerFromLabels(n, input.namespaces.find((x) => x.metadata?.name === n)?.metadata?.labels, config); return o.kind === 'tenant' ? o.tenant : undefined; };
  const listing: ShareListing[] = evaluateShares({ ...auditShareObjects(input), previousReason: () => undefined, tenantOf, rules: config.sharing, nowMs: input.nowMs ?? 0 }).active.map((a) => ({
    export: `${a.export.namespace}/${a.export.name}`,
    import: `${a.import.namespace}/${a.import.name}`,
    exporterTenant: a.exporterTenant,
    importerTenant: a.importerTenant,
    ports: a.ports.map(portText),
  }));

  refused.sort(byName);
  clusterPolicies.sort((a, b) => compareText(`${a.kind}/${a.name}`, `${b.kind}/${b.name}`));
  missingBaseline.sort((a, b) => compareText(a.namespace, b.namespace));
  unlabeledNamespaces.sort();
  platformUnlabeled.sort();
  adoptionConflicts.sort((a, b) => compareText(a.namespace, b.namespace));
  return {
    refusedPolicies: refused,
    clusterPolicies,
    missingBaseline,
    unlabeledNamespaces,
    platformUnlabeled,
    shares: listing,
    adoptionConflicts,
    scanned: {
      namespaces: input.namespaces.length,
      networkPolicies: input.networkPolicies.length,
      ciliumNetworkPolicies: input.ciliumPolicies === undefined ? null : input.ciliumPolicies.length,
      clusterPolicies: input.clusterPolicies.length,
      managedSkipped,
    },
  };
}

export function findingCounts(r: AuditReport): Record<AuditCategory, number> {
  return {
    refusedPolicies: r.refusedPolicies.length,
    clusterPolicies: r.clusterPolicies.length,
    missingBaseline: r.missingBaseline.length,
    unlabeledNamespaces: r.unlabeledNamespaces.length,
    platformUnlabeled: r.platformUnlabeled.length,
    adoptionConflicts: r.adoptionConflicts.length,
  };
}

export function totalFindings(r: AuditReport): number {
  return Object.values(findingCounts(r)).reduce((a, b) => a + b, 0);
}
