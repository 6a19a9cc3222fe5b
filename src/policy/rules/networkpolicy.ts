/**
 * networking.k8s.io/v1 NetworkPolicy. Peers in ingress[].from[] and
 * egress[].to[] may only reach the tenant's own namespaces and the platform;
 * ipBlocks may not reach the cluster's pod and service ranges; and a rule with
 * no peers (which matches every source or destination) is refused, because
 * NetworkPolicies add up and one open rule undoes the baseline.
 */
import type { RuleContext } from '../context.js';
import { parseAll, parseCidr, reachedProtected, type Cidr } from '../cidr.js';
import { cidrFix, namespaceSelectorFix, noSafeChange, openRuleFix } from '../fixes.js';
import { judgeNamespaceReach } from '../namespace-reach.js';
import { confinement } from '../model/confinement.js';
import { namespaceKeySubject, namespaceSelectorRequirements } from '../model/namespace-selector.js';
import { peerNamespaces } from '../model/peer.js';
import type { FieldPath } from '../path.js';
import { coveredWarning, networkPolicyScope, shareCoverage, type Direction } from '../share-reach.js';
import { isRecord, listAt, type Report } from '../report.js';
import { addAt, confinedSelector, exceptSuggestion, replaceAt, safePeersNetworkPolicy } from '../suggest.js';
import { valueText } from '../text.js';

/** A label selector's requirements, each classified by what it constrains (the model reads them). */
export const selectorRequirements = namespaceSelectorRequirements;
const subjectOf = namespaceKeySubject;

/** What a peer is judged with besides itself (for shares): the policy's pods, the rule's ports and direction. */
interface RuleScope {
  podSelector: unknown;
  ports: unknown;
  direction: Direction;
}

function judgePeer(peer: unknown, path: FieldPath, ctx: RuleContext, report: Report, protectedRanges: Cidr[], scope: RuleScope): void {
  if (!isRecord(peer)) {
    report.violation('MalformedObject', path, 'must be a peer object (podSelector, namespaceSelector or ipBlock)', 'write the peer as a mapping');
    return;
  }
  const nsSel = peer.namespaceSelector;
  if (nsSel !== undefined && nsSel !== null) {
    const selPath = [...path, 'namespaceSelector'];
    if (!isRecord(nsSel)) {
      report.violation('MalformedObject', selPath, 'must be a label selector', namespaceSelectorFix(ctx));
    } else {
      const label = ctx.config.tenantLabel;
      const result = judgeNamespaceReach(selectorRequirements(nsSel, label), ctx);
      report.warnAllAt(selPath, result.warnings);
      // A name of another tenant's namespace may be allowed by a share in force (and otherwise the fix names the share that would be).
      const share = result.findings.length > 0 && result.findings.every((f) => f.code === 'SelectorOtherTenant') ? shareCoverage(peerNamespaces({ kind: 'namespaceSelector', selector: nsSel }, ctx), networkPolicyScope(peer, scope.podSelector, scope.ports, scope.direction), ctx) : undefined;
      if (share?.covered === true) {
        report.warnAt(selPath, coveredWarning(share.share));
      } else if (result.findings.length > 0) {
        const fixed = confinedSelector(nsSel, (k) => subjectOf(k, label), (s) => selectorRequirements(s, label), ctx, 'networkpolicy');
        const suggestion = fixed === undefined ? undefined : replaceAt(selPath, fixed);
        for (const f of result.findings) {
          const otherwise = share !== undefined ? `; ${share.fix}` : suggestion === undefined ? noSafeChange(f.code) : '';
          report.violation(f.code, selPath, f.message, namespaceSelectorFix(ctx) + otherwise, suggestion);
        }
      }
    }
  }
  const ipBlock = peer.ipBlock;
  if (ipBlock !== undefined && ipBlock !== null) {
    judgeIpBlock(ipBlock, [...path, 'ipBlock'], ctx, report, protectedRanges);
  }
}

function judgeIpBlock(ipBlock: unknown, path: FieldPath, ctx: RuleContext, report: Report, protectedRanges: Cidr[]): void {
  if (!isRecord(ipBlock)) {
    report.violation('MalformedObject', path, 'must be a mapping with cidr and except', cidrFix(ctx, 'ipBlock'));
    return;
  }
  const cidr = parseCidr(ipBlock.cidr);
  if (cidr === undefined) {
    report.violation('CIDRInvalid', [...path, 'cidr'], `${valueText(ipBlock.cidr)} is not a valid CIDR`, 'write an address and prefix length, like 203.0.113.0/24');
    return;
  }
  const exceptList = Array.isArray(ipBlock.except) ? ipBlock.except : [];
  const except: Cidr[] = [];
  exceptList.forEach((e, i) => {
    const c = parseCidr(e);
    if (c === undefined) report.violation('CIDRInvalid', [...path, 'except', i], `${valueText(e)} is not a valid CIDR`, 'write an address and prefix length, like 10.0.0.0/8');
    else except.push(c);
  });
  // The model decides (the cluster's ranges hold every namespace's pods); which ranges it reaches explains why.
  if (confinement(peerNamespaces({ kind: 'cidr', cidr: ipBlock.cidr, except: ipBlock.except }, ctx), ctx).confined) return;
  const reached = reachedProtected(cidr, except, protectedRanges);
  report.violation('CIDRProtected', [...path, 'cidr'],
    `${cidr.text} reaches the cluster's pod/service range${reached.length > 1 ? 's' : ''} ${reached.map((r) => r.text).join(', ')}, so it would reach every tenant's pods`,
    cidrFix(ctx, 'ipBlock'),
    exceptSuggestion([...path, 'except'], cidr, ipBlock.except, reached, ipBlock.cidr));
}

export function validateNetworkPolicy(obj: Record<string, unknown>, ctx: RuleContext, report: Report): void {
  const spec = obj.spec;
  if (!isRecord(spec)) {
    report.violation('MalformedObject', ['spec'], 'is missing or not a mapping', 'give the NetworkPolicy a spec');
    return;
  }
  const protectedRanges = parseAll(ctx.config.protectedCIDRs);
  for (const [direction, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules = listAt(report, spec, direction, ['spec']);
    if (rules === undefined) continue;
    rules.forEach((rule, i) => {
      const rulePath = ['spec', direction, i];
      if (!isRecord(rule)) {
        report.violation('MalformedObject', rulePath, 'must be a rule mapping', `write the rule as a mapping with ${peersKey} and ports`);
        return;
      }
      const peers = listAt(report, rule, peersKey, rulePath);
      const raw = rule[peersKey];
      const noPeers = raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0);
      if (noPeers) {
        const open = direction === 'ingress' || !ctx.config.allowOpenEgress;
        if (open) {
          const what = direction === 'ingress' ? 'accepts traffic from every source' : 'sends traffic to every destination';
          report.violation('OpenRule', rulePath,
            `has no ${peersKey} peers, so it ${what}: every pod of every tenant and the outside world${rule.ports !== undefined ? ' (on the listed ports)' : ''}`,
            openRuleFix(ctx, direction, 'networkpolicy'),
            addAt([...rulePath, peersKey], safePeersNetworkPolicy(ctx)));
        }
      }
      const scope: RuleScope = { podSelector: spec.podSelector, ports: rule.ports, direction };
      peers?.forEach((peer, j) => judgePeer(peer, [...rulePath, peersKey, j], ctx, report, protectedRanges, scope));
    });
  }
}
