/**
 * Whether a Cilium endpoint selector of a namespaced policy matches one
 * concrete pod: its own labels, its namespace's name and labels, read with
 * the same key grammar and namespace pin as the rules (endpoint-selector.ts).
 * Reachability and lint ask this for the pods they know; admission never
 * does (it judges every pod a tenant could create, through the peer model).
 */
import { ABSENT, admits, choiceOf } from './choice.js';
import { endpointRequirements, type EndpointRequirement } from './endpoint-selector.js';
import { liftsNamespacePin } from './selector-key.js';

export interface Endpoint {
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** The labels of the pod's namespace (Cilium copies them onto the pod's identity). */
  namespaceLabels: Readonly<Record<string, string>>;
}

/** The value a pod's identity carries for the key of one requirement; ABSENT when it has none. */
function valueFor(r: EndpointRequirement, pod: Endpoint): string {
  const m = r.meaning;
  switch (m.kind) {
    case 'namespace-name': return pod.namespace;
    case 'namespace-label': return pod.namespaceLabels[m.label] ?? ABSENT;
    case 'pod-label': return pod.labels[m.label] ?? ABSENT;
    // A pod carries no reserved label and no label of another source.
    case 'reserved':
    case 'foreign-source': return ABSENT;
  }
}

/** A parsed selector, kept so that matching many pods parses its keys once. */
export interface EndpointMatcher {
  readonly requirements: readonly EndpointRequirement[];
  /** The namespace the selector is pinned to, or undefined when a key lifts the pin. */
  readonly pinnedTo: string | undefined;
}

export function endpointMatcher(selector: Record<string, unknown>, policyNamespace: string): EndpointMatcher {
  const requirements = endpointRequirements(selector);
  const lifted = requirements.some((r) => liftsNamespacePin(r.meaning));
  return { requirements, pinnedTo: lifted ? undefined : policyNamespace };
}

export function endpointMatches(m: EndpointMatcher, pod: Endpoint): boolean {
  if (m.pinnedTo !== undefined && pod.namespace !== m.pinnedTo) return false;
  return m.requirements.every((r) => admits(choiceOf(r.op, r.values), valueFor(r, pod)));
}
