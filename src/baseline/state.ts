/**
 * What reconcile believes about the cluster: the shared caches, with the
 * controller's own writes laid over them until the watches catch up
 * (RecentWrites), the policies it applied that no watch has delivered yet,
 * and the managed policies it saw deleted while their namespace lived.
 */
import type { CachedNamespace } from '../kube/informers.js';
import type { ChangeType, KubeObject, Reflector } from '../kube/reflector.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../policy/vocabulary.js';
import { SHARE_LABEL } from '../policy/share.js';
import type { Flavour, LiveObject } from './desired.js';
import type { ClusterState, NamespaceObject } from './reconciler.js';
import { RecentWrites } from './recent-writes.js';

export type Policy = KubeObject & LiveObject;

/** The informers of tenant-guard's own policies: the baseline's and the share controller's (one watch per kind, both read it). */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/** A share policy is managed, but belongs to no baseline (src/sharing writes and removes it). */
export function isSharePolicy(p: KubeObject): boolean {
  return p.metadata?.labels?.[SHARE_LABEL] !== undefined;
}

export function policyKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function namespaceKey(name: string): string {
  return `Namespace//${name}`;
}

export interface WatchedPolicies {
  kind: string;
  cache: Reflector<Policy> | undefined;
}

export class BaselineState implements ClusterState {
  private readonly recent = new RecentWrites();
  private readonly deletedSeen = new Set<string>();
  /** Keys of policies we applied that the informer may not have delivered yet, by namespace. */
  private readonly pendingByNamespace = new Map<string, Set<string>>();

  constructor(
    private readonly namespaces: Reflector<CachedNamespace>,
    private readonly policies: () => readonly WatchedPolicies[],
    private readonly currentFlavour: () => Flavour,
  ) {}

  // ------------------------------------------------------------ ClusterState

  namespace(name: string): NamespaceObject | undefined {
    return this.recent.view(namespaceKey(name), this.namespaces.get(name));
  }

  managedPolicies(namespace: string): LiveObject[] {
    const out: LiveObject[] = [];
    for (const { kind, cache } of this.policies()) {
      if (cache === undefined) continue;
      const seen = new Set<string>();
      for (const p of cache.inNamespace(namespace)) {
        if (isSharePolicy(p)) continue;
        const name = p.metadata?.name ?? '';
        seen.add(name);
        const v = this.recent.view(policyKey(kind, namespace, name), { ...p, kind });
        if (v !== undefined) out.push({ ...v, kind });
      }
      // Our own writes the cache has not seen yet.
      for (const d of this.pendingCreates(kind, namespace)) if (!seen.has(d.metadata?.name ?? '')) out.push({ ...d, kind });
    }
    return out;
  }

  flavour(): Flavour {
    return this.currentFlavour();
  }

  sawDeleted(kind: string, namespace: string, name: string): boolean {
    return this.deletedSeen.has(policyKey(kind, namespace, name));
  }

  // ------------------------------------------------------------ what the watches deliver

  namespaceChanged(type: ChangeType, obj: CachedNamespace): void {
    const name = obj.metadata?.name;
    if (name === undefined) return;
    this.recent.observed(namespaceKey(name), type === 'delete' ? undefined : obj);
    if (type === 'delete') for (const k of this.deletedSeen) if (k.split('/')[1] === name) this.deletedSeen.delete(k);
  }

  policyChanged(type: ChangeType, obj: Policy, kind: string): void {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (ns === undefined || name === undefined) return;
    const key = policyKey(kind, ns, name);
    this.recent.observed(key, type === 'delete' ? undefined : obj);
    if (type === 'delete') {
      const owner = this.namespaces.get(ns);
      if (owner !== undefined && owner.metadata?.deletionTimestamp === undefined) this.deletedSeen.add(key);
    }
  }

  // ------------------------------------------------------------ what the writer did

  applied(kind: string, namespace: string, name: string, live: Policy): void {
    const key = policyKey(kind, namespace, name);
    this.deletedSeen.delete(key);
    this.recent.applied(key, live);
    // Until the informer sees it, remember it so a re-queued reconcile does not write it again.
    const byNs = this.pendingByNamespace.get(namespace) ?? new Set<string>();
    byNs.add(key);
    this.pendingByNamespace.set(namespace, byNs);
  }

  deleted(kind: string, namespace: string, name: string, resourceVersion: string | undefined): void {
    this.recent.deleted(policyKey(kind, namespace, name), resourceVersion);
  }

  labelled(name: string, live: KubeObject): void {
    this.recent.applied(namespaceKey(name), live);
  }

  namespaceUid(name: string): string | undefined {
    return this.namespaces.get(name)?.metadata?.uid;
  }

  private pendingCreates(kind: string, namespace: string): LiveObject[] {
    const m = this.pendingByNamespace.get(namespace);
    if (m === undefined) return [];
    const out: LiveObject[] = [];
    for (const key of m) {
      if (!key.startsWith(`${kind}/`)) continue;
      const v = this.recent.view(key, undefined);
      if (v === undefined) m.delete(key);
      else out.push(v);
    }
    if (m.size === 0) this.pendingByNamespace.delete(namespace);
    return out;
  }
}
