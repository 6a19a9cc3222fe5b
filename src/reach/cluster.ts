/**
 * The input of a reachability question: Namespaces, workloads and
 * NetworkPolicies, CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies,
 * from any mix of objects (files or a live cluster). The admin network policy
 * kinds are "not evaluated" (their priorities, Pass and Deny are not read);
 * objects of other kinds are ignored; malformed ones are collected as input
 * errors, all of them, with where they came from.
 */
import { isRecord } from '../policy/report.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAME_LABEL } from '../policy/vocabulary.js';
import { SHARE_ANNOTATION, SHARE_LABEL } from '../policy/share.js';
import { clusterwideIn, parseCiliumClusterwidePolicy, parseCiliumNetworkPolicy, type ClusterwideSpec } from './cilium.js';
import { matches } from '../policy/label-selector.js';
import { parseNetworkPolicy, type InputError, type Policy } from './networkpolicy.js';
import type { Labels } from '../policy/label-selector.js';
import { buildWorkloads, WORKLOAD_KINDS, type Workload, type WorkloadObject } from './workloads.js';

export { NAME_LABEL };

export interface SourceObject {
  object: Record<string, unknown>;
  /** `file#position`, or `namespace/name` for live objects. */
  where: string;
}

export interface Cluster {
  /** Every namespace named by an object or a workload, with its labels (always including kubernetes.io/metadata.name). */
  namespaces: ReadonlyMap<string, Labels>;
  /** Namespaces that came with a Namespace object (the others are only known by name). */
  declared: ReadonlySet<string>;
  workloads: readonly Workload[];
  /** Every policy of every namespace; a cluster-wide policy once per existing namespace it selects. */
  policies: readonly Policy[];
  /** The cluster-wide policies' specs, for the namespaces that do not exist yet. */
  clusterwide: readonly ClusterwideSpec[];
  /** Objects (or the parts of them, `what`) not evaluated that can open paths: cluster-wide kinds, a Cilium policy's Services, …. */
  unevaluated: readonly Unevaluated[];
  /** The policy objects as read, for lint (which reads them as written, not as evaluated). */
  policySources: readonly PolicySource[];
  /** What was read but left out, with where (never a reason to refuse the input). */
  notes: readonly string[];
}

export interface PolicySource {
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy';
  namespace: string;
  name: string;
  object: Record<string, unknown>;
  where: string;
}

export interface Unevaluated {
  kind: string;
  namespace: string;
  name: string;
  /** The fields not evaluated; absent: the whole object. */
  what?: string[];
}

export type ClusterResult = { ok: true; cluster: Cluster } | { ok: false; errors: InputError[] };

/**
 * The Export a managed share policy makes work (`namespace/name`), from its
 * annotation `<export namespace>/<export> -> <import namespace>/<import>`;
 * undefined for any other policy. Only the managed-by label makes it one:
 * the webhook keeps tenants from writing or changing policies so labelled.
 */
function shareOf(md: Record<string, unknown>): string | undefined {
  const labels = isRecord(md.labels) ? md.labels : {};
  const annotations = isRecord(md.annotations) ? md.annotations : {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || typeof labels[SHARE_LABEL] !== 'string') return undefined;
  const origin = annotations[SHARE_ANNOTATION];
  if (typeof origin !== 'string') return undefined;
  const exported = origin.split(' -> ')[0] ?? '';
  return /^[a-z0-9-]+\/[a-z0-9.-]+$/.test(exported) ? exported : undefined;
}

