/**
 * A namespace named outright: whether a reference to it stays within the
 * tenant, now and when the name changes hands.
 */
import type { RuleContext } from '../context.js';
import { describeOwner, ownerOf, prefixTenant } from '../tenancy.js';
import type { ViolationCode } from '../types.js';

export interface NameVerdict {
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
