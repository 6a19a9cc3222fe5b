/**
 * Lint (warnings, never refusals) for NetworkPolicies and
 * CiliumNetworkPolicies: one entry for admission, `check` and `reach`.
 */
import { classify } from '../kinds.js';
import { fieldPathText } from '../path.js';
import { isRecord } from '../report.js';
import { lintCiliumNetworkPolicy } from './cilium.js';
import { lintNetworkPolicy } from './networkpolicy.js';
import type { Lint, LintInput } from './types.js';

export { WELL_KNOWN_DNS_SERVERS } from './dns.js';
export { renderLint, type KnownPod, type Lint, type LintCode, type LintInput } from './types.js';

export function lintPolicy(input: LintInput): Lint[] {
  const found = input.kind === 'NetworkPolicy' ? lintNetworkPolicy(input) : lintCiliumNetworkPolicy(input);
  // One line per code and path: a selector with two namespace-like keys is one mistake to fix.
  const seen = new Set<string>();
  return found.filter((l) => {
    const k = `${l.code} ${fieldPathText(l.path)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export type LintOptions = Omit<LintInput, 'kind' | 'namespace' | 'object'>;

/** Lint for any object a front-end holds: only namespaced NetworkPolicies and CiliumNetworkPolicies have lint. */
export function lintObject(kind: { group: string; kind: string }, namespace: string | undefined, object: unknown, options: LintOptions): Lint[] {
  const judged = classify(kind.group, kind.kind);
  if ((judged !== 'NetworkPolicy' && judged !== 'CiliumNetworkPolicy') || !isRecord(object) || namespace === undefined || namespace === '') return [];
  return lintPolicy({ ...options, kind: judged, namespace, object });
}
