/**
 * Export and Import writes. Both are judged by the owner rule everything
 * else follows: only members of the namespace's tenant (or an admin) write
 * them. An Export must offer explicit ports to tenants that exist, other than
 * its own, within sharing.allowedPairs and sharing.maxExportsPerNamespace.
 * An Import is admitted even when its Export is missing or does not list the
 * importer (creation order must not matter); the warning it then gets reads
 * the same in both cases, so an Import never tells whether another namespace
 * or Export exists.
 */
import type { PolicySettings } from '../settings.js';
import type { FieldPath } from '../path.js';
import type { Report } from '../report.js';
import { exportLists, notListedMessage, pairAllowed, portsOutside, portText, readExport, readImport, type Problem } from '../share.js';
import { describeOwner, ownerOf, tenantsOf } from '../tenancy.js';
import type { NamespaceView, Operation, Requester, SharesView } from '../types.js';

export type ShareKind = 'Export' | 'Import';

export interface ShareReview {
  kind: ShareKind;
  operation: Operation;
  namespace: string;
  name: string;
  object: Record<string, unknown> | undefined;
  oldObject: Record<string, unknown> | undefined;
  requester: Requester;
  namespaces: NamespaceView;
  shares: SharesView | undefined;
  config: PolicySettings;
  /** Kubernetes' namespace or garbage collector, or a namespace being deleted: removal is never blocked. */
  cleanup: boolean;
}

const SPEC_FIX: Record<ShareKind, string> = {
  Export: 'write spec.podSelector, spec.ports (each with a port number and protocol TCP, UDP or SCTP) and spec.to (the consumer tenants)',
  Import: 'write spec.from {namespace, export}, spec.podSelector and, optionally, spec.ports (a subset of the Export\'s)',
};

function reportProblems(kind: ShareKind, problems: readonly Problem[], report: Report): void {
  for (const p of problems) {
    const ports = p.path[0] === 'spec' && p.path[1] === 'ports';
    report.violation(ports ? 'SharePorts' : 'MalformedObject', p.path, p.message,
      ports ? 'list each port as {port: <number>, protocol: TCP|UDP|SCTP}, or a range with endPort' : SPEC_FIX[kind]);
  }
}

/** The owner rule: the tenant whose namespace this is, or undefined when the writer is not one of its members (already reported). */
function ownTenant(r: ShareReview, report: Report): string | undefined {
  const owner = ownerOf(r.namespace, r.namespaces, r.config);
  const verb = r.operation === 'CREATE' ? 'create' : r.operation === 'DELETE' ? 'delete' : 'change';
  if (owner.kind === 'unknown') {
    report.violation('OwnershipUnknown', ['metadata', 'namespace'], `the owner of namespace "${r.namespace}" cannot be established (${owner.reason}); tenant-guard refuses rather than guess`,
      'retry in a moment; if it persists, ask the platform team to check tenant-guard\'s access to the API server');
    return undefined;
  }
  if (owner.kind !== 'tenant') {
    report.violation('ShareNotOwner', ['metadata', 'namespace'], `namespace "${r.namespace}" is owned by ${describeOwner(owner)}; only a tenant's members may ${verb} an ${r.kind} in their own namespace`,
      `${r.kind === 'Export' ? 'offer' : 'import'} from a namespace of your tenant, or ask the platform team`);
    return undefined;
  }
  if (!tenantsOf(r.requester, r.config).includes(owner.tenant)) {
    report.violation('ShareNotOwner', ['metadata', 'namespace'], `namespace "${r.namespace}" belongs to tenant ${owner.tenant}; only its members may ${verb} an ${r.kind} there`,
      `ask tenant ${owner.tenant} or the platform team`);
    return undefined;
  }
  return owner.tenant;
}

function knownTenant(name: string, config: PolicySettings): boolean {
  // With a group prefix, tenants exist by group membership and cannot all be listed in advance.
  return config.tenants.some((t) => t.name === name) || config.tenantGroupPrefix !== '';
}

