/**
 * The judging behind `check` and `check --fix`: each object placed as
 * `kubectl apply` would place it, then reviewed as the webhook would review
 * the request that writes it (src/policy/object.ts). Its own module so that
 * check.ts and fix.ts both use it without importing each other.
 */
import { policySettingsOf, type Config } from '../config/schema.js';
import { StaticCidrGroups } from '../kube/cidr-group-cache.js';
import { StaticNamespaces, type NamespaceLike } from '../kube/namespace-view.js';
import { lintObject, renderLint, review, storedObjectInput, type JsonPatchOp, type Operation, type RelaxedViolation, type Violation } from '../policy/index.js';
import type { SourcedObject } from './documents.js';
import { place } from './placement.js';

export interface CheckOptions {
  namespace?: string | undefined;
  tenant?: string | undefined;
  user: string;
  groups: string[];
  operation: Operation;
  /** For UPDATE: the stored version of each object, in the same order (--old); without it an UPDATE compares an object with itself. */
  old?: readonly Record<string, unknown>[] | undefined;
}

export interface CheckResult {
  file: string;
  position: string;
  kind: string;
  namespace: string | undefined;
  name: string | undefined;
  allowed: boolean;
  /** The violations that refuse it (mode deny). */
  violations: Violation[];
  /** The violations the configured enforcement admits, each with its mode (warn, dryrun). */
  relaxed: RelaxedViolation[];
  warnings: string[];
  patch: JsonPatchOp[];
}

/**
 * The CiliumCIDRGroups among the inputs stand for the cluster's (check has no
 * cluster to read them from). A cidrGroupRef to any other name stays
 * unknown, so it is refused (fail closed), with how to supply the group.
 */
function offlineCidrGroups(objects: readonly SourcedObject[]): StaticCidrGroups {
  const groups = objects.map((o) => o.object).filter((o) => o.kind === 'CiliumCIDRGroup' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('cilium.io/'));
  return new StaticCidrGroups(groups, (name) => ({
    state: 'unknown',
    reason: `check reads CiliumCIDRGroups only from its -f inputs, offline, and none of them is named "${name}"`,
    fix: `add the group to the inputs (kubectl get ciliumcidrgroup ${name} -o yaml > ${name}.yaml, then check -f ${name}.yaml -f <policy>), or write the addresses with cidr and except`,
  }));
}

/** Judge each object as the webhook would. Pure apart from its inputs. */
export function checkObjects(objects: readonly SourcedObject[], namespaceObjects: readonly NamespaceLike[], opts: CheckOptions, config: Config): CheckResult[] {
  const known = [...namespaceObjects];
  if (opts.namespace !== undefined && opts.tenant !== undefined && !known.some((n) => n.metadata?.name === opts.namespace)) {
    known.push({ metadata: { name: opts.namespace, labels: { [config.tenantLabel]: opts.tenant } } });
  }
  const view = new StaticNamespaces(known).view();
  const cidrGroups = offlineCidrGroups(objects).view();
  const settings = policySettingsOf(config);
  return objects.map(({ object, file, position }, i) => {
    const placed = place(object, opts.namespace);
    const stored = opts.old?.[i];
    const old = stored === undefined ? placed.object : place(stored, opts.namespace).object;
    const verdict = review(storedObjectInput(placed.object, {
      operation: opts.operation,
      oldObject: old,
      requester: { username: opts.user, groups: opts.groups },
      namespaces: view,
      settings,
      cidrGroups,
    }));
    // check sees the object as written, before the API server's defaults: its lint says what they will change.
    const lints = opts.operation === 'DELETE' ? [] : lintObject({ group: placed.group, kind: placed.kind }, placed.namespace, placed.object, { asWritten: true, dnsAllowedElsewhere: config.baseline.egress.enabled && config.baseline.egress.dns });
    const warnings = [...verdict.warnings, ...lints.map(renderLint)];
    return { file, position, kind: placed.kind, namespace: placed.namespace, name: placed.name, allowed: verdict.allowed, violations: verdict.violations, relaxed: verdict.relaxed ?? [], warnings, patch: verdict.patch };
  });
}
