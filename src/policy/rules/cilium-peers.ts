/**
 * The peers of a CiliumNetworkPolicy rule that are not endpoint selectors:
 * entities, CIDRs (and CIDR sets, cidr-groups.ts for cidrGroupRef) and
 * toServices. Each is turned into what it can match by the model
 * (model/peer.ts), and the model's answer decides where namespaces are the
 * question; the messages and fixes explain that answer. An entity is refused
 * when the model finds it reaches pods outside the tenant and the platform, or
 * a reserved identity cilium.deniedEntities denies (the platform team's
 * choice), as a reserved identity in an endpoint selector is.
 */
import type { RuleContext } from '../context.js';
import type { Finding } from '../namespace-reach.js';
import { parseCidr, reachedProtected, type Cidr } from '../cidr.js';
import { ciliumSelectorFix, cidrFix, worldBlocks } from '../fixes.js';
import { confinement, type Confinement } from '../model/confinement.js';
import { judgeName } from '../model/names.js';
import { peerNamespaces, type Peer } from '../model/peer.js';
import { deniedIdentities } from '../model/reserved.js';
import { APPEND, jsonPointer, type FieldPath } from '../path.js';
import { isRecord, type Report } from '../report.js';
import { addAt, exceptSuggestion, ownTenantSelector, replaceAt } from '../suggest.js';
import { valueText } from '../text.js';
import type { JsonPatchOp } from '../types.js';
import type { ValueMemo } from '../value-memo.js';
import { judgeCidrGroupEntry } from './cidr-groups.js';
import { judgeKeySpelling } from './cilium-keys.js';

/** What the rules conclude about one endpoint selector, wherever it stands: replayed at each place it is written. */
export interface SelectorJudgement {
  warnings: ReadonlySet<string>;
  findings: readonly Finding[];
  /** A replacement the model judges confined in every reading, when there are findings. */
  fixed: Record<string, unknown> | undefined;
  /** The readings with findings (for the shares in force, which may cover them where the selector stands). */
  outside: readonly Record<string, unknown>[];
}

export interface Walk {
  ctx: RuleContext;
  /** Where findings go: violations, or warnings inside deny rules. */
  report: Report;
  /** Always violations: a rewritten key is refused in deny rules too. */
  strict: Report;
  protectedRanges: Cidr[];
  /** Each distinct endpoint selector's judgement in this review (rules/cilium.ts). */
  selectors: ValueMemo<SelectorJudgement>;
  /** The model's answer for each distinct CIDR or service peer in this review. */
  peers: ValueMemo<Confinement>;
}

/** The model's answer for a peer, computed once per review for each distinct `written` (what the rule wrote that decides it). */
function peerConfinement(peer: Peer, written: unknown, w: Walk): Confinement {
  return w.peers.remember(written, () => confinement(peerNamespaces(peer, w.ctx), w.ctx));
}

/**
 * A peer field that holds something other than a list is refused as malformed
 * and has no suggestion; a suggestion that adds peers there would overwrite it
 * and hide that refusal, so none is made.
 */
export function holdsNonList(rule: Record<string, unknown>, field: string): boolean {
  const v = rule[field];
  return v !== undefined && v !== null && !Array.isArray(v);
}

/**
 * The model's answer for one entity: refused when what it matches reaches
 * pods outside the tenant and the platform (`all`, `cluster`, whatever the
 * configuration lists) or reserved identities the configuration denies; the
 * reason says which. Undefined: confined.
 */
function entityRefusal(entity: string, ctx: RuleContext): string | undefined {
  const set = peerNamespaces({ kind: 'entity', entity }, ctx);
  if (!confinement(set, ctx).confined) return `entity "${entity}" includes the pods of every tenant`;
  const denied = deniedIdentities(set, ctx);
  if (denied.length === 0) return undefined;
  return `entity "${entity}" (${denied.map((r) => `reserved:${r}`).join(', ')}) is one cilium.deniedEntities denies to tenants`;
}

export function judgeEntities(list: unknown[], path: FieldPath, rule: Record<string, unknown>, rulePath: FieldPath, direction: 'ingress' | 'egress', w: Walk): void {
  const reasons = list.map((e) => (typeof e === 'string' ? entityRefusal(e, w.ctx) : undefined));
  const isDenied = (_e: unknown, i: number) => reasons[i] !== undefined;
  if (!list.some(isDenied)) return;
  // One suggestion for the whole list: the refused entities go, the tenant's own
  // endpoints (and, for "all", the world outside the cluster) take their place.
  const p = direction === 'ingress' ? 'from' : 'to';
  const additions: [string, unknown[]][] = [[`${p}Endpoints`, [ownTenantSelector(w.ctx, 'cilium')]]];
  const world = worldBlocks(w.ctx);
  if (world.length > 0 && list.some((e) => typeof e === 'string' && e.toLowerCase() === 'all')) additions.push([`${p}CIDRSet`, world]);
  const appendTo = (field: string, values: unknown[]): JsonPatchOp[] => (Array.isArray(rule[field])
    ? values.map((v) => ({ op: 'add', path: jsonPointer([...rulePath, field, APPEND]), value: v }))
    : addAt([...rulePath, field], values));
  const suggestion = additions.some(([field]) => holdsNonList(rule, field))
    ? undefined
    : [...replaceAt(path, list.filter((e, i) => !isDenied(e, i))), ...additions.flatMap(([field, values]) => appendTo(field, values))];
  list.forEach((_e, i) => {
    const reason = reasons[i];
    if (reason !== undefined) {
      w.report.violation('EntityDenied', [...path, i], reason,
        `select endpoints instead: ${ciliumSelectorFix(w.ctx)}; "world" reaches outside the cluster`, suggestion);
    }
  });
}

