/**
 * The one question both NetworkPolicy and Cilium selectors raise: can this
 * set of namespace requirements match a namespace of another tenant? The
 * requirements are ANDed, so one requirement that confines the selection to
 * the tenant (or the platform) confines the whole selector.
 */
import type { RuleContext } from './context.js';
import { describeOwner, ownerOf, prefixTenant } from './tenancy.js';
import { valueText } from './text.js';
import type { ViolationCode } from './types.js';

export type RequirementOp = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Invalid';

export interface NamespaceRequirement {
  /** `tenant`: the tenant label; `name`: the namespace's name; `other`: any other namespace label. */
  subject: 'tenant' | 'name' | 'other';
  /** The key as the author wrote it, for messages. */
  key: string;
  op: RequirementOp;
  values: string[];
}

export interface Finding {
  code: ViolationCode;
  message: string;
}

export interface ReachResult {
  confined: boolean;
  /** Why it is not confined (empty when confined). */
  findings: Finding[];
  /** Warnings that hold even when confined. */
  warnings: string[];
}

export function toOp(op: unknown): RequirementOp {
  return op === 'In' || op === 'NotIn' || op === 'Exists' || op === 'DoesNotExist' ? op : 'Invalid';
}

export function stringValues(values: unknown): string[] {
  return Array.isArray(values) ? values.map((v) => (typeof v === 'string' ? v : valueText(v))) : [];
}

interface NameVerdict {
  ok: boolean;
  code?: ViolationCode;
  reason?: string;
  warn?: string;
}

/**
 * Why a reference by name could later reach a namespace that is not the
 * tenant's, or undefined when it cannot. Without namespacePrefix anyone may
 * re-create a deleted name; with it a tenant creates names under its own
 * prefix only, so just a name carrying another tenant's prefix is at risk.
 * (Configured platform names never get here: tenants cannot create them.)
 */
function renameRisk(name: string, ctx: RuleContext): string | undefined {
  if (!ctx.config.namespacePrefix) {
    return `namespace "${name}" is named, not selected by owner: if it is deleted, another tenant can create a namespace with that name and this rule would reach it (set namespacePrefix to close this)`;
  }
  const claimant = prefixTenant(name, ctx.knownTenants);
  if (claimant === undefined || claimant === ctx.tenant) return undefined;
  return `namespace "${name}" is named, not selected by owner, and carries the prefix of tenant ${claimant}: if it is deleted, ${claimant} can create it again and this rule would reach it`;
}

/** A namespace name is a DNS-1123 label; no namespace can ever have another name. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function judgeName(name: string, ctx: RuleContext): NameVerdict {
  if (name === ctx.namespace) return { ok: true };
  // A value no namespace can be named (the empty string, upper case, ...) matches nothing.
  if (!NAMESPACE_NAME.test(name)) return { ok: true };
  const { config } = ctx;
  if (config.platform.namespaces.includes(name)) return { ok: true };
  const owner = ownerOf(name, ctx.view, config);
  const sameTenantAllowed = ctx.tenant !== undefined && ctx.allowedValues.has(ctx.tenant);
  const prefixed = config.namespacePrefix && ctx.tenant !== undefined && ctx.tenant !== config.platform.value
    && name.startsWith(`${ctx.tenant}-`) && (prefixTenant(name, ctx.knownTenants) ?? ctx.tenant) === ctx.tenant;
  switch (owner.kind) {
    case 'platform':
      // Platform by its label only: the name is as re-creatable as a tenant's.
      return { ok: true, warn: renameRisk(name, ctx) };
    case 'tenant':
      if (owner.tenant === ctx.tenant && sameTenantAllowed) return { ok: true, warn: renameRisk(name, ctx) };
      if (owner.tenant === ctx.tenant) {
        return { ok: false, code: 'SelectorOtherTenant', reason: `names namespace "${name}"; only this namespace and platform namespaces may be reached (allowSameTenantAcrossNamespaces is off)` };
      }
      return { ok: false, code: 'SelectorOtherTenant', reason: `names namespace "${name}", which belongs to tenant ${owner.tenant}` };
    case 'absent':
      if (prefixed && sameTenantAllowed) return { ok: true };
      return { ok: false, code: 'SelectorUnknownNamespace', reason: `names namespace "${name}", which does not exist: another tenant could create it later` };
    case 'none':
      return { ok: false, code: 'SelectorOtherTenant', reason: `names namespace "${name}", which has no tenant (${config.tenantLabel} is not set on it)` };
    case 'unknown':
      return { ok: false, code: 'OwnershipUnknown', reason: `names namespace "${name}", owned by ${describeOwner(owner)}` };
  }
}

/**
 * Judge the namespace part of one selector. `requirements` empty means the
 * selector names no namespace constraint at all: the caller decides whether
 * that is "every namespace" (a NetworkPolicy namespaceSelector) or "this
 * namespace" (a Cilium endpoint selector).
 */
