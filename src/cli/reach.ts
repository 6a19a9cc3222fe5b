/**
 * `tenant-guard reach`: who can reach whom. `-o connlist` (and json, md, csv,
 * dot, svg) lists every allowed workload connection; `--tenants` (the default
 * on a live cluster) summarises it as the tenant matrix (text, json, svg,
 * html). Exit 0 when no cross-tenant path exists, 1 when one does, 2 on bad
 * input.
 */
import type { Config } from '../config/schema.js';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import { desiredBaseline } from '../baseline/desired.js';
import { loadKubeConfig } from '../kube/client.js';
import { KubeApiError, KubeRest } from '../kube/rest.js';
import { buildCluster, type Cluster, type SourceObject } from '../reach/cluster.js';
import { connectivity } from '../reach/connectivity.js';
import { connRows, endpointNamespace, renderConnCsv, renderConnDot, renderConnJson, renderConnlist, renderConnMarkdown, type ConnRow } from '../reach/connlist-render.js';
import { renderConnSvg } from '../reach/connlist-svg.js';
import { tenantMatrix } from '../reach/matrix.js';
import { matrixJson, renderMatrixText } from '../reach/matrix-render.js';
import { renderMatrixHtml, renderMatrixSvg } from '../reach/matrix-svg.js';
import { parseCiliumNetworkPolicy } from '../reach/cilium.js';
import { lintCluster, type ReachLint } from '../reach/lint.js';
import { parseNetworkPolicy, type Policy } from '../reach/networkpolicy.js';
import { fieldPathText, renderLint } from '../policy/index.js';
import { isTenant, ownerParty, type Tenancy } from '../reach/tenancy.js';
import { Option, type Command } from 'commander';
import { collect, kubeconfigOption, UsageError, type Io, type ActionWrapper } from './args.js';
import { readInstalledConfig } from './installed-config.js';
import { readLiveInput } from './reach-live.js';
import { readReachInput } from './reach-input.js';

const CONN_OUTPUTS = ['connlist', 'json', 'md', 'csv', 'dot', 'svg'] as const;
const MATRIX_OUTPUTS = ['text', 'json', 'svg', 'html'] as const;

export interface ReachFlags {
  filename?: string[];
  recursive?: boolean;
  output?: string;
  tenants?: boolean;
  connections?: boolean;
  namespace?: string[];
  config?: string;
  kubeconfig?: string;
  context?: string;
  releaseNamespace: string;
  release?: string;
}

/** All of `reach`'s flags, in one place. */
export function reachCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('reach')
    .summary('who can reach whom: workload connections, or the tenant matrix')
    .description('Who can reach whom under Kubernetes NetworkPolicy semantics. From files: every allowed connection between workloads and address ranges, in the grammar of netpol-analyzer\'s list (-o connlist). From a live cluster (or with --tenants): the tenant matrix, counted over the namespaces that exist and over any namespace a tenant could create later. On a live cluster the configuration is the installed release\'s (its ConfigMap) unless --config names a file.')
    .option('-f, --filename <path>', 'file, folder (its .yaml, .yml and .json files) or - for standard input; repeatable; without it, the live cluster', collect)
    .option('-R, --recursive', 'read the folders given with -f recursively')
    .option('--tenants', 'the tenant matrix (the default on a live cluster)')
    .option('--connections', 'the workload connection list (the default for files)')
    .addOption(new Option('-o, --output <format>', `output format: ${CONN_OUTPUTS.join(', ')} for connections; ${MATRIX_OUTPUTS.join(', ')} for the matrix`))
    .option('-n, --namespace <ns>', 'only these namespaces (and the namespaces tenants can create later); repeatable', collect)
    .option('--config <file>', 'tenant-guard configuration: tenants, platform, baseline (default: the installed release\'s on a live cluster, the built-in defaults for files)')
    .addOption(kubeconfigOption())
    .option('--context <name>', 'the kubeconfig context to use (default: its current context)')
    .option('--release-namespace <ns>', 'namespace of the tenant-guard release whose configuration is read', 'tenant-guard-system')
    .option('--release <name>', 'the Helm release, when the namespace holds several')
    .addHelpText('after', '\nExit codes: 0 no path between two tenants, 1 one exists (or objects that could open one are not evaluated), 2 bad input.')
    .action(action<ReachFlags>('reach', (flags) => runReach(flags, io)));
}

