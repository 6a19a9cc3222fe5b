/**
 * Lint of a CiliumNetworkPolicy (see types.ts for the codes). Selector keys
 * are read with Cilium's grammar and the namespace pin (src/policy/model), so
 * a lint never disagrees with the rules about what a selector means.
 */
import type { Labels } from '../label-selector.js';
import { endpointMatcher, endpointMatches } from '../model/endpoint-match.js';
import { endpointSelectorKeys, isPinned, meaningOf } from '../model/index.js';
import type { FieldPath } from '../path.js';
import { isRecord } from '../report.js';
import { CILIUM_POD_NAMESPACE_KEY, NAME_LABEL } from '../vocabulary.js';
import { dnsLints, type EgressRuleView } from './dns.js';
import { looksLikeNamespaceKey } from './names.js';
import { workloadLints } from './networkpolicy.js';
import { ciliumPorts, type RulePorts } from './ports.js';
import { shadowLints, type RuleForShadow } from './shadow.js';
import type { KnownPod, Lint, LintInput } from './types.js';

/** Peer fields other than endpoint selectors: what they reach is not a pod selector's to judge here. */
const OTHER_PEERS = ['fromEntities', 'fromCIDR', 'fromCIDRSet', 'fromGroups', 'fromNodes', 'fromRequires',
  'toEntities', 'toCIDR', 'toCIDRSet', 'toFQDNs', 'toServices', 'toGroups', 'toNodes', 'toRequires'];

const DIRECTIONS = [
  { field: 'ingress', peers: 'fromEndpoints', ports: 'toPorts' },
  { field: 'ingressDeny', peers: 'fromEndpoints', ports: 'toPorts' },
  { field: 'egress', peers: 'toEndpoints', ports: 'toPorts' },
  { field: 'egressDeny', peers: 'toEndpoints', ports: 'toPorts' },
] as const;

function selectorLints(sel: unknown, path: FieldPath): Lint[] {
  if (!isRecord(sel)) return [];
  const out: Lint[] = [];
  for (const key of endpointSelectorKeys(sel)) {
    const m = meaningOf(key);
    if (m.kind !== 'pod-label' || !looksLikeNamespaceKey(m.label)) continue;
    out.push({
      code: 'PodLabelMeansNamespace',
      path,
      message: `"${key.raw}" is read as a label of the pods, so this selects pods labelled so in the policy's namespace, not a namespace; to select a namespace write ${CILIUM_POD_NAMESPACE_KEY}`,
    });
  }
  return out;
}

function endpointOf(pod: KnownPod, input: LintInput): { namespace: string; labels: Labels; namespaceLabels: Labels } {
  return { namespace: pod.namespace, labels: pod.labels, namespaceLabels: input.namespaceLabels?.(pod.namespace) ?? { [NAME_LABEL]: pod.namespace } };
}

function hasOtherPeers(rule: Record<string, unknown>): boolean {
  return OTHER_PEERS.some((k) => rule[k] !== undefined && rule[k] !== null);
}

function egressView(rule: Record<string, unknown>, path: FieldPath, ports: RulePorts, input: LintInput): EgressRuleView {
  const selectors = Array.isArray(rule.toEndpoints) ? (rule.toEndpoints as unknown[]) : undefined;
  return {
    path,
    portsPath: [...path, 'toPorts'],
    peersPath: [...path, 'toEndpoints'],
    ports,
    reachesServer: (servers) => {
      if (hasOtherPeers(rule)) return undefined;
      if (selectors === undefined) return true;
      return selectors.some((s) => isRecord(s) && servers.some((pod) => endpointMatches(endpointMatcher(s, input.namespace), endpointOf(pod, input))));
    },
  };
}

/** `{}` holds every endpoint of the policy's namespace, so every pinned selector. */
function peerCovers(a: unknown, b: unknown): boolean {
  return isRecord(a) && isRecord(b) && Object.keys(a).length === 0 && isPinned(b);
}

function lintSpec(spec: Record<string, unknown>, base: FieldPath, input: LintInput): Lint[] {
  const out: Lint[] = [];
  const selPath: FieldPath = [...base, 'endpointSelector'];
  out.push(...selectorLints(spec.endpointSelector, selPath));
  out.push(...workloadLints(spec.endpointSelector, selPath, input, (sel) => {
    if (!isRecord(sel)) return undefined;
    const m = endpointMatcher(sel, input.namespace);
    return (labels) => endpointMatches(m, endpointOf({ namespace: input.namespace, labels }, input));
  }));
  const egressViews: EgressRuleView[] = [];
  for (const d of DIRECTIONS) {
    const rules = Array.isArray(spec[d.field]) ? (spec[d.field] as unknown[]) : [];
    const forShadow: RuleForShadow[] = [];
    rules.forEach((rule, i) => {
      if (!isRecord(rule)) return;
      const rulePath: FieldPath = [...base, d.field, i];
      const peers = Array.isArray(rule[d.peers]) ? (rule[d.peers] as unknown[]) : undefined;
      peers?.forEach((s, j) => out.push(...selectorLints(s, [...rulePath, d.peers, j])));
      // Rules with other peers or L7 rules are compared by nothing here: their reach is not a selector's.
      const l7 = Array.isArray(rule.toPorts) && (rule.toPorts as unknown[]).some((p) => isRecord(p) && p.rules !== undefined);
      const ports = ciliumPorts(rule.toPorts);
      if (!hasOtherPeers(rule) && !l7) forShadow.push({ path: rulePath, ports, peers: peers === undefined ? 'all' : peers });
      if (d.field === 'egress') egressViews.push(egressView(rule, rulePath, ports, input));
    });
    out.push(...shadowLints(forShadow, peerCovers));
  }
  const defaultDeny = isRecord(spec.enableDefaultDeny) ? spec.enableDefaultDeny.egress : undefined;
  const egressIsolated = defaultDeny !== false && (egressViews.length > 0 || (Array.isArray(spec.egressDeny) && spec.egressDeny.length > 0));
  out.push(...dnsLints(egressViews, egressIsolated, input, [...base, 'egress']));
  return out;
}

export function lintCiliumNetworkPolicy(input: LintInput): Lint[] {
  const out: Lint[] = [];
  if (isRecord(input.object.spec)) out.push(...lintSpec(input.object.spec, ['spec'], input));
  if (Array.isArray(input.object.specs)) {
    (input.object.specs as unknown[]).forEach((s, i) => { if (isRecord(s)) out.push(...lintSpec(s, ['specs', i], input)); });
  }
  return out;
}
