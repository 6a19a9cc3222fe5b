/**
 * A tenant's own NetworkPolicy or CiliumNetworkPolicy may reach another tenant's namespace only
 * within a share in force: the other namespace named by its immutable name
 * (`kubernetes.io/metadata.name`, and nothing else), the pods on both sides
 * inside the Export's and the Import's selectors, and explicit ports inside
 * the share's. Anything wider keeps the refusal, and its fix then says which
 * Export and Import would make the rule legal. This file judges a peer once it
 * is read into a PeerScope; the NetworkPolicy reading is here, the Cilium one
 * in share-reach-cilium.ts.
 *
 * Which namespaces a peer reaches is the engine's semantic model
 * (peerNamespaces, confinement): a peer is inside shares when every namespace
 * it can match, now or later, is either confined to the tenant and the
 * platform or one of finitely many names, each another tenant's namespace in
 * a share in force with this one. A label other than the name (which a
 * tenant may set on its namespaces) never makes a name.
 *
 * "Inside" for pods is judged on the selectors as written: a selector is
 * inside another when it carries every requirement of the other (so it can
 * only select fewer pods). That is sound, never exact: a selector that
 * happens to select the same pods by other labels is refused.
 */
import type { RuleContext } from './context.js';
import { ABSENT, admits, finiteValues } from './model/choice.js';
import { confinement } from './model/confinement.js';
import { cellSet, type NamespaceSet } from './model/namespace-set.js';
import { portsOutside, portText, readPodSelector, readPorts, type ActiveShare, type PodSelector, type PortRange, type Problem } from './share.js';
import { ownerOf } from './tenancy.js';
import { NAME_LABEL } from './vocabulary.js';

export type Direction = 'ingress' | 'egress';

/**
 * One peer as the share rules judge it: the policy's own pods, the peer's
 * pods, the rule's ports (undefined: the rule lists none, so it allows every
 * port), in one direction. `unreadable` is set when the pods or ports are not
 * plain selectors and port numbers (no share covers what cannot be read).
 */
export interface PeerScope {
  local: PodSelector;
  remote: PodSelector;
  ports: PortRange[] | undefined;
  direction: Direction;
  /** Why the pods or ports cannot be compared with a share; undefined: they can. */
  unreadable?: string | undefined;
  /** How this kind names a namespace by its name, and its pods on each side, for the messages. */
  words: { nameKey: string; local: string; remote: string };
}

export type Coverage = { covered: true; share: ActiveShare } | { covered: false; fix: string };

/**
 * The names outside the tenant and the platform that a set reaches, when it
 * reaches them only by name; undefined when it reaches anything else outside
 * (a tenant's label, any name, reserved identities, what cannot be read).
 */
export function foreignNames(set: NamespaceSet, ctx: RuleContext): string[] | undefined {
  if (set.unknown.length > 0 || set.reserved === 'every' || set.reserved.size > 0) return undefined;
  const out = new Set<string>();
  for (const cell of set.cells) {
    if (confinement(cellSet(cell.name, cell.owner), ctx).confined) continue;
    const names = finiteValues(cell.name);
    if (names === undefined || admits(cell.name, ABSENT)) return undefined;
    for (const n of names) if (!confinement(cellSet({ only: new Set([n]) }, cell.owner), ctx).confined) out.add(n);
  }
  return [...out].sort();
}

/** Does `inner` carry every requirement of `outer` (so it selects a subset of its pods)? */
export function selectorWithin(inner: PodSelector, outer: PodSelector): boolean {
  const innerValues = (key: string): string[] | undefined => {
    if (Object.hasOwn(inner.matchLabels, key)) return [inner.matchLabels[key]!];
    const e = inner.matchExpressions.find((x) => x.key === key && x.operator === 'In');
    return e?.values;
  };
  for (const [k, v] of Object.entries(outer.matchLabels)) {
    const vs = innerValues(k);
    if (vs === undefined || vs.some((x) => x !== v)) return false;
  }
  for (const e of outer.matchExpressions) {
    const vs = innerValues(e.key);
    if (e.operator === 'In' && (vs === undefined || vs.some((x) => !e.values.includes(x)))) return false;
    if (e.operator === 'Exists' && vs === undefined && !inner.matchExpressions.some((x) => x.key === e.key && x.operator === 'Exists')) return false;
    if ((e.operator === 'NotIn' || e.operator === 'DoesNotExist')
      && !inner.matchExpressions.some((x) => x.key === e.key && x.operator === e.operator && e.values.every((v) => x.values.includes(v)))) return false;
  }
  return true;
}

