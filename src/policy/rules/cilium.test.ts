/**
 * cilium.io/v2 CiliumNetworkPolicy through review(), as alice (tenant acme)
 * in acme-web: namespace labels in endpoint selectors (with or without the
 * k8s:/any: source), entities, CIDRs, services and L4-only rules, in `spec`
 * and every entry of `specs`; deny rules only warn.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, codes, expectWellFormed, makeConfig, NAME_LABEL, people, TENANT_LABEL, where, type InputOptions } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { Verdict } from '../types.js';
import { endpointNamespaceRequirements } from './cilium.js';

function judge(body: Record<string, unknown>, o: InputOptions = {}): Verdict {
  const v = review(cnpInput(body, o));
  expectWellFormed(v);
  return v;
}

const POD_NS = 'io.kubernetes.pod.namespace';
const NS_LABELS = 'io.cilium.k8s.namespace.labels.';
const spec = (s: Record<string, unknown>) => ({ spec: { endpointSelector: {}, ...s } });
const ingressFrom = (key: string, selectors: unknown[]) => spec({ ingress: [{ [key]: selectors }] });
const egressTo = (key: string, selectors: unknown[]) => spec({ egress: [{ [key]: selectors }] });

describe('a selector written more than once', () => {
  it('is judged at every place it stands, with that place\'s path and suggestion', () => {
    const foreign = { matchExpressions: [{ key: `k8s:${POD_NS}`, operator: 'In', values: ['acme-web', 'globex-web'] }] };
    const v = judge({ specs: [0, 1].map(() => ({ endpointSelector: {}, ingress: [{ fromEndpoints: [foreign] }], egress: [{ toEndpoints: [{}, foreign] }] })) });
    const unconfined = v.violations.filter((x) => x.code === 'SelectorOtherTenant');
    expect(unconfined.map((x) => x.path)).toEqual([
      'specs[0].ingress[0].fromEndpoints[0]', 'specs[0].egress[0].toEndpoints[1]',
      'specs[1].ingress[0].fromEndpoints[0]', 'specs[1].egress[0].toEndpoints[1]',
    ]);
    for (const x of unconfined) {
      expect(x.suggestion).toHaveLength(1);
      expect(x.suggestion?.[0]?.path).toBe(`/${x.path.replace(/\[(\d+)\]/g, '/$1').replaceAll('.', '/')}`);
    }
    // The same selector alone gives the same finding as each of the repeated ones.
    const alone = judge(ingressFrom('fromEndpoints', [foreign])).violations.find((x) => x.code === 'SelectorOtherTenant');
    expect(unconfined[0]?.message).toBe(alone?.message);
    const withoutPaths = (x: Verdict['violations'][number] | undefined) => x?.suggestion?.map((op) => ({ ...op, path: '' }));
    expect(withoutPaths(unconfined[0])).toEqual(withoutPaths(alone));
  });
});

describe('endpoint selectors', () => {
  it.each<[string, unknown, string[]]>([
    // No namespace label: Cilium pins the selector to the policy's namespace.
    ['empty selector (all endpoints of this namespace)', {}, []],
    ['pod labels only', { matchLabels: { app: 'web', 'k8s:role': 'db' } }, []],
    ['pod label expressions only', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['x'] }] }, []],
    // Other label sources are not namespace labels, so the pin stays.
    ['a container: source namespace key', { matchLabels: { [`container:${POD_NS}`]: 'globex-web' } }, []],
    // A negative reserved requirement lifts the pin, unless a namespace requirement confines the selector.
    ['reserved:init DoesNotExist', { matchExpressions: [{ key: 'reserved:init', operator: 'DoesNotExist' }] }, ['SelectorUnconfined']],
    ['reserved:init DoesNotExist, own tenant', { matchLabels: { [`k8s:${NS_LABELS}${TENANT_LABEL}`]: 'acme' }, matchExpressions: [{ key: 'reserved:init', operator: 'DoesNotExist' }] }, []],
    ['reserved:host NotIn, own namespace', { matchLabels: { [POD_NS]: 'acme-web' }, matchExpressions: [{ key: 'reserved:host', operator: 'NotIn', values: ['x'] }] }, []],
    ['reserved:host NotIn, another tenant', { matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'globex' }, matchExpressions: [{ key: 'reserved:host', operator: 'NotIn', values: ['x'] }] }, ['SelectorOtherTenant', 'SelectorUnconfined']],
    // matchLabels keys that Cilium stores under one key: it keeps one of them at random.
    ['tenant label twice, own tenant and another', { matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'acme', [`any:${NS_LABELS}${TENANT_LABEL}`]: 'globex' } }, ['SelectorOtherTenant']],
    ['tenant label twice, both own tenant', { matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'acme', [`any:${NS_LABELS}${TENANT_LABEL}`]: 'acme' } }, []],
    ['tenant label under k8s: and any: do not collide', { matchLabels: { [`k8s:${NS_LABELS}${TENANT_LABEL}`]: 'acme', [`any:${NS_LABELS}${TENANT_LABEL}`]: 'globex' } }, []],
    // io.kubernetes.pod.namespace, every source spelling.
    ['own namespace', { matchLabels: { [POD_NS]: 'acme-web' } }, []],
    ['a sibling namespace, k8s:', { matchLabels: { [`k8s:${POD_NS}`]: 'acme-api' } }, []],
    ['a configured platform namespace, any:', { matchLabels: { [`any:${POD_NS}`]: 'kube-system' } }, []],
    ["another tenant's namespace", { matchLabels: { [POD_NS]: 'globex-web' } }, ['SelectorOtherTenant']],
    ["another tenant's namespace, k8s:", { matchLabels: { [`k8s:${POD_NS}`]: 'globex-web' } }, ['SelectorOtherTenant']],
    ["another tenant's namespace, any:", { matchLabels: { [`any:${POD_NS}`]: 'globex-web' } }, ['SelectorOtherTenant']],
    ['a namespace that does not exist', { matchLabels: { [POD_NS]: 'ghost' } }, ['SelectorUnknownNamespace']],
    ['a namespace whose owner is unknown', { matchLabels: { [POD_NS]: 'flaky' } }, ['OwnershipUnknown']],
    ['pod namespace In allowed names', { matchExpressions: [{ key: `k8s:${POD_NS}`, operator: 'In', values: ['acme-web', 'acme-api'] }] }, []],
    ['pod namespace In with a foreign name', { matchExpressions: [{ key: `k8s:${POD_NS}`, operator: 'In', values: ['acme-web', 'globex-web'] }] }, ['SelectorOtherTenant']],
    ['pod namespace NotIn', { matchExpressions: [{ key: POD_NS, operator: 'NotIn', values: ['globex-web'] }] }, ['SelectorUnconfined']],
    ['pod namespace Exists', { matchExpressions: [{ key: `any:${POD_NS}`, operator: 'Exists' }] }, ['SelectorUnconfined']],
    // Every pod carries its namespace's name: only reserved identities have none, judged as their entities (allowed by default).
    ['pod namespace DoesNotExist', { matchExpressions: [{ key: POD_NS, operator: 'DoesNotExist' }] }, []],
    // Namespace labels carried on endpoints: the tenant label.
    ['tenant label, own tenant', { matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'acme' } }, []],
    ['tenant label, platform, k8s:', { matchLabels: { [`k8s:${NS_LABELS}${TENANT_LABEL}`]: 'platform' } }, []],
    ['tenant label, another tenant', { matchLabels: { [`k8s:${NS_LABELS}${TENANT_LABEL}`]: 'globex' } }, ['SelectorOtherTenant']],
    ['tenant label, another tenant, any:', { matchLabels: { [`any:${NS_LABELS}${TENANT_LABEL}`]: 'globex' } }, ['SelectorOtherTenant']],
    ['tenant label In own and platform', { matchExpressions: [{ key: `${NS_LABELS}${TENANT_LABEL}`, operator: 'In', values: ['acme', 'platform'] }] }, []],
    ['tenant label In with another tenant', { matchExpressions: [{ key: `${NS_LABELS}${TENANT_LABEL}`, operator: 'In', values: ['acme', 'globex'] }] }, ['SelectorOtherTenant']],
    ['tenant label NotIn', { matchExpressions: [{ key: `k8s:${NS_LABELS}${TENANT_LABEL}`, operator: 'NotIn', values: ['globex'] }] }, ['SelectorUnconfined']],
    ['tenant label Exists', { matchExpressions: [{ key: `${NS_LABELS}${TENANT_LABEL}`, operator: 'Exists' }] }, ['SelectorUnconfined']],
    ['tenant label DoesNotExist', { matchExpressions: [{ key: `${NS_LABELS}${TENANT_LABEL}`, operator: 'DoesNotExist' }] }, ['SelectorUnconfined']],
    ['tenant label, unknown operator', { matchExpressions: [{ key: `${NS_LABELS}${TENANT_LABEL}`, operator: 'Lt', values: ['1'] }] }, ['SelectorUnconfined']],
    // The namespace's name label, carried as a namespace label.
    ['namespace name label, sibling', { matchLabels: { [`k8s:${NS_LABELS}${NAME_LABEL}`]: 'acme-api' } }, []],
    ['namespace name label, another tenant', { matchLabels: { [`${NS_LABELS}${NAME_LABEL}`]: 'globex-web' } }, ['SelectorOtherTenant']],
    // Any other namespace label lifts the pin without confining.
    ['another namespace label', { matchLabels: { [`k8s:${NS_LABELS}team`]: 'ops' } }, ['SelectorUnconfined']],
    ['another namespace label, Exists', { matchExpressions: [{ key: `${NS_LABELS}team`, operator: 'Exists' }] }, ['SelectorUnconfined']],
    // ANDed: the tenant requirement confines the other namespace label.
    ['own tenant and another namespace label', { matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'acme', [`${NS_LABELS}team`]: 'ops' } }, []],
    ['pod namespace and pod labels', { matchLabels: { [`k8s:${POD_NS}`]: 'globex-web', app: 'db' } }, ['SelectorOtherTenant']],
  ])('%s', (_name, selector, expected) => {
    for (const [key, make] of [['fromEndpoints', ingressFrom], ['fromRequires', ingressFrom], ['toEndpoints', egressTo], ['toRequires', egressTo]] as const) {
      const v = judge(make(key, [selector]));
      expect(codes(v), key).toEqual(expected);
      for (const x of v.violations) expect(x.path).toBe(`spec.${key.startsWith('from') ? 'ingress' : 'egress'}[0].${key}[0]`);
    }
  });

  it('the fix names the Cilium selectors for the tenant and the platform, and the share that would allow the name', () => {
    const v = judge(ingressFrom('fromEndpoints', [{ matchLabels: { [POD_NS]: 'globex-web' } }]));
    expect(v.violations[0]).toMatchObject({
      message: 'names namespace "globex-web", which belongs to tenant globex',
      fix: `leave namespace labels out to stay in this namespace, select your tenant with matchLabels {"k8s:${NS_LABELS}${TENANT_LABEL}": "acme"}, or platform endpoints with matchLabels {"k8s:${NS_LABELS}${TENANT_LABEL}": "platform"}; to admit pods of namespace "globex-web" (tenant globex), you create an Export in "acme-web" listing tenant globex (namespace "globex-web") with this policy's pods and the ports, tenant globex creates an Import in "globex-web" naming it, and this rule names "globex-web" by its name (k8s:${POD_NS}), with pods and ports inside both`,
    });
    // Outside a share the requirement form has no share to point at: no automatic change keeps that intent.
    expect(judge(ingressFrom('fromRequires', [{ matchLabels: { [POD_NS]: 'globex-web' } }])).violations[0]!.fix).toContain('no automatic change keeps this intent');
    // Another tenant's namespace named outright: no patch can keep that intent.
    expect(v.violations[0]!.suggestion).toBeUndefined();
  });

  it('a name-based reference warns, pointing to namespacePrefix', () => {
    const v = judge(egressTo('toEndpoints', [{ matchLabels: { [`k8s:${POD_NS}`]: 'acme-api' } }]));
    expect(v.allowed).toBe(true);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toMatch(/^spec\.egress\[0\]\.toEndpoints\[0\]: namespace "acme-api" is named, not selected by owner: .*namespacePrefix/);
  });

  it('with namespacePrefix a name under the own prefix is allowed before it exists', () => {
    const config = makeConfig({ namespacePrefix: true });
    const v = judge(egressTo('toEndpoints', [{ matchLabels: { [`k8s:${POD_NS}`]: 'acme-next' } }]), { config });
    expect(v).toMatchObject({ allowed: true, warnings: [] });
    expect(codes(judge(egressTo('toEndpoints', [{ matchLabels: { [`k8s:${POD_NS}`]: 'globex-next' } }]), { config }))).toEqual(['SelectorUnknownNamespace']);
  });

  it('allowSameTenantAcrossNamespaces: false confines to this namespace and the platform', () => {
    const config = makeConfig({ allowSameTenantAcrossNamespaces: false });
    expect(codes(judge(egressTo('toEndpoints', [{ matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'acme' } }]), { config }))).toEqual(['SelectorOtherTenant']);
    expect(codes(judge(egressTo('toEndpoints', [{ matchLabels: { [POD_NS]: 'acme-api' } }]), { config }))).toEqual(['SelectorOtherTenant']);
    expect(judge(egressTo('toEndpoints', [{ matchLabels: { [POD_NS]: 'acme-web' } }, { matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'platform' } }]), { config }).allowed).toBe(true);
  });

  it('a custom tenant label with a "/" is recognised inside the namespace-label key', () => {
    const config = makeConfig({ tenantLabel: 'example.com/owner' });
    const view = { lookup: () => ({ state: 'found' as const, labels: { 'example.com/owner': 'acme' } }) };
    expect(judge(egressTo('toEndpoints', [{ matchLabels: { [`k8s:${NS_LABELS}example.com/owner`]: 'acme' } }]), { config, view }).allowed).toBe(true);
    expect(codes(judge(egressTo('toEndpoints', [{ matchLabels: { [`k8s:${NS_LABELS}example.com/owner`]: 'globex' } }]), { config, view }))).toEqual(['SelectorOtherTenant']);
  });
});

describe('endpointNamespaceRequirements', () => {
  it.each<[string, Record<string, unknown>, { subject: string; op: string; values: string[] }[]]>([
    ['nothing namespaced', { matchLabels: { app: 'x' } }, []],
    ['pod namespace', { matchLabels: { [`k8s:${POD_NS}`]: 'a' } }, [{ subject: 'name', op: 'In', values: ['a'] }]],
    ['tenant label', { matchExpressions: [{ key: `any:${NS_LABELS}${TENANT_LABEL}`, operator: 'NotIn', values: ['b'] }] }, [{ subject: 'tenant', op: 'NotIn', values: ['b'] }]],
    ['name label', { matchLabels: { [`${NS_LABELS}${NAME_LABEL}`]: 'c' } }, [{ subject: 'name', op: 'In', values: ['c'] }]],
    ['other namespace label', { matchLabels: { [`${NS_LABELS}team`]: 'd' } }, [{ subject: 'other', op: 'In', values: ['d'] }]],
    ['reserved source', { matchLabels: { [`reserved:${POD_NS}`]: 'e' } }, []],
    ['a malformed expression is skipped', { matchExpressions: [null, { key: 5 }, { operator: 'In' }] }, []],
  ])('%s', (_name, selector, expected) => {
    expect(endpointNamespaceRequirements(selector, TENANT_LABEL)).toMatchObject(expected);
  });
});

describe('entities', () => {
  it.each<[string, string, unknown[], string[]]>([
    ['world', 'fromEntities', ['world'], []],
    ['host and remote-node', 'fromEntities', ['host', 'remote-node', 'kube-apiserver'], []],
    ['cluster', 'fromEntities', ['cluster'], ['EntityDenied@spec.ingress[0].fromEntities[0]']],
    ['all', 'toEntities', ['world', 'all'], ['EntityDenied@spec.egress[0].toEntities[1]']],
    // Entity names are matched without regard to case.
    ['All in capitals', 'toEntities', ['ALL'], ['EntityDenied@spec.egress[0].toEntities[0]']],
    ['both', 'toEntities', ['cluster', 'all'], ['EntityDenied@spec.egress[0].toEntities[0]', 'EntityDenied@spec.egress[0].toEntities[1]']],
    ['not a string', 'toEntities', [5, null], []],
  ])('%s', (_name, key, entities, expected) => {
    const body = key === 'fromEntities' ? ingressFrom(key, entities) : egressTo(key, entities);
    expect(where(judge(body))).toEqual(expected);
  });

  it('the denied list comes from configuration', () => {
    const config = makeConfig({ cilium: { deniedEntities: ['all', 'cluster', 'host'] } });
    expect(where(judge(ingressFrom('fromEntities', ['host']), { config }))).toEqual(['EntityDenied@spec.ingress[0].fromEntities[0]']);
    const none = makeConfig({ cilium: { deniedEntities: [] } });
    expect(judge(ingressFrom('fromEntities', ['host']), { config: none }).allowed).toBe(true);
  });
});

describe('CIDRs', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['fromCIDR outside', ingressFrom('fromCIDR', ['192.0.2.0/24']), []],
    ['fromCIDR into the pod range', ingressFrom('fromCIDR', ['192.0.2.0/24', '10.244.1.0/24']), ['CIDRProtected@spec.ingress[0].fromCIDR[1]']],
    ['toCIDR a service IP', egressTo('toCIDR', ['10.96.0.1/32']), ['CIDRProtected@spec.egress[0].toCIDR[0]']],
    ['toCIDR IPv6 pod range', egressTo('toCIDR', ['fd00:10:244::1']), ['CIDRProtected@spec.egress[0].toCIDR[0]']],
    ['toCIDR IPv4-mapped', egressTo('toCIDR', ['::ffff:10.244.0.0/112']), ['CIDRProtected@spec.egress[0].toCIDR[0]']],
    ['toCIDR not a CIDR', egressTo('toCIDR', ['x', 3]), ['CIDRInvalid@spec.egress[0].toCIDR[0]', 'CIDRInvalid@spec.egress[0].toCIDR[1]']],
    ['toCIDRSet the world minus the ranges', egressTo('toCIDRSet', [{ cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] }, { cidr: '::/0', except: ['fd00:10:244::/56', 'fd00:10:96::/112'] }]), []],
    ['toCIDRSet missing an except', egressTo('toCIDRSet', [{ cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] }]), ['CIDRProtected@spec.egress[0].toCIDRSet[0].cidr']],
    ['fromCIDRSet IPv6 world', ingressFrom('fromCIDRSet', [{ cidr: '::/0' }]), ['CIDRProtected@spec.ingress[0].fromCIDRSet[0].cidr']],
    ['CIDRSet with excepts in pieces', egressTo('toCIDRSet', [{ cidr: '10.0.0.0/8', except: ['10.244.0.0/17', '10.244.128.0/17', '10.96.0.0/12'] }]), []],
    ['CIDRSet entry not a mapping', egressTo('toCIDRSet', ['0.0.0.0/0']), ['MalformedObject@spec.egress[0].toCIDRSet[0]']],
    ['CIDRSet without cidr', egressTo('toCIDRSet', [{ except: [] }]), ['CIDRInvalid@spec.egress[0].toCIDRSet[0].cidr']],
  ])('%s', (_name, body, expected) => {
    expect(where(judge(body))).toEqual(expected);
  });

  it('a CIDR group the review cannot see is refused (rules/cidr-groups.test.ts judges known groups)', () => {
    const v = judge(egressTo('toCIDRSet', [{ cidrGroupRef: 'cluster-ranges' }]));
    expect(where(v)).toEqual(['CIDRGroupUnknown@spec.egress[0].toCIDRSet[0].cidrGroupRef']);
  });

  it('the fix is written as CIDR sets', () => {
    const v = judge(egressTo('toCIDR', ['0.0.0.0/0']));
    expect(v.violations[0]!.fix).toBe(
      "add the cluster's ranges (10.244.0.0/16, 10.96.0.0/12, fd00:10:244::/56, fd00:10:96::/112) to except, or for the outside world use {cidr: 0.0.0.0/0, except: [10.244.0.0/16, 10.96.0.0/12]} and {cidr: ::/0, except: [fd00:10:244::/56, fd00:10:96::/112]}; reach pods through selectors, not addresses");
  });
});

describe('toServices', () => {
  const svc = (services: unknown[]) => spec({ egress: [{ toServices: services }] });
  it.each<[string, unknown[], string[]]>([
    ['own namespace', [{ k8sService: { serviceName: 'db', namespace: 'acme-web' } }], []],
    ['a sibling namespace', [{ k8sService: { serviceName: 'db', namespace: 'acme-api' } }], []],
    ['a platform namespace', [{ k8sService: { serviceName: 'kube-dns', namespace: 'kube-system' } }], []],
    ["another tenant's namespace", [{ k8sService: { serviceName: 'db', namespace: 'globex-web' } }], ['ServiceOtherTenant@spec.egress[0].toServices[0].k8sService.namespace']],
    ["a selector in another tenant's namespace", [{ k8sServiceSelector: { selector: { matchLabels: { app: 'db' } }, namespace: 'globex-web' } }], ['ServiceOtherTenant@spec.egress[0].toServices[0].k8sServiceSelector.namespace']],
    ['the second service', [{ k8sService: { serviceName: 'a', namespace: 'acme-web' } }, { k8sService: { serviceName: 'b', namespace: 'globex-web' } }], ['ServiceOtherTenant@spec.egress[0].toServices[1].k8sService.namespace']],
    ['a namespace that does not exist', [{ k8sService: { serviceName: 'db', namespace: 'ghost' } }], ['SelectorUnknownNamespace@spec.egress[0].toServices[0].k8sService.namespace']],
    ['ownership unknown', [{ k8sService: { serviceName: 'db', namespace: 'flaky' } }], ['OwnershipUnknown@spec.egress[0].toServices[0].k8sService.namespace']],
    ['not a mapping', ['db', null], []],
  ])('%s', (_name, services, expected) => {
    expect(where(judge(svc(services)))).toEqual(expected);
  });

  it('says which service and what to do', () => {
    const v = judge(svc([{ k8sService: { serviceName: 'db', namespace: 'globex-web' } }]));
    expect(v.violations[0]).toMatchObject({
      message: 'points at a service in namespace "globex-web", which belongs to tenant globex',
      fix: "reach services of your own tenant or the platform; for another tenant's service, ask that tenant or the platform to publish it",
    });
  });
});

describe('L4-only rules', () => {
  const ports = [{ ports: [{ port: '80', protocol: 'TCP' }] }];
  it.each<[string, Record<string, unknown>, string[]]>([
    // Ports without an L3 peer allow every endpoint of every tenant.
    ['ingress toPorts only', spec({ ingress: [{ toPorts: ports }] }), ['OpenRule@spec.ingress[0]']],
    ['ingress icmps only', spec({ ingress: [{ icmps: [{ fields: [{ type: 8 }] }] }] }), ['OpenRule@spec.ingress[0]']],
    ['egress toPorts only', spec({ egress: [{ toPorts: ports }] }), ['OpenRule@spec.egress[0]']],
    ['egress icmps only', spec({ egress: [{ icmps: [{ fields: [{ type: 8 }] }] }] }), ['OpenRule@spec.egress[0]']],
    ['an empty peer list does not count as a peer', spec({ ingress: [{ fromEndpoints: [], toPorts: ports }] }), ['OpenRule@spec.ingress[0]']],
    ['in specs[]', { specs: [{ endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] }, { endpointSelector: {}, egress: [{ toPorts: ports }] }] }, ['OpenRule@specs[1].egress[0]']],
    // The empty rule is Cilium's default-deny idiom.
    ['ingress [{}]', spec({ ingress: [{}] }), []],
    ['egress [{}]', spec({ egress: [{}] }), []],
    ['ingress [{}] in specs[]', { specs: [{ endpointSelector: {}, ingress: [{}], egress: [{}] }] }, []],
    ['empty toPorts', spec({ ingress: [{ toPorts: [] }] }), []],
    // With a peer, ports are fine.
    ['ports with fromEndpoints', spec({ ingress: [{ fromEndpoints: [{}], toPorts: ports }] }), []],
    ['ports with fromEntities world', spec({ ingress: [{ fromEntities: ['world'], toPorts: ports }] }), []],
    ['ports with fromCIDRSet', spec({ ingress: [{ fromCIDRSet: [{ cidr: '192.0.2.0/24' }], toPorts: ports }] }), []],
    ['ports with toFQDNs', spec({ egress: [{ toFQDNs: [{ matchName: 'example.com' }], toPorts: ports }] }), []],
    ['ports with toServices', spec({ egress: [{ toServices: [{ k8sService: { serviceName: 'x', namespace: 'acme-web' } }], toPorts: ports }] }), []],
    // Deny rules only take access away.
    ['ingressDeny toPorts only', spec({ ingressDeny: [{ toPorts: ports }] }), []],
  ])('%s', (_name, body, expected) => {
    expect(where(judge(body))).toEqual(expected);
  });

  it('allowOpenEgress lets egress be L4-only; ingress is still judged', () => {
    const config = makeConfig({ allowOpenEgress: true });
    expect(where(judge(spec({ ingress: [{ toPorts: ports }], egress: [{ toPorts: ports }] }), { config }))).toEqual(['OpenRule@spec.ingress[0]']);
  });

  it('the fix lists CIDR sets, the tenant and the platform', () => {
    const v = judge(spec({ ingress: [{ toPorts: ports }] }));
    expect(v.violations[0]).toMatchObject({
      message: 'has ports but no from* peer, so it accepts traffic from every endpoint of every tenant on those ports',
      fix: 'list the peers in fromEndpoints/fromCIDRSet: from outside the cluster: {cidr: 0.0.0.0/0, except: [10.244.0.0/16, 10.96.0.0/12]} and {cidr: ::/0, except: [fd00:10:244::/56, fd00:10:96::/112]}; ' +
        `from your tenant: an endpoint selector {"k8s:${NS_LABELS}${TENANT_LABEL}": "acme"}; from the platform (ingress controllers, monitoring, DNS): an endpoint selector {"k8s:${NS_LABELS}${TENANT_LABEL}": "platform"}`,
    });
  });
});

describe('deny rules only take access away', () => {
  it.each<[string, Record<string, unknown>]>([
    ['ingressDeny from another tenant', spec({ ingressDeny: [{ fromEndpoints: [{ matchLabels: { [`k8s:${POD_NS}`]: 'globex-web' } }] }] })],
    ['egressDeny to every namespace', spec({ egressDeny: [{ toEndpoints: [{ matchExpressions: [{ key: POD_NS, operator: 'Exists' }] }] }] })],
    ['egressDeny to the cluster entity', spec({ egressDeny: [{ toEntities: ['cluster'] }] })],
    ['egressDeny to the pod range', spec({ egressDeny: [{ toCIDR: ['10.244.0.0/16'] }] })],
    ["egressDeny to another tenant's service", spec({ egressDeny: [{ toServices: [{ k8sService: { serviceName: 'db', namespace: 'globex-web' } }] }] })],
  ])('%s: a warning, not a violation', (_name, body) => {
    const v = judge(body);
    expect(v.allowed).toBe(true);
    expect(v.warnings).toHaveLength(1);
    expect(v.warnings[0]).toMatch(/^spec\.(ingress|egress)Deny\[0\]\.\w+\[0\].*: .*\(in a deny rule this only takes access away; fix: .+\)$/);
  });

  it('the same reference in an allow rule beside it is still a violation', () => {
    const sel = [{ matchLabels: { [`k8s:${POD_NS}`]: 'globex-web' } }];
    const v = judge(spec({ ingress: [{ fromEndpoints: sel }], ingressDeny: [{ fromEndpoints: sel }] }));
    expect(where(v)).toEqual(['SelectorOtherTenant@spec.ingress[0].fromEndpoints[0]']);
    expect(v.warnings).toHaveLength(1);
  });
});

describe('spec and specs[]', () => {
  it('every entry of specs is judged, with its index in the path', () => {
    const v = judge({
      specs: [
        { endpointSelector: {}, egress: [{ toEntities: ['world'] }] },
        { endpointSelector: {}, egress: [{ toEntities: ['cluster'] }] },
      ],
    });
    expect(where(v)).toEqual(['EntityDenied@specs[1].egress[0].toEntities[0]']);
  });

  it('spec and specs together are both judged, and all violations reported', () => {
    const v = judge({
      spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [{ matchLabels: { [POD_NS]: 'globex-web' } }], fromEntities: ['all'] }] },
      specs: [
        { endpointSelector: {}, egress: [{ toCIDR: ['10.96.0.0/12'] }, { toPorts: [{ ports: [{ port: '53' }] }] }] },
        { endpointSelector: {}, ingress: [{ fromRequires: [{ matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'globex' } }] }] },
      ],
    });
    expect(where(v)).toEqual([
      'SelectorOtherTenant@spec.ingress[0].fromEndpoints[0]',
      'EntityDenied@spec.ingress[0].fromEntities[0]',
      'CIDRProtected@specs[0].egress[0].toCIDR[0]',
      'OpenRule@specs[0].egress[1]',
      'SelectorOtherTenant@specs[1].ingress[0].fromRequires[0]',
    ]);
  });
});

describe('wrong types never throw; they are refused with a path', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['neither spec nor specs', {}, ['MalformedObject@spec']],
    ['spec null and specs empty', { spec: null, specs: [] }, ['MalformedObject@spec']],
    ['spec a string', { spec: 'x' }, ['MalformedObject@spec']],
    ['specs not a list', { specs: { endpointSelector: {} } }, ['MalformedObject@specs', 'MalformedObject@spec']],
    ['a specs entry that is null', { specs: [null] }, ['MalformedObject@specs[0]']],
    ['ingress not a list', spec({ ingress: { fromEndpoints: [] } }), ['MalformedObject@spec.ingress']],
    ['egressDeny not a list', spec({ egressDeny: 'x' }), ['MalformedObject@spec.egressDeny']],
    ['a rule that is a number', spec({ egress: [1] }), ['MalformedObject@spec.egress[0]']],
    ['fromEndpoints not a list', spec({ ingress: [{ fromEndpoints: {} }] }), ['MalformedObject@spec.ingress[0].fromEndpoints']],
    // The open-rule suggestion adds peers at fromEndpoints: it must not overwrite what the author wrote there.
    ['fromEndpoints not a list, in a rule with ports', spec({ ingress: [{ fromEndpoints: 'In', toPorts: [{ ports: [{ port: '1', protocol: 'TCP' }] }] }] }), ['MalformedObject@spec.ingress[0].fromEndpoints', 'OpenRule@spec.ingress[0]']],
    ['fromEndpoints not a list, beside a denied entity', spec({ ingress: [{ fromEndpoints: 'In', fromEntities: ['cluster'] }] }), ['MalformedObject@spec.ingress[0].fromEndpoints', 'EntityDenied@spec.ingress[0].fromEntities[0]']],
    ['a selector that is a string', spec({ ingress: [{ fromEndpoints: ['app=web'] }] }), ['MalformedObject@spec.ingress[0].fromEndpoints[0]']],
    ['a selector that is null', spec({ egress: [{ toEndpoints: [null] }] }), ['MalformedObject@spec.egress[0].toEndpoints[0]']],
    ['toEntities not a list', spec({ egress: [{ toEntities: 'all' }] }), ['MalformedObject@spec.egress[0].toEntities']],
    ['matchLabels with a number value', spec({ egress: [{ toEndpoints: [{ matchLabels: { [POD_NS]: 7 } }] }] }), ['SelectorUnknownNamespace@spec.egress[0].toEndpoints[0]']],
  ])('%s', (_name, body, expected) => {
    expect(where(judge(body))).toEqual(expected);
  });
});

describe('who and when', () => {
  const bad = spec({ egress: [{ toEntities: ['all'] }] });

  it('admins are not judged', () => {
    expect(judge(bad, { requester: people.root })).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });

  it('ownership unknown is refused (fail closed)', () => {
    expect(where(judge(spec({ ingress: [{}] }), { namespace: 'flaky' }))).toEqual(['OwnershipUnknown@metadata.namespace']);
  });

  it('DELETE is allowed', () => {
    expect(review({ ...cnpInput(bad, { operation: 'DELETE' }), object: undefined, oldObject: bad }).allowed).toBe(true);
  });
});
