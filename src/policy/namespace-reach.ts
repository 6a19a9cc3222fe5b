/**
 * The one question both NetworkPolicy and Cilium selectors raise: can this
 * set of namespace requirements match a namespace of another tenant? The
 * model (model/) answers it over every namespace that exists or could; the
 * codes and messages here explain a "yes" in the author's terms: which
 * requirement reaches out, and how.
 */
import type { RuleContext } from './context.js';
import { confinement } from './model/confinement.js';
import { judgeName } from './model/names.js';
import { requirementsSet, type NamespaceRequirement } from './model/requirement.js';
import type { ViolationCode } from './types.js';

export { judgeName } from './model/names.js';
export { stringValues, toOp, type NamespaceRequirement, type RequirementOp } from './model/requirement.js';

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

/**
 * Judge the namespace part of one selector. `requirements` empty means the
 * selector names no namespace constraint at all: the caller decides whether
 * that is "every namespace" (a NetworkPolicy namespaceSelector) or "this
 * namespace" (a Cilium endpoint selector).
 */
export function judgeNamespaceReach(requirements: readonly NamespaceRequirement[], ctx: RuleContext): ReachResult {
  const answer = confinement(requirementsSet(requirements), ctx);
  const explained = explainReach(requirements, ctx);
  if (answer.confined) return { confined: true, findings: [], warnings: explained.warnings.length > 0 ? explained.warnings : answer.warnings };
  if (explained.findings.length > 0) return { ...explained, confined: false };
  // The model found a way out that no single requirement shows (it cannot today; kept so a refusal always says why).
  return { confined: false, findings: [{ code: 'SelectorUnconfined', message: 'can match namespaces outside this tenant and the platform' }], warnings: [] };
}

/** Each requirement's part in the answer, in the author's terms (ANDed: one confining requirement confines all). */
export function explainReach(requirements: readonly NamespaceRequirement[], ctx: RuleContext): ReachResult {
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
