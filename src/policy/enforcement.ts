/**
 * Rollout modes: which of a verdict's violations refuse the request (`deny`),
 * which only reach the user as warnings (`warn`) and which are only recorded
 * (`dryrun`), from the configuration's `enforcement`.
 *
 * Precedence, written down once:
 *  - an entry in `codes` and an entry in `tenants` are both explicit
 *    decisions; when both apply and disagree, the stricter wins
 *    (deny > warn > dryrun). So a relaxation never overrides an explicit
 *    `deny`: `codes: {ClusterScopedPolicy: deny}` pins a code for every
 *    tenant, `tenants: {acme: deny}` keeps a tenant fully enforced;
 *  - when only one applies, it decides; when none does, `default` decides;
 *  - a request concerns several tenants (the owner of the object's
 *    namespace, the requester's tenants, for a Namespace also the tenants its
 *    owner label names before and after): the strictest of their modes wins,
 *    so one tenant's relaxation never weakens what protects another.
 * There is no entry per tenant and code: a tenant being onboarded is relaxed
 * as a whole, a rule being introduced is relaxed for everyone.
 */
import type { ViolationCode } from './codes.js';
import type { EnforcementMode, PolicySettings } from './settings.js';
import type { RelaxedViolation, Verdict } from './types.js';

const STRICTNESS: Record<EnforcementMode, number> = { dryrun: 0, warn: 1, deny: 2 };

function stricter(a: EnforcementMode, b: EnforcementMode): EnforcementMode {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}

type Enforcement = PolicySettings['enforcement'];

/** The mode of one code for one tenant (undefined: a request that concerns no tenant). */
function modeForTenant(code: ViolationCode, tenant: string | undefined, e: Enforcement): EnforcementMode {
  const byCode = e.codes[code];
  const byTenant = tenant === undefined ? undefined : e.tenants[tenant];
  if (byCode !== undefined && byTenant !== undefined) return stricter(byCode, byTenant);
  return byCode ?? byTenant ?? e.default;
}

/** The mode of a code for a request that concerns these tenants. */
export function enforcementMode(code: ViolationCode, tenants: readonly string[], e: Enforcement): EnforcementMode {
  if (tenants.length === 0) return modeForTenant(code, undefined, e);
  return tenants.map((t) => modeForTenant(code, t, e)).reduce(stricter);
}

/** Whether any violation can be relaxed at all (the common case, nothing configured, costs nothing). */
export function relaxesAnything(e: Enforcement): boolean {
  return e.default !== 'deny' || Object.values(e.codes).some((m) => m !== 'deny') || Object.values(e.tenants).some((m) => m !== 'deny');
}

/**
 * The verdict with its violations split by mode: the ones in `deny` stay
 * violations (and decide `allowed`), the others move to `relaxed`.
 * `strict` (a tenant of the request that could not be established) relaxes nothing: fail closed.
 */
export function applyEnforcement(verdict: Verdict, tenants: readonly string[], e: Enforcement, strict = false): Verdict {
  if (verdict.violations.length === 0 || strict) return verdict;
  const denied = [];
  const relaxed: RelaxedViolation[] = [];
  for (const v of verdict.violations) {
    const mode = enforcementMode(v.code, tenants, e);
    if (mode === 'deny') denied.push(v);
    else relaxed.push({ ...v, mode });
  }
  if (relaxed.length === 0) return verdict;
  return { ...verdict, allowed: denied.length === 0, violations: denied, relaxed };
}

/**
 * Whether a code is refused for every request, whoever asks: pinned with
 * `codes: {X: deny}`, or left to a `default: deny` that no entry relaxes.
 * The outage-safe floor keeps exactly these (src/floor).
 */
export function deniedEverywhere(code: ViolationCode, e: Enforcement): boolean {
  const byCode = e.codes[code];
  if (byCode !== undefined) return byCode === 'deny';
  return e.default === 'deny' && Object.values(e.tenants).every((m) => m === 'deny');
}
