/**
 * Who owns a namespace, for the matrix: a tenant (by the tenant label the
 * webhook owns), the platform (by name or by the platform value), or nobody.
 * The namespaces a tenant could create later are one more zone per tenant.
 */
import { NAME_LABEL } from './cluster.js';
import type { Policy } from './networkpolicy.js';
import { satisfiable, type KeyDomain } from './satisfiable.js';
import { matches, type Labels, type Selector } from '../policy/label-selector.js';

export interface Tenancy {
  tenantLabel: string;
  platformValue: string;
  platformNamespaces: readonly string[];
  /** Tenants known from the configuration (tenants seen on namespaces are added). */
  tenants: readonly string[];
  namespacePrefix: boolean;
  /** The policies a tenant's new namespace starts with (its baseline). */
  newNamespacePolicies: (tenant: string, namespace: string) => readonly Policy[];
}

export const PLATFORM = 'platform';
export const NOBODY = '(no tenant)';

/** A party of the matrix: `tenant:<name>`, PLATFORM or NOBODY. */
export type Party = string;

export function tenantParty(tenant: string): Party {
  return `tenant:${tenant}`;
}

export function partyName(p: Party): string {
  return p.startsWith('tenant:') ? p.slice('tenant:'.length) : p;
}

export function isTenant(p: Party): boolean {
  return p.startsWith('tenant:');
}

export function ownerParty(name: string, labels: Labels, t: Tenancy): Party {
  if (t.platformNamespaces.includes(name)) return PLATFORM;
  const v = labels[t.tenantLabel];
  if (v === undefined || v === '') return NOBODY;
  return v === t.platformValue ? PLATFORM : tenantParty(v);
}

/** A namespace (existing, or the ones a tenant may create) as the matrix sees it. */
export interface Zone {
  name: string;
  party: Party;
  /** Labels of an existing namespace; undefined for a tenant's future namespaces. */
  labels: Labels | undefined;
  policies: readonly Policy[];
}

export function futureZoneName(tenant: string): string {
  return `(new namespace of ${tenant})`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Can a namespace selector match this zone (for a future zone: some namespace the tenant could create)? */
export function zoneMatches(sel: Selector, zone: Zone, existing: ReadonlySet<string>, t: Tenancy): boolean {
  if (zone.labels !== undefined) return matches(sel, zone.labels);
  const tenant = partyName(zone.party);
  const domain = (key: string): KeyDomain => {
    if (key === t.tenantLabel) return { kind: 'fixed', value: tenant };
    if (key === NAME_LABEL) {
      return {
        kind: 'present',
        ok: (v) => DNS_LABEL.test(v) && !existing.has(v) && !t.platformNamespaces.includes(v) && (!t.namespacePrefix || v.startsWith(`${tenant}-`)),
      };
    }
    return { kind: 'free' };
  };
  return satisfiable(sel, domain);
}
