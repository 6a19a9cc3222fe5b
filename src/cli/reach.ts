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
import { parseNetworkPolicy, type Policy } from '../reach/networkpolicy.js';
import { isTenant, ownerParty, type Tenancy } from '../reach/tenancy.js';
import { parse, UsageError } from './args.js';
import { readLiveInput } from './reach-live.js';
import { readReachInput } from './reach-input.js';

const CONN_OUTPUTS = ['connlist', 'json', 'md', 'csv', 'dot', 'svg'] as const;
const MATRIX_OUTPUTS = ['text', 'json', 'svg', 'html'] as const;

export interface ReachFlags {
  files: string[];
  output: string | undefined;
  tenants: boolean;
  connections: boolean;
  namespaces: string[];
  config: string | undefined;
  kubeconfig: string | undefined;
  context: string | undefined;
}

/** All of `reach`'s flag handling, in one place. */
export function parseReachFlags(argv: string[]): ReachFlags {
  const { values } = parse(argv, {
    file: { type: 'string', short: 'f', multiple: true },
    output: { type: 'string', short: 'o' },
    tenants: { type: 'boolean' },
    connections: { type: 'boolean' },
    namespace: { type: 'string', short: 'n', multiple: true },
    config: { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
  });
  const files = values.file ?? [];
  if (values.tenants === true && values.connections === true) throw new UsageError('--tenants and --connections exclude each other');
  // The matrix is the default on a live cluster, the connection list for files.
  const tenants = values.tenants === true || (files.length === 0 && values.connections !== true);
  return {
    files,
    output: values.output,
    tenants,
    connections: !tenants,
    namespaces: values.namespace ?? [],
    config: values.config,
    kubeconfig: values.kubeconfig,
    context: values.context,
  };
}

function tenancyOf(config: Config): Tenancy {
  return {
    tenantLabel: config.tenantLabel,
    platformValue: config.platform.value,
    platformNamespaces: config.platform.namespaces,
    tenants: config.tenants.map((t) => t.name),
    namespacePrefix: config.namespacePrefix,
    newNamespacePolicies: (tenant, namespace) => {
      // The baseline controller gives every new tenant namespace its baseline; a Cilium baseline is not evaluated here.
      const out: Policy[] = [];
      for (const b of desiredBaseline(namespace, { kind: 'tenant', tenant }, config, 'networkpolicy')) {
        const p = parseNetworkPolicy(b as unknown as Record<string, unknown>, namespace, b.metadata.name, []);
        if (p !== undefined) out.push(p);
      }
      return config.baseline.flavour === 'networkpolicy' ? out : [];
    },
  };
}

async function liveObjects(flags: ReachFlags): Promise<SourceObject[]> {
  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig: flags.kubeconfig });
    if (kc !== undefined && flags.context !== undefined) kc.setCurrentContext(flags.context);
  } catch (err) {
    throw new UsageError(`cannot load kubeconfig: ${(err as Error).message}`);
  }
  if (kc === undefined) throw new UsageError('no input: pass -f FILE|DIR, or --kubeconfig (or set $KUBECONFIG) for a live cluster');
  let rest: KubeRest;
  try {
    rest = new KubeRest(kc, { timeoutMs: 60_000 });
  } catch (err) {
    throw new UsageError(`the kubeconfig is not usable: ${(err as Error).message}`);
  }
  try {
    return await readLiveInput(rest, flags.connections);
  } catch (err) {
    if (err instanceof KubeApiError) throw new UsageError(`reading the cluster at ${rest.url} failed (${err.status === 0 ? 'unreachable' : err.status}): ${err.message}`);
    throw err;
  }
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

export async function runReach(argv: string[], out: (s: string) => void, err: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<number> {
  const flags = parseReachFlags(argv);
  const outputs: readonly string[] = flags.tenants ? MATRIX_OUTPUTS : CONN_OUTPUTS;
  const output = flags.output ?? outputs[0] ?? 'text';
  if (!outputs.includes(output)) throw new UsageError(`-o must be one of ${outputs.join(', ')} ${flags.tenants ? 'for the tenant matrix' : 'for the connection list (--tenants for the matrix)'}, got "${output}"`);
  const cfg = await loadConfigFile(flags.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const tenancy = tenancyOf(cfg.config);

  let objects: SourceObject[];
  if (flags.files.length > 0) {
    const input = await readReachInput(flags.files);
    if (!input.ok) throw new UsageError(input.message);
    for (const n of input.notes) err(n);
    objects = input.objects;
  } else {
    objects = await liveObjects(flags);
  }
  const built = buildCluster(objects);
  if (!built.ok) {
    for (const e of built.errors) err(`${e.path}: ${e.message}`);
    return 2;
  }
  for (const n of built.cluster.notes) err(n);
  const cluster = restrict(built.cluster, flags.namespaces);
  const unevaluated = cluster.unevaluated.filter((u) => flags.namespaces.length === 0 || u.namespace === '' || flags.namespaces.includes(u.namespace));
  if (unevaluated.length > 0) {
    err(`note: ${unevaluated.length} ${[...new Set(unevaluated.map((u) => u.kind))].join('/')} object(s) not evaluated; connections they allow are not shown, so isolation is not proven (exit 1)`);
  }

  if (flags.tenants) {
    const matrix = tenantMatrix(cluster, tenancy);
    switch (output) {
      case 'json': out(JSON.stringify({ ...matrixJson(matrix), unevaluated }, null, 2)); break;
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
