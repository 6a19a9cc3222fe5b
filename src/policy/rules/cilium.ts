/**
 * cilium.io/v2 CiliumNetworkPolicy (namespaced): `spec` and every entry of
 * `specs`. Every selector key is read as Cilium reads it (model/selector-key.ts),
 * and a key Cilium rewrites is refused (cilium-keys.ts). A namespaced policy's
 * endpoint selectors are pinned to its own namespace unless they name the
 * namespace (`io.kubernetes.pod.namespace`, `io.cilium.k8s.namespace.labels.<key>`
 * with the `k8s` or `any` source) or a `reserved` label; those are judged like a
 * NetworkPolicy namespaceSelector. Entities that include every tenant's pods,
 * CIDRs that reach the cluster's ranges, services in other tenants'
 * namespaces and L4-only rules (which allow every endpoint) are refused.
 * Deny rules only take access away: the same findings become warnings there.
 */
import type { RuleContext } from '../context.js';
import { parseAll } from '../cidr.js';
import { ciliumSelectorFix, noSafeChange, openRuleFix } from '../fixes.js';
import { explainReach, type Finding, type NamespaceRequirement } from '../namespace-reach.js';
import { confinement } from '../model/confinement.js';
import { endpointNamespaceRequirements, endpointRequirements } from '../model/endpoint-selector.js';
import { peerNamespaces } from '../model/peer.js';
import { deniedIdentities } from '../model/reserved.js';
import type { FieldPath } from '../path.js';
import { addAt, confinedSelector, replaceAt, safePeersCilium } from '../suggest.js';
import { ValueMemo } from '../value-memo.js';
import { isRecord, listAt, type Report } from '../report.js';
import { meaningOf, parseSelectorKey } from '../model/selector-key.js';
import { selectorReadings } from '../model/selector-readings.js';
import { NAME_LABEL } from '../vocabulary.js';
import { ciliumShareCoverage, type CiliumRuleScope } from '../share-reach-cilium.js';
import { coveredWarning } from '../share-reach.js';
import { judgeKeySpelling } from './cilium-keys.js';
import { holdsNonList, judgeCidr, judgeCidrSets, judgeEntities, judgeServices, type SelectorJudgement, type Walk } from './cilium-peers.js';

const INGRESS_PEERS = ['fromEndpoints', 'fromEntities', 'fromCIDR', 'fromCIDRSet', 'fromGroups', 'fromNodes'] as const;
const EGRESS_PEERS = ['toEndpoints', 'toEntities', 'toCIDR', 'toCIDRSet', 'toServices', 'toFQDNs', 'toGroups', 'toNodes'] as const;

/**
 * What a key says about the namespace, read as Cilium reads it: only the
 * `k8s` and `any` sources match a pod's namespace labels.
 */
function namespaceSubject(rawKey: string, tenantLabel: string): NamespaceRequirement['subject'] | undefined {
  const m = meaningOf(parseSelectorKey(rawKey));
  if (m.kind === 'namespace-name') return 'name';
  if (m.kind === 'namespace-label') return m.label === tenantLabel ? 'tenant' : m.label === NAME_LABEL ? 'name' : 'other';
  return undefined;
}

const isReservedKey = (rawKey: string): boolean => meaningOf(parseSelectorKey(rawKey)).kind === 'reserved';

/**
 * The selector a suggestion starts from: every key spelled as Cilium reads it
 * (so a replacement never brings a rewritten key back), without the reserved
 * "all" label (which matches every endpoint in older Cilium).
 */
function suggestionBase(sel: Record<string, unknown>): Record<string, unknown> {
  const spelled = (raw: string): string => {
    const k = parseSelectorKey(raw);
    return k.rewrites.length === 0 ? raw : k.canonical;
  };
  const all = (raw: string): boolean => {
    const m = meaningOf(parseSelectorKey(raw));
    return m.kind === 'reserved' && m.identity === 'all';
  };
  const out: Record<string, unknown> = { ...sel };
  if (isRecord(sel.matchLabels)) out.matchLabels = Object.fromEntries(Object.entries(sel.matchLabels).filter(([k]) => !all(k)).map(([k, v]) => [spelled(k), v]));
  if (Array.isArray(sel.matchExpressions)) {
    out.matchExpressions = (sel.matchExpressions as unknown[])
      .filter((e) => !(isRecord(e) && typeof e.key === 'string' && all(e.key)))
      .map((e): unknown => (isRecord(e) && typeof e.key === 'string' ? { ...e, key: spelled(e.key) } : e));
  }
  return out;
}

// Re-exported: references.ts and the tests read a selector's namespace requirements from here.
export { endpointNamespaceRequirements };

