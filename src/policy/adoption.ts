/**
 * Adopting existing namespaces (config `tenants[].namespaces`): which owner
 * label a namespace that predates tenant-guard should get, decided from its
 * name and labels alone. The controller applies the plan; a conflict is a
 * finding to report, never a choice made silently: tenant-guard never
 * changes an owner label that is already set, never labels a platform
 * namespace for a tenant, and never picks between two tenants.
 */
import type { PolicySettings } from './settings.js';

export type AdoptionPlan =
  /** Nothing to do: not assigned, or already labelled for its tenant. */
  | { kind: 'none' }
  /** Set the owner label to `tenant`. */
  | { kind: 'label'; tenant: string }
  /** Left as it is; `reason` says why, for an Event and the log. */
  | { kind: 'conflict'; reason: string };

/** Whether a name matches a `tenants[].namespaces` entry: the name itself, or a glob where `*` is any run of characters. */
export function matchesNamespacePattern(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const i = name.indexOf(middle, at);
    if (i === -1 || i + middle.length > end) return false;
    at = i + middle.length;
  }
  return true;
}

/** The tenants whose `namespaces` name this namespace, sorted. */
export function assignedTenants(name: string, config: Pick<PolicySettings, 'tenants'>): string[] {
  return config.tenants.filter((t) => t.namespaces.some((p) => matchesNamespacePattern(p, name))).map((t) => t.name).sort();
}

/** Whether any tenant has namespaces assigned (the controller adopts nothing otherwise). */
export function assignsNamespaces(config: Pick<PolicySettings, 'tenants'>): boolean {
  return config.tenants.some((t) => t.namespaces.length > 0);
}

export function planAdoption(name: string, labels: Readonly<Record<string, string>> | undefined, config: PolicySettings): AdoptionPlan {
  const tenants = assignedTenants(name, config);
  if (tenants.length === 0) return { kind: 'none' };
  const key = config.tenantLabel;
  if (tenants.length > 1) {
    return { kind: 'conflict', reason: `namespace "${name}" is assigned to tenants ${tenants.join(', ')} by tenants[].namespaces; it is left as it is until one assignment remains` };
  }
  const tenant = tenants[0]!;
  if (config.platform.namespaces.includes(name)) {
    return { kind: 'conflict', reason: `namespace "${name}" is a platform namespace (platform.namespaces) but is assigned to tenant ${tenant}; remove one of the two` };
  }
  const current = labels?.[key];
  // An empty value is no owner (tenancy.ts ownerFromLabels): it is set like a missing label.
  if (current === undefined || current === '') return { kind: 'label', tenant };
  if (current === tenant) return { kind: 'none' };
  const holder = current === config.platform.value ? 'the platform' : `tenant ${current}`;
  return {
    kind: 'conflict',
    reason: `namespace "${name}" is assigned to tenant ${tenant} but already labelled ${key}=${current} (${holder}); tenant-guard never changes an owner label: fix the assignment, or relabel the namespace as an admin`,
  };
}
