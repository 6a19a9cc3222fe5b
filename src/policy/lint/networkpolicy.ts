/**
 * Lint of a networking.k8s.io/v1 NetworkPolicy (see types.ts for the codes).
 */
import { matches, parseSelector, type Labels, type Selector } from '../label-selector.js';
import type { FieldPath } from '../path.js';
import { isRecord } from '../report.js';
import { CILIUM_NAMESPACE_LABELS, CILIUM_POD_NAMESPACE, NAME_LABEL } from '../vocabulary.js';
import { dnsLints, type EgressRuleView } from './dns.js';
import { looksLikeNamespaceKey } from './names.js';
import { networkPolicyPorts } from './ports.js';
import { sameJson, shadowLints, type RuleForShadow } from './shadow.js';
import type { KnownPod, Lint, LintInput } from './types.js';

type Direction = 'ingress' | 'egress';
const PEERS: Record<Direction, string> = { ingress: 'from', egress: 'to' };

function selectorKeys(sel: unknown): string[] {
  if (!isRecord(sel)) return [];
  const keys = isRecord(sel.matchLabels) ? Object.keys(sel.matchLabels) : [];
  if (Array.isArray(sel.matchExpressions)) for (const e of sel.matchExpressions as unknown[]) if (isRecord(e) && typeof e.key === 'string') keys.push(e.key);
  return keys;
}

function isEmptySelector(sel: unknown): boolean {
  return sel === undefined || sel === null || (isRecord(sel) && selectorKeys(sel).length === 0);
}

function parsed(sel: unknown): Selector | undefined {
  const r = parseSelector(sel);
  return r.ok ? r.selector : undefined;
}

function namespaceLike(key: string): boolean {
  // Pods do not carry Cilium's identity labels either: in a NetworkPolicy those keys are plain pod labels.
  return looksLikeNamespaceKey(key) || key.endsWith(CILIUM_POD_NAMESPACE) || key.includes(CILIUM_NAMESPACE_LABELS);
}

function podSelectorLints(sel: unknown, path: FieldPath): Lint[] {
  return selectorKeys(sel).filter(namespaceLike).map((key) => ({
    code: 'PodLabelMeansNamespace' as const,
    path,
    message: `"${key}" is read as a label of the pods, so this selects pods labelled so in the policy's namespace, not a namespace; to select a namespace use namespaceSelector with ${NAME_LABEL}`,
  }));
}

/** Whether a peer matches one known pod; undefined when the namespace's labels are needed and not known. */
function peerMatchesPod(peer: Record<string, unknown>, pod: KnownPod, input: LintInput): boolean | undefined {
  const pods = parsed(peer.podSelector);
  if (pods === undefined) return undefined;
  if (peer.namespaceSelector === undefined || peer.namespaceSelector === null) return pod.namespace === input.namespace && matches(pods, pod.labels);
  const nss = parsed(peer.namespaceSelector);
  if (nss === undefined) return undefined;
  const known = input.namespaceLabels?.(pod.namespace);
  if (known === undefined && nss.requirements.some((r) => r.key !== NAME_LABEL)) return undefined;
  const nsLabels: Labels = known ?? { [NAME_LABEL]: pod.namespace };
  return matches(nss, nsLabels) && matches(pods, pod.labels);
}

function egressView(rule: Record<string, unknown>, path: FieldPath, input: LintInput): EgressRuleView {
  const peers = Array.isArray(rule.to) ? (rule.to as unknown[]) : [];
  return {
    path,
    portsPath: [...path, 'ports'],
    peersPath: [...path, 'to'],
    ports: networkPolicyPorts(rule.ports),
    reachesServer: (servers) => {
      if (peers.length === 0) return true;
      let unknown = false;
      for (const p of peers) {
        if (!isRecord(p) || p.ipBlock !== undefined) return undefined;
        for (const s of servers) {
          const m = peerMatchesPod(p, s, input);
          if (m === true) return true;
          if (m === undefined) unknown = true;
        }
      }
      return unknown ? undefined : false;
    },
  };
}

/** A peer that plainly contains another: `{podSelector: {}}` holds every pod peer of the namespace, a bare namespaceSelector every peer in those namespaces. */
function peerCovers(a: unknown, b: unknown): boolean {
  if (!isRecord(a) || !isRecord(b) || a.ipBlock !== undefined || b.ipBlock !== undefined) return false;
  const aNs = a.namespaceSelector;
  const bNs = b.namespaceSelector;
  if (!isEmptySelector(a.podSelector)) return false;
  if (aNs === undefined || aNs === null) return bNs === undefined || bNs === null;
  return bNs !== undefined && bNs !== null && (isEmptySelector(aNs) || sameJson(aNs, bNs));
}