function judgeSelector(sel: Record<string, unknown>, ctx: RuleContext): SelectorJudgement {
  const label = ctx.config.tenantLabel;
  // Colliding matchLabels keys: Cilium keeps one of them at random, so every reading must be confined.
  // The model decides each (pin, reserved labels, sources, every namespace that is or could be); the findings explain.
  const findings: Finding[] = [];
  const warnings = new Set<string>();
  const outside: Record<string, unknown>[] = [];
  for (const reading of selectorReadings(sel)) {
    const { namespaces, denied } = judgeReading(reading, ctx);
    const reqs = endpointNamespaceRequirements(reading, label);
    const result = reqs.length > 0 ? explainReach(reqs, ctx) : undefined;
    if (namespaces && denied.length === 0) {
      for (const warning of result?.warnings ?? []) warnings.add(warning);
      continue;
    }
    const found = [...(namespaces ? [] : [...reservedFindings(reading), ...(result?.findings ?? [])]), ...deniedFindings(denied)];
    if (found.length === 0) found.push({ code: 'SelectorUnconfined', message: 'can match endpoints outside this tenant and the platform' });
    outside.push(reading);
    for (const f of found) if (!findings.some((g) => g.code === f.code && g.message === f.message)) findings.push(f);
  }
  if (findings.length === 0) return { warnings, findings, fixed: undefined, outside }; // pinned to the policy's own namespace, or confined
  const classify = (k: string) => namespaceSubject(k, label) ?? (isReservedKey(k) ? 'reserved' as const : undefined);
  const fixed = confinedSelector(suggestionBase(sel), classify, (s) => endpointNamespaceRequirements(s, label), ctx, 'cilium');
  // Only a replacement the model judges confined in every reading is suggested.
  const fixes = fixed !== undefined && selectorReadings(fixed).every((r) => {
    const j = judgeReading(r, ctx);
    return j.namespaces && j.denied.length === 0;
  });
  return { warnings, findings, fixed: fixes ? fixed : undefined, outside };
}

/** `share`: the rule these selectors are peers of, when a share may allow them (fromEndpoints/toEndpoints of an allow rule). */
function judgeSelectors(list: unknown[], path: FieldPath, w: Walk, share?: CiliumRuleScope): void {
  list.forEach((sel, i) => {
    const p = [...path, i];
    if (!isRecord(sel)) {
      w.report.violation('MalformedObject', p, 'must be an endpoint selector', ciliumSelectorFix(w.ctx));
      return;
    }
    judgeKeySpelling(sel, p, w.strict);
    // Large policies repeat the same selectors: each distinct one is judged once per review.
    const judged = w.selectors.remember(sel, () => judgeSelector(sel, w.ctx));
    w.report.warnAllAt(p, judged.warnings);
    if (judged.findings.length === 0) return;
    // A name of another tenant's namespace may be allowed by a share in force (and otherwise the fix names the share that would be).
    const covering = share !== undefined && judged.findings.every((f) => f.code === 'SelectorOtherTenant') ? ciliumShareCoverage(judged.outside, share, w.ctx) : undefined;
    if (covering?.covered === true) {
      w.report.warnAt(p, coveredWarning(covering.share));
      return;
    }
    const suggestion = judged.fixed !== undefined ? replaceAt(p, judged.fixed) : undefined;
    const tail = (code: Finding['code']): string => (covering !== undefined ? `; ${covering.fix}` : suggestion === undefined ? noSafeChange(code) : '');
    for (const f of judged.findings) w.report.violation(f.code, p, f.message, ciliumSelectorFix(w.ctx) + tail(f.code), suggestion);
  });
}

/**
 * The model's answer for one reading of a selector: whether every namespace it
 * reaches is within the tenant and the platform, and which reserved identities
 * it reaches that the configuration denies (judged as the entity rule judges
 * the entity of the same name, model/reserved.ts).
 */
function judgeReading(reading: Record<string, unknown>, ctx: RuleContext): { namespaces: boolean; denied: string[] } {
  const set = peerNamespaces({ kind: 'endpointSelector', selector: reading }, ctx);
  return { namespaces: confinement(set, ctx).confined, denied: deniedIdentities(set, ctx) };
}

/**
 * Cilium pins a namespaced policy's selector to its namespace only when the
 * selector has no `reserved` label; a negative requirement on one
 * (`reserved:init DoesNotExist`) then matches endpoints of every tenant.
 */
function reservedFindings(sel: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  for (const r of endpointRequirements(sel)) {
    if (r.meaning.kind !== 'reserved') continue;
    if (r.meaning.identity === 'all') {
      out.push({ code: 'SelectorUnconfined', message: `names ${r.key.raw}: Cilium releases that read a reserved "all" label match every endpoint with it, every tenant's included` });
    } else if (r.op === 'NotIn' || r.op === 'DoesNotExist') {
      out.push({ code: 'SelectorUnconfined', message: `uses ${r.op} on ${r.key.raw}: a selector with a reserved: label is not pinned to this namespace, so it matches endpoints of every tenant` });
    }
  }
  return out;
}

function deniedFindings(denied: readonly string[]): Finding[] {
  return denied.map((id) => ({ code: 'EntityDenied', message: `can match the reserved identity ${id}, an entity cilium.deniedEntities denies to tenants` }));
}

function hasAny(rule: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.some((k) => Array.isArray(rule[k]) && (rule[k] as unknown[]).length > 0);
}

