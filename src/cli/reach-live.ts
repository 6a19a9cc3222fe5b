/**
 * Reading `reach` input from a live cluster through the repository's one
 * Kubernetes client: Namespaces, NetworkPolicies, the Cilium and cluster-wide
 * policy kinds that are served (the Cilium kinds are evaluated; the admin
 * network policy kinds are reported as not evaluated: they can open paths the
 * matrix would not show), and, for the workload connection list, the
 * workload kinds. List items come without apiVersion and kind; they get
 * their resource's.
 */
import { discoverServed, servedClusterPolicyTypes } from '../kube/discovery.js';
import { CILIUM_POLICIES, collectionPath, NAMESPACES, NETWORK_POLICIES, PODS, type ResourceType } from '../kube/resources.js';
import type { KubeRest } from '../kube/rest.js';
import type { SourceObject } from '../reach/cluster.js';

const WORKLOAD_TYPES: ResourceType[] = [
  PODS,
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', namespaced: true },
  { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true },
];

export async function readLiveInput(rest: KubeRest, withWorkloads: boolean, pageSize = 500): Promise<SourceObject[]> {
  const served = await discoverServed(rest);
  const types = [NAMESPACES, NETWORK_POLICIES, ...(served.ciliumNetworkPolicies ? [CILIUM_POLICIES] : []), ...servedClusterPolicyTypes(served), ...(withWorkloads ? WORKLOAD_TYPES : [])];
  const out: SourceObject[] = [];
  for (const t of types) {
    const { items } = await rest.list<Record<string, unknown>>(collectionPath(t), t.plural, { limit: pageSize });
    for (const item of items) {
      const md = (item.metadata ?? {}) as { name?: string; namespace?: string };
      out.push({ object: { apiVersion: t.apiVersion, kind: t.kind, ...item }, where: `${t.kind} ${md.namespace !== undefined ? `${md.namespace}/` : ''}${md.name ?? ''}` });
    }
  }
  return out;
}
