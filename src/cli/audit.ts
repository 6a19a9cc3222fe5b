/**
 * `tenant-guard audit`: what already exists that the webhook would refuse
 * today, and where the baseline is missing. Read-only. Exit 0 when clean, 1
 * when it finds something, 2 on bad input or when the API cannot be read.
 * Progress goes to stderr, and only when stderr is a terminal.
 */
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import { AUDIT_CATEGORIES, auditCluster, findingCounts, totalFindings, type AuditReport } from '../audit/report.js';
import { collectAuditInput } from '../audit/collect.js';
import { KubeApiError, KubeRest } from '../kube/rest.js';
import { loadKubeConfig } from '../kube/client.js';
import { renderViolation, subjectText } from '../policy/index.js';
import { intFlag, parse, UsageError } from './args.js';

export const auditOptions = {
  kubeconfig: { type: 'string' },
  config: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'page-size': { type: 'string' },
} as const;

const TITLES: Record<(typeof AUDIT_CATEGORIES)[number], string> = {
  refusedPolicies: 'Policies the webhook would refuse today',
  clusterPolicies: 'Cluster-wide policies not known to come from an admin',
  missingBaseline: 'Tenant namespaces missing their baseline',
  unlabeledNamespaces: 'Namespaces with no tenant label that are not platform namespaces',
  platformUnlabeled: 'Platform namespaces without the platform value on the tenant label',
};

export function renderAuditText(report: AuditReport, server: string): string {
  const total = totalFindings(report);
  const s = report.scanned;
  const lines: string[] = [
    `tenant-guard audit of ${server}: ${total === 0 ? 'no findings' : `${total} ${total === 1 ? 'finding' : 'findings'}`}`,
    `scanned ${s.namespaces} namespaces, ${s.networkPolicies} NetworkPolicies, ${s.ciliumNetworkPolicies === null ? 'no CiliumNetworkPolicy CRD' : `${s.ciliumNetworkPolicies} CiliumNetworkPolicies`}, ${s.clusterPolicies} cluster-wide policies; ${s.managedSkipped} managed baseline policies not judged`,
  ];
  const counts = findingCounts(report);
  for (const c of AUDIT_CATEGORIES) {
    if (counts[c] === 0) continue;
    lines.push('', `${TITLES[c]} (${counts[c]}):`);
    switch (c) {
      case 'refusedPolicies':
        for (const p of report.refusedPolicies) {
          lines.push(`  ${subjectText(p)}`);
          for (const v of p.violations) lines.push(`    - ${renderViolation(v)}`);
        }
        break;
      case 'clusterPolicies':
        for (const p of report.clusterPolicies) {
          lines.push(`  ${p.kind} ${p.name} (field managers: ${p.managers.length > 0 ? p.managers.join(', ') : 'none recorded'}${p.created !== undefined ? `; created ${p.created}` : ''})`);
        }
        lines.push(`  note: ${report.clusterPolicies[0]?.note ?? ''}`);
        break;
      case 'missingBaseline':
        for (const m of report.missingBaseline) {
          const parts = [];
          if (m.missing.length > 0) parts.push(`missing ${m.missing.join(', ')}`);
          if (m.drifted.length > 0) parts.push(`differs from the baseline: ${m.drifted.join(', ')}`);
          lines.push(`  ${m.namespace} (tenant ${m.tenant}): ${parts.join('; ')}`);
        }
        break;
      case 'unlabeledNamespaces':
        for (const n of report.unlabeledNamespaces) lines.push(`  ${n}`);
        break;
      case 'platformUnlabeled':
        for (const n of report.platformUnlabeled) lines.push(`  ${n}`);
        break;
    }
  }
  return lines.join('\n');
}

export function auditJson(report: AuditReport, server: string): object {
  return { apiServer: server, findings: totalFindings(report), counts: findingCounts(report), ...report };
}

function progressLine(): ((what: string, count: number) => void) & { clear(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  const fn = (what: string, count: number) => {
    if (!tty) return;
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    process.stderr.write(`\r\x1b[Klisting ${what}: ${count}`);
  };
  fn.clear = () => {
    if (tty) process.stderr.write('\r\x1b[K');
  };
  return fn;
}

function explain(err: unknown, server: string): string {
  if (err instanceof KubeApiError) {
    if (err.status === 0) return `cannot reach the Kubernetes API at ${server}: ${err.message}`;
    if (err.status === 401) return `the Kubernetes API at ${server} did not accept the credentials (401): ${err.message}`;
    if (err.status === 403) return `not allowed to read what the audit needs (403): ${err.message}. It needs list on namespaces, networkpolicies, and the Cilium and admin network policy kinds`;
    return `the Kubernetes API at ${server} answered ${err.status} (${err.reason}): ${err.message}`;
  }
  return `reading the cluster failed: ${(err as Error).message}`;
}

export async function runAudit(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(argv, auditOptions);
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o must be text or json, got "${output}"`);
  const pageSize = intFlag(values['page-size'], 'page-size') ?? 500;
  if (pageSize < 1) throw new UsageError('--page-size must be at least 1');
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig: values.kubeconfig });
  } catch (err) {
    throw new UsageError(`cannot load kubeconfig: ${(err as Error).message}`);
  }
  if (kc === undefined) throw new UsageError('no Kubernetes API configured: pass --kubeconfig, or set $KUBECONFIG');
  let rest: KubeRest;
  try {
    rest = new KubeRest(kc, { timeoutMs: 60_000 });
  } catch (err) {
    throw new UsageError(`the kubeconfig is not usable: ${(err as Error).message}`);
  }
  const progress = progressLine();
  let report: AuditReport;
  try {
    report = auditCluster(await collectAuditInput(rest, cfg.config, progress, pageSize));
  } catch (err) {
    progress.clear();
    throw new UsageError(explain(err, rest.url));
  }
  progress.clear();
  out(output === 'json' ? JSON.stringify(auditJson(report, rest.url), null, 2) : renderAuditText(report, rest.url));
  return totalFindings(report) > 0 ? 1 : 0;
}
