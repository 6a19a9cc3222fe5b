/**
 * Service spec.externalIPs (CVE-2020-8554) through review(): tenants may use
 * only addresses in the ranges assigned to the tenant that owns the
 * namespace (acme: 203.0.113.0/28 and 2001:db8:ac::/64 in the fixtures);
 * admins, ordinary Services and deletions are not judged; addresses the
 * stored Service already had are kept on UPDATE.
 */
import { describe, expect, it } from 'vitest';
import { applyPatch } from 'fast-json-patch';
import { expectWellFormed, makeView, people, serviceInput, UNKNOWN_VIEW, where, type InputOptions } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { Verdict } from '../types.js';

function judge(spec: Record<string, unknown>, o: InputOptions = {}): Verdict {
  const v = review(serviceInput(spec, o));
  expectWellFormed(v);
  return v;
}

describe('external IPs of a tenant Service', () => {
  it.each<[string, unknown, string[]]>([
    ['no externalIPs at all', undefined, []],
    ['an empty list', [], []],
    ['an address in the tenant range', ['203.0.113.5'], []],
    ['the first and last addresses of the range', ['203.0.113.0', '203.0.113.15'], []],
    ['an IPv6 address in the tenant range', ['2001:db8:ac::10'], []],
    ['just past the range', ['203.0.113.16'], ['ExternalIPNotAssigned@spec.externalIPs[0]']],
    ["another tenant's or anybody's address", ['198.51.100.7'], ['ExternalIPNotAssigned@spec.externalIPs[0]']],
    // The classic interception: a cluster Service address or a well-known resolver.
    ['a cluster Service address', ['10.96.0.10'], ['ExternalIPNotAssigned@spec.externalIPs[0]']],
    ['a public resolver', ['8.8.8.8'], ['ExternalIPNotAssigned@spec.externalIPs[0]']],
    ['one good, two bad: each bad one named', ['203.0.113.1', '1.1.1.1', '2001:db8:ad::1'], ['ExternalIPNotAssigned@spec.externalIPs[1]', 'ExternalIPNotAssigned@spec.externalIPs[2]']],
    // IPv4-mapped IPv6 text is not mapped into the range: the floor's CEL refuses it too.
    ['an IPv4-mapped IPv6 spelling of an allowed address', ['::ffff:203.0.113.5'], ['MalformedObject@spec.externalIPs[0]']],
    ['a CIDR instead of an address', ['203.0.113.0/28'], ['MalformedObject@spec.externalIPs[0]']],
    ['not an address', ['lb.example.com'], ['MalformedObject@spec.externalIPs[0]']],
    ['not a string', [42], ['MalformedObject@spec.externalIPs[0]']],
    ['not a list', '203.0.113.5', ['MalformedObject@spec.externalIPs']],
  ])('%s', (_name, externalIPs, expected) => {
    expect(where(judge(externalIPs === undefined ? {} : { externalIPs }))).toEqual(expected);
  });

  it('says why (the CVE, the range) and what to do instead', () => {
    const v = judge({ externalIPs: ['198.51.100.7'] });
    expect(v.violations[0]!.message).toBe('198.51.100.7: a Service with an external IP receives the traffic every pod in the cluster sends to that address (CVE-2020-8554), and it is outside the ranges assigned to tenant acme (203.0.113.0/28, 2001:db8:ac::/64)');
    expect(v.violations[0]!.fix).toBe('use an address in 203.0.113.0/28, 2001:db8:ac::/64, or remove it');
  });

  it('a tenant without ranges (the default) may use no external IP at all', () => {
    const v = judge({ externalIPs: ['203.0.113.5'] }, { namespace: 'globex-web', requester: people.gina });
    expect(where(v)).toEqual(['ExternalIPNotAssigned@spec.externalIPs[0]']);
    expect(v.violations[0]!.message).toContain('and no external IP range is assigned to tenant globex');
    expect(v.violations[0]!.fix).toContain('ask the platform team to assign your tenant a range (tenants[].externalIPs)');
  });

  it("the ranges are those of the namespace's owner, not of the requester", () => {
    // carol is in acme and globex; in globex's namespace acme's range does not apply.
    expect(where(judge({ externalIPs: ['203.0.113.5'] }, { namespace: 'globex-web', requester: people.carol }))).toEqual(['ExternalIPNotAssigned@spec.externalIPs[0]']);
    expect(judge({ externalIPs: ['203.0.113.5'] }, { namespace: 'acme-api', requester: people.carol }).allowed).toBe(true);
  });

  it.each([
    ['a namespace of no tenant', 'unowned', 'no tenant (the owner of namespace "unowned")'],
    ['a platform namespace', 'kube-system', 'the platform (the owner of namespace "kube-system")'],
    ['a namespace owned by the platform label', 'ingress-nginx', 'the platform (the owner of namespace "ingress-nginx")'],
  ])('%s has no ranges', (_name, namespace, whose) => {
    const v = judge({ externalIPs: ['203.0.113.5'] }, { namespace });
    expect(where(v)).toEqual(['ExternalIPNotAssigned@spec.externalIPs[0]']);
    expect(v.violations[0]!.message).toContain(`no external IP range is assigned to ${whose}`);
  });

  it('fails closed when the owner of the namespace cannot be established', () => {
    expect(where(judge({ externalIPs: ['203.0.113.5'] }, { view: UNKNOWN_VIEW }))).toEqual(['OwnershipUnknown@metadata.namespace']);
  });

  it('a Service without external IPs does not even look up its namespace', () => {
    const view = makeView();
    expect(judge({ type: 'LoadBalancer' }, { view, namespace: 'flaky' }).allowed).toBe(true);
    expect(view.looked).toEqual([]);
  });

  it('the suggestion keeps the allowed addresses, and applying it is allowed', () => {
    const input = serviceInput({ externalIPs: ['203.0.113.1', '1.1.1.1', 'x'] });
    const v = review(input);
    expect(v.violations.map((x) => x.suggestion)).toEqual([
      [{ op: 'replace', path: '/spec/externalIPs', value: ['203.0.113.1'] }],
      [{ op: 'replace', path: '/spec/externalIPs', value: ['203.0.113.1'] }],
    ]);
    const fixed = structuredClone(input.object);
    for (const x of v.violations) applyPatch(fixed, x.suggestion!);
    expect(review({ ...input, object: fixed }).allowed).toBe(true);
  });

  it('admins may use any address', () => {
    expect(judge({ externalIPs: ['8.8.8.8'] }, { requester: people.root }).allowed).toBe(true);
  });

  it('deleting a Service with external IPs is not judged', () => {
    const v = review({ ...serviceInput({}, { operation: 'DELETE', oldObject: { metadata: { name: 'svc' }, spec: { ports: [{ port: 80, protocol: 'TCP' }], externalIPs: ['8.8.8.8'] } } }), object: undefined });
    expect(v.allowed).toBe(true);
  });

  describe('UPDATE', () => {
    const old = (externalIPs: string[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80, protocol: 'TCP' }], externalIPs } });
    it('addresses the stored Service already had are kept (the platform set them)', () => {
      expect(judge({ externalIPs: ['198.51.100.7'] }, { operation: 'UPDATE', oldObject: old(['198.51.100.7']) }).allowed).toBe(true);
    });
    it('a new address is judged', () => {
      expect(where(judge({ externalIPs: ['198.51.100.7', '198.51.100.8'] }, { operation: 'UPDATE', oldObject: old(['198.51.100.7']) }))).toEqual(['ExternalIPNotAssigned@spec.externalIPs[1]']);
    });
    it('a Service on its way out may lose its finalizers', () => {
      const v = review(serviceInput({ externalIPs: ['8.8.8.8'] }, { operation: 'UPDATE', oldObject: old([]) }));
      expect(v.allowed).toBe(false);
      const leaving = serviceInput({ externalIPs: ['8.8.8.8'] }, { operation: 'UPDATE', oldObject: old([]) });
      (leaving.object as { metadata: Record<string, unknown> }).metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      expect(review(leaving).allowed).toBe(true);
    });
  });
});
