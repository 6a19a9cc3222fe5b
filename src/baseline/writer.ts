/**
 * The baseline's writes to the API server: server-side apply of a baseline
 * policy, a guarded delete of one no longer desired, and the platform label
 * on a namespace. Each write first checks that this process still leads
 * (only the leader writes) and tells the state what it did, so a reconcile
 * queued again before the watch catches up does not write twice.
 */
import type { KubeObject } from '../kube/reflector.js';
import { apiStatus, type KubeRest } from '../kube/rest.js';
import { NAMESPACES, objectPath, resourceOfKind } from '../kube/resources.js';
import { slim } from '../kube/informers.js';
import type { BaselinePolicy, LiveObject } from './desired.js';
import type { ControllerMetrics } from './metrics.js';
import type { Writer } from './reconciler.js';
import type { BaselineState, Policy } from './state.js';

/** The field manager of every write: server-side apply makes the controller the owner of exactly these fields. */
export const FIELD_MANAGER = 'tenant-guard';

export class NotLeaderError extends Error {
  constructor() {
    super('not the leader: writes are left to the leader');
    this.name = 'NotLeaderError';
  }
}

export function apiWriter(rest: KubeRest, state: BaselineState, isLeader: () => boolean, metrics: ControllerMetrics): Writer {
  return {
    async apply(policy: BaselinePolicy) {
      if (!isLeader()) throw new NotLeaderError();
      const r = resourceOfKind(policy.kind);
      if (r === undefined) throw new Error(`no resource for kind ${policy.kind}`);
      const { name, namespace } = policy.metadata;
      const res = await rest.apply<LiveObject>(objectPath(r, name, namespace), r.plural, policy, FIELD_MANAGER);
      metrics.writes.inc({ kind: policy.kind, action: 'apply' });
      state.applied(policy.kind, namespace, name, slim(res as Policy));
    },
    async delete(live: LiveObject) {
      if (!isLeader()) throw new NotLeaderError();
      const r = resourceOfKind(live.kind ?? '');
      const name = live.metadata?.name ?? '';
      const namespace = live.metadata?.namespace ?? '';
      if (r === undefined) throw new Error(`no resource for kind ${String(live.kind)}`);
      try {
        await rest.delete(objectPath(r, name, namespace), r.plural, { uid: live.metadata?.uid, resourceVersion: live.metadata?.resourceVersion });
      } catch (err) {
        if (apiStatus(err) !== 404) throw err;
      }
      metrics.writes.inc({ kind: r.kind, action: 'delete' });
      state.deleted(r.kind, namespace, name, live.metadata?.resourceVersion);
    },
    async labelNamespace(name: string, key: string, value: string) {
      if (!isLeader()) throw new NotLeaderError();
      const uid = state.namespaceUid(name);
      // A merge patch, not an apply: it must never create a namespace that was just deleted.
      const res = await rest.patch<KubeObject>(objectPath(NAMESPACES, name), NAMESPACES.plural, { metadata: { ...(uid !== undefined ? { uid } : {}), labels: { [key]: value } } }, 'merge', {
        query: { fieldManager: FIELD_MANAGER },
      });
      metrics.writes.inc({ kind: 'Namespace', action: 'label' });
      state.labelled(name, slim(res, false));
    },
  };
}
