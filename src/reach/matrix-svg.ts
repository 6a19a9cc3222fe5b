/**
 * The tenant matrix as a picture an auditor can read: rows send, columns
 * receive; green isolated, blue shared (every connection through a share both
 * tenants agreed to), red open between tenants, amber open to or from the
 * platform or unowned namespaces (expected for DNS and ingress), grey the
 * tenant itself. Open cells carry their ports and the number of namespace
 * pairs. Also an HTML page with the picture and a table of every open path.
 */
import { cellConnText, type Cell, type Matrix } from './matrix.js';
import { pathText, policyCount, shareText } from './matrix-render.js';
import { esc, svgOpen, textWidth } from './svg.js';
import { isTenant, partyName } from './tenancy.js';

const CELL_W = 150;
const CELL_H = 58;

const COLORS = {
  own: { fill: '#eeeeee', stroke: '#bdbdbd', text: '#616161' },
  isolated: { fill: '#d7f0d9', stroke: '#4caf50', text: '#1b5e20' },
  shared: { fill: '#d6e6fb', stroke: '#1e73d8', text: '#0d3c78' },
  open: { fill: '#fbd3d3', stroke: '#d32f2f', text: '#8e0000' },
  platform: { fill: '#ffe7bf', stroke: '#f0a030', text: '#7a4a00' },
} as const;

function colorOf(c: Cell): (typeof COLORS)[keyof typeof COLORS] {
  if (c.state === 'open' && !(isTenant(c.from) && isTenant(c.to))) return COLORS.platform;
  return COLORS[c.state];
}