const IGNORED_EFFECT_KINDS = new Set(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy']);

function group(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string' || !apiVersion.includes('/')) return '';
  return apiVersion.slice(0, apiVersion.indexOf('/'));
}

export function buildCluster(objects: readonly SourceObject[]): ClusterResult {
  const errors: InputError[] = [];
  const namespaces = new Map<string, Labels>();
  const declared = new Set<string>();
  const workloadObjects: WorkloadObject[] = [];
  const policies: Policy[] = [];
  const unevaluated: Unevaluated[] = [];
  const ciliumPolicies: PolicySource[] = [];
  const policySources: PolicySource[] = [];
  const clusterwideSources: SourceObject[] = [];
  for (const { object, where } of objects) {
    const kind = typeof object.kind === 'string' ? object.kind : '';
    const md = isRecord(object.metadata) ? object.metadata : {};
    const name = typeof md.name === 'string' ? md.name : '';
    const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
    if (kind === 'Namespace') {
      if (name === '') {
        errors.push({ path: `${where} metadata.name`, message: 'a Namespace needs a name' });
        continue;
      }
      const labels: Record<string, string> = {};
      if (isRecord(md.labels)) for (const [k, v] of Object.entries(md.labels)) labels[k] = String(v);
      labels[NAME_LABEL] = name; // the API server sets it on every namespace
      namespaces.set(name, labels);
      declared.add(name);
    } else if (kind === 'NetworkPolicy' && group(object.apiVersion) === 'networking.k8s.io') {
      if (name === '') {
        errors.push({ path: `${where} metadata.name`, message: 'a NetworkPolicy needs a name' });
        continue;
      }
      const local: InputError[] = [];
      const p = parseNetworkPolicy(object, namespace, name, local);
      for (const e of local) errors.push({ path: `${where} ${e.path}`, message: e.message });
      const share = shareOf(md);
      if (p !== undefined) policies.push(share === undefined ? p : { ...p, share });
      policySources.push({ kind: 'NetworkPolicy', namespace, name, object, where });
    } else if ((WORKLOAD_KINDS as readonly string[]).includes(kind)) {
      workloadObjects.push({ kind, object, where });
    } else if (kind === 'CiliumNetworkPolicy' && group(object.apiVersion) === 'cilium.io') {
      if (name === '') {
        errors.push({ path: `${where} metadata.name`, message: 'a CiliumNetworkPolicy needs a name' });
        continue;
      }
      const source: PolicySource = { kind, namespace, name, object, where };
      policySources.push(source);
      ciliumPolicies.push(source);
    } else if (kind === 'CiliumClusterwideNetworkPolicy' && group(object.apiVersion) === 'cilium.io') {
      if (name === '') {
        errors.push({ path: `${where} metadata.name`, message: 'a CiliumClusterwideNetworkPolicy needs a name' });
        continue;
      }
      clusterwideSources.push({ object, where });
    } else if (IGNORED_EFFECT_KINDS.has(kind)) {
      unevaluated.push({ kind, namespace: '', name });
    }
  }
  const notes: string[] = [];
  // After the Namespaces: a Cilium endpoint selector may name its own namespace's labels.
  for (const c of ciliumPolicies) {
    const read = parseCiliumNetworkPolicy(c.object, c.namespace, c.name, namespaces.get(c.namespace) ?? { [NAME_LABEL]: c.namespace });
    const share = shareOf(isRecord(c.object.metadata) ? c.object.metadata : {});
    policies.push(...(share === undefined ? read.policies : read.policies.map((p) => ({ ...p, share }))));
    if (read.unevaluated.length > 0) unevaluated.push({ kind: c.kind, namespace: c.namespace, name: c.name, what: read.unevaluated });
    for (const w of read.widened) notes.push(`${c.where}: CiliumNetworkPolicy ${c.namespace}/${c.name}: ${w}; connections may be shown that Cilium does not allow`);
  }
  const workloads = buildWorkloads(workloadObjects, errors, notes);
  for (const w of workloads) if (!namespaces.has(w.namespace)) namespaces.set(w.namespace, { [NAME_LABEL]: w.namespace });
  for (const p of policies) if (!namespaces.has(p.namespace)) namespaces.set(p.namespace, { [NAME_LABEL]: p.namespace });
  // Last: a cluster-wide policy applies to every namespace known by now whose name and labels it selects.
  const clusterwide: ClusterwideSpec[] = [];
  for (const { object, where } of clusterwideSources) {
    const name = String((object.metadata as { name: string }).name);
    const read = parseCiliumClusterwidePolicy(object, name);
    clusterwide.push(...read.specs);
    for (const spec of read.specs) for (const [ns, labels] of namespaces) if (matches(spec.namespaces, labels)) policies.push(clusterwideIn(spec, ns));
    if (read.unevaluated.length > 0) unevaluated.push({ kind: 'CiliumClusterwideNetworkPolicy', namespace: '', name, what: read.unevaluated });
    for (const w of read.widened) notes.push(`${where}: CiliumClusterwideNetworkPolicy ${name}: ${w}; connections may be shown that Cilium does not allow`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, cluster: { namespaces, declared, workloads, policies, clusterwide, unevaluated, policySources, notes } };
}
