/**
 * The semantic peer model: selectors read as the dataplane reads them, turned
 * into the set of namespaces (existing and future) and reserved identities a
 * peer can match. Pure; the rules, reachability and sharing build on it.
 *
 *   peerNamespaces(peer, ctx)   → NamespaceSet        what a peer can match
 *   confinement(set, ctx)       → { confined, … }     within the tenant and the platform?
 *   parseSelectorKey(raw)       → SelectorKey         Cilium's reading of one selector key
 */
export { ABSENT, type Choice } from './choice.js';
export { confinement, type Confinement } from './confinement.js';
export { endpointNamespaceRequirements, endpointRequirements, endpointSelectorKeys, endpointSelectorNamespaces, isPinned, type EndpointRequirement } from './endpoint-selector.js';
export { judgeName, type NameVerdict } from './names.js';
export { namespaceSelectorRequirements } from './namespace-selector.js';
export { ANY_NAMESPACE, isNothing, namedNamespaces, NOTHING, ownedNamespaces, reservedIdentities, union, unknownSet, type NamespaceCell, type NamespaceSet } from './namespace-set.js';
export { peerNamespaces, type Peer } from './peer.js';
export { deniedIdentities, ENTITY_IDENTITIES, RESERVED_IDENTITIES } from './reserved.js';
export { requirementsSet, stringValues, toOp, type NamespaceRequirement, type RequirementOp } from './requirement.js';
export { describeRewrites, liftsNamespacePin, meaningOf, parseSelectorKey, type KeyMeaning, type KeyRewrite, type SelectorKey } from './selector-key.js';
