/**
 * `tenant-guard audit`: what already exists that the webhook would refuse
 * today, and where the baseline is missing. Read-only. Exit 0 when clean, 1
 * when it finds something, 2 on bad input or when the API cannot be read.
 * Progress goes to stderr, and only when stderr is a terminal. The
 * configuration is the installed release's (its ConfigMap) unless --config
 * names a file.
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { AUDIT_CATEGORIES, auditCluster, findingCounts, totalFindings, type AuditInput, type AuditReport } from '../audit/report.js';
import { collectAuditInput, collectPods } from '../audit/collect.js';
import { auditWarnings, type AuditPod, type AuditWarning } from '../audit/lint.js';
import { KubeApiError, KubeRest } from '../kube/rest.js';
import { loadKubeConfig } from '../kube/client.js';
import { renderViolation, subjectText } from '../policy/index.js';
import { kubeconfigOption, outputOption, UsageError, wholeNumber, type Io, type ActionWrapper } from './args.js';
import { readInstalledConfig } from './installed-config.js';
import { reportsOfAudit } from '../reports/from-audit.js';

interface AuditFlags {
  kubeconfig?: string;
  context?: string;
  config?: string;
  releaseNamespace: string;
  release?: string;
  output: string;
  pageSize: number;
}

export function auditCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('audit')
    .summary('list what exists that the webhook would refuse today')
    .description('List what already exists that the webhook would refuse today, cluster-wide policies not known to come from an admin, and tenant namespaces missing their baseline; then the lint warnings of the stored policies (they do not change the exit code). Read-only. The configuration is the installed release\'s (its ConfigMap) unless --config names a file.')
    .addOption(kubeconfigOption())
    .option('--context <name>', 'the kubeconfig context to use (default: its current context)')
    .option('--config <file>', 'judge by this configuration file instead of the installed release\'s')
    .option('--release-namespace <ns>', 'namespace of the tenant-guard release whose configuration is read', 'tenant-guard-system')
    .option('--release <name>', 'the Helm release, when the namespace holds several')
    .addOption(outputOption(['text', 'json', 'yaml', 'policyreport'], 'text'))
    .option('--page-size <n>', 'objects per list request', wholeNumber, 500)
    .addHelpText('after', '\n-o policyreport prints the wgpolicyk8s.io/v1alpha2 PolicyReports (one per tenant namespace) and the ClusterPolicyReport the controller keeps, as YAML.\nExit codes: 0 no findings, 1 findings, 2 bad input or the API cannot be read.')
    .action(action<AuditFlags>('audit', (flags) => runAudit(flags, io)));
}

const TITLES: Record<(typeof AUDIT_CATEGORIES)[number], string> = {
  refusedPolicies: 'Policies the webhook would refuse today (or admit with the mode shown, under a rollout mode)',
  clusterPolicies: 'Cluster-wide policies not known to come from an admin',
  missingBaseline: 'Tenant namespaces missing their baseline',
  unlabeledNamespaces: 'Namespaces with no tenant label that are not platform namespaces',
  platformUnlabeled: 'Platform namespaces without the platform value on the tenant label',
  adoptionConflicts: 'Namespaces tenants[].namespaces assigns that adoption leaves as they are',
};

export function renderAuditText(report: AuditReport, server: string, configuration: string, warnings: readonly AuditWarning[] = []): string {
  const total = totalFindings(report);
  const s = report.scanned;
  const lines: string[] = [
    `tenant-guard audit of ${server}: ${total === 0 ? 'no findings' : `${total} ${total === 1 ? 'finding' : 'findings'}`}`,
    `configuration: ${configuration}`,
    `scanned ${s.namespaces} namespaces, ${s.networkPolicies} NetworkPolicies, ${s.ciliumNetworkPolicies === null ? 'no CiliumNetworkPolicy CRD' : `${s.ciliumNetworkPolicies} CiliumNetworkPolicies`}, ${s.clusterPolicies} cluster-wide policies; ${s.managedSkipped} managed baseline policies not judged`,
  ];
  if (report.shares.length > 0) {
    lines.push('', `Shares in force (${report.shares.length}, not findings: both tenants consented):`);
    for (const sh of report.shares) lines.push(`  Export ${sh.export} (tenant ${sh.exporterTenant}) -> Import ${sh.import} (tenant ${sh.importerTenant}) on ${sh.ports.join(', ')}`);
  }
  const counts = findingCounts(report);
  for (const c of AUDIT_CATEGORIES) {
    if (counts[c] === 0) continue;
    lines.push('', `${TITLES[c]} (${counts[c]}):`);
    switch (c) {
      case 'refusedPolicies':
        for (const p of report.refusedPolicies) {
          lines.push(`  ${subjectText(p)}`);
          for (const v of p.violations) lines.push(`    - ${'mode' in v ? `(${String(v.mode)}) ` : ''}${renderViolation(v)}`);
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
      case 'adoptionConflicts':
        for (const a of report.adoptionConflicts) lines.push(`  ${a.namespace}: ${a.reason}`);
        break;
    }
  }
  if (warnings.length > 0) {
    lines.push('', `Warnings: allowed, but probably not meant (${warnings.length}; they do not change the exit code):`);
    for (const w of warnings) lines.push(`  ${w.kind} ${w.namespace}/${w.name}: ${w.code} ${w.path}: ${w.message}`);
  }
  return lines.join('\n');
}

export function auditJson(report: AuditReport, server: string, configuration: string, warnings: readonly AuditWarning[] = []): object {
  return { apiServer: server, configuration, findings: totalFindings(report), counts: findingCounts(report), ...report, warnings };
}

/** The pods, for the lint that needs them; without list on pods the audit goes on and says what it could not check. */
async function podsIfAllowed(rest: KubeRest, io: Io, progress: (what: string, count: number) => void, pageSize: number): Promise<AuditPod[] | undefined> {
  try {
    return await collectPods(rest, progress, pageSize);
  } catch (err) {
    if (!(err instanceof KubeApiError) || err.status !== 403) throw err;
    io.err('note: not allowed to list pods, so policies whose podSelector matches no pod (SelectorMatchesNoWorkload) are not looked for');
    return undefined;
  }
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
    if (err.status === 403) return `not allowed to read what the audit needs (403): ${err.message}. It needs list on namespaces, networkpolicies, pods (for the lint), the Cilium and admin network policy kinds, and (without --config) configmaps in the release namespace`;
    return `the Kubernetes API at ${server} answered ${err.status} (${err.reason}): ${err.message}`;
  }
  return `reading the cluster failed: ${(err as Error).message}`;
}

