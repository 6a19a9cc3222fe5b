/**
 * API paths of the resources tenant-guard touches. Fixed
 * group/versions: these are the versions tenant-guard's engine judges.
 */

export interface ResourceType {
  /** `group/version`, or `v1` for the core group. */
  apiVersion: string;
  kind: string;
  /** Plural resource name (URL segment and metrics label). */
  plural: string;
  namespaced: boolean;
}

export const NAMESPACES: ResourceType = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
export const NETWORK_POLICIES: ResourceType = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true };
export const CILIUM_POLICIES: ResourceType = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', plural: 'ciliumnetworkpolicies', namespaced: true };
export const CILIUM_CLUSTER_POLICIES: ResourceType = { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', plural: 'ciliumclusterwidenetworkpolicies', namespaced: false };
export const ADMIN_POLICIES: ResourceType = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', plural: 'adminnetworkpolicies', namespaced: false };
export const BASELINE_ADMIN_POLICIES: ResourceType = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', plural: 'baselineadminnetworkpolicies', namespaced: false };
export const CLUSTER_NETWORK_POLICIES: ResourceType = { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', plural: 'clusternetworkpolicies', namespaced: false };
export const CIDR_GROUPS: ResourceType = { apiVersion: 'cilium.io/v2', kind: 'CiliumCIDRGroup', plural: 'ciliumcidrgroups', namespaced: false };
/** CiliumCIDRGroup before Cilium 1.18. */
export const CIDR_GROUPS_V2ALPHA1: ResourceType = { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumCIDRGroup', plural: 'ciliumcidrgroups', namespaced: false };
export const PODS: ResourceType = { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
export const LEASES: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true };
export const SECRETS: ResourceType = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
export const MUTATING_WEBHOOKS: ResourceType = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations', namespaced: false };
export const VALIDATING_WEBHOOKS: ResourceType = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', namespaced: false };
export const POLICY_REPORTS: ResourceType = { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', plural: 'policyreports', namespaced: true };
export const CLUSTER_POLICY_REPORTS: ResourceType = { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'ClusterPolicyReport', plural: 'clusterpolicyreports', namespaced: false };
export const EVENTS: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true };

function base(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Path of a collection: in one namespace, or across all of them when `namespace` is undefined. */
export function collectionPath(r: ResourceType, namespace?: string): string {
  if (r.namespaced && namespace !== undefined) return `${base(r.apiVersion)}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
  return `${base(r.apiVersion)}/${r.plural}`;
}

export function objectPath(r: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}

/** The discovery document listing a group/version's resources. */
export function discoveryPath(apiVersion: string): string {
  return base(apiVersion);
}

export function resourceOfKind(kind: string): ResourceType | undefined {
  return [NETWORK_POLICIES, CILIUM_POLICIES].find((r) => r.kind === kind);
}

export const EXPORTS: ResourceType = { apiVersion: 'tenant-guard.io/v1alpha1', kind: 'Export', plural: 'exports', namespaced: true };
export const IMPORTS: ResourceType = { apiVersion: 'tenant-guard.io/v1alpha1', kind: 'Import', plural: 'imports', namespaced: true };
