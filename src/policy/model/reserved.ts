/**
 * Cilium's reserved identities: what is not a pod of a namespace (the host,
 * other nodes, the world outside the cluster, the API server, health checks,
 * the ingress proxy) and pods Cilium cannot label yet or at all (`init`,
 * `unmanaged`). Each carries one `reserved:<name>` label and no namespace.
 *
 * They are judged the way the entity rule judges the entity of the same name:
 * an identity is outside what a tenant may reach exactly when
 * `cilium.deniedEntities` names it (or names `world`, for `world-ipv4` and
 * `world-ipv6`). So `fromEndpoints` with `reserved:init`,
 * a selector that only reserved identities can satisfy (a DoesNotExist on the
 * pod's namespace) and `fromEntities: [init]` get one verdict. `all` and
 * `cluster` name no identity: they are unions (every pod included), judged by
 * the entity rule and by the namespaces they reach.
 */
import type { RuleContext } from '../context.js';
import type { NamespaceSet } from './namespace-set.js';

/** Identities Cilium creates with a reserved label (`pkg/labels`, `IDName*`). */
export const RESERVED_IDENTITIES = ['host', 'remote-node', 'world', 'world-ipv4', 'world-ipv6', 'health', 'init', 'kube-apiserver', 'ingress', 'unmanaged'] as const;

/** The reserved identities of the entities that hold several (`pkg/policy/api` `EntitySelectorMapping`). */
export const ENTITY_IDENTITIES: { readonly world: readonly string[]; readonly cluster: readonly string[] } = {
  world: ['world', 'world-ipv4', 'world-ipv6'],
  cluster: ['host', 'remote-node', 'health', 'init', 'kube-apiserver', 'ingress', 'unmanaged'],
};

/** Entity names that stand for unions of identities, never for one reserved identity. */
const UNIONS = new Set(['all', 'cluster']);

/**
 * The reserved identities of a set that the configuration denies to tenants,
 * sorted; empty when none. `every` (a negative requirement on a reserved
 * label) includes each denied name that can be an identity.
 */
export function deniedIdentities(set: NamespaceSet, ctx: RuleContext): string[] {
  // Most selectors admit no reserved identity: nothing to read from the configuration for them.
  if (set.reserved !== 'every' && set.reserved.size === 0) return [];
  // Denying the entity world denies the identities it stands for (dual-stack clusters give world-ipv4 and world-ipv6).
  const denied = new Set(ctx.config.cilium.deniedEntities.flatMap((e) => (e.toLowerCase() === 'world' ? ENTITY_IDENTITIES.world : [e.toLowerCase()])));
  const admitted = set.reserved === 'every' ? [...denied].filter((e) => !UNIONS.has(e)) : [...set.reserved].filter((r) => denied.has(r.toLowerCase()));
  return [...new Set(admitted)].sort();
}
