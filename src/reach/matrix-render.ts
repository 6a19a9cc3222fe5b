/**
 * The tenant matrix as text (for a terminal or a CI log) and JSON (for
 * tools). The picture is in matrix-svg.ts.
 */
import { connText } from './connections.js';
import { cellConnText, type Cell, type CellShare, type Matrix, type PathRef } from './matrix.js';
import { partyName } from './tenancy.js';

export function pathText(p: PathRef): string {
  if (p.policy === undefined) {
    const where = p.namespace.startsWith('(') ? `a ${p.namespace.slice(1, -1)}` : `namespace ${p.namespace}`;
    return `${p.direction}: ${where} is not isolated for ${p.direction} (no NetworkPolicy selects all of its pods)`;
  }
  const policy = p.kind === undefined ? p.policy : `${p.policy} (${p.kind})`;
  const why = p.kind === 'CiliumClusterwideNetworkPolicy' ? 'if it is labelled so' : 'its baseline';
  if (p.namespace.startsWith('(')) return `${p.direction}: ${policy} in a ${p.namespace.slice(1, -1)} (${why}) ${p.path ?? ''}`.trimEnd();
  return `${p.direction}: ${p.namespace}/${policy} ${p.path ?? ''}`.trimEnd();
}

/** `5 NetworkPolicies`, and the Cilium kinds when there are any (`5 NetworkPolicies, 2 … and 1 …`). */
export function policyCount(m: Matrix): string {
  const parts = [
    `${m.policies} NetworkPolicies`,
    ...(m.ciliumPolicies > 0 ? [`${m.ciliumPolicies} CiliumNetworkPolicies`] : []),
    ...(m.clusterwidePolicies > 0 ? [`${m.clusterwidePolicies} CiliumClusterwideNetworkPolicies`] : []),
  ];
  const last = parts.pop() as string;
  return parts.length === 0 ? last : `${parts.join(', ')} and ${last}`;
}

export function cellWord(c: Cell): string {
  return c.state === 'own' ? 'own' : c.state === 'open' ? 'OPEN' : c.state;
}

/** `global-auth/auth (TCP 5555)`: the Export and what the share opens. */
export function shareText(s: CellShare): string {
  return `${s.via} (${connText(s.conn)})`;
}

export function renderMatrixText(m: Matrix): string {
  const names = m.parties.map(partyName);
  const width = Math.max(10, ...names.map((n) => n.length + 2));
  const pad = (s: string) => s.padEnd(width);
  const lines = [
    `tenant matrix: ${m.namespaces} namespaces, ${policyCount(m)}, and the namespaces each tenant can create later`,
    'rows: from, columns: to',
    '',
    pad('') + names.map(pad).join(''),
  ];
  const cell = (from: string, to: string) => m.cells.find((c) => c.from === from && c.to === to);
  for (const from of m.parties) lines.push(pad(partyName(from)) + m.parties.map((to) => pad(cellWord(cell(from, to) as Cell))).join(''));
  const open = m.cells.filter((c) => c.state === 'open');
  if (open.length > 0) lines.push('', 'open:');
  for (const c of open) {
    const where = [`${c.namespacePairs} namespace ${c.namespacePairs === 1 ? 'pair' : 'pairs'}`];
    if (c.viaNewNamespaces) where.push('and namespaces created later');
    lines.push(`  ${partyName(c.from)} -> ${partyName(c.to)}: ${cellConnText(c)} (${where.join(' ')})`);
    for (const e of c.examples) lines.push(`    e.g. ${e}`);
    for (const p of c.paths) lines.push(`    ${pathText(p)}`);
    if (c.morePaths > 0) lines.push(`    … and ${c.morePaths} more`);
  }
  const shared = m.cells.filter((c) => c.state === 'shared');
  if (shared.length > 0) lines.push('', 'shared (every connection through a share both tenants agreed to):');
  for (const c of shared) {
    lines.push(`  ${partyName(c.from)} -> ${partyName(c.to)}: shared via ${c.shares.map(shareText).join(', ')}`);
    for (const p of c.paths) lines.push(`    ${pathText(p)}`);
  }
  const sharesNote = m.crossTenantShared > 0 ? ` (${m.crossTenantShared} shared with consent)` : '';
  lines.push('', m.crossTenantOpen === 0 ? `no cross-tenant path beyond the shares${sharesNote}` : `${m.crossTenantOpen} cross-tenant ${m.crossTenantOpen === 1 ? 'path' : 'paths'} open${sharesNote}`);
  return lines.join('\n');
}

export function matrixJson(m: Matrix): object {
  return {
    namespaces: m.namespaces,
    policies: m.policies,
    ciliumPolicies: m.ciliumPolicies,
    clusterwidePolicies: m.clusterwidePolicies,
    crossTenantOpen: m.crossTenantOpen,
    crossTenantShared: m.crossTenantShared,
    parties: m.parties.map(partyName),
    cells: m.cells.map((c) => ({
      from: partyName(c.from),
      to: partyName(c.to),
      state: c.state,
      connections: c.state === 'open' || c.state === 'shared' ? cellConnText(c) : null,
      shares: c.shares.map((x) => ({ via: x.via, connections: connText(x.conn) })),
      namespacePairs: c.namespacePairs,
      viaNewNamespaces: c.viaNewNamespaces,
      examples: c.examples,
      paths: c.paths.map((p) => ({ ...p, policy: p.policy ?? null, path: p.path ?? null })),
      morePaths: c.morePaths,
    })),
  };
}
