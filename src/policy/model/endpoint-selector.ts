/**
 * A Cilium endpoint selector of a namespaced policy, as the dataplane reads
 * it: every key through Cilium's grammar (selector-key.ts), the pin to the
 * policy's namespace unless a key names the namespace or a reserved label
 * (`getEndpointSelector` in Cilium's `pkg/k8s/apis/cilium.io/utils`), and
 * matching against the identities that exist: pods (`k8s` labels: their own
 * and their namespace's) and reserved identities (one `reserved` label each).
 */
import { isRecord } from '../report.js';
import { valueText } from '../text.js';
import { CILIUM_CLUSTER_LABEL, NAME_LABEL } from '../vocabulary.js';
import { ABSENT, admits, choiceOf, EVERY, intersect, type Choice } from './choice.js';
import { ANY_NAMESPACE, NOTHING, reservedIdentities, union, withName, type NamespaceSet } from './namespace-set.js';
import { requirementsSet, stringValues, toOp, type NamespaceRequirement, type RequirementOp } from './requirement.js';
import { RESERVED_IDENTITIES } from './reserved.js';
import { liftsNamespacePin, meaningOf, parseSelectorKey, type KeyMeaning, type SelectorKey } from './selector-key.js';

export interface EndpointRequirement {
  key: SelectorKey;
  meaning: KeyMeaning;
  op: RequirementOp;
  values: string[];
}

/** Every requirement of the selector, keys parsed; expressions that are not mappings with a string key are skipped. */
export function endpointRequirements(selector: Record<string, unknown>): EndpointRequirement[] {
  // Read several times for every selector of a review: plain loops, no entry arrays or closures.
  const out: EndpointRequirement[] = [];
  const labels = selector.matchLabels;
  if (isRecord(labels)) {
    for (const raw of Object.keys(labels)) {
      const value = labels[raw];
      const key = parseSelectorKey(raw);
      out.push({ key, meaning: meaningOf(key), op: 'In', values: [typeof value === 'string' ? value : valueText(value)] });
    }
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions as unknown[]) {
      if (!isRecord(e) || typeof e.key !== 'string') continue;
      const key = parseSelectorKey(e.key);
      out.push({ key, meaning: meaningOf(key), op: toOp(e.operator), values: stringValues(e.values) });
    }
  }
  return out;
}

/** The namespace requirements of one endpoint selector, keys as Cilium reads them (empty: nothing names the namespace). */
export function endpointNamespaceRequirements(selector: Record<string, unknown>, tenantLabel: string, all: readonly EndpointRequirement[] = endpointRequirements(selector)): NamespaceRequirement[] {
  const reqs: NamespaceRequirement[] = [];
  for (const r of all) {
    const m = r.meaning;
    if (m.kind === 'namespace-name') reqs.push({ subject: 'name', key: r.key.raw, op: r.op, values: r.values });
    else if (m.kind === 'namespace-label') {
      const subject = m.label === tenantLabel ? 'tenant' : m.label === NAME_LABEL ? 'name' : 'other';
      reqs.push({ subject, key: r.key.raw, label: m.label, op: r.op, values: r.values });
    }
  }
  return reqs;
}

/** The keys of the selector, parsed, in the order of {@link endpointRequirements}: for the questions that need no values. */
export function endpointSelectorKeys(selector: Record<string, unknown>): SelectorKey[] {
  const out: SelectorKey[] = [];
  if (isRecord(selector.matchLabels)) for (const raw of Object.keys(selector.matchLabels)) out.push(parseSelectorKey(raw));
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions as unknown[]) if (isRecord(e) && typeof e.key === 'string') out.push(parseSelectorKey(e.key));
  }
  return out;
}

/** Whether any key of the selector lifts Cilium's pin to the policy's namespace. */
export function isPinned(selector: Record<string, unknown>): boolean {
  return !endpointSelectorKeys(selector).some((k) => liftsNamespacePin(meaningOf(k)));
}

/** Stands for the reserved identities not listed in RESERVED_IDENTITIES. */
const OTHER_IDENTITY = '(another reserved identity)';

/** The value a reserved identity carries for a key: its one `reserved:<name>` label, which an `any` key of that name matches too. */
function reservedValue(r: EndpointRequirement, identity: string): string {
  if (r.meaning.kind === 'reserved') return r.meaning.identity === identity ? '' : ABSENT;
  if (r.meaning.kind === 'pod-label' && r.key.source === 'any' && r.meaning.label === identity) return '';
  return ABSENT;
}

function reservedMatches(reqs: readonly EndpointRequirement[]): string[] | 'every' {
  const named = new Set<string>(RESERVED_IDENTITIES);
  for (const r of reqs) if (r.meaning.kind === 'reserved') named.add(r.meaning.identity);
  const choices = reqs.map((r) => choiceOf(r.op, r.values));
  const passes = (identity: string) => reqs.every((r, i) => admits(choices[i]!, reservedValue(r, identity)));
  if (passes(OTHER_IDENTITY)) return 'every';
  return [...named].filter(passes);
}

/** Any value, never absent. */
const PRESENT: Choice = { except: new Set([ABSENT]) };

/**
 * The namespaces (and reserved identities) a selector of a policy in
 * `policyNamespace` admits. A pod carries no reserved label and no label of
 * another source, so a positive requirement on one leaves no pod; its own
 * labels are any the tenant chooses, so they narrow nothing unless
 * contradictory.
 */
export function endpointSelectorNamespaces(selector: Record<string, unknown>, policyNamespace: string, tenantLabel: string, clusterName: string): NamespaceSet {
  const reqs = endpointRequirements(selector);
  // Older Cilium matches every identity for a selector holding the reserved label "all".
  if (reqs.some((r) => r.meaning.kind === 'reserved' && r.meaning.identity === 'all')) return union(ANY_NAMESPACE, reservedIdentities('every'));
  const pinned = !reqs.some((r) => liftsNamespacePin(r.meaning));
  const podsPossible = reqs.every((r) => (r.meaning.kind !== 'reserved' && r.meaning.kind !== 'foreign-source') || admits(choiceOf(r.op, r.values), ABSENT));
  // Keyed apart from namespace labels (a label key holds no ":"), so a pod label never meets a namespace label of the same key.
  // Cilium gives every pod its cluster's name (whatever the pod's own labels say), so no pod lacks that label;
  // an empty clusterName (a cluster mesh) leaves it any name, as the pods of the other clusters carry theirs.
  const clusterValue: Choice = clusterName === '' ? PRESENT : { only: new Set([clusterName]) };
  const podLabels = new Map<string, Choice>([[`pod:${CILIUM_CLUSTER_LABEL}`, clusterValue]]);
  for (const r of reqs) {
    if (r.meaning.kind !== 'pod-label') continue;
    const k = `pod:${r.meaning.label}`;
    podLabels.set(k, intersect(podLabels.get(k) ?? EVERY, choiceOf(r.op, r.values)));
  }
  // Every pod carries its namespace's name (`io.kubernetes.pod.namespace`, and `kubernetes.io/metadata.name`, which the
  // API server defaults on every namespace): a selector only an endpoint without one satisfies matches reserved identities alone.
  let pods = podsPossible ? withName(requirementsSet(endpointNamespaceRequirements(selector, tenantLabel, reqs), podLabels), PRESENT) : NOTHING;
  if (pinned) return withName(pods, { only: new Set([policyNamespace]) });
  const reserved = reservedMatches(reqs);
  pods = union(pods, reservedIdentities(reserved));
  return pods;
}
