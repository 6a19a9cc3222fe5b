/**
 * The engine's only entry: review(input) → Verdict. Pure: no I/O, no clock,
 * no randomness. The webhook, `check` and `audit` all call it.
 */
import { buildRuleContext } from './context.js';
import { classify } from './kinds.js';
import { isRecord, Report } from './report.js';
import { validateCiliumNetworkPolicy } from './rules/cilium.js';
import { validateManaged } from './rules/managed.js';
import { validateNamespace } from './rules/namespace.js';
import { validateNetworkPolicy } from './rules/networkpolicy.js';
import { ownershipUnknown, reviewSteering } from './rules/steering.js';
import { validateShare } from './rules/sharing.js';
import { applyEnforcement, relaxesAnything } from './enforcement.js';
import { describeOwner, isAdmin, isSystemDeleter, membershipOf, ownerOf } from './tenancy.js';
import type { JsonPatchOp, ReviewInput, Verdict } from './types.js';

function metadataOf(obj: unknown): Record<string, unknown> {
  return isRecord(obj) && isRecord(obj.metadata) ? obj.metadata : {};
}

function verdict(report: Report, patch: JsonPatchOp[] = []): Verdict {
  return { allowed: report.violations.length === 0, violations: report.violations, warnings: report.warnings, patch: report.violations.length === 0 ? patch : [] };
}

/**
 * The tenants a request concerns, for its enforcement mode: the requester's (a service account's included),
 * the owner of the namespace it is in, and for a Namespace the tenants its
 * owner label names before and after. `known` is false when the owner of
 * that namespace, or the service account's, cannot be established: then
 * nothing is relaxed.
 */
function concernedTenants(input: ReviewInput, kind: ReturnType<typeof classify>): { tenants: string[]; known: boolean } {
  const { settings } = input;
  const membership = membershipOf(input.requester, input.namespaces, settings);
  const out = new Set(membership.known ? membership.tenants : []);
  let known = membership.known;
  if (kind === 'Namespace') {
    for (const obj of [input.object, input.oldObject]) {
      const labels = metadataOf(obj).labels;
      const v = isRecord(labels) ? labels[settings.tenantLabel] : undefined;
      if (typeof v === 'string' && v !== '' && v !== settings.platform.value) out.add(v);
    }
  } else {
    const namespace = input.namespace ?? metadataOf(input.object ?? input.oldObject).namespace;
    if (typeof namespace === 'string' && namespace !== '') {
      const owner = ownerOf(namespace, input.namespaces, settings);
      if (owner.kind === 'tenant') out.add(owner.tenant);
      else if (owner.kind === 'unknown') known = false;
    }
  }
  return { tenants: [...out].sort(), known };
}

export function review(input: ReviewInput): Verdict {
  const verdict = judge(input);
  const e = input.settings.enforcement;
  if (verdict.violations.length === 0 || !relaxesAnything(e)) return verdict;
  const concerned = concernedTenants(input, classify(input.kind.group, input.kind.kind));
  return applyEnforcement(verdict, concerned.tenants, e, !concerned.known);
}

