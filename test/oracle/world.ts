/**
 * The model cluster both sides judge against: tenants acme and globex, the
 * platform's namespaces, one namespace nobody owns, and the namespaces a
 * tenant could create later. The engine sees it as a NamespaceView; the
 * oracle gets the same namespaces, plus which labels a tenant may change.
 */
import { configFromObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { NamespaceLookup, NamespaceView, Requester } from '../../src/policy/types.js';

export const TENANT_LABEL = 'tenant-guard.io/tenant';
export const NAME_LABEL = 'kubernetes.io/metadata.name';
export const TENANT = 'acme';
export const POLICY_NAMESPACE = 'acme-web';

const parsed = configFromObject({
  tenants: [
    { name: 'acme', groups: ['acme-devs'] },
    { name: 'globex', groups: ['globex-devs'] },
  ],
});
if (!parsed.ok) throw new Error(`oracle config invalid: ${JSON.stringify(parsed.errors)}`);
export const CONFIG: Config = parsed.config;

export const ALICE: Requester = { username: 'alice', groups: ['acme-devs', 'system:authenticated'] };

interface ModelNamespace {
  name: string;
  /** Whose it is: a tenant, the platform, or nobody. */
  owner: string | undefined;
  labels: Record<string, string>;
}

const owned = (name: string, owner: string): ModelNamespace => ({ name, owner, labels: { [TENANT_LABEL]: owner } });

export const NAMESPACES: readonly ModelNamespace[] = [
  owned('acme-web', 'acme'),
  owned('acme-api', 'acme'),
  owned('globex-web', 'globex'),
  owned('globex-db', 'globex'),
  // Platform by its label, and by configured name (no tenant label).
  owned('ingress-nginx', CONFIG.platform.value),
  ...CONFIG.platform.namespaces.map((name) => ({ name, owner: CONFIG.platform.value, labels: {} })),
  { name: 'unowned', owner: undefined, labels: {} },
];

/** Reserved identities Cilium gives to what is not a pod (and to pods it cannot label yet). */
export const RESERVED = ['host', 'remote-node', 'world', 'world-ipv4', 'world-ipv6', 'health', 'init', 'kube-apiserver', 'ingress', 'unmanaged'];

export interface OracleModel {
  cluster: string;
  reserved: string[];
  namespaces: { name: string; labels: Record<string, string>; free: boolean; fixed: string[] }[];
  futures: { tenant: string; labels: Record<string, string>; absent?: string[] }[];
  tenantLabel: string;
  notTenants: string[];
}

/**
 * Only the owner label is the webhook's; every other label of a tenant's
 * namespace is the tenant's to set. A namespace nobody owns may be labelled
 * by anyone with access to it (tenant-guard does not guard its labels), but
 * keeps having no owner. Platform namespaces are labelled by the platform
 * team only.
 */
export const MODEL: OracleModel = {
  // The cluster's name as the engine is configured with it (cilium.clusterName).
  cluster: CONFIG.cilium.clusterName,
  reserved: RESERVED,
  namespaces: NAMESPACES.map((ns) => {
    const free = ns.owner !== CONFIG.platform.value;
    return { name: ns.name, labels: ns.labels, free, fixed: [TENANT_LABEL] };
  }),
  // The configured tenants, any other tenant name (members by the group prefix, tenant:<name>),
  // and namespaces the platform team creates without an owner.
  futures: [
    ...CONFIG.tenants.map((t) => ({ tenant: t.name, labels: { [TENANT_LABEL]: t.name } })),
    { tenant: '*', labels: {} },
    { tenant: '', labels: {}, absent: [TENANT_LABEL] },
  ],
  tenantLabel: TENANT_LABEL,
  notTenants: [CONFIG.platform.value],
};

/** The engine's view: the same namespaces, with the label the API server sets. */
export const VIEW: NamespaceView = {
  lookup(name: string): NamespaceLookup {
    const ns = NAMESPACES.find((n) => n.name === name);
    return ns === undefined ? { state: 'absent' } : { state: 'found', labels: { ...ns.labels, [NAME_LABEL]: ns.name } };
  },
};

/** Where a policy of acme may reach: acme's namespaces (existing or future) and the platform's. */
export function insideNamespace(name: string): boolean {
  const ns = NAMESPACES.find((n) => n.name === name);
  return ns !== undefined && (ns.owner === TENANT || ns.owner === CONFIG.platform.value);
}

export function insideFuture(future: string): boolean {
  return future.split('/')[0] === TENANT;
}

/** A reserved identity is outside when its entity is one the config denies to tenants. */
export function insideReserved(id: string): boolean {
  return !CONFIG.cilium.deniedEntities.map((e) => e.toLowerCase()).includes(id);
}
