/**
 * `tenant-guard reach`: who can reach whom. `-o connlist` (and json, md, csv,
 * dot, svg) lists every allowed workload connection; `--tenants` (the default
 * on a live cluster) summarises it as the tenant matrix. Exit 0 when no
 * cross-tenant path exists, 1 when one does, 2 on bad input.
 */
import { buildCluster } from '../reach/cluster.js';
import { connectivity } from '../reach/connectivity.js';
import { connRows, renderConnCsv, renderConnDot, renderConnJson, renderConnlist, renderConnMarkdown } from '../reach/connlist-render.js';
import { parse, UsageError } from './args.js';
import { readReachInput } from './reach-input.js';

const CONN_OUTPUTS = ['connlist', 'json', 'md', 'csv', 'dot', 'svg'] as const;

export interface ReachFlags {
  files: string[];
  output: string | undefined;
  tenants: boolean | undefined;
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
    config: { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
  });
  return {
    files: values.file ?? [],
    output: values.output,
    tenants: values.tenants,
    config: values.config,
    kubeconfig: values.kubeconfig,
    context: values.context,
  };
}

export async function runReach(argv: string[], out: (s: string) => void, err: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<number> {
  const flags = parseReachFlags(argv);
  if (flags.files.length === 0) throw new UsageError('reach needs -f FILE|DIR');
  const output = flags.output ?? 'connlist';
  if (!(CONN_OUTPUTS as readonly string[]).includes(output)) throw new UsageError(`-o must be one of ${CONN_OUTPUTS.join(', ')}, got "${output}"`);
  const input = await readReachInput(flags.files);
  if (!input.ok) throw new UsageError(input.message);
  for (const n of input.notes) err(n);
  const built = buildCluster(input.objects);
  if (!built.ok) {
    for (const e of built.errors) err(`${e.path}: ${e.message}`);
    return 2;
  }
  for (const n of built.cluster.notes) err(n);
  const rows = connRows(connectivity(built.cluster));
  switch (output) {
    case 'json': out(renderConnJson(rows)); break;
    case 'md': out(renderConnMarkdown(rows)); break;
    case 'csv': out(renderConnCsv(rows)); break;
    case 'dot': out(renderConnDot(rows)); break;
    default: out(renderConnlist(rows));
  }
  return 0;
}
