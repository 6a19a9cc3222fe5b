/**
 * The baseline, as data: which policies a namespace must hold, and whether a
 * live object differs from what it should be. Pure (no I/O, no clock), so the
 * reconciler, the audit and the tests share one definition.
 *
 * `tenant-guard-isolate` admits ingress from the namespace itself, the
 * tenant's other namespaces (when allowSameTenantAcrossNamespaces) and the
 * platform namespaces, and nothing else. The optional `tenant-guard-egress`
 * limits egress to the same set, DNS in kube-system (UDP and TCP 53) and the
 * world outside protectedCIDRs. Platform namespaces are selected by the
 * tenant label's platform value, which the controller itself puts on the
 * namespaces listed in platform.namespaces. DNS is selected by the
 * `kubernetes.io/metadata.name` label, which every namespace carries, so it
 * works before that label is there.
 */
import type { Config } from '../config/schema.js';
import { worldBlocks as world, type WorldBlock } from '../policy/world.js';
import { CILIUM_POD_NAMESPACE_KEY, ciliumNamespaceLabelKey, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAME_LABEL } from '../policy/vocabulary.js';
import type { Owner } from '../policy/tenancy.js';

export type Flavour = 'networkpolicy' | 'cilium';

export const DNS_NAMESPACE = 'kube-system';

export interface PolicyKind {
  apiVersion: string;
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy';
}

export const NETWORK_POLICY: PolicyKind = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' };
export const CILIUM_NETWORK_POLICY: PolicyKind = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy' };

export function kindOfFlavour(flavour: Flavour): PolicyKind {
  return flavour === 'cilium' ? CILIUM_NETWORK_POLICY : NETWORK_POLICY;
}

/** A policy the controller writes: exactly the fields it owns. */
export interface BaselinePolicy {
  apiVersion: string;
  kind: PolicyKind['kind'];
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

/** The shape of a live object as read from the API (only what is compared). */
export interface LiveObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string> | undefined;
    resourceVersion?: string;
    uid?: string;
    deletionTimestamp?: unknown;
    managedFields?: unknown;
  } | undefined;
  spec?: unknown;
}

function managedLabels(): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

/** Tenant-label values whose namespaces a tenant's baseline admits, in a fixed order. */
function reachableValues(tenant: string, config: Config): string[] {
  const values: string[] = [];
  if (config.allowSameTenantAcrossNamespaces) values.push(tenant);
  values.push(config.platform.value);
  return values;
}

/**
 * "The world outside protectedCIDRs", one block per address family
 * (src/policy/world.ts), IPv6 included even when no IPv6 range is protected:
 * the egress policy is an allow-list, so a missing family would be cut off.
 */
export function worldBlocks(protectedCIDRs: readonly string[]): WorldBlock[] {
  return world(protectedCIDRs, { ipv6WhenUnprotected: true });
}

function npIsolate(namespace: string, name: string, tenant: string, config: Config): BaselinePolicy {
  const from: Record<string, unknown>[] = [{ podSelector: {} }];
  for (const v of reachableValues(tenant, config)) from.push({ namespaceSelector: { matchLabels: { [config.tenantLabel]: v } } });
  return {
    ...NETWORK_POLICY,
    metadata: { name, namespace, labels: managedLabels() },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from }] },
  };
}

function npEgress(namespace: string, name: string, tenant: string, config: Config): BaselinePolicy {
  const to: Record<string, unknown>[] = [{ podSelector: {} }];
  for (const v of reachableValues(tenant, config)) to.push({ namespaceSelector: { matchLabels: { [config.tenantLabel]: v } } });
  const egress: Record<string, unknown>[] = [{ to }];
  if (config.baseline.egress.dns) {
    egress.push({
      to: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: DNS_NAMESPACE } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    });
  }
  if (config.baseline.egress.world) {
    const blocks = worldBlocks(config.protectedCIDRs);
    if (blocks.length > 0) {
      egress.push({ to: blocks.map((b) => ({ ipBlock: b.except.length > 0 ? { cidr: b.cidr, except: b.except } : { cidr: b.cidr } })) });
    }
  }
  return {
    ...NETWORK_POLICY,
    metadata: { name, namespace, labels: managedLabels() },
    spec: { podSelector: {}, policyTypes: ['Egress'], egress },
  };
}