interface Mode {
  tenants: boolean;
  output: string;
}

function modeOf(flags: ReachFlags): Mode {
  if (flags.tenants === true && flags.connections === true) throw new UsageError('--tenants and --connections exclude each other');
  const live = (flags.filename ?? []).length === 0;
  // The matrix is the default on a live cluster, the connection list for files.
  const tenants = flags.tenants === true || (live && flags.connections !== true);
  const outputs: readonly string[] = tenants ? MATRIX_OUTPUTS : CONN_OUTPUTS;
  const output = flags.output ?? outputs[0] ?? 'text';
  if (!outputs.includes(output)) throw new UsageError(`-o must be one of ${outputs.join(', ')} ${tenants ? 'for the tenant matrix' : 'for the connection list (--tenants for the matrix)'}, got "${output}"`);
  return { tenants, output };
}

function tenancyOf(config: Config): Tenancy {
  return {
    tenantLabel: config.tenantLabel,
    platformValue: config.platform.value,
    platformNamespaces: config.platform.namespaces,
    tenants: config.tenants.map((t) => t.name),
    namespacePrefix: config.namespacePrefix,
    newNamespacePolicies: (tenant, namespace) => {
      // The baseline controller gives every new tenant namespace its baseline, in the configured flavour.
      const out: Policy[] = [];
      for (const b of desiredBaseline(namespace, { kind: 'tenant', tenant }, config, config.baseline.flavour)) {
        const object = b as unknown as Record<string, unknown>;
        if (config.baseline.flavour === 'networkpolicy') {
          const p = parseNetworkPolicy(object, namespace, b.metadata.name, []);
          if (p !== undefined) out.push(p);
        } else {
          // Its selectors name no namespace label, so the new namespace's labels are not needed.
          out.push(...parseCiliumNetworkPolicy(object, namespace, b.metadata.name, undefined).policies);
        }
      }
      return out;
    },
  };
}

function restOf(flags: ReachFlags): KubeRest {
  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  } catch (err) {
    throw new UsageError(`cannot load kubeconfig: ${(err as Error).message}`);
  }
  if (kc === undefined) throw new UsageError('no input: pass -f FILE|DIR, or --kubeconfig (or set $KUBECONFIG) for a live cluster');
  try {
    return new KubeRest(kc, { timeoutMs: 60_000 });
  } catch (err) {
    throw new UsageError(`the kubeconfig is not usable: ${(err as Error).message}`);
  }
}

function explain(err: unknown, server: string): UsageError {
  if (err instanceof UsageError) return err;
  if (err instanceof KubeApiError) {
    if (err.status === 0) return new UsageError(`cannot reach the Kubernetes API at ${server}: ${err.message}`);
    if (err.status === 403) return new UsageError(`not allowed to read what reach needs (403): ${err.message}. It needs list on namespaces and networkpolicies (and the workload kinds for --connections)`);
    return new UsageError(`the Kubernetes API at ${server} answered ${err.status} (${err.reason}): ${err.message}`);
  }
  return new UsageError(`reading the cluster failed: ${(err as Error).message}`);
}

function restrict(cluster: Cluster, namespaces: readonly string[]): Cluster {
  if (namespaces.length === 0) return cluster;
  const only = new Set(namespaces);
  return {
    ...cluster,
    namespaces: new Map([...cluster.namespaces].filter(([n]) => only.has(n))),
    workloads: cluster.workloads.filter((w) => only.has(w.namespace)),
    policies: cluster.policies.filter((p) => only.has(p.namespace)),
  };
}

/** Workload connections between namespaces of two different tenants (by the namespaces' owners). */
function crossTenantRows(rows: readonly ConnRow[], cluster: Cluster, tenancy: Tenancy): number {
  const party = (endpoint: string) => {
    const ns = endpointNamespace(endpoint);
    return ns === undefined ? undefined : ownerParty(ns, cluster.namespaces.get(ns) ?? {}, tenancy);
  };
  return rows.filter((r) => {
    const a = party(r.src);
    const b = party(r.dst);
    return a !== undefined && b !== undefined && a !== b && isTenant(a) && isTenant(b);
  }).length;
}