function judge(input: ReviewInput): Verdict {
  const report = new Report();
  const kind = classify(input.kind.group, input.kind.kind);
  const admin = isAdmin(input.requester, input.settings);
  const object = isRecord(input.object) ? input.object : undefined;
  const oldObject = isRecord(input.oldObject) ? input.oldObject : undefined;
  const label = `${input.kind.kind}`;

  if (input.operation === 'CONNECT') return verdict(report);

  switch (kind) {
    case 'Unjudged':
      report.warn(`tenant-guard does not judge ${input.kind.group === '' ? '' : `${input.kind.group}/`}${input.kind.kind}; it was allowed unchecked`);
      return verdict(report);

    case 'Namespace': {
      // The name is text from the request: a non-string is no name, never something to call string methods on.
      const metaName = metadataOf(object ?? oldObject).name;
      const name = input.name ?? (typeof metaName === 'string' ? metaName : '');
      const membership = admin ? { known: true as const, tenants: [] } : membershipOf(input.requester, input.namespaces, input.settings);
      if (!membership.known) {
        // Whose namespace it may create or change depends on whose service account asks: never guessed.
        report.violation('OwnershipUnknown', ['metadata'], `${membership.reason}; tenant-guard refuses rather than guess its tenant`,
          'retry in a moment; if it persists, ask the platform team to check tenant-guard\'s access to the API server');
        return verdict(report);
      }
      const patch = validateNamespace({ operation: input.operation, name, object, oldObject, requester: input.requester, tenants: membership.tenants, admin, config: input.settings }, report);
      // The validating phase sees the object after the mutating one: a change still to make means the
      // mutating webhook did not run (or another webhook undid it), and the namespace would have no owner.
      if (input.phase === 'validating' && report.violations.length === 0 && patch.length > 0 && !admin) {
        report.violation('NamespaceLabelMissing', ['metadata', 'labels', input.settings.tenantLabel],
          'the owner label is missing: tenant-guard\'s mutating webhook did not run or another webhook removed the label',
          'retry; if it persists, ask the platform team to check the tenant-guard MutatingWebhookConfiguration');
      }
      return verdict(report, patch);
    }

    case 'Service':
    case 'CiliumLocalRedirectPolicy':
    case 'CiliumEnvoyConfig':
      if (!admin) reviewSteering(kind, input, report);
      return verdict(report);

    case 'ClusterScopedPolicy':
      if (!admin) {
        const verb = input.operation === 'CREATE' ? 'create' : input.operation === 'DELETE' ? 'delete' : 'change';
        if (input.kind.kind === 'CiliumCIDRGroup') {
          report.violation('ClusterScopedPolicy', ['kind'], `a CiliumCIDRGroup changes which addresses every policy that names it in cidrGroupRef reaches, in every tenant; only the platform team may ${verb} one`,
            'write the addresses with cidr and except in your own CiliumNetworkPolicy, or ask the platform team for a group');
        } else {
          report.violation('ClusterScopedPolicy', ['kind'], `${label} applies to the whole cluster, across every tenant; only the platform team may ${verb} one`,
            'write a namespaced NetworkPolicy or CiliumNetworkPolicy in your own namespace instead');
        }
      }
      return verdict(report);

    case 'Export':
    case 'Import': {
      if (admin) return verdict(report);
      const md = metadataOf(object ?? oldObject);
      const namespace = input.namespace ?? (typeof md.namespace === 'string' ? md.namespace : undefined);
      if (namespace === undefined || namespace === '') {
        report.violation('MalformedObject', ['metadata', 'namespace'], `an ${label} must belong to a namespace`, 'set metadata.namespace (or apply with -n)');
        return verdict(report);
      }
      const ns = input.namespaces.lookup(namespace);
      const terminating = ns.state === 'absent' || (ns.state === 'found' && ns.terminating === true);
      validateShare({
        kind,
        operation: input.operation,
        namespace,
        name: input.name ?? (typeof md.name === 'string' ? md.name : ''),
        object,
        oldObject,
        requester: input.requester,
        namespaces: input.namespaces,
        shares: input.shares,
        config: input.settings,
        cleanup: isSystemDeleter(input.requester) || terminating,
      }, report);
      return verdict(report);
    }

    case 'NetworkPolicy':
    case 'CiliumNetworkPolicy': {
      if (admin) return verdict(report);
      const namespace = input.namespace ?? (metadataOf(object ?? oldObject).namespace as string | undefined);
      if (typeof namespace !== 'string' || namespace === '') {
        report.violation('MalformedObject', ['metadata', 'namespace'], `a ${label} must belong to a namespace`, 'set metadata.namespace (or apply with -n)');
        return verdict(report);
      }
      if (input.operation === 'DELETE') {
        const ns = input.namespaces.lookup(namespace);
        const terminating = ns.state === 'absent' || (ns.state === 'found' && ns.terminating === true);
        // Deleting a policy only takes access away; only the platform's own policies are protected.
        if (!isSystemDeleter(input.requester) && !terminating) validateManaged('DELETE', object, oldObject, label, report);
        return verdict(report);
      }
      validateManaged(input.operation, object, oldObject, label, report);
      if (object === undefined) {
        report.violation('MalformedObject', [], `the request carries no ${label}`, 'send the object');
        return verdict(report);
      }
      // An object on its way out may lose finalizers without being judged again.
      if (input.operation === 'UPDATE' && metadataOf(object).deletionTimestamp !== undefined) return verdict(report);
      const ctx = { ...buildRuleContext(namespace, input.namespaces, input.settings, input.shares), cidrGroups: input.cidrGroups };
      if (ctx.owner.kind === 'unknown') {
        ownershipUnknown(namespace, ctx.owner.reason, report);
        // Every other judgement depends on whose namespace this is: guessing would only add misleading lines.
        return verdict(report);
      } else if (ctx.owner.kind === 'none' || ctx.owner.kind === 'absent') {
        report.warn(`namespace "${namespace}" is owned by ${describeOwner(ctx.owner)}: this policy may reach only its own namespace and the platform`);
      }
      if (kind === 'NetworkPolicy') validateNetworkPolicy(object, ctx, report);
      else validateCiliumNetworkPolicy(object, ctx, report);
      return verdict(report);
    }
  }
}
