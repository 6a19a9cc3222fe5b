/**
 * `cidrGroupRef` in a CiliumNetworkPolicy's fromCIDRSet/toCIDRSet entry: the
 * CIDRs of the named CiliumCIDRGroup (cluster-scoped, `spec.externalCIDRs`),
 * minus the entry's `except`, judged like a `cidr` against the protected
 * ranges. The groups come from the live cluster through a read-only view
 * (ReviewInput.cidrGroups); a group that does not exist, or that cannot be
 * read, is refused: an admin could create it later with any range, and the
 * policy would then reach it. `cidrGroupSelector` picks groups by label,
 * so which groups it covers changes whenever one is labelled; tenants name
 * groups instead.
 */
import type { RuleContext } from '../context.js';
import { parseCidr, reachedProtected, type Cidr } from '../cidr.js';
import type { FieldPath } from '../path.js';
import type { Report } from '../report.js';
import { valueText } from '../text.js';


export function judgeCidrGroupEntry(entry: Record<string, unknown>, path: FieldPath, ctx: RuleContext, report: Report, protectedRanges: readonly Cidr[]): void {
  const withCidrs = `name a CIDR group the platform team maintains for addresses outside the cluster, or write the blocks with cidr and except`;
  if (entry.cidrGroupSelector !== undefined && entry.cidrGroupSelector !== null) {
    report.violation('CIDRGroupSelector', [...path, 'cidrGroupSelector'],
      'selects CiliumCIDRGroups by label: which groups, and so which addresses, it covers changes whenever a group is labelled, so it cannot be judged',
      `name one group with cidrGroupRef instead; ${withCidrs}`);
  }
  const ref = entry.cidrGroupRef;
  if (ref === undefined || ref === null) return;
  const refPath = [...path, 'cidrGroupRef'];
  if (typeof ref !== 'string' || ref === '') {
    report.violation('MalformedObject', refPath, `${valueText(ref)} is not the name of a CiliumCIDRGroup`, withCidrs);
    return;
  }
  if (ctx.cidrGroups === undefined) {
    // No live groups to read (the `check` CLI, a webhook without a cluster): what the group holds is unknown.
    report.violation('CIDRGroupUnknown', refPath,
      `names CiliumCIDRGroup "${ref}", and no CiliumCIDRGroups were available to this review, so which addresses it reaches cannot be established`,
      `apply it where tenant-guard reads the cluster's CiliumCIDRGroups, or ${withCidrs}`);
    return;
  }
  const found = ctx.cidrGroups.lookup(ref);
  if (found.state === 'absent') {
    report.violation('CIDRGroupUnknown', refPath,
      `names CiliumCIDRGroup "${ref}", which does not exist: whoever creates it later decides which addresses this rule reaches`,
      `create the group first (the platform team does) or ${withCidrs}`);
    return;
  }
  if (found.state === 'unknown') {
    report.violation('CIDRGroupUnknown', refPath,
      `names CiliumCIDRGroup "${ref}", whose addresses cannot be established (${found.reason}); tenant-guard refuses rather than guess`,
      found.fix ?? 'retry in a moment; if it persists, ask the platform team to check tenant-guard\'s access to CiliumCIDRGroups');
    return;
  }
  const except = (Array.isArray(entry.except) ? entry.except : []).map(parseCidr).filter((c): c is Cidr => c !== undefined);
  for (const text of found.cidrs) {
    const cidr = parseCidr(text);
    if (cidr === undefined) {
      report.violation('CIDRGroupUnknown', refPath, `names CiliumCIDRGroup "${ref}", which holds ${valueText(text)}, not a CIDR, so what it reaches cannot be established`, withCidrs);
      continue;
    }
    const reached = reachedProtected(cidr, except, protectedRanges);
    if (reached.length === 0) continue;
    report.violation('CIDRProtected', refPath,
      `names CiliumCIDRGroup "${ref}", which holds ${cidr.text}; it reaches the cluster's pod/service range${reached.length > 1 ? 's' : ''} ${reached.map((r) => r.text).join(', ')}, so it would reach every tenant's pods`,
      `add the cluster's ranges (${ctx.config.protectedCIDRs.join(', ')}) to except, or ${withCidrs}`);
  }
}
