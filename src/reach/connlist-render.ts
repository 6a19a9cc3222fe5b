/**
 * The connection list in the formats `reach -o` offers. `connlist` is the
 * grammar of netpol-analyzer's `list`, one `src => dst : conn` per line,
 * sorted, so the two tools' outputs can be diffed.
 */
import { connText } from './connections.js';
import type { Connection } from './connectivity.js';

export interface ConnRow {
  src: string;
  dst: string;
  conn: string;
}

export function connRows(list: readonly Connection[]): ConnRow[] {
  return list
    .map((c) => ({ src: c.src, dst: c.dst, conn: connText(c.conn) }))
    .sort((a, b) => {
      const x = lineText(a);
      const y = lineText(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

function lineText(r: ConnRow): string {
  return `${r.src} => ${r.dst} : ${r.conn}`;
}

export function renderConnlist(rows: readonly ConnRow[]): string {
  return rows.map(lineText).join('\n');
}

export function renderConnJson(rows: readonly ConnRow[]): string {
  return JSON.stringify(rows, null, 2);
}

export function renderConnMarkdown(rows: readonly ConnRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return ['| src | dst | conn |', '|-----|-----|------|', ...rows.map((r) => `| ${cell(r.src)} | ${cell(r.dst)} | ${cell(r.conn)} |`)].join('\n');
}

export function renderConnCsv(rows: readonly ConnRow[]): string {
  const field = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['src,dst,conn', ...rows.map((r) => [r.src, r.dst, r.conn].map(field).join(','))].join('\n');
}

/** `namespace` of a workload endpoint, undefined for an address range. */
export function endpointNamespace(name: string): string | undefined {
  if (name.endsWith('[External]')) return undefined;
  const slash = name.indexOf('/');
  return slash === -1 ? undefined : name.slice(0, slash);
}

/** Graphviz dot: one cluster per namespace, address ranges outside any cluster. */
export function renderConnDot(rows: readonly ConnRow[]): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const nodes = [...new Set(rows.flatMap((r) => [r.src, r.dst]))].sort();
  const byNs = new Map<string, string[]>();
  const external: string[] = [];
  for (const n of nodes) {
    const ns = endpointNamespace(n);
    if (ns === undefined) external.push(n);
    else byNs.set(ns, [...(byNs.get(ns) ?? []), n]);
  }
  const lines = ['digraph {', '\tnode [shape=box style=rounded fontname="Helvetica"]', '\tedge [fontname="Helvetica" fontsize=10]'];
  let i = 0;
  for (const [ns, list] of [...byNs.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`\tsubgraph cluster_${i++} {`, `\t\tlabel=${q(ns)}`, '\t\tstyle=dashed color=gray40');
    for (const n of list) lines.push(`\t\t${q(n)} [label=${q(n.slice(ns.length + 1))} color=blue fontcolor=blue]`);
    lines.push('\t}');
  }
  for (const n of external) lines.push(`\t${q(n)} [label=${q(n)} color=red2 fontcolor=red2 shape=ellipse]`);
  for (const r of rows) lines.push(`\t${q(r.src)} -> ${q(r.dst)} [label=${q(r.conn)} color=gold2 fontcolor=darkgreen]`);
  lines.push('}');
  return lines.join('\n');
}
