/**
 * Who belongs to which tenant, and who owns which namespace. The owner label
 * is only trusted because the webhook owns it: tenants can neither set it
 * freely nor change it (see rules/namespace.ts).
 */
import type { PolicySettings } from './settings.js';
import type { NamespaceView, Requester } from './types.js';

export function isAdmin(requester: Requester, config: PolicySettings): boolean {
  return config.admins.users.includes(requester.username) || requester.groups.some((g) => config.admins.groups.includes(g));
}

/**
 * Kubernetes' own controllers that remove objects on a namespace's behalf: the
 * namespace lifecycle controller and the garbage collector. They must be able
 * to delete managed policies, or deleting a tenant namespace would hang.
 */
export const SYSTEM_DELETERS: readonly string[] = [
  'system:serviceaccount:kube-system:namespace-controller',
  'system:serviceaccount:kube-system:generic-garbage-collector',
];

export function isSystemDeleter(requester: Requester): boolean {
  return SYSTEM_DELETERS.includes(requester.username);
}

/** Tenants of the requester, sorted, from explicit membership and the group prefix. */
export function tenantsOf(requester: Requester, config: PolicySettings): string[] {
  const out = new Set<string>();
  for (const t of config.tenants) {
    if (t.users.includes(requester.username) || t.groups.some((g) => requester.groups.includes(g))) out.add(t.name);
  }
  const prefix = config.tenantGroupPrefix;
  if (prefix !== '') {
    for (const g of requester.groups) {
      if (g.startsWith(prefix) && g.length > prefix.length) out.add(g.slice(prefix.length));
    }
  }
  out.delete(config.platform.value);
  return [...out].sort();
}

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The namespace of a service account's user name (`system:serviceaccount:<ns>:<name>`), or undefined for any other user. */
export function serviceAccountNamespace(username: string): string | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== '' ? parts[0] : undefined;
}

/** The requester's tenants, or why they cannot be known (fail closed: the caller refuses). */
export type Membership = { known: true; tenants: string[] } | { known: false; reason: string };

/**
 * Tenants of the requester at request time: tenantsOf, and under
 * `serviceAccounts: own-namespace` the tenant that owns a service account's
 * namespace now, as the namespace view says. The owner label is the
 * webhook's, so a service account can neither choose its tenant nor keep
 * one its namespace no longer has. A namespace whose owner cannot be
 * established makes the membership unknown, never empty.
 */
export function membershipOf(requester: Requester, view: NamespaceView, config: PolicySettings): Membership {
  const tenants = tenantsOf(requester, config);
  const ns = config.serviceAccounts === 'own-namespace' ? serviceAccountNamespace(requester.username) : undefined;
  if (ns === undefined) return { known: true, tenants };
  const owner = ownerOf(ns, view, config);
  if (owner.kind === 'unknown') return { known: false, reason: `the owner of namespace "${ns}", whose service account ${requester.username} is, cannot be established (${owner.reason})` };
  if (owner.kind !== 'tenant' || tenants.includes(owner.tenant)) return { known: true, tenants };
  return { known: true, tenants: [...tenants, owner.tenant].sort() };
}

export type Owner =
  | { kind: 'tenant'; tenant: string }
  | { kind: 'platform' }
  | { kind: 'none' }
  | { kind: 'absent' }
  | { kind: 'unknown'; reason: string };

/** Owner from a namespace's name and labels; platform namespaces by name win over labels. */
export function ownerFromLabels(name: string, labels: Readonly<Record<string, unknown>> | undefined, config: PolicySettings): Owner {
  if (config.platform.namespaces.includes(name)) return { kind: 'platform' };
  const v = labels?.[config.tenantLabel];
  if (typeof v !== 'string' || v === '') return { kind: 'none' };
  if (v === config.platform.value) return { kind: 'platform' };
  return { kind: 'tenant', tenant: v };
}

export function ownerOf(name: string, view: NamespaceView, config: PolicySettings): Owner {
  const found = view.lookup(name);
  if (found.state === 'unknown') {
    // Platform namespaces are known by configuration even when the API is not reachable.
    if (config.platform.namespaces.includes(name)) return { kind: 'platform' };
    return { kind: 'unknown', reason: found.reason };
  }
  if (found.state === 'absent') {
    return config.platform.namespaces.includes(name) ? { kind: 'platform' } : { kind: 'absent' };
  }
  return ownerFromLabels(name, found.labels, config);
}

/** The tenant a name belongs to under `namespacePrefix`: the longest `<tenant>-` prefix among known tenants. */
export function prefixTenant(name: string, knownTenants: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const t of knownTenants) {
    if (name.startsWith(`${t}-`) && (best === undefined || t.length > best.length)) best = t;
  }
  return best;
}

export function describeOwner(o: Owner): string {
  switch (o.kind) {
    case 'tenant': return `tenant ${o.tenant}`;
    case 'platform': return 'the platform';
    case 'none': return 'no tenant';
    case 'absent': return 'nobody (it does not exist)';
    case 'unknown': return `an owner that cannot be established (${o.reason})`;
  }
}
