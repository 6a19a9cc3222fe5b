/**
 * Namespace ownership. The tenant label is the root of every other decision,
 * so only the webhook writes it: on CREATE it is derived from who asks, and a
 * tenant can never set another tenant's value or the platform's, change it,
 * remove it (the mutation puts it back), or touch a namespace it does not own.
 */
import type { PolicySettings } from '../settings.js';
import { isRecord, type Report } from '../report.js';
import { addAt, replaceAt } from '../suggest.js';
import { ownerFromLabels, prefixTenant } from '../tenancy.js';
import { valueText } from '../text.js';
import type { JsonPatchOp, Operation, Requester } from '../types.js';

export interface NamespaceReview {
  operation: Operation;
  name: string;
  object: Record<string, unknown> | undefined;
  oldObject: Record<string, unknown> | undefined;
  requester: Requester;
  /** The requester's tenants at request time (tenancy.ts membershipOf). */
  tenants: readonly string[];
  admin: boolean;
  config: PolicySettings;
}

function labelsOf(obj: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const md = obj?.metadata;
  if (!isRecord(md)) return undefined;
  return isRecord(md.labels) ? md.labels : undefined;
}

/** The patch that makes `obj` carry `key: value`, creating metadata.labels when absent (RFC 6901 escaping). */
export function setLabelPatch(obj: Record<string, unknown> | undefined, key: string, value: string): JsonPatchOp[] {
  const md = obj?.metadata;
  if (!isRecord(md)) return addAt(['metadata'], { labels: { [key]: value } });
  if (!isRecord(md.labels)) return addAt(['metadata', 'labels'], { [key]: value });
  return addAt(['metadata', 'labels', key], value);
}

function choices(tenants: readonly string[]): string {
  return tenants.map((t) => `"${t}"`).join(', ');
}

/** Under namespacePrefix, the names the requester may use: `"acme-…"`, or several. */
function prefixes(tenants: readonly string[]): string {
  return tenants.map((t) => `"${t}-…"`).join(' or ');
}

