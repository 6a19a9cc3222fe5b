/**
 * Suggested fixes: for a violation, an RFC 6902 patch against the submitted
 * object that removes it while keeping the author's intent as far as that is
 * safe. Where the author named another tenant explicitly there is no safe
 * change, and no suggestion: the fix text says what to do instead.
 *
 * Suggestions are built to compose: applying every suggestion of one verdict
 * in order gives an object the engine allows (apart from violations that have
 * none). So they replace or add whole values at fixed paths, and never remove
 * list elements (which would shift the indices other suggestions use).
 */
import type { RuleContext } from './context.js';
import { intersect, type Cidr } from './cidr.js';
import { worldBlocks } from './fixes.js';
import { judgeName, judgeNamespaceReach, type NamespaceRequirement } from './namespace-reach.js';
import { jsonPointer, type FieldPath } from './path.js';
import { isRecord } from './report.js';
import { ownerOf } from './tenancy.js';
import type { JsonPatchOp } from './types.js';
import { ciliumNamespaceLabelKey, NAME_LABEL } from './vocabulary.js';

export type Flavour = 'networkpolicy' | 'cilium';

/** The label key that selects namespaces by tenant, in each flavour. */
export function tenantKey(ctx: RuleContext, flavour: Flavour): string {
  return flavour === 'cilium' ? ciliumNamespaceLabelKey(ctx.config.tenantLabel) : ctx.config.tenantLabel;
}

/** The tenant whose namespaces a selector may be confined to, if any (not the platform, and only across namespaces when allowed). */
function confiningTenant(ctx: RuleContext): string | undefined {
  const t = ctx.tenant;
  return t !== undefined && t !== ctx.config.platform.value && ctx.config.allowSameTenantAcrossNamespaces ? t : undefined;
}

export function ownTenantSelector(ctx: RuleContext, flavour: Flavour): Record<string, unknown> {
  const t = confiningTenant(ctx);
  if (t !== undefined) return { matchLabels: { [tenantKey(ctx, flavour)]: t } };
  return flavour === 'cilium' ? {} : { matchLabels: { [NAME_LABEL]: ctx.namespace } };
}

export function platformSelector(ctx: RuleContext, flavour: Flavour): Record<string, unknown> {
  return { matchLabels: { [tenantKey(ctx, flavour)]: ctx.config.platform.value } };
}

type Classify = (key: string) => NamespaceRequirement['subject'] | 'reserved' | undefined;

/**
 * The selector with every requirement that reaches beyond the tenant taken
 * out (foreign values dropped from In lists, negative operators dropped), and
 * the tenant's own selector added when nothing confines it any more.
 * Undefined when the author named another tenant or its namespace outright.
 */
