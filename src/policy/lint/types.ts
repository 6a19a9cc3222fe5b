/**
 * Lint: what is allowed but probably not meant. A lint never refuses; it is
 * a warning with a stable code (safe to match on, listed in the README), the
 * field path it is about and a message that says what happens instead and
 * what to write. Admission, `check` and `reach` ask the same functions; what
 * each can know differs (only `check` sees the object before the API server
 * fills in defaults, only `reach` knows the workloads), so the input says so.
 */
import type { Labels } from '../label-selector.js';
import { fieldPathText, type FieldPath } from '../path.js';

export type LintCode =
  /** A pod-label key that reads like a namespace (`app.kubernetes.io/namespace`): it selects pods, not a namespace. */
  | 'PodLabelMeansNamespace'
  /** DNS allowed on UDP 53 but not TCP 53, or the other way round. */
  | 'DNSOneProtocol'
  /** A rule for port 53 whose peers match no DNS server pod. */
  | 'DNSNoServer'
  /** Egress isolated and no DNS allowed. */
  | 'EgressWithoutDNS'
  /** namespaceSelector and podSelector as two list items (either), where one item (both) was likely meant. */
  | 'PeerSelectorsSplit'
  /** A podSelector (endpointSelector) that matches no workload of its namespace. */
  | 'SelectorMatchesNoWorkload'
  /** A rule that allows nothing another rule of the same policy does not allow already. */
  | 'RuleShadowed'
  /** `check` only: policyTypes left to the API server's default. */
  | 'PolicyTypesDefaulted'
  /** `check` only: a port without protocol, which the API server sets to TCP. */
  | 'ProtocolDefaulted';

export interface Lint {
  code: LintCode;
  /** Field path in the object's own field names (text only where it leaves the engine). */
  path: FieldPath;
  message: string;
}

/** A pod as lint sees it: where it runs and its labels. */
export interface KnownPod {
  namespace: string;
  labels: Labels;
}

export interface LintInput {
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy';
  /** The policy's namespace. */
  namespace: string;
  object: Record<string, unknown>;
  /** `check` sees the object as written, before the API server's defaults; admission and reach see it stored. */
  asWritten: boolean;
  /** The workloads' pods of the policy's namespace, when known (reach); undefined: not known, no SelectorMatchesNoWorkload. */
  workloads?: readonly Labels[] | undefined;
  /** The DNS server pods; default: the well-known ones (k8s-app=kube-dns in kube-system). */
  dnsServers?: readonly KnownPod[] | undefined;
  /** Labels of a namespace, when known; without them only the name label is read, and other namespace keys stay undecided. */
  namespaceLabels?: ((namespace: string) => Labels | undefined) | undefined;
  /** Another policy allows DNS to every pod of the namespace (the baseline egress policy): no DNS lint then. */
  dnsAllowedElsewhere?: boolean | undefined;
}

/** One line, as kubectl prints it after `Warning:`; the code first, so it can be matched on. */
export function renderLint(l: Lint): string {
  return `${l.code} ${fieldPathText(l.path)}: ${l.message}`;
}
