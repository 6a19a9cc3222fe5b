/**
 * What the floor is generated from: one installation's settings and options,
 * reduced to the inputs floorObjects reads, and the encoding of the tenant
 * membership parameter (the ConfigMap the floor's policies look members up in).
 */
import type { PolicySettings } from '../policy/settings.js';
import { list, str } from './cel.js';
import { floorEnforcement } from './enforcement.js';

export interface FloorOptions {
  /** Namespace of the parameter ConfigMap (the release namespace). */
  namespace: string;
  /** Extra exempt users, e.g. tenant-guard's own service account. */
  exemptUsers?: readonly string[];
  /** Namespaces the floor never applies to (kube-system, the release namespace), like the webhook. */
  excludedNamespaces?: readonly string[];
  /** Name prefix for every generated object. */
  prefix?: string;
}

/**
 * The settings the floor is generated from, and nothing else of the
 * configuration: who owns a namespace (the tenant label, the platform, the
 * tenants, the group prefix and whether service accounts are members), who is
 * exempt, the denied entities, and the rollout modes (relaxed codes are left out).
 */
export type FloorSettings = Pick<PolicySettings, 'tenantLabel' | 'platform' | 'tenants' | 'tenantGroupPrefix' | 'admins' | 'serviceAccounts' | 'enforcement'> & {
  cilium: Pick<PolicySettings['cilium'], 'deniedEntities'>;
};

/** Only the floor's settings of a configuration (a copy: the rest of the configuration stays behind). */
export function floorSettingsOf(s: FloorSettings): FloorSettings {
  return {
    tenantLabel: s.tenantLabel,
    platform: s.platform,
    tenants: s.tenants,
    tenantGroupPrefix: s.tenantGroupPrefix,
    admins: s.admins,
    serviceAccounts: s.serviceAccounts,
    enforcement: s.enforcement,
    cilium: { deniedEntities: s.cilium.deniedEntities },
  };
}

/** What the floor reads: the settings, the namespaces and the exempt users of one installation. */
export interface FloorInputs {
  tenantLabel: string;
  platformValue: string;
  platformNamespaces: readonly string[];
  tenantGroupPrefix: string;
  /** admins.users and the extra exempt users. */
  exemptUsers: readonly string[];
  exemptGroups: readonly string[];
  deniedEntities: readonly string[];
  /** The parameter ConfigMap's data (membershipParams). */
  params: Record<string, string>;
  /** A CEL expression: the external IP ranges of the tenant `variables.nsTenant` names (externalIPRanges). */
  externalIPRanges: string;
  namespace: string;
  excludedNamespaces: readonly string[];
  /** `own-namespace` when service accounts are members of their namespace's tenant, '' when not (config serviceAccounts). */
  serviceAccountMembers: string;
  /** Which codes the floor keeps under the rollout modes (enforcement.ts floorEnforcement); '' keeps all. */
  enforcement: string;
}

/** A membership name inside the parameter: `%` and `,` percent-encoded, so any name is one entry. */
export function encodeMember(name: string): string {
  return name.replace(/%/g, '%25').replace(/,/g, '%2C');
}

/**
 * The parameter's data: per explicit tenant, its members as
 * ",g:<group>,u:<user>," with each name encoded by encodeMember, so that a
 * member is found by looking for ",g:<encoded group>," (names may contain
 * commas, e.g. LDAP distinguished names).
 */
export function membershipParams(config: Pick<PolicySettings, 'tenants'>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const t of config.tenants) {
    const members = [...t.groups.map((g) => `g:${encodeMember(g)}`), ...t.users.map((u) => `u:${encodeMember(u)}`)];
    data[t.name] = members.length === 0 ? '' : `,${members.join(',')},`;
  }
  return data;
}

/**
 * The external IP ranges of the tenant a Service's namespace belongs to, as
 * one CEL expression over `variables.nsTenant`: per tenant with ranges,
 * `variables.nsTenant == 'acme' ? ['203.0.113.0/28'] : (…)`, ending in `[]`.
 * (The config only takes ranges CEL's cidr() reads.) The chart builds the
 * same text from its values (chart.ts, tenant-guard.floor.values).
 */
export function externalIPRanges(tenants: PolicySettings['tenants']): string {
  const withRanges = tenants.filter((t) => t.externalIPs.length > 0);
  return `${withRanges.map((t) => `variables.nsTenant == ${str(t.name)} ? ${list(t.externalIPs)} : (`).join('')}[]${')'.repeat(withRanges.length)}`;
}

/** The inputs of one installation, from its floor settings and options. */
export function floorInputs(config: FloorSettings, opts: FloorOptions): FloorInputs {
  return {
    tenantLabel: config.tenantLabel,
    platformValue: config.platform.value,
    platformNamespaces: config.platform.namespaces,
    tenantGroupPrefix: config.tenantGroupPrefix,
    exemptUsers: [...config.admins.users, ...(opts.exemptUsers ?? [])],
    exemptGroups: config.admins.groups,
    deniedEntities: config.cilium.deniedEntities,
    params: membershipParams(config),
    externalIPRanges: externalIPRanges(config.tenants),
    namespace: opts.namespace,
    excludedNamespaces: opts.excludedNamespaces ?? ['kube-system', opts.namespace],
    serviceAccountMembers: config.serviceAccounts === 'none' ? '' : config.serviceAccounts,
    enforcement: floorEnforcement(config.enforcement),
  };
}