function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function renderMatrixSvg(m: Matrix, title = 'tenant-guard reach: tenant matrix'): string {
  const names = m.parties.map(partyName);
  const rowHead = Math.max(90, ...names.map((n) => textWidth(n, 14) + 24));
  const top = 112;
  const gridW = CELL_W * names.length;
  const legend: [string, (typeof COLORS)[keyof typeof COLORS]][] = [
    ['isolated', COLORS.isolated],
    ['shared with consent', COLORS.shared],
    ['open between tenants', COLORS.open],
    ['open with the platform / no tenant', COLORS.platform],
    ['the tenant itself', COLORS.own],
  ];
  const legendW = legend.reduce((w, [label]) => w + 40 + textWidth(label, 12), 16);
  const width = Math.max(rowHead + gridW + 24, 600, legendW + 16);
  const legendY = top + CELL_H * names.length + 28;
  const height = legendY + 76;
  const out: string[] = [svgOpen(width, height, title)];
  out.push(`<text x="16" y="28" font-size="18" font-weight="bold" fill="#212121">${esc(title)}</text>`);
  out.push(`<text x="16" y="50" font-size="12" fill="#424242">Over ${m.namespaces} namespaces with ${policyCount(m)}, and the namespaces each tenant can create later.</text>`);
  out.push('<text x="16" y="66" font-size="12" fill="#424242">Rows send, columns receive; pods with any labels a tenant may give them.</text>');
  out.push(`<text x="${rowHead + gridW / 2}" y="${top - 32}" font-size="12" fill="#616161" text-anchor="middle">to</text>`);
  names.forEach((n, i) => {
    out.push(`<text x="${rowHead + i * CELL_W + CELL_W / 2}" y="${top - 10}" font-size="14" font-weight="bold" fill="#212121" text-anchor="middle">${esc(shorten(n, 18))}</text>`);
  });
  out.push(`<text x="12" y="${top - 10}" font-size="12" fill="#616161">from</text>`);
  m.parties.forEach((from, r) => {
    const y = top + r * CELL_H;
    out.push(`<text x="${rowHead - 12}" y="${y + CELL_H / 2 + 5}" font-size="14" font-weight="bold" fill="#212121" text-anchor="end">${esc(names[r] ?? '')}</text>`);
    m.parties.forEach((to, c) => {
      const cell = m.cells.find((x) => x.from === from && x.to === to);
      if (cell === undefined) return;
      const x = rowHead + c * CELL_W;
      const col = colorOf(cell);
      const tip = cell.state === 'open' || cell.state === 'shared'
        ? `${partyName(from)} -> ${partyName(to)}: ${cell.state === 'shared' ? `shared via ${cell.shares.map(shareText).join(', ')}` : cellConnText(cell)}\n${cell.paths.map(pathText).join('\n')}`
        : `${partyName(from)} -> ${partyName(to)}: ${cell.state}`;
      out.push(`<g><title>${esc(tip)}</title><rect x="${x + 2}" y="${y + 2}" width="${CELL_W - 4}" height="${CELL_H - 4}" rx="6" fill="${col.fill}" stroke="${col.stroke}" stroke-width="1.5"/>`);
      const word = cell.state === 'own' ? 'own tenant' : cell.state;
      const detailed = cell.state === 'open' || cell.state === 'shared';
      out.push(`<text x="${x + CELL_W / 2}" y="${y + (detailed ? 24 : CELL_H / 2 + 5)}" font-size="14" font-weight="bold" fill="${col.text}" text-anchor="middle">${esc(word)}</text>`);
      if (cell.state === 'shared') {
        const [first] = cell.shares;
        const via = first === undefined ? '' : `via ${first.via}${cell.shares.length > 1 ? ` +${cell.shares.length - 1}` : ''}`;
        out.push(`<text x="${x + CELL_W / 2}" y="${y + 39}" font-size="11" fill="${col.text}" text-anchor="middle">${esc(shorten(via, 24))}</text>`);
        out.push(`<text x="${x + CELL_W / 2}" y="${y + 51}" font-size="10" fill="${col.text}" text-anchor="middle">${esc(shorten(cellConnText(cell), 24))}</text>`);
      }
      if (cell.state === 'open') {
        const where = `${cell.namespacePairs} ns pair${cell.namespacePairs === 1 ? '' : 's'}${cell.viaNewNamespaces ? ' + new ns' : ''}`;
        out.push(`<text x="${x + CELL_W / 2}" y="${y + 39}" font-size="11" fill="${col.text}" text-anchor="middle">${esc(shorten(cellConnText(cell), 22))}</text>`);
        out.push(`<text x="${x + CELL_W / 2}" y="${y + 51}" font-size="10" fill="${col.text}" text-anchor="middle">${esc(where)}</text>`);
      }
      out.push('</g>');
    });
  });
  let lx = 16;
  for (const [label, col] of legend) {
    out.push(`<rect x="${lx}" y="${legendY}" width="16" height="16" rx="3" fill="${col.fill}" stroke="${col.stroke}"/>`);
    out.push(`<text x="${lx + 22}" y="${legendY + 13}" font-size="12" fill="#424242">${esc(label)}</text>`);
    lx += 22 + textWidth(label, 12) + 18;
  }
  const verdict = m.crossTenantOpen === 0 ? 'No cross-tenant path.' : `${m.crossTenantOpen} cross-tenant ${m.crossTenantOpen === 1 ? 'path' : 'paths'} open.`;
  out.push(`<text x="16" y="${legendY + 46}" font-size="14" font-weight="bold" fill="${m.crossTenantOpen === 0 ? COLORS.isolated.text : COLORS.open.text}">${esc(verdict)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}

export function renderMatrixHtml(m: Matrix, title = 'tenant-guard reach: tenant matrix'): string {
  const rows = m.cells.filter((c) => c.state === 'open' || c.state === 'shared').map((c) => {
    const where = `${c.namespacePairs}${c.viaNewNamespaces ? ' + namespaces created later' : ''}`;
    const paths = c.paths.map((p) => `<li>${esc(pathText(p))}</li>`).join('') + (c.morePaths > 0 ? `<li>… and ${c.morePaths} more</li>` : '');
    const examples = c.examples.map((e) => `<li>${esc(e)}</li>`).join('');
    const conn = c.state === 'shared' ? `shared via ${c.shares.map(shareText).join(', ')}` : cellConnText(c);
    return `<tr><td>${esc(partyName(c.from))}</td><td>${esc(partyName(c.to))}</td><td>${esc(conn)}</td><td>${esc(where)}<ul>${examples}</ul></td><td><ul>${paths}</ul></td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px;color:#212121}table{border-collapse:collapse;margin-top:16px}td,th{border:1px solid #bdbdbd;padding:6px 10px;vertical-align:top;text-align:left;font-size:13px}th{background:#f5f5f5}ul{margin:4px 0;padding-left:18px}</style>
</head><body>
${renderMatrixSvg(m, title)}
<h2>Open and shared paths</h2>
${rows.length === 0 ? '<p>None: every tenant is isolated from every other.</p>' : `<table><thead><tr><th>from</th><th>to</th><th>connections</th><th>namespace pairs</th><th>what opens it</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`}
</body></html>`;
}