function ciliumPeers(tenant: string, config: Config): Record<string, unknown>[] {
  // `{}` in a namespaced policy means "endpoints of this namespace".
  const peers: Record<string, unknown>[] = [{}];
  for (const v of reachableValues(tenant, config)) peers.push({ matchLabels: { [ciliumNamespaceLabelKey(config.tenantLabel)]: v } });
  return peers;
}

function cnpIsolate(namespace: string, name: string, tenant: string, config: Config): BaselinePolicy {
  return {
    ...CILIUM_NETWORK_POLICY,
    metadata: { name, namespace, labels: managedLabels() },
    spec: { endpointSelector: {}, ingress: [{ fromEndpoints: ciliumPeers(tenant, config) }] },
  };
}

function cnpEgress(namespace: string, name: string, tenant: string, config: Config): BaselinePolicy {
  const egress: Record<string, unknown>[] = [{ toEndpoints: ciliumPeers(tenant, config) }];
  if (config.baseline.egress.dns) {
    egress.push({
      toEndpoints: [{ matchLabels: { [CILIUM_POD_NAMESPACE_KEY]: DNS_NAMESPACE } }],
      toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }] }],
    });
  }
  if (config.baseline.egress.world) {
    const blocks = worldBlocks(config.protectedCIDRs);
    if (blocks.length > 0) {
      egress.push({ toCIDRSet: blocks.map((b) => (b.except.length > 0 ? { cidr: b.cidr, except: b.except } : { cidr: b.cidr })) });
    }
  }
  return {
    ...CILIUM_NETWORK_POLICY,
    metadata: { name, namespace, labels: managedLabels() },
    spec: { endpointSelector: {}, egress },
  };
}

/**
 * The policies a namespace must hold. Only tenant namespaces have a baseline;
 * platform namespaces and namespaces without an owner get none (an empty
 * list: any managed policy left there is removed).
 */
export function desiredBaseline(namespace: string, owner: Owner, config: Config, flavour: Flavour = config.baseline.flavour): BaselinePolicy[] {
  if (owner.kind !== 'tenant') return [];
  const { isolate, egress } = config.baseline;
  const out: BaselinePolicy[] = [];
  if (flavour === 'cilium') {
    if (isolate.enabled) out.push(cnpIsolate(namespace, isolate.name, owner.tenant, config));
    if (egress.enabled) out.push(cnpEgress(namespace, egress.name, owner.tenant, config));
  } else {
    if (isolate.enabled) out.push(npIsolate(namespace, isolate.name, owner.tenant, config));
    if (egress.enabled) out.push(npEgress(namespace, egress.name, owner.tenant, config));
  }
  return out;
}

/** Deep equality of JSON values; object key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
    const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(ra[k], rb[k]));
  }
  return false;
}

export type WriteReason = 'absent' | 'labels' | 'spec';

/**
 * Why `live` must be written to become `desired`, or undefined when it need
 * not be. Only the fields the controller owns are compared: its labels (other
 * labels may be added by anyone) and each top-level spec field it sets, in
 * full (the lists in these specs are atomic, so a server-side apply replaces
 * them whole). Server-set metadata (resourceVersion, managedFields, uid,
 * timestamps) and fields other managers added are ignored.
 */
export function needsWrite(desired: BaselinePolicy, live: LiveObject | undefined): WriteReason | undefined {
  if (live === undefined) return 'absent';
  const labels = live.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(desired.metadata.labels)) {
    if (labels[k] !== v) return 'labels';
  }
  const spec = typeof live.spec === 'object' && live.spec !== null ? (live.spec as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(desired.spec)) {
    if (!jsonEqual(v, spec[k])) return 'spec';
  }
  return undefined;
}

/** Names of every policy the controller may ever write in a tenant namespace (for audit messages). */
export function baselineNames(config: Config): string[] {
  const names: string[] = [];
  if (config.baseline.isolate.enabled) names.push(config.baseline.isolate.name);
  if (config.baseline.egress.enabled) names.push(config.baseline.egress.name);
  return names;
}