async function runAudit(values: AuditFlags, io: Io): Promise<number> {
  const output = values.output;
  const pageSize = values.pageSize;
  if (pageSize < 1) throw new UsageError('--page-size must be at least 1');
  let config: Config | undefined;
  if (values.config !== undefined) {
    const cfg = await loadConfigFile(values.config);
    if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
    config = cfg.config;
  }
  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context });
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
  let input: AuditInput;
  let pods: AuditPod[] | undefined;
  let source = values.config ?? '';
  try {
    if (config === undefined) {
      const installed = await readInstalledConfig(rest, values.releaseNamespace, values.release);
      if (!installed.ok) throw new UsageError(installed.message);
      config = installed.installed.config;
      source = `ConfigMap ${installed.installed.source}`;
    }
    input = await collectAuditInput(rest, config, progress, pageSize);
    report = auditCluster(input);
    pods = output === 'policyreport' ? undefined : await podsIfAllowed(rest, io, progress, pageSize);
  } catch (err) {
    progress.clear();
    if (err instanceof UsageError) throw err;
    throw new UsageError(explain(err, rest.url));
  }
  progress.clear();
  if (output === 'policyreport') {
    io.out(reportsOfAudit(input).map((r) => stringify(r, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n').replace(/\n$/, ''));
    return totalFindings(report) > 0 ? 1 : 0;
  }
  const warnings = auditWarnings(input, config, pods);
  const json = auditJson(report, rest.url, source, warnings);
  io.out(output === 'json' ? JSON.stringify(json, null, 2) : output === 'yaml' ? stringify(json, { lineWidth: 0 }).replace(/\n$/, '') : renderAuditText(report, rest.url, source, warnings));
  return totalFindings(report) > 0 ? 1 : 0;
}