/** The values a subject can hold when several In requirements on it all hold: their intersection. */
function commonValues(requirements: readonly NamespaceRequirement[], subject: NamespaceRequirement['subject']): string[] | undefined {
  const ins = requirements.filter((r) => r.subject === subject && r.op === 'In');
  if (ins.length < 2) return undefined;
  return ins.slice(1).reduce((acc, r) => acc.filter((v) => r.values.includes(v)), [...new Set(ins[0]!.values)]);
}

export function judgeNamespaceReach(requirements: readonly NamespaceRequirement[], ctx: RuleContext): ReachResult {
  // Requirements are ANDed: two In lists on the owner label (or on the name) allow only the values in both.
  const tenants = commonValues(requirements, 'tenant');
  if (tenants !== undefined && tenants.every((v) => ctx.allowedValues.has(v))) return { confined: true, findings: [], warnings: [] };
  const names = commonValues(requirements, 'name')?.map((n) => judgeName(n, ctx));
  if (names !== undefined && names.every((v) => v.ok)) return { confined: true, findings: [], warnings: names.flatMap((v) => (v.warn === undefined ? [] : [v.warn])) };
  const findings: Finding[] = [];
  const warnings: string[] = [];
  const { config } = ctx;
  let confined = false;
  for (const r of requirements) {
    if (r.subject === 'tenant') {
      if (r.op === 'In') {
        const foreign = r.values.filter((v) => !ctx.allowedValues.has(v));
        if (foreign.length === 0) confined = true;
        else if (ctx.tenant !== undefined && foreign.every((v) => v === ctx.tenant)) {
          findings.push({ code: 'SelectorOtherTenant', message: `selects every namespace of tenant ${ctx.tenant}; only this namespace and platform namespaces may be reached (allowSameTenantAcrossNamespaces is off)` });
        } else {
          const named = foreign.map((v) => (v === '' ? '(empty value)' : v)).join(', ');
          findings.push({ code: 'SelectorOtherTenant', message: `selects namespaces of ${foreign.length === 1 ? 'tenant' : 'tenants'} ${named}` });
        }
      } else if (r.op === 'Invalid') {
        findings.push({ code: 'SelectorUnconfined', message: `has a matchExpressions operator on ${config.tenantLabel} that is not In, NotIn, Exists or DoesNotExist` });
      } else {
        findings.push({ code: 'SelectorUnconfined', message: `uses ${r.op} on ${config.tenantLabel}, which matches other tenants' namespaces` });
      }
    } else if (r.subject === 'name') {
      if (r.op === 'In') {
        const verdicts = r.values.map((n) => judgeName(n, ctx));
        const bad = verdicts.filter((v) => !v.ok);
        if (bad.length === 0) {
          confined = true;
          for (const v of verdicts) if (v.warn !== undefined) warnings.push(v.warn);
        } else {
          for (const b of bad) findings.push({ code: b.code ?? 'SelectorOtherTenant', message: b.reason ?? 'names a namespace of another tenant' });
        }
      } else {
        findings.push({ code: 'SelectorUnconfined', message: `uses ${r.op} on the namespace name (${r.key}), which matches other tenants' namespaces` });
      }
    }
  }
  if (confined) return { confined, findings: [], warnings };
  if (findings.length === 0) {
    const others = requirements.filter((r) => r.subject === 'other').map((r) => r.key);
    if (others.length === 0) {
      findings.push({ code: 'SelectorAllNamespaces', message: 'selects every namespace in the cluster, including other tenants\'' });
    } else {
      findings.push({ code: 'SelectorUnconfined', message: `selects namespaces only by ${[...new Set(others)].join(', ')}, a label other tenants' namespaces can carry too` });
    }
  }
  return { confined, findings, warnings };
}
