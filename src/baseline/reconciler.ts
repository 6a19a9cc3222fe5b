/**
 * reconcile(namespace): level-based. It reads the namespace and its managed
 * policies from the caches (never from the event that queued it), computes
 * the desired baseline, and writes only the differences:
 *
 * - a platform namespace (config platform.namespaces) gets the tenant label
 *   set to the platform value when it lacks it (existing clusters have no
 *   labels, and the baselines select the platform by that label);
 * - a tenant namespace gets each baseline policy applied when it is absent
 *   or differs in a field the controller owns;
 * - managed policies that are not desired (the namespace stopped being a
 *   tenant namespace, a policy was disabled, the flavour changed) are deleted;
 * - a namespace being deleted is left alone (its policies go with it).
 *
 * The state and the writes come in through interfaces, so the decisions are
 * unit-tested without an API server.
 */
import { policySettingsOf, type Config } from '../config/schema.js';
import { ownerFromLabels } from '../policy/tenancy.js';
import { desiredBaseline, needsWrite, type BaselinePolicy, type Flavour, type LiveObject } from './desired.js';
import type { EventSink } from '../kube/events.js';

export interface NamespaceObject {
  metadata?: { name?: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: unknown; resourceVersion?: string };
  status?: { phase?: string };
}

/** What reconcile reads: the caches (with the controller's own recent writes laid over them). */
export interface ClusterState {
  namespace(name: string): NamespaceObject | undefined;
  /** Managed policies (label managed-by=tenant-guard) of the namespace, of every kind that is watched. */
  managedPolicies(namespace: string): LiveObject[];
  /** The flavour to write now (cilium falls back to networkpolicy when the CRD is not served). */
  flavour(): Flavour;
  /** Did the controller see this managed policy deleted while its namespace lived? */
  sawDeleted(kind: string, namespace: string, name: string): boolean;
}

export interface Writer {
  apply(policy: BaselinePolicy): Promise<void>;
  delete(policy: LiveObject): Promise<void>;
  labelNamespace(name: string, key: string, value: string): Promise<void>;
}

export type Action =
  | { action: 'create' | 'repair'; kind: string; name: string; why: string }
  | { action: 'delete'; kind: string; name: string }
  | { action: 'label'; kind: 'Namespace'; name: string; from: string | undefined };

export interface ReconcileResult {
  result: 'unchanged' | 'written' | 'skipped';
  actions: Action[];
  /** Why it was skipped. */
  reason?: string;
}

export interface ReconcileDeps {
  config: Config;
  state: ClusterState;
  writer: Writer;
  events: EventSink;
  /** controller.namespaceSelector: namespaces it does not select are left as they are (platform labelling aside). */
  selects?: (labels: Readonly<Record<string, string>>) => boolean;
}

function isTerminating(ns: NamespaceObject): boolean {
  return (ns.metadata?.deletionTimestamp !== undefined && ns.metadata.deletionTimestamp !== null) || ns.status?.phase === 'Terminating';
}

function describeDrift(why: string): string {
  return why === 'labels' ? 'its labels were changed' : 'its rules were changed';
}

export async function reconcileNamespace(name: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const { config, state, writer, events } = deps;
  const ns = state.namespace(name);
  if (ns === undefined) return { result: 'unchanged', actions: [], reason: 'namespace does not exist' };
  if (isTerminating(ns)) return { result: 'skipped', actions: [], reason: 'namespace is being deleted' };
  // The Event is stored in the namespace itself, so `kubectl get events -n NS` shows it.
  const about = { apiVersion: 'v1', kind: 'Namespace', name, namespace: name, uid: ns.metadata?.uid };
  const actions: Action[] = [];
  const labels = ns.metadata?.labels ?? {};

  if (config.platform.namespaces.includes(name) && labels[config.tenantLabel] !== config.platform.value) {
    const from = labels[config.tenantLabel];
    await writer.labelNamespace(name, config.tenantLabel, config.platform.value);
    actions.push({ action: 'label', kind: 'Namespace', name, from });
    events.emit(name, about, 'Normal', 'PlatformLabelSet',
      `tenant-guard set ${config.tenantLabel}=${config.platform.value} on platform namespace ${name}${from !== undefined ? ` (it was "${from}")` : ''}, so tenant baselines admit traffic from it`);
  }

  if (deps.selects !== undefined && !deps.selects(labels)) {
    return { result: actions.length > 0 ? 'written' : 'skipped', actions, reason: 'not selected by controller.namespaceSelector' };
  }

  const owner = ownerFromLabels(name, labels, policySettingsOf(config));
  const desired = desiredBaseline(name, owner, config, state.flavour());
  const live = state.managedPolicies(name);

  for (const d of desired) {
    const current = live.find((l) => l.kind === d.kind && l.metadata?.name === d.metadata.name);
    // A policy on its way out is recreated once it is gone (its delete event queues us again).
    if (current?.metadata?.deletionTimestamp !== undefined && current.metadata.deletionTimestamp !== null) continue;
    const why = needsWrite(d, current);
    if (why === undefined) continue;
    const restored = why === 'absent' && state.sawDeleted(d.kind, name, d.metadata.name);
    await writer.apply(d);
    if (why === 'absent') {
      actions.push({ action: restored ? 'repair' : 'create', kind: d.kind, name: d.metadata.name, why: restored ? 'deleted' : 'absent' });
      events.emit(name, about, 'Normal', restored ? 'BaselineRepaired' : 'BaselineCreated', restored
        ? `${d.kind} ${d.metadata.name} was deleted; tenant-guard restored the namespace's baseline`
        : `tenant-guard created ${d.kind} ${d.metadata.name}, the baseline of tenant ${owner.kind === 'tenant' ? owner.tenant : '?'}`);
    } else {
      actions.push({ action: 'repair', kind: d.kind, name: d.metadata.name, why });
      events.emit(name, about, 'Normal', 'BaselineRepaired', `${d.kind} ${d.metadata.name} had drifted (${describeDrift(why)}); tenant-guard restored it`);
    }
  }

  for (const l of live) {
    const lname = l.metadata?.name ?? '';
    if (desired.some((d) => d.kind === l.kind && d.metadata.name === lname)) continue;
    if (l.metadata?.deletionTimestamp !== undefined && l.metadata.deletionTimestamp !== null) continue;
    await writer.delete(l);
    actions.push({ action: 'delete', kind: l.kind ?? '?', name: lname });
    events.emit(name, about, 'Normal', 'BaselineRemoved', owner.kind === 'tenant'
      ? `tenant-guard removed ${l.kind ?? 'policy'} ${lname}: it is not part of the configured baseline`
      : `tenant-guard removed ${l.kind ?? 'policy'} ${lname}: ${name} is no longer a tenant namespace`);
  }

  return { result: actions.length > 0 ? 'written' : 'unchanged', actions };
}
