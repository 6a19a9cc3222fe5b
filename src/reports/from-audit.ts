/**
 * Every PolicyReport of a cluster from one audit's input (what `audit -o
 * policyreport` prints): the same builders the controller uses, over a
 * listing instead of its caches, so both print the same objects.
 */
import { StaticNamespaces, type NamespaceLike } from '../kube/namespace-view.js';
import { compareText, ownerFromLabels } from '../policy/index.js';
import { auditCluster, auditShares, judgePolicy, type AuditInput, type AuditObject, type JudgedPolicy } from '../audit/report.js';
import { desiredClusterReport, desiredNamespaceReport, type PolicyReport } from './desired.js';

function terminating(o: AuditObject): boolean {
  return (o.metadata?.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null) || o.status?.phase === 'Terminating';
}

/** The namespace reports (by namespace name) followed by the ClusterPolicyReport. */
export function reportsOfAudit(input: AuditInput): PolicyReport[] {
  const { config } = input;
  const view = new StaticNamespaces(input.namespaces as readonly NamespaceLike[]).view();
  const audit = auditCluster(input);
  const shares = auditShares(input, view);
  const judged = new Map<string, JudgedPolicy[]>();
  const add = (o: AuditObject, kind: 'NetworkPolicy' | 'CiliumNetworkPolicy') => {
    const j = judgePolicy(o, kind, view, config, shares);
    if (j === undefined) return;
    const list = judged.get(j.namespace) ?? [];
    list.push(j);
    judged.set(j.namespace, list);
  };
  for (const np of input.networkPolicies) add(np, 'NetworkPolicy');
  for (const cnp of input.ciliumPolicies ?? []) add(cnp, 'CiliumNetworkPolicy');

  const out: PolicyReport[] = [];
  const names = input.namespaces.filter((n) => !terminating(n)).map((n) => n.metadata).filter((m) => m?.name !== undefined).sort((a, b) => compareText(a!.name!, b!.name!));
  for (const md of names) {
    const name = md!.name!;
    const owner = ownerFromLabels(name, md!.labels, config);
    if (owner.kind !== 'tenant') continue;
    out.push(desiredNamespaceReport({ namespace: name, tenant: owner.tenant, policies: judged.get(name) ?? [], baseline: audit.missingBaseline.find((m) => m.namespace === name) }, config));
  }
  out.push(desiredClusterReport(audit, config));
  return out;
}
