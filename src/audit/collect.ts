/**
 * Lists what the audit judges, page by page: namespaces, every
 * NetworkPolicy and CiliumNetworkPolicy, and the cluster-wide policies of
 * every served kind, and the Exports and Imports (shares in force are listed).
 */
import type { Config } from '../config/schema.js';
import type { AuditInput, AuditObject } from './report.js';
import { discoverServed, servedClusterPolicyTypes } from '../kube/discovery.js';
import type { Flavour } from '../baseline/desired.js';
import type { KubeRest } from '../kube/rest.js';
import { CILIUM_POLICIES, EXPORTS, IMPORTS, NAMESPACES, NETWORK_POLICIES, PODS, collectionPath } from '../kube/resources.js';
import { apiStatus } from '../kube/rest.js';
import type { AuditPod } from './lint.js';

export type Progress = (what: string, count: number) => void;

export async function collectAuditInput(rest: KubeRest, config: Config, progress?: Progress, pageSize = 500): Promise<AuditInput> {
  const served = await discoverServed(rest);
  const list = async (path: string, label: string, resource: string): Promise<AuditObject[]> =>
    (await rest.list<AuditObject>(path, resource, { limit: pageSize }, (n) => progress?.(label, n))).items;

  const namespaces = await list(collectionPath(NAMESPACES), 'namespaces', NAMESPACES.plural);
  const networkPolicies = await list(collectionPath(NETWORK_POLICIES), 'NetworkPolicies', NETWORK_POLICIES.plural);
  const ciliumPolicies = served.ciliumNetworkPolicies ? await list(collectionPath(CILIUM_POLICIES), 'CiliumNetworkPolicies', CILIUM_POLICIES.plural) : undefined;
  const clusterPolicies: AuditObject[] = [];
  for (const t of servedClusterPolicyTypes(served)) {
    for (const item of await list(collectionPath(t), `${t.kind}s`, t.plural)) clusterPolicies.push({ apiVersion: t.apiVersion, kind: t.kind, ...item });
  }
  const flavour: Flavour = config.baseline.flavour === 'cilium' && served.ciliumNetworkPolicies ? 'cilium' : 'networkpolicy';
  // Exports and Imports: none when their CRDs are not installed.
  const optional = async (r: typeof EXPORTS, label: string): Promise<AuditObject[]> => {
    try {
      return await list(collectionPath(r), label, r.plural);
    } catch (err) {
      if (apiStatus(err) === 404) return [];
      throw err;
    }
  };
  const exports = await optional(EXPORTS, 'Exports');
  const imports = await optional(IMPORTS, 'Imports');
  return { namespaces, networkPolicies, ciliumPolicies, clusterPolicies, config, flavour, exports, imports, nowMs: Date.now() };
}

/** Every pod's namespace and labels, for the audit's lint; nothing else of a pod is kept. */
export async function collectPods(rest: KubeRest, progress?: Progress, pageSize = 500): Promise<AuditPod[]> {
  const { items } = await rest.list<{ metadata?: { namespace?: string; labels?: Record<string, string> } }>(collectionPath(PODS), PODS.plural, { limit: pageSize }, (n) => progress?.('pods', n));
  return items.map((p) => ({ namespace: p.metadata?.namespace ?? '', labels: p.metadata?.labels ?? {} }));
}