function validateExport(r: ShareReview, tenant: string, report: Report): void {
  const read = readExport(r.object);
  if (!read.ok) reportProblems('Export', read.problems, report);
  const exp = read.ok ? read.value : read.partial;
  if (exp === undefined) return;
  const { config } = r;
  exp.to.forEach((t, i) => {
    const at: FieldPath = ['spec', 'to', i, 'tenant'];
    if (t.tenant === tenant) {
      report.violation('ShareTenant', at, `is your own tenant (${tenant}); its namespaces already reach each other by the tenant's own rules`, 'name another tenant, or remove this entry');
    } else if (t.tenant === config.platform.value) {
      report.violation('ShareTenant', at, `"${t.tenant}" is the platform's value, not a tenant; platform namespaces are reached through the baseline`, 'name a consumer tenant');
    } else if (!knownTenant(t.tenant, config)) {
      report.violation('ShareTenant', at, `"${t.tenant}" is not a configured tenant`, `name one of ${config.tenants.map((x) => x.name).filter((x) => x !== tenant).join(', ') || '(no other tenants are configured)'}`);
    } else if (!pairAllowed(config.sharing.allowedPairs, tenant, t.tenant)) {
      report.violation('SharePairNotAllowed', at, `tenant ${tenant} may not share with tenant ${t.tenant} (sharing.allowedPairs)`, 'ask the platform team to allow this pair');
    } else if (!config.tenants.some((x) => x.name === t.tenant)) {
      report.warnAt(at, `"${t.tenant}" is not in the configured tenants; it is a tenant only while users are in group ${config.tenantGroupPrefix}${t.tenant}`);
    }
    if (config.namespacePrefix && t.namespaces !== undefined) {
      for (const n of t.namespaces.filter((x) => !x.startsWith(`${t.tenant}-`))) {
        report.warnAt(['spec', 'to', i, 'namespaces'], `"${n}" is not named "${t.tenant}-…", so no namespace of tenant ${t.tenant} can have it; it never imports`);
      }
    }
  });
  if (r.operation === 'CREATE') {
    const max = config.sharing.maxExportsPerNamespace;
    if (r.shares === undefined || !r.shares.known) {
      report.warn(`the number of Exports in "${r.namespace}" cannot be counted now (the cache of shares is not synced); the limit of ${max} was not checked`);
    } else {
      const others = r.shares.exportsIn(r.namespace).filter((e) => e.name !== r.name).length;
      if (others >= max) {
        report.violation('ShareLimit', ['metadata', 'name'], `namespace "${r.namespace}" already holds ${others} Exports; at most ${max} are allowed (sharing.maxExportsPerNamespace)`,
          'add the ports or tenants to an existing Export, or delete one you no longer need');
      }
    }
  }
}

function validateImport(r: ShareReview, tenant: string, report: Report): void {
  const read = readImport(r.object);
  if (!read.ok) {
    reportProblems('Import', read.problems, report);
    return;
  }
  const imp = read.value;
  if (imp.from.namespace === r.namespace) {
    report.violation('ShareSelf', ['spec', 'from', 'namespace'], 'names this Import\'s own namespace; its pods already reach each other by the namespace\'s own policies', 'name the namespace that holds the Export');
    return;
  }
  const ref = `Export "${imp.from.export}" in namespace "${imp.from.namespace}"`;
  const exp = r.shares?.known === true ? r.shares.exportNamed(imp.from.namespace, imp.from.export) : undefined;
  const exporter = ownerOf(imp.from.namespace, r.namespaces, r.config);
  // Only an Export that offers itself to this namespace is described: the importer is then entitled to know it.
  if (exp !== undefined && exporter.kind === 'tenant' && exportLists(exp, tenant, r.namespace)) {
    const outside = imp.ports === undefined ? [] : portsOutside(imp.ports, exp.ports);
    if (outside.length > 0) {
      report.warn(`spec.ports: ${outside.map(portText).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not offered by ${ref} (it offers ${exp.ports.map(portText).join(', ')}); until it does, this Import is NotPermitted`);
    } else if (!pairAllowed(r.config.sharing.allowedPairs, exporter.tenant, tenant)) {
      report.warn(`tenant ${exporter.tenant} may not share with tenant ${tenant} (sharing.allowedPairs); this Import stays NotPermitted until the platform team allows the pair`);
    }
    return;
  }
  // The same text whether the namespace, the Export, or the consent is missing.
  report.warn(`${notListedMessage(imp, tenant)}; this Import's status says when it is Accepted`);
}

export function validateShare(r: ShareReview, report: Report): void {
  if (r.operation === 'DELETE') {
    // Removing a share only takes access away; the namespace's collectors must never be blocked.
    if (!r.cleanup) ownTenant(r, report);
    return;
  }
  // An object on its way out may lose finalizers without being judged again.
  if (r.operation === 'UPDATE' && r.object !== undefined && typeof r.object.metadata === 'object' && r.object.metadata !== null
    && (r.object.metadata as Record<string, unknown>).deletionTimestamp !== undefined) return;
  const tenant = ownTenant(r, report);
  if (tenant === undefined) return;
  if (!r.config.sharing.enabled) {
    report.violation('ShareDisabled', ['kind'], `sharing between tenants is turned off on this cluster (sharing.enabled is false); no ${r.kind} is accepted`,
      'ask the platform team to turn sharing on, or to open this path for you');
    return;
  }
  if (r.object === undefined) {
    report.violation('MalformedObject', [], `the request carries no ${r.kind}`, 'send the object');
    return;
  }
  if (r.kind === 'Export') validateExport(r, tenant, report);
  else validateImport(r, tenant, report);
}