function hint(ctx: RuleContext, other: string, otherTenant: string, scope: PeerScope): string {
  const me = ctx.tenant ?? '?';
  return scope.direction === 'egress'
    ? `to call pods of namespace "${other}" (tenant ${otherTenant}), tenant ${otherTenant} creates an Export in "${other}" listing tenant ${me} (namespace "${ctx.namespace}") with those pods and ports, you create an Import in "${ctx.namespace}" with from {namespace: ${other}, export: <its name>}, and this rule names "${other}" by its name (${scope.words.nameKey}), with pods and ports inside both`
    : `to admit pods of namespace "${other}" (tenant ${otherTenant}), you create an Export in "${ctx.namespace}" listing tenant ${otherTenant} (namespace "${other}") with this policy's pods and the ports, tenant ${otherTenant} creates an Import in "${other}" naming it, and this rule names "${other}" by its name (${scope.words.nameKey}), with pods and ports inside both`;
}

function shareName(s: ActiveShare): string {
  return `Export ${s.export.namespace}/${s.export.name} and Import ${s.import.namespace}/${s.import.name}`;
}

/**
 * Is a peer that reaches `set` (found to reach another tenant) inside shares
 * in force? Undefined: it reaches more than named namespaces of other
 * tenants, so no share can cover it (the usual refusal stands).
 */
export function shareCoverage(set: NamespaceSet, scope: PeerScope, ctx: RuleContext): Coverage | undefined {
  if (ctx.tenant === undefined || ctx.owner.kind !== 'tenant') return undefined;
  const names = foreignNames(set, ctx);
  if (names === undefined || names.length === 0) return undefined;
  let covering: ActiveShare | undefined;
  for (const other of names) {
    const c = nameCoverage(other, scope, ctx);
    if (c === undefined || !c.covered) return c;
    covering ??= c.share;
  }
  return covering === undefined ? undefined : { covered: true, share: covering };
}

/** One named namespace of another tenant: inside a share in force with this one, in this direction? */
function nameCoverage(other: string, scope: PeerScope, ctx: RuleContext): Coverage | undefined {
  const owner = ownerOf(other, ctx.view, ctx.config);
  if (owner.kind !== 'tenant' || owner.tenant === ctx.tenant) return undefined;
  const fix = hint(ctx, other, owner.tenant, scope);
  const shares = ctx.shares?.known === true ? ctx.shares.activeIn(ctx.namespace) : [];
  const candidates = shares.filter((s) => (scope.direction === 'ingress'
    ? s.export.namespace === ctx.namespace && s.import.namespace === other
    : s.import.namespace === ctx.namespace && s.export.namespace === other));
  if (candidates.length === 0) return { covered: false, fix };
  const wider: string[] = [];
  for (const s of candidates) {
    const [mine, theirs] = scope.direction === 'ingress' ? [s.export.podSelector, s.import.podSelector] : [s.import.podSelector, s.export.podSelector];
    const why: string[] = [];
    if (scope.unreadable !== undefined) why.push(scope.unreadable);
    if (!selectorWithin(scope.local, mine)) why.push(`${scope.words.local} must carry every requirement of the ${scope.direction === 'ingress' ? 'Export' : 'Import'}'s podSelector`);
    if (!selectorWithin(scope.remote, theirs)) why.push(`${scope.words.remote} must carry every requirement of the ${scope.direction === 'ingress' ? 'Import' : 'Export'}'s podSelector`);
    if (scope.ports === undefined) why.push('the rule must list its ports (the share covers only its own)');
    else if (portsOutside(scope.ports, s.ports).length > 0) why.push(`its ports must be inside the share's (${s.ports.map(portText).join(', ')})`);
    if (why.length === 0) return { covered: true, share: s };
    wider.push(`wider than the share of ${shareName(s)}: ${why.join('; ')}`);
  }
  return { covered: false, fix: `${wider.join('. ')}` };
}

const NETWORK_POLICY_WORDS = { nameKey: NAME_LABEL, local: 'spec.podSelector', remote: 'the peer\'s podSelector' };

/** A NetworkPolicy peer (namespaceSelector and podSelector) in a rule with these ports, of a policy with this podSelector. */
export function networkPolicyScope(peer: Record<string, unknown>, podSelector: unknown, ports: unknown, direction: Direction): PeerScope {
  const problems: Problem[] = [];
  const local = readPodSelector(podSelector ?? {}, ['spec', 'podSelector'], problems);
  const remote = readPodSelector(peer.podSelector ?? {}, ['podSelector'], problems);
  const read = ports === undefined || ports === null ? undefined : readPorts(ports, ['ports'], problems);
  return { local, remote, ports: read, direction, words: NETWORK_POLICY_WORDS, unreadable: problems.length > 0 ? 'its pods and ports must be plain selectors and port numbers' : undefined };
}

export function coveredWarning(s: ActiveShare): string {
  return `allowed within the share of ${shareName(s)}; once the share ends, this rule is refused on its next change and reported by tenant-guard audit`;
}