function lintLine(l: ReachLint): string {
  const s = l.source;
  return `warning: ${s.kind} ${s.namespace}/${s.name} (${s.where}): ${renderLint(l.lint)}`;
}

function lintJson(l: ReachLint): object {
  return { kind: l.source.kind, namespace: l.source.namespace, name: l.source.name, where: l.source.where, code: l.lint.code, path: fieldPathText(l.lint.path), message: l.lint.message };
}

async function configOf(flags: ReachFlags, rest: KubeRest | undefined): Promise<Config> {
  if (flags.config !== undefined || rest === undefined) {
    const cfg = await loadConfigFile(flags.config);
    if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
    return cfg.config;
  }
  const installed = await readInstalledConfig(rest, flags.releaseNamespace, flags.release);
  if (!installed.ok) throw new UsageError(installed.message);
  return installed.installed.config;
}

export async function runReach(flags: ReachFlags, io: Io): Promise<number> {
  const mode = modeOf(flags);
  const files = flags.filename ?? [];
  const namespaces = flags.namespace ?? [];
  let objects: SourceObject[];
  let config: Config;
  if (files.length > 0) {
    const input = await readReachInput(files, { recursive: flags.recursive === true, stdin: () => io.stdin() });
    if (!input.ok) throw new UsageError(input.message);
    for (const n of input.notes) io.err(n);
    objects = input.objects;
    config = await configOf(flags, undefined);
  } else {
    const rest = restOf(flags);
    try {
      config = await configOf(flags, rest);
      objects = await readLiveInput(rest, !mode.tenants);
    } catch (err) {
      throw explain(err, rest.url);
    }
  }
  const tenancy = tenancyOf(config);
  const built = buildCluster(objects);
  if (!built.ok) {
    for (const e of built.errors) io.err(`${e.path}: ${e.message}`);
    return 2;
  }
  for (const n of built.cluster.notes) io.err(n);
  const cluster = restrict(built.cluster, namespaces);
  const unevaluated = cluster.unevaluated.filter((u) => namespaces.length === 0 || u.namespace === '' || namespaces.includes(u.namespace));
  if (unevaluated.length > 0) {
    io.err(`note: ${unevaluated.length} ${[...new Set(unevaluated.map((u) => u.kind))].join('/')} object(s) not evaluated (in whole or in part); connections they allow are not shown, so isolation is not proven (exit 1)`);
    for (const u of unevaluated) io.err(`  ${u.kind} ${u.namespace === '' ? '' : `${u.namespace}/`}${u.name}${u.what === undefined ? '' : `: ${u.what.join('; ')}`}`);
  }
  // Lint never changes the exit code: what it finds is allowed, only likely not meant.
  const lints = lintCluster(cluster);
  for (const l of lints) io.err(lintLine(l));
  const out = (s: string) => io.out(s);
  const output = mode.output;
  if (mode.tenants) {
    const matrix = tenantMatrix(cluster, tenancy);
    switch (output) {
      case 'json': out(JSON.stringify({ ...matrixJson(matrix), unevaluated, lints: lints.map(lintJson) }, null, 2)); break;
      case 'svg': out(renderMatrixSvg(matrix)); break;
      case 'html': out(renderMatrixHtml(matrix)); break;
      default: out(renderMatrixText(matrix));
    }
    return matrix.crossTenantOpen > 0 || unevaluated.length > 0 ? 1 : 0;
  }
  const rows = connRows(connectivity(cluster));
  switch (output) {
    case 'json': out(renderConnJson(rows)); break;
    case 'md': out(renderConnMarkdown(rows)); break;
    case 'csv': out(renderConnCsv(rows)); break;
    case 'dot': out(renderConnDot(rows)); break;
    case 'svg': out(renderConnSvg(rows)); break;
    default: out(renderConnlist(rows));
  }
  return crossTenantRows(rows, cluster, tenancy) > 0 || unevaluated.length > 0 ? 1 : 0;
}
