/**
 * Lint over what is stored: the engine's warnings (src/policy/lint) for every
 * NetworkPolicy and CiliumNetworkPolicy a tenant wrote, with what only a
 * cluster-wide read knows: the pods of each namespace (a podSelector that
 * matches none of them is `SelectorMatchesNoWorkload`), the DNS pods the
 * cluster runs, and the namespaces' labels. Warnings, never findings: they do
 * not change the audit's exit code, as lint never refuses in admission.
 *
 * Pods are the workloads here (a Deployment scaled to zero has none, and the
 * warning says "no pod running now"); `reach` reads pod templates instead,
 * because it answers for the workloads a template will start.
 */
import type { Config } from '../config/schema.js';
import { compareText, fieldPathText, isManaged, lintPolicy, NAME_LABEL, WELL_KNOWN_DNS_SERVERS, type KnownPod, type LintCode } from '../policy/index.js';
import type { AuditInput, AuditObject } from './report.js';

/** A pod as the audit keeps it: where it runs and its labels (nothing else is read). */
export interface AuditPod {
  namespace: string;
  labels: Record<string, string>;
}

export interface AuditWarning {
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy';
  namespace: string;
  name: string;
  code: LintCode;
  /** kubectl-style field path, e.g. `spec.podSelector`. */
  path: string;
  message: string;
}

/** The DNS server pods among the listed ones (the well-known labels in their namespace); none listed: the well-known ones. */
function dnsServers(pods: readonly AuditPod[]): readonly KnownPod[] {
  const found = pods.filter((p) => WELL_KNOWN_DNS_SERVERS.some((w) => w.namespace === p.namespace && Object.entries(w.labels).every(([k, v]) => p.labels[k] === v)));
  return found.length > 0 ? found : WELL_KNOWN_DNS_SERVERS;
}

/** The engine's lint of every stored policy but the platform's own; `pods` undefined: not listed, so no workload lint. */
export function auditWarnings(input: Pick<AuditInput, 'namespaces' | 'networkPolicies' | 'ciliumPolicies'>, config: Config, pods: readonly AuditPod[] | undefined): AuditWarning[] {
  const labelsOf = new Map<string, Record<string, string>>();
  // The API server sets the name label on every namespace; a list read from elsewhere may lack it.
  for (const ns of input.namespaces) if (ns.metadata?.name !== undefined) labelsOf.set(ns.metadata.name, { ...ns.metadata.labels, [NAME_LABEL]: ns.metadata.name });
  const podsOf = new Map<string, Record<string, string>[]>();
  for (const p of pods ?? []) {
    const list = podsOf.get(p.namespace);
    if (list === undefined) podsOf.set(p.namespace, [p.labels]);
    else list.push(p.labels);
  }
  const servers = pods === undefined ? undefined : dnsServers(pods);
  const out: AuditWarning[] = [];
  const lint = (obj: AuditObject, kind: AuditWarning['kind']) => {
    const namespace = obj.metadata?.namespace;
    if (namespace === undefined || namespace === '' || isManaged(obj)) return;
    const lints = lintPolicy({
      kind,
      namespace,
      object: obj,
      asWritten: false,
      workloads: pods === undefined ? undefined : podsOf.get(namespace) ?? [],
      dnsServers: servers,
      namespaceLabels: (ns) => labelsOf.get(ns),
      // As admission reads it: the baseline's egress policy gives every tenant pod DNS.
      dnsAllowedElsewhere: config.baseline.egress.enabled && config.baseline.egress.dns,
    });
    for (const l of lints) out.push({ kind, namespace, name: obj.metadata?.name ?? '', code: l.code, path: fieldPathText(l.path), message: l.message });
  };
  for (const np of input.networkPolicies) lint(np, 'NetworkPolicy');
  for (const cnp of input.ciliumPolicies ?? []) lint(cnp, 'CiliumNetworkPolicy');
  return out.sort((a, b) => compareText(`${a.namespace}/${a.name}/${a.kind}/${a.path}/${a.code}`, `${b.namespace}/${b.name}/${b.kind}/${b.path}/${b.code}`));
}