function peerListLints(peers: unknown[], path: FieldPath): Lint[] {
  const onlyNs = peers.findIndex((p) => isRecord(p) && p.podSelector === undefined && p.ipBlock === undefined && !isEmptySelector(p.namespaceSelector));
  const onlyPods = peers.findIndex((p) => isRecord(p) && p.namespaceSelector === undefined && p.ipBlock === undefined && !isEmptySelector(p.podSelector));
  if (onlyNs === -1 || onlyPods === -1) return [];
  return [{
    code: 'PeerSelectorsSplit',
    path,
    message: `[${onlyNs}] has only a namespaceSelector and [${onlyPods}] only a podSelector: as two items they allow either (every pod of those namespaces, or those pods here); for those pods in those namespaces, write both in one item`,
  }];
}

export function lintNetworkPolicy(input: LintInput): Lint[] {
  const spec = isRecord(input.object.spec) ? input.object.spec : {};
  const out: Lint[] = [];
  out.push(...podSelectorLints(spec.podSelector, ['spec', 'podSelector']));
  const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as unknown[]) : undefined;
  const egressIsolated = types !== undefined ? types.includes('Egress') : spec.egress !== undefined && spec.egress !== null;
  const egressViews: EgressRuleView[] = [];
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = Array.isArray(spec[dir]) ? (spec[dir] as unknown[]) : [];
    const forShadow: RuleForShadow[] = [];
    rules.forEach((rule, i) => {
      if (!isRecord(rule)) return;
      const rulePath: FieldPath = ['spec', dir, i];
      const peersPath: FieldPath = [...rulePath, PEERS[dir]];
      const peers = Array.isArray(rule[PEERS[dir]]) ? (rule[PEERS[dir]] as unknown[]) : [];
      peers.forEach((p, j) => { if (isRecord(p)) out.push(...podSelectorLints(p.podSelector, [...peersPath, j, 'podSelector'])); });
      out.push(...peerListLints(peers, peersPath));
      forShadow.push({ path: rulePath, ports: networkPolicyPorts(rule.ports), peers: peers.length === 0 ? 'all' : peers });
      if (dir === 'egress') egressViews.push(egressView(rule, rulePath, input));
      if (input.asWritten && Array.isArray(rule.ports)) {
        (rule.ports as unknown[]).forEach((port, j) => {
          if (isRecord(port) && (port.protocol === undefined || port.protocol === null)) {
            out.push({ code: 'ProtocolDefaulted', path: [...rulePath, 'ports', j], message: 'no protocol: the API server sets TCP, so UDP (DNS, for one) is not allowed by this entry; write the protocol' });
          }
        });
      }
    });
    out.push(...shadowLints(forShadow, peerCovers));
  }
  out.push(...dnsLints(egressViews, egressIsolated, input, ['spec', 'egress']));
  if (input.asWritten && types === undefined) {
    const withEgress = spec.egress !== undefined && spec.egress !== null;
    const noIngress = spec.ingress === undefined || spec.ingress === null;
    const effect = withEgress && noIngress ? ': the selected pods are isolated for ingress too, and with no ingress rules they accept no connection' : '';
    out.push({ code: 'PolicyTypesDefaulted', path: ['spec', 'policyTypes'], message: `not written: the API server sets [${withEgress ? 'Ingress, Egress' : 'Ingress'}]${effect}; write policyTypes to say what the policy isolates` });
  }
  out.push(...workloadLints(spec.podSelector, ['spec', 'podSelector'], input, (sel) => {
    const s = parsed(sel);
    return s === undefined ? undefined : (labels: Labels) => matches(s, labels);
  }));
  return out;
}

/** SelectorMatchesNoWorkload, for either kind: `matcherOf` reads the selector as that kind does. */
export function workloadLints(sel: unknown, path: FieldPath, input: LintInput, matcherOf: (sel: unknown) => ((labels: Labels) => boolean) | undefined): Lint[] {
  const workloads = input.workloads;
  if (workloads === undefined || workloads.length === 0 || isEmptySelector(sel)) return [];
  const m = matcherOf(sel);
  if (m === undefined || workloads.some(m)) return [];
  return [{ code: 'SelectorMatchesNoWorkload', path, message: `matches none of the ${workloads.length} workload(s) of namespace ${input.namespace}: the policy applies to no pod running now; check the labels` }];
}
