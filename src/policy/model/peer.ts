/**
 * Every kind of peer a policy can name, turned into the set of namespaces it
 * can match: the model's public question. The rules judge confinement on
 * these sets; reachability reports and sharing read them too.
 */
import type { RuleContext } from '../context.js';
import { parseAll, parseCidr, reachedProtected } from '../cidr.js';
import { isRecord } from '../report.js';
import { endpointSelectorNamespaces } from './endpoint-selector.js';
import { ANY_NAMESPACE, namedNamespaces, reservedIdentities, union, unknownSet, type NamespaceSet } from './namespace-set.js';
import { namespaceSelectorRequirements } from './namespace-selector.js';
import { requirementsSet } from './requirement.js';
import { ENTITY_IDENTITIES } from './reserved.js';

export type Peer =
  /** A NetworkPolicy peer's namespaceSelector (undefined: the policy's own namespace); its podSelector narrows no namespace. */
  | { kind: 'namespaceSelector'; selector: unknown }
  /** A Cilium endpoint selector (fromEndpoints, toEndpoints, fromRequires, toRequires) of a namespaced policy. */
  | { kind: 'endpointSelector'; selector: unknown }
  /** A Cilium entity (fromEntities/toEntities). */
  | { kind: 'entity'; entity: string }
  /** An ipBlock or CIDR, with its except list. */
  | { kind: 'cidr'; cidr: unknown; except?: unknown }
  /** A Cilium toServices reference: the service's namespace (undefined or empty: Cilium matches every namespace). */
  | { kind: 'service'; namespace: unknown };

/** Cilium's entities over identities: `cluster` is every pod and the cluster's reserved identities, `all` everything. */
function entityNamespaces(entity: string): NamespaceSet {
  switch (entity.toLowerCase()) {
    case 'all': return union(ANY_NAMESPACE, reservedIdentities('every'));
    case 'cluster': return union(ANY_NAMESPACE, reservedIdentities(ENTITY_IDENTITIES.cluster));
    case 'world': return reservedIdentities(ENTITY_IDENTITIES.world);
    default: return reservedIdentities([entity.toLowerCase()]);
  }
}

export function peerNamespaces(peer: Peer, ctx: RuleContext): NamespaceSet {
  switch (peer.kind) {
    case 'namespaceSelector':
      if (peer.selector === undefined || peer.selector === null) return namedNamespaces([ctx.namespace]);
      if (!isRecord(peer.selector)) return unknownSet('the namespaceSelector is not a label selector');
      return requirementsSet(namespaceSelectorRequirements(peer.selector, ctx.config.tenantLabel));
    case 'endpointSelector':
      if (!isRecord(peer.selector)) return unknownSet('the endpoint selector is not a label selector');
      return endpointSelectorNamespaces(peer.selector, ctx.namespace, ctx.config.tenantLabel, ctx.config.cilium.clusterName);
    case 'entity':
      return entityNamespaces(peer.entity);
    case 'cidr': {
      const cidr = parseCidr(peer.cidr);
      if (cidr === undefined) return unknownSet('the CIDR cannot be read');
      const except = (Array.isArray(peer.except) ? peer.except : []).map(parseCidr).filter((c) => c !== undefined);
      // Addresses in the cluster's pod and service ranges belong to pods of any namespace.
      return reachedProtected(cidr, except, parseAll(ctx.config.protectedCIDRs)).length > 0 ? union(ANY_NAMESPACE, reservedIdentities(['world'])) : reservedIdentities(['world']);
    }
    case 'service':
      if (peer.namespace === undefined || peer.namespace === null || peer.namespace === '') return ANY_NAMESPACE;
      return typeof peer.namespace === 'string' ? namedNamespaces([peer.namespace]) : unknownSet('the service namespace is not a name');
  }
}
