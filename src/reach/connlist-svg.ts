/**
 * The connection list as a picture: one box per namespace holding its
 * workloads, address ranges on the left, an arrow per allowed connection
 * labelled with its ports (labels are left out when there are too many
 * arrows to read them; the colour still tells all from some ports).
 */
import type { ConnRow } from './connlist-render.js';
import { endpointNamespace } from './connlist-render.js';
import { esc, svgOpen, textWidth } from './svg.js';

const NODE_H = 26;
const GAP = 12;
const LABEL_LIMIT = 40;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function renderConnSvg(rows: readonly ConnRow[], title = 'tenant-guard reach: allowed connections'): string {
  const names = [...new Set(rows.flatMap((r) => [r.src, r.dst]))].sort();
  const external = names.filter((n) => endpointNamespace(n) === undefined);
  const byNs = new Map<string, string[]>();
  for (const n of names) {
    const ns = endpointNamespace(n);
    if (ns !== undefined) byNs.set(ns, [...(byNs.get(ns) ?? []), n]);
  }
  const nodes = new Map<string, Box>();
  const out: string[] = [];
  let x = 24;
  const top = 60;
  // Address ranges: one column on the left.
  if (external.length > 0) {
    const w = Math.max(...external.map((n) => textWidth(n, 11) + 20));
    external.forEach((n, i) => nodes.set(n, { x, y: top + 30 + i * (NODE_H + GAP), w, h: NODE_H }));
    x += w + 90;
  }
  // Namespaces: about as many columns as rows of boxes, so most arrows run between columns.
  const heights = [...byNs.values()].map((list) => 30 + list.length * (NODE_H + GAP) + 24);
  const total = heights.reduce((a, b) => a + b, 0);
  const columns = Math.max(1, Math.ceil(Math.sqrt(byNs.size)));
  const maxColumnHeight = Math.max(total / columns, ...heights);
  let y = top;
  let columnWidth = 0;
  const nsBoxes: { ns: string; box: Box }[] = [];
  for (const [ns, list] of [...byNs.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const labels = list.map((n) => n.slice(ns.length + 1));
    const w = Math.max(textWidth(ns, 12) + 24, ...labels.map((l) => textWidth(l, 11) + 36));
    const h = 30 + list.length * (NODE_H + GAP);
    if (y > top && y + h > top + maxColumnHeight) {
      x += columnWidth + 110;
      y = top;
      columnWidth = 0;
    }
    nsBoxes.push({ ns, box: { x, y, w, h } });
    list.forEach((n, i) => nodes.set(n, { x: x + 12, y: y + 28 + i * (NODE_H + GAP), w: w - 24, h: NODE_H }));
    y += h + 24;
    columnWidth = Math.max(columnWidth, w);
  }
  const width = Math.max(x + columnWidth + 180, 640);
  const height = Math.max(top + maxColumnHeight + 40, ...[...nodes.values()].map((b) => b.y + b.h + 40), ...nsBoxes.map((b) => b.box.y + b.box.h + 24));
  out.push(svgOpen(width, height, title));
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>');
  out.push(`<text x="16" y="28" font-size="18" font-weight="bold" fill="#212121">${esc(title)}</text>`);
  out.push(`<text x="16" y="48" font-size="12" fill="#424242">${rows.length} connections between ${names.length - external.length} workloads in ${byNs.size} namespaces${external.length > 0 ? ' and address ranges outside the cluster' : ''}; red: all connections, blue: the ports shown.</text>`);
  for (const { ns, box } of nsBoxes) {
    out.push(`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="8" fill="#f7f9fc" stroke="#90a4ae" stroke-dasharray="5,3"/>`);
    out.push(`<text x="${box.x + 10}" y="${box.y + 18}" font-size="12" font-weight="bold" fill="#37474f">${esc(ns)}</text>`);
  }
  const labelled = rows.length <= LABEL_LIMIT;
  for (const r of rows) {
    const a = nodes.get(r.src);
    const b = nodes.get(r.dst);
    if (a === undefined || b === undefined) continue;
    const all = r.conn === 'All Connections';
    const colour = all ? '#c62828' : '#1565c0';
    const forward = b.x >= a.x;
    const x1 = forward ? a.x + a.w : a.x;
    const x2 = forward ? b.x : b.x + b.w;
    const sameColumn = Math.abs(a.x - b.x) < 1;
    const y1 = a.y + a.h / 2;
    const y2 = b.y + b.h / 2;
    const path = sameColumn
      ? `M${a.x + a.w},${y1} C${a.x + a.w + 40 + Math.abs(y2 - y1) / 4},${y1} ${b.x + b.w + 40 + Math.abs(y2 - y1) / 4},${y2} ${b.x + b.w},${y2}`
      : `M${x1},${y1} C${(x1 + x2) / 2},${y1 + (forward ? -8 : 8)} ${(x1 + x2) / 2},${y2 + (forward ? -8 : 8)} ${x2},${y2}`;
    out.push(`<g><title>${esc(`${r.src} => ${r.dst} : ${r.conn}`)}</title><path d="${path}" fill="none" stroke="${colour}" stroke-opacity="0.6" stroke-width="1.3" marker-end="url(#arrow)"/>`);
    // "All Connections" is said by the colour; only port lists are written out.
    if (labelled && !all) {
      // Near the arrow's head, so labels of arrows that cross in the middle stay apart.
      const t = 0.72;
      const mid = (p0: number, p1: number, p2: number, p3: number) => (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3;
      const c = path.slice(1).split(/[ C]/).filter((t) => t !== '').map((t) => t.split(',').map(Number));
      const lx = mid(c[0]?.[0] ?? 0, c[1]?.[0] ?? 0, c[2]?.[0] ?? 0, c[3]?.[0] ?? 0);
      const ly = mid(c[0]?.[1] ?? 0, c[1]?.[1] ?? 0, c[2]?.[1] ?? 0, c[3]?.[1] ?? 0) - 3;
      out.push(`<text x="${lx}" y="${ly}" font-size="10" fill="${colour}" text-anchor="middle" stroke="#ffffff" stroke-width="3" paint-order="stroke">${esc(r.conn)}</text>`);
    }
    out.push('</g>');
  }
  for (const [n, box] of nodes) {
    const ext = endpointNamespace(n) === undefined;
    const ns = endpointNamespace(n);
    const label = ns === undefined ? n : n.slice(ns.length + 1);
    out.push(`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="${ext ? 13 : 4}" fill="#ffffff" stroke="${ext ? '#e65100' : '#1e88e5'}" stroke-width="1.5"/>`);
    out.push(`<text x="${box.x + box.w / 2}" y="${box.y + 17}" font-size="11" fill="${ext ? '#bf360c' : '#0d47a1'}" text-anchor="middle">${esc(label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