const SELECTOR_LISTS = { ingress: ['fromEndpoints', 'fromRequires'], egress: ['toEndpoints', 'toRequires'] } as const;
const L4_FIELDS = ['toPorts', 'icmps'] as const;

function judgeRules(spec: Record<string, unknown>, specPath: FieldPath, w: Walk, deny: boolean, direction: 'ingress' | 'egress'): void {
  const field = `${direction}${deny ? 'Deny' : ''}`;
  const report = deny ? w.report.asWarnings() : w.report;
  const walk: Walk = { ...w, report };
  const rules = listAt(w.report, spec, field, specPath);
  rules?.forEach((rule, i) => {
    const rp = [...specPath, field, i];
    if (!isRecord(rule)) {
      w.report.violation('MalformedObject', rp, 'must be a rule mapping', 'write the rule as a mapping');
      return;
    }
    for (const key of SELECTOR_LISTS[direction]) {
      const list = listAt(w.report, rule, key, rp);
      if (list === undefined) continue;
      // Only endpoints of an allow rule open a path a share can cover; a requirement (fromRequires) is not a peer.
      const share = !deny && key.endsWith('Endpoints') ? { endpointSelector: spec.endpointSelector, rule, direction } : undefined;
      judgeSelectors(list, [...rp, key], walk, share);
    }
    // Node selectors match nodes, never a tenant's pods: only their spelling is judged.
    const nodes = direction === 'ingress' ? 'fromNodes' : 'toNodes';
    if (Array.isArray(rule[nodes])) {
      (rule[nodes] as unknown[]).forEach((n, j) => { if (isRecord(n)) judgeKeySpelling(n, [...rp, nodes, j], w.strict); });
    }
    const entities = direction === 'ingress' ? 'fromEntities' : 'toEntities';
    const ents = listAt(w.report, rule, entities, rp);
    if (ents !== undefined) judgeEntities(ents, [...rp, entities], rule, rp, direction, walk);
    const cidrKey = direction === 'ingress' ? 'fromCIDR' : 'toCIDR';
    listAt(w.report, rule, cidrKey, rp)?.forEach((c, j) => judgeCidr(c, undefined, [...rp, cidrKey, j], walk));
    const setKey = `${cidrKey}Set`;
    const sets = listAt(w.report, rule, setKey, rp);
    if (sets !== undefined) judgeCidrSets(sets, [...rp, setKey], walk);
    if (direction === 'egress') {
      const svcs = listAt(w.report, rule, 'toServices', rp);
      if (svcs !== undefined) judgeServices(svcs, [...rp, 'toServices'], walk);
    }
    if (!deny) {
      const peers = direction === 'ingress' ? INGRESS_PEERS : EGRESS_PEERS;
      const l4Only = !hasAny(rule, peers) && hasAny(rule, L4_FIELDS);
      if (l4Only && (direction === 'ingress' || !w.ctx.config.allowOpenEgress)) {
        const peersToAdd = Object.entries(safePeersCilium(w.ctx, direction));
        const clobbers = peersToAdd.some(([field]) => holdsNonList(rule, field));
        report.violation('OpenRule', rp,
          `has ports but no ${direction === 'ingress' ? 'from' : 'to'}* peer, so it ${direction === 'ingress' ? 'accepts traffic from' : 'sends traffic to'} every endpoint of every tenant on those ports`,
          openRuleFix(w.ctx, direction, 'cilium'),
          clobbers ? undefined : peersToAdd.flatMap(([field, value]) => addAt([...rp, field], value)));
      }
    }
  });
}

function judgeRule(spec: unknown, specPath: FieldPath, w: Walk): void {
  if (!isRecord(spec)) {
    w.report.violation('MalformedObject', specPath, 'must be a rule mapping', 'write the rule as a mapping with endpointSelector, ingress and egress');
    return;
  }
  // Cilium always pins the endpointSelector to the policy's namespace; only its spelling is judged.
  if (isRecord(spec.endpointSelector)) judgeKeySpelling(spec.endpointSelector, [...specPath, 'endpointSelector'], w.strict);
  for (const direction of ['ingress', 'egress'] as const) {
    judgeRules(spec, specPath, w, false, direction);
    judgeRules(spec, specPath, w, true, direction);
  }
}

export function validateCiliumNetworkPolicy(obj: Record<string, unknown>, ctx: RuleContext, report: Report): void {
  const w: Walk = { ctx, report, strict: report, protectedRanges: parseAll(ctx.config.protectedCIDRs), selectors: new ValueMemo(), peers: new ValueMemo() };
  const hasSpec = obj.spec !== undefined && obj.spec !== null;
  const specs = listAt(report, obj, 'specs', []);
  if (!hasSpec && (specs === undefined || specs.length === 0)) {
    report.violation('MalformedObject', ['spec'], 'a CiliumNetworkPolicy needs spec or specs', 'add a spec with an endpointSelector');
    return;
  }
  if (hasSpec) judgeRule(obj.spec, ['spec'], w);
  specs?.forEach((s, i) => judgeRule(s, ['specs', i], w));
}