/** A CIDR with its except list: refused when the model says it reaches namespaces outside (the cluster's pod and service ranges). */
export function judgeCidr(value: unknown, exceptRaw: unknown, path: FieldPath, w: Walk, exceptPath?: FieldPath): void {
  const cidr = parseCidr(value);
  if (cidr === undefined) {
    w.report.violation('CIDRInvalid', path, `${valueText(value)} is not a valid CIDR`, 'write an address and prefix length, like 203.0.113.0/24');
    return;
  }
  // No except list is a shorter list than any except list, so the two never share an answer.
  const written = exceptRaw === undefined ? ['cidr', value] : ['cidr', value, exceptRaw];
  if (peerConfinement({ kind: 'cidr', cidr: value, except: exceptRaw }, written, w).confined) return;
  const except = (Array.isArray(exceptRaw) ? exceptRaw : []).map(parseCidr).filter((c): c is Cidr => c !== undefined);
  const reached = reachedProtected(cidr, except, w.protectedRanges);
  w.report.violation('CIDRProtected', path,
    `${cidr.text} reaches the cluster's pod/service range${reached.length > 1 ? 's' : ''} ${reached.map((r) => r.text).join(', ')}, so it would reach every tenant's pods`,
    cidrFix(w.ctx, 'CIDRSet'),
    exceptPath === undefined ? undefined : exceptSuggestion(exceptPath, cidr, exceptRaw, reached, value));
}

export function judgeCidrSets(list: unknown[], path: FieldPath, w: Walk): void {
  list.forEach((entry, i) => {
    const p = [...path, i];
    if (!isRecord(entry)) {
      w.report.violation('MalformedObject', p, 'must be a mapping with cidr and except', cidrFix(w.ctx, 'CIDRSet'));
      return;
    }
    if (entry.cidrGroupRef !== undefined || entry.cidrGroupSelector !== undefined) {
      // Judged by what the live group holds (cidr-groups.ts).
      judgeCidrGroupEntry(entry, p, w.ctx, w.report, w.protectedRanges);
      if (entry.cidr === undefined) return;
    }
    judgeCidr(entry.cidr, entry.except, [...p, 'cidr'], w, [...p, 'except']);
  });
}

/** toServices: a service reference is the namespace it names (none: every namespace, as Cilium matches it). */
export function judgeServices(list: unknown[], path: FieldPath, w: Walk): void {
  list.forEach((svc, i) => {
    const p = [...path, i];
    if (!isRecord(svc)) return;
    for (const key of ['k8sService', 'k8sServiceSelector'] as const) {
      const ref = svc[key];
      if (!isRecord(ref)) continue;
      if (key === 'k8sServiceSelector' && isRecord(ref.selector)) judgeKeySpelling(ref.selector, [...p, key, 'selector'], w.strict);
      const namespace = ref.namespace;
      // A namespace that is not a name is for the API server's validation to refuse.
      if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') continue;
      const answer = peerConfinement({ kind: 'service', namespace }, namespace === undefined ? ['service'] : ['service', namespace], w);
      if (answer.warnings.length > 0) w.report.warnAllAt([...p, key, 'namespace'], answer.warnings);
      if (answer.confined) continue;
      if (namespace === undefined || namespace === null || namespace === '') {
        w.report.violation('ServiceUnconfined', [...p, key], 'names no namespace, so Cilium matches a service of that name in every namespace, other tenants\' included',
          `set ${key}.namespace to this namespace ("${w.ctx.namespace}") or another namespace of your tenant`,
          addAt([...p, key, 'namespace'], w.ctx.namespace));
        continue;
      }
      const v = judgeName(namespace, w.ctx);
      const code = v.code === undefined || v.code === 'SelectorOtherTenant' ? 'ServiceOtherTenant' : v.code;
      w.report.violation(code, [...p, key, 'namespace'],
        (v.reason ?? `names namespace "${namespace}", outside this tenant and the platform`).replace(/^names namespace/, 'points at a service in namespace'),
        'reach services of your own tenant or the platform; for another tenant\'s service, ask that tenant or the platform to publish it');
    }
  });
}
