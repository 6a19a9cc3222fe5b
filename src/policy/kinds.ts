/** The kinds tenant-guard judges, by API group and kind. */
export type JudgedKind =
  | 'Namespace'
  | 'NetworkPolicy'
  | 'CiliumNetworkPolicy'
  | 'ClusterScopedPolicy'
  /** Kinds that steer traffic without being a network policy (rules/steering.ts). */
  | 'Service'
  | 'CiliumLocalRedirectPolicy'
  | 'CiliumEnvoyConfig'
  /** Sharing between tenants (rules/sharing.ts). */
  | 'Export'
  | 'Import'
  | 'Unjudged';

const CLUSTER_SCOPED: Record<string, readonly string[]> = {
  // A CiliumCIDRGroup changes what every policy's cidrGroupRef naming it means.
  'cilium.io': ['CiliumClusterwideNetworkPolicy', 'CiliumCIDRGroup'],
  'policy.networking.k8s.io': ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'],
};

export function classify(group: string, kind: string): JudgedKind {
  if (group === '' && kind === 'Namespace') return 'Namespace';
  if (group === 'networking.k8s.io' && kind === 'NetworkPolicy') return 'NetworkPolicy';
  if (group === 'cilium.io' && kind === 'CiliumNetworkPolicy') return 'CiliumNetworkPolicy';
  if (group === '' && kind === 'Service') return 'Service';
  if (group === 'cilium.io' && kind === 'CiliumLocalRedirectPolicy') return 'CiliumLocalRedirectPolicy';
  if (group === 'cilium.io' && kind === 'CiliumEnvoyConfig') return 'CiliumEnvoyConfig';
  if (group === 'tenant-guard.io' && (kind === 'Export' || kind === 'Import')) return kind;
  // Own keys only: a group such as "constructor" must not reach Object.prototype.
  if (Object.hasOwn(CLUSTER_SCOPED, group) && CLUSTER_SCOPED[group]?.includes(kind) === true) return 'ClusterScopedPolicy';
  return 'Unjudged';
}

/** `networking.k8s.io/v1` → {group, version}; `v1` → core group. */
export function splitApiVersion(apiVersion: unknown): { group: string; version: string } {
  if (typeof apiVersion !== 'string') return { group: '', version: '' };
  const i = apiVersion.lastIndexOf('/');
  return i === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
