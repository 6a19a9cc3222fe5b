/**
 * cidrGroupRef in a CiliumNetworkPolicy's CIDR sets, resolved from the live
 * CiliumCIDRGroups (a view in the ReviewInput) and judged like a cidr: a
 * group that reaches the protected ranges is refused, an unknown or missing
 * group is refused (fail closed), and cidrGroupSelector is refused. In deny
 * rules the same findings only warn.
 */
import { describe, expect, it } from 'vitest';
import { cidrGroupView, cnpInput, expectWellFormed, where, type InputOptions } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { CidrGroupView, Verdict } from '../types.js';

const GROUPS = cidrGroupView({
  partners: ['203.0.113.0/24', '2001:db8::/48'],
  everything: ['0.0.0.0/0'],
  pods: ['10.244.0.0/16'],
  'mixed-v6': ['2001:db8::/48', 'fd00:10:244::/56'],
  empty: [],
  garbage: ['not-a-cidr'],
});

function judge(rule: Record<string, unknown>, o: InputOptions = {}): Verdict {
  const v = review(cnpInput({ spec: { endpointSelector: {}, ...rule } }, { cidrGroups: GROUPS, ...o }));
  expectWellFormed(v);
  return v;
}
const egress = (...entries: unknown[]) => ({ egress: [{ toCIDRSet: entries }] });
const ingress = (...entries: unknown[]) => ({ ingress: [{ fromCIDRSet: entries }] });

describe('cidrGroupRef', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a group outside the cluster', egress({ cidrGroupRef: 'partners' }), []],
    ['an empty group', egress({ cidrGroupRef: 'empty' }), []],
    ['a group of every address', egress({ cidrGroupRef: 'everything' }), ['CIDRProtected@spec.egress[0].toCIDRSet[0].cidrGroupRef']],
    ['a group of every address, the cluster excepted', egress({ cidrGroupRef: 'everything', except: ['10.244.0.0/16', '10.96.0.0/12'] }), []],
    ['a group of every address, one range excepted', egress({ cidrGroupRef: 'everything', except: ['10.244.0.0/16'] }), ['CIDRProtected@spec.egress[0].toCIDRSet[0].cidrGroupRef']],
    ['a group holding the pod range, ingress', ingress({ cidrGroupRef: 'pods' }), ['CIDRProtected@spec.ingress[0].fromCIDRSet[0].cidrGroupRef']],
    ['an IPv6 group reaching the IPv6 pod range', egress({ cidrGroupRef: 'mixed-v6' }), ['CIDRProtected@spec.egress[0].toCIDRSet[0].cidrGroupRef']],
    ['a group that does not exist', egress({ cidrGroupRef: 'ghost' }), ['CIDRGroupUnknown@spec.egress[0].toCIDRSet[0].cidrGroupRef']],
    ['a group holding something that is not a CIDR', egress({ cidrGroupRef: 'garbage' }), ['CIDRGroupUnknown@spec.egress[0].toCIDRSet[0].cidrGroupRef']],
    ['not a name', egress({ cidrGroupRef: 7 }), ['MalformedObject@spec.egress[0].toCIDRSet[0].cidrGroupRef']],
    ['an empty name', egress({ cidrGroupRef: '' }), ['MalformedObject@spec.egress[0].toCIDRSet[0].cidrGroupRef']],
    ['a selector of groups', egress({ cidrGroupSelector: { matchLabels: { team: 'acme' } } }), ['CIDRGroupSelector@spec.egress[0].toCIDRSet[0].cidrGroupSelector']],
    ['an empty selector (every group)', egress({ cidrGroupSelector: {} }), ['CIDRGroupSelector@spec.egress[0].toCIDRSet[0].cidrGroupSelector']],
    // The CRD allows one of cidr, cidrGroupRef, cidrGroupSelector; offline both are judged.
    ['a group and a cidr in one entry', egress({ cidrGroupRef: 'partners', cidr: '0.0.0.0/0' }), ['CIDRProtected@spec.egress[0].toCIDRSet[0].cidr']],
  ])('%s', (_name, rule, expected) => {
    expect(where(judge(rule))).toEqual(expected);
  });

  it('judged in every entry of specs[] too', () => {
    const v = review(cnpInput({ specs: [{ endpointSelector: {}, egress: [{ toCIDRSet: [{ cidrGroupRef: 'pods' }] }] }] }, { cidrGroups: GROUPS }));
    expect(where(v)).toEqual(['CIDRProtected@specs[0].egress[0].toCIDRSet[0].cidrGroupRef']);
  });

  it('says what the group holds, and what it reaches', () => {
    const v = judge(egress({ cidrGroupRef: 'pods' }));
    expect(v.violations[0]!.message).toBe('names CiliumCIDRGroup "pods", which holds 10.244.0.0/16; it reaches the cluster\'s pod/service range 10.244.0.0/16, so it would reach every tenant\'s pods');
    expect(v.violations[0]!.fix).toContain("add the cluster's ranges (10.244.0.0/16, 10.96.0.0/12, fd00:10:244::/56, fd00:10:96::/112) to except");
  });

  it('a missing group is refused: whoever creates it later would decide what the policy reaches', () => {
    const v = judge(egress({ cidrGroupRef: 'ghost' }));
    expect(v.violations[0]!.message).toBe('names CiliumCIDRGroup "ghost", which does not exist: whoever creates it later decides which addresses this rule reaches');
  });

  it('fails closed when the groups cannot be read, and when no view is given', () => {
    const unknown: CidrGroupView = { lookup: () => ({ state: 'unknown', reason: 'CiliumCIDRGroup cache not synced yet' }) };
    const v = judge(egress({ cidrGroupRef: 'partners' }), { cidrGroups: unknown });
    expect(where(v)).toEqual(['CIDRGroupUnknown@spec.egress[0].toCIDRSet[0].cidrGroupRef']);
    expect(v.violations[0]!.message).toContain('(CiliumCIDRGroup cache not synced yet); tenant-guard refuses rather than guess');
    const none = review(cnpInput({ spec: { endpointSelector: {}, ...egress({ cidrGroupRef: 'partners' }) } }));
    expect(where(none)).toEqual(['CIDRGroupUnknown@spec.egress[0].toCIDRSet[0].cidrGroupRef']);
    expect(none.violations[0]!.message).toBe('names CiliumCIDRGroup "partners", and no CiliumCIDRGroups were available to this review, so which addresses it reaches cannot be established');
  });

  it('in a deny rule the same findings only warn', () => {
    const v = judge({ egressDeny: [{ toCIDRSet: [{ cidrGroupRef: 'ghost' }, { cidrGroupRef: 'everything' }] }] });
    expect(v.allowed).toBe(true);
    expect(v.warnings).toHaveLength(2);
    expect(v.warnings[0]).toMatch(/^spec\.egressDeny\[0\]\.toCIDRSet\[0\]\.cidrGroupRef: names CiliumCIDRGroup "ghost"/);
  });
});
