/**
 * Which optional policy kinds the API server serves (API discovery). The
 * Cilium and admin-policy CRDs may be missing, or be installed later.
 */
import { apiStatus, type KubeRest } from './rest.js';
import { ADMIN_POLICIES, BASELINE_ADMIN_POLICIES, CILIUM_CLUSTER_POLICIES, CILIUM_POLICIES, CLUSTER_NETWORK_POLICIES, discoveryPath, type ResourceType } from './resources.js';

export interface Served {
  ciliumNetworkPolicies: boolean;
  ciliumClusterwideNetworkPolicies: boolean;
  adminNetworkPolicies: boolean;
  baselineAdminNetworkPolicies: boolean;
  clusterNetworkPolicies: boolean;
}

async function resourcesOf(rest: KubeRest, apiVersion: string): Promise<Set<string>> {
  try {
    const doc = await rest.get<{ resources?: { name?: string }[] }>(discoveryPath(apiVersion), 'discovery');
    return new Set((doc.resources ?? []).map((r) => r.name ?? ''));
  } catch (err) {
    // 404: the group/version is not served. 503: an aggregated API that is down; treat it as absent too.
    if (apiStatus(err) === 404 || apiStatus(err) === 503) return new Set();
    throw err;
  }
}

export async function discoverServed(rest: KubeRest): Promise<Served> {
  const [cilium, admin, cluster] = await Promise.all([
    resourcesOf(rest, CILIUM_POLICIES.apiVersion),
    resourcesOf(rest, ADMIN_POLICIES.apiVersion),
    resourcesOf(rest, CLUSTER_NETWORK_POLICIES.apiVersion),
  ]);
  return {
    ciliumNetworkPolicies: cilium.has(CILIUM_POLICIES.plural),
    ciliumClusterwideNetworkPolicies: cilium.has(CILIUM_CLUSTER_POLICIES.plural),
    adminNetworkPolicies: admin.has(ADMIN_POLICIES.plural),
    baselineAdminNetworkPolicies: admin.has(BASELINE_ADMIN_POLICIES.plural),
    clusterNetworkPolicies: cluster.has(CLUSTER_NETWORK_POLICIES.plural),
  };
}

export function servedClusterPolicyTypes(s: Served): ResourceType[] {
  const out: ResourceType[] = [];
  if (s.ciliumClusterwideNetworkPolicies) out.push(CILIUM_CLUSTER_POLICIES);
  if (s.adminNetworkPolicies) out.push(ADMIN_POLICIES);
  if (s.baselineAdminNetworkPolicies) out.push(BASELINE_ADMIN_POLICIES);
  if (s.clusterNetworkPolicies) out.push(CLUSTER_NETWORK_POLICIES);
  return out;
}