export function confinedSelector(selector: Record<string, unknown>, classify: Classify, requirementsOf: (s: Record<string, unknown>) => NamespaceRequirement[], ctx: RuleContext, flavour: Flavour): Record<string, unknown> | undefined {
  const valueOk = (subject: 'tenant' | 'name', v: string) => (subject === 'tenant' ? ctx.allowedValues.has(v) : judgeName(v, ctx).ok);
  // The tenant's own namespaces, when only this namespace may be reached: dropped, not "another tenant".
  const ownButOut = (subject: 'tenant' | 'name', v: unknown) => {
    if (ctx.tenant === undefined || typeof v !== 'string') return false;
    if (subject === 'tenant') return v === ctx.tenant;
    const owner = ownerOf(v, ctx.view, ctx.config);
    return owner.kind === 'tenant' && owner.tenant === ctx.tenant;
  };
  let explicitForeign = false;
  const matchLabels: Record<string, unknown> = {};
  if (isRecord(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) {
      const subject = classify(k);
      if ((subject === 'tenant' || subject === 'name') && !(typeof v === 'string' && valueOk(subject, v))) {
        if (!ownButOut(subject, v)) explicitForeign = true;
        continue;
      }
      matchLabels[k] = v;
    }
  }
  const matchExpressions: unknown[] = [];
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions) {
      if (!isRecord(e) || typeof e.key !== 'string') continue;
      const subject = classify(e.key);
      if (subject === 'reserved') {
        if (e.operator === 'In' || e.operator === 'Exists') matchExpressions.push(e);
        continue;
      }
      if (subject !== 'tenant' && subject !== 'name') {
        matchExpressions.push(e);
        continue;
      }
      if (e.operator !== 'In') continue;
      const values = Array.isArray(e.values) ? e.values : [];
      const kept = values.filter((v): v is string => typeof v === 'string' && valueOk(subject, v));
      if (kept.length === 0) {
        if (!values.every((v) => ownButOut(subject, v))) explicitForeign = true;
        continue;
      }
      matchExpressions.push({ ...e, values: kept });
    }
  }
  if (explicitForeign) return undefined;
  const out: Record<string, unknown> = {};
  if (Object.keys(matchLabels).length > 0) out.matchLabels = matchLabels;
  if (matchExpressions.length > 0) out.matchExpressions = matchExpressions;
  const reqs = requirementsOf(out);
  // A Cilium selector left with no namespace label is pinned to this namespace;
  // when the author meant other namespaces, the tenant's namespaces are closer to that intent.
  const meantOtherNamespaces = requirementsOf(selector).length > 0;
  const pinned = flavour === 'cilium' && reqs.length === 0 && !(meantOtherNamespaces && confiningTenant(ctx) !== undefined);
  if (pinned || (reqs.length > 0 && judgeNamespaceReach(reqs, ctx).confined)) return out;
  const own = ownTenantSelector(ctx, flavour).matchLabels as Record<string, unknown> | undefined;
  if (own !== undefined) {
    out.matchLabels = { ...(out.matchLabels as Record<string, unknown> | undefined), ...own };
    return out;
  }
  // Cilium without a tenant to confine to: leave the namespace labels out, which pins the selector to this namespace.
  const isNamespaceKey = (k: unknown) => typeof k === 'string' && ['tenant', 'name', 'other'].includes(classify(k) ?? '');
  const pinnedOut: Record<string, unknown> = {};
  const ml = Object.fromEntries(Object.entries(matchLabels).filter(([k]) => !isNamespaceKey(k)));
  const me = matchExpressions.filter((e) => !(isRecord(e) && isNamespaceKey(e.key)));
  if (Object.keys(ml).length > 0) pinnedOut.matchLabels = ml;
  if (me.length > 0) pinnedOut.matchExpressions = me;
  return pinnedOut;
}

export function replaceAt(path: FieldPath, value: unknown): JsonPatchOp[] {
  return [{ op: 'replace', path: jsonPointer(path), value }];
}

export function addAt(path: FieldPath, value: unknown): JsonPatchOp[] {
  return [{ op: 'add', path: jsonPointer(path), value }];
}

export function removeAt(path: FieldPath): JsonPatchOp[] {
  return [{ op: 'remove', path: jsonPointer(path) }];
}

/**
 * `except` grown by the protected ranges a block still reaches, when each is
 * strictly inside the block (Kubernetes requires that of except entries).
 */
export function exceptSuggestion(exceptPath: FieldPath, cidr: Cidr, existing: unknown, reached: readonly Cidr[], cidrText: unknown): JsonPatchOp[] | undefined {
  // A v6-mapped block judged as IPv4 cannot take IPv4 except entries.
  if (typeof cidrText === 'string' && cidrText.includes(':') && cidr.family === 4) return undefined;
  const add: string[] = [];
  for (const p of reached) {
    const overlap = intersect(cidr, p);
    if (overlap === undefined || overlap.prefix <= cidr.prefix) return undefined;
    add.push(overlap.text);
  }
  const current: unknown[] = Array.isArray(existing) ? existing : [];
  const merged = [...current, ...add.filter((a) => !current.includes(a))];
  return Array.isArray(existing) ? replaceAt(exceptPath, merged) : addAt(exceptPath, merged);
}

/** Peers that keep an open rule's intent ("everyone") minus other tenants: own tenant, platform, the world outside the cluster. */
export function safePeersNetworkPolicy(ctx: RuleContext): unknown[] {
  return [
    { namespaceSelector: ownTenantSelector(ctx, 'networkpolicy') },
    { namespaceSelector: platformSelector(ctx, 'networkpolicy') },
    ...worldBlocks(ctx).map((b) => ({ ipBlock: b })),
  ];
}

export function safePeersCilium(ctx: RuleContext, direction: 'ingress' | 'egress'): Record<string, unknown> {
  const p = direction === 'ingress' ? 'from' : 'to';
  const world = worldBlocks(ctx);
  return {
    [`${p}Endpoints`]: [ownTenantSelector(ctx, 'cilium'), platformSelector(ctx, 'cilium')],
    // Every address protected: there is no outside world to keep.
    ...(world.length > 0 ? { [`${p}CIDRSet`]: world } : {}),
  };
}