export function validateNamespace(r: NamespaceReview, report: Report): JsonPatchOp[] {
  const { config, name } = r;
  const key = config.tenantLabel;
  const ownerLabelPath = ['metadata', 'labels', key];
  const isPlatformName = config.platform.namespaces.includes(name);

  if (r.admin) {
    // Platform namespaces carry the platform value; admins may set anything else.
    if (r.operation === 'CREATE' && isPlatformName && labelsOf(r.object)?.[key] === undefined) {
      return setLabelPatch(r.object, key, config.platform.value);
    }
    return [];
  }

  const { tenants } = r;
  if (r.operation === 'CREATE') {
    if (tenants.length === 0) {
      report.violation('NamespaceNoTenant', ['metadata'], `${r.requester.username} is not a member of any tenant, so the namespace would have no owner`,
        `ask the platform team to add you to a tenant (config tenants, or a group "${config.tenantGroupPrefix}<tenant>")`);
      return [];
    }
    if (isPlatformName) {
      // Under namespacePrefix the refusal says which names are the requester's to use.
      report.violation('NamespaceName', ['metadata', 'name'],
        `"${name}" is a platform namespace name${config.namespacePrefix ? `; your namespaces are named ${prefixes(tenants)}` : ''}`,
        config.namespacePrefix ? `rename it to ${choices(tenants.map((t) => `${t}-${name}`))}` : 'choose another name');
      return [];
    }
    const requested = labelsOf(r.object)?.[key];
    let chosen: string | undefined;
    if (requested !== undefined) {
      if (requested === config.platform.value) {
        report.violation('NamespacePlatformValue', ownerLabelPath, `"${config.platform.value}" is the platform's value; tenants cannot claim it`,
          tenants.length === 1 ? `remove the label; it will be set to "${tenants[0]}"` : `set it to one of your tenants: ${choices(tenants)}`,
          tenants.length === 1 ? replaceAt(ownerLabelPath, tenants[0]) : undefined);
        return [];
      }
      if (typeof requested !== 'string' || !tenants.includes(requested)) {
        report.violation('NamespaceForeignTenant', ownerLabelPath, `${valueText(requested)} is not a tenant you belong to`,
          tenants.length === 1 ? `remove the label; it will be set to "${tenants[0]}"` : `set it to one of your tenants: ${choices(tenants)}`,
          tenants.length === 1 ? replaceAt(ownerLabelPath, tenants[0]) : undefined);
        return [];
      }
      chosen = requested;
    } else if (tenants.length === 1) {
      chosen = tenants[0];
    } else if (config.namespacePrefix) {
      chosen = prefixTenant(name, tenants);
      if (chosen === undefined) {
        // Under namespacePrefix the name chooses the tenant; choosing by label could not fix a foreign or missing prefix.
        const byPrefix = prefixTenant(name, config.tenants.map((t) => t.name));
        report.violation('NamespaceName', ['metadata', 'name'],
          `${byPrefix !== undefined ? `"${name}" carries the prefix of tenant ${byPrefix}; ` : ''}your namespaces are named ${prefixes(tenants)}`,
          `rename it to ${choices(tenants.map((t) => `${t}-${name}`))}`);
        return [];
      }
    }
    if (chosen === undefined) {
      report.violation('NamespaceTenantChoice', ownerLabelPath, `you belong to several tenants (${choices(tenants)}), so the owner must be chosen`,
        `set the label ${key} to one of ${choices(tenants)}`);
      return [];
    }
    if (config.namespacePrefix) {
      const byPrefix = prefixTenant(name, [...new Set([...config.tenants.map((t) => t.name), ...tenants])]);
      if (!name.startsWith(`${chosen}-`) || (byPrefix !== undefined && byPrefix !== chosen)) {
        report.violation('NamespaceName', ['metadata', 'name'],
          byPrefix !== undefined && byPrefix !== chosen
            ? `"${name}" carries the prefix of tenant ${byPrefix}; namespaces of tenant ${chosen} are named "${chosen}-…"`
            : `namespaces of tenant ${chosen} must be named "${chosen}-…"`,
          // Always prepend: a name that already starts with "<chosen>-" is here only because a longer tenant prefix claims it.
          `rename it to "${chosen}-${name}"`,
          isRecord(r.object?.metadata) && typeof r.object.metadata.name === 'string' ? replaceAt(['metadata', 'name'], `${chosen}-${name}`) : undefined);
        return [];
      }
    }
    return requested === undefined ? setLabelPatch(r.object, key, chosen) : [];
  }

  if (r.operation === 'UPDATE' || r.operation === 'DELETE') {
    const owner = ownerFromLabels(name, labelsOf(r.oldObject), config);
    const verb = r.operation === 'UPDATE' ? 'change' : 'delete';
    if (owner.kind === 'platform') {
      report.violation('NamespaceNotOwned', ['metadata', 'name'], `namespace "${name}" belongs to the platform; tenants cannot ${verb} it`, 'ask the platform team');
      return [];
    }
    if (owner.kind === 'tenant' && !tenants.includes(owner.tenant)) {
      report.violation('NamespaceNotOwned', ['metadata', 'name'], `namespace "${name}" belongs to tenant ${owner.tenant}; you cannot ${verb} it`, `ask tenant ${owner.tenant} or the platform team`);
      return [];
    }
    if (r.operation === 'DELETE') return [];
    const now = labelsOf(r.object)?.[key];
    if (owner.kind === 'none') {
      if (now !== undefined) {
        report.violation('NamespaceLabelClaimed', ownerLabelPath, `namespace "${name}" has no owner; tenants cannot claim it by setting ${key}`, 'remove the label and ask the platform team to assign the namespace');
      }
      return [];
    }
    if (owner.kind === 'tenant') {
      // Removing the label is undone rather than refused: the label is the webhook's, not the tenant's.
      if (now === undefined) return setLabelPatch(r.object, key, owner.tenant);
      if (now !== owner.tenant) {
        report.violation(now === config.platform.value ? 'NamespacePlatformValue' : 'NamespaceLabelChanged', ownerLabelPath,
          `the owner of namespace "${name}" is ${owner.tenant} and cannot be changed to ${valueText(now)}`,
          `keep ${key}: "${owner.tenant}"; to move a namespace between tenants, ask the platform team`,
          replaceAt(ownerLabelPath, owner.tenant));
      }
    }
  }
  return [];
}
