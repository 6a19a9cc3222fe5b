/**
 * What every rule needs to know about the object under review: whose
 * namespace it sits in and what it may reach. Built once per review.
 */
import type { PolicySettings } from './settings.js';
import { ownerOf, type Owner } from './tenancy.js';
import type { CidrGroupView, NamespaceView, SharesView } from './types.js';

export interface RuleContext {
  config: PolicySettings;
  view: NamespaceView;
  /** The namespace the policy lives in. */
  namespace: string;
  owner: Owner;
  /** The tenant label value that confines this policy (a tenant, or the platform for platform namespaces). */
  tenant: string | undefined;
  /** Tenant-label values a selector may name. */
  allowedValues: ReadonlySet<string>;
  /** Tenant names known from configuration (for the prefix rule). */
  knownTenants: readonly string[];
  /** The live CiliumCIDRGroups (rules/cidr-groups.ts); unset: every cidrGroupRef is unknown. */
  cidrGroups?: CidrGroupView | undefined;
  /** The shares in force, for peers that name another tenant's namespace (rules within a share are allowed). */
  shares?: SharesView | undefined;
}

export function buildRuleContext(namespace: string, view: NamespaceView, config: PolicySettings, shares?: SharesView): RuleContext {
  const owner = ownerOf(namespace, view, config);
  const tenant = owner.kind === 'tenant' ? owner.tenant : owner.kind === 'platform' ? config.platform.value : undefined;
  const allowedValues = new Set<string>([config.platform.value]);
  if (tenant !== undefined && config.allowSameTenantAcrossNamespaces) allowedValues.add(tenant);
  return {
    config,
    view,
    namespace,
    owner,
    tenant,
    allowedValues,
    knownTenants: config.tenants.map((t) => t.name),
    shares,
  };
}
