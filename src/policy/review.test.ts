/**
 * review() as a whole: which kinds are judged, cluster-scoped policies,
 * unknown kinds, fail-closed ownership, and that no input whatsoever makes
 * it throw or return an ill-formed verdict.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CNP_KIND, CONFIG, expectWellFormed, makeConfig, makeView, NP_KIND, NS_KIND, people, UNKNOWN_VIEW, where } from '../../test/unit/fixtures.js';
import { policySettingsOf } from '../config/schema.js';
import { review } from './review.js';
import type { Operation, Requester, ReviewInput } from './types.js';

function input(kind: ReviewInput['kind'], operation: Operation, requester: Requester, object: unknown = { metadata: { name: 'x' }, spec: {} }): ReviewInput {
  return { kind, operation, requester, object, namespace: undefined, name: 'x', namespaces: makeView(), settings: policySettingsOf(CONFIG) };
}

describe('cluster-scoped policies', () => {
  const kinds = [
    { group: 'cilium.io', version: 'v2', kind: 'CiliumClusterwideNetworkPolicy' },
    { group: 'policy.networking.k8s.io', version: 'v1alpha1', kind: 'AdminNetworkPolicy' },
    { group: 'policy.networking.k8s.io', version: 'v1alpha1', kind: 'BaselineAdminNetworkPolicy' },
    { group: 'policy.networking.k8s.io', version: 'v1alpha2', kind: 'ClusterNetworkPolicy' },
  ];
  it.each(kinds.flatMap((k) => (['CREATE', 'UPDATE', 'DELETE'] as const).map((op) => [k.kind, op, k] as const)))(
    'a tenant may not %s: %s',
    (kindName, op, kind) => {
      const v = review(input(kind, op, people.alice));
      expectWellFormed(v);
      expect(where(v)).toEqual(['ClusterScopedPolicy@kind']);
      const verb = op === 'CREATE' ? 'create' : op === 'DELETE' ? 'delete' : 'change';
      expect(v.violations[0]!.message).toBe(`${kindName} applies to the whole cluster, across every tenant; only the platform team may ${verb} one`);
      expect(v.violations[0]!.fix).toBe('write a namespaced NetworkPolicy or CiliumNetworkPolicy in your own namespace instead');
    },
  );

  it.each(kinds.map((k) => [k.kind, k] as const))('an admin may create %s', (_name, kind) => {
    expect(review(input(kind, 'CREATE', people.root))).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });

  it('refused even with no object at all, and for requesters in no tenant', () => {
    expect(review(input(kinds[0]!, 'CREATE', people.dave, undefined)).allowed).toBe(false);
  });
});

describe('unknown kinds are allowed with a warning', () => {
  it.each([
    [{ group: 'apps', version: 'v1', kind: 'Deployment' }, 'tenant-guard does not judge apps/Deployment; it was allowed unchecked'],
    [{ group: '', version: 'v1', kind: 'Pod' }, 'tenant-guard does not judge Pod; it was allowed unchecked'],
    // A look-alike kind in another API group is not a NetworkPolicy.
    [{ group: 'example.com', version: 'v1', kind: 'NetworkPolicy' }, 'tenant-guard does not judge example.com/NetworkPolicy; it was allowed unchecked'],
    [{ group: 'policy.networking.k8s.io', version: 'v1alpha1', kind: 'AdminNetworkPolicyList' }, 'tenant-guard does not judge policy.networking.k8s.io/AdminNetworkPolicyList; it was allowed unchecked'],
    [{ group: 'constructor', version: 'v1', kind: 'x' }, 'tenant-guard does not judge constructor/x; it was allowed unchecked'],
  ])('%j', (kind, warning) => {
    const v = review(input(kind, 'CREATE', people.alice, { spec: { ingress: [{}] } }));
    expect(v).toEqual({ allowed: true, violations: [], warnings: [warning], patch: [] });
  });
});

describe('fail closed when ownership is unknown', () => {
  it.each([
    ['NetworkPolicy', NP_KIND, { spec: { podSelector: {} } }],
    ['CiliumNetworkPolicy', CNP_KIND, { spec: { endpointSelector: {} } }],
  ])('%s in a namespace whose owner cannot be established', (_name, kind, object) => {
    const v = review({ ...input(kind, 'CREATE', people.alice, object), namespace: 'acme-web', namespaces: UNKNOWN_VIEW });
    expect(where(v)).toEqual(['OwnershipUnknown@metadata.namespace']);
    expect(v.violations[0]!.message).toBe('the owner of namespace "acme-web" cannot be established (API server unreachable); tenant-guard refuses rather than guess');
  });
});

describe('CONNECT', () => {
  it.each([NP_KIND, CNP_KIND, NS_KIND])('is allowed for %j', (kind) => {
    expect(review(input(kind, 'CONNECT', people.dave)).allowed).toBe(true);
  });
});

/** Keys and values the engine reacts to, so random trees reach deep into the rules. */
const KEYS = [
  'metadata', 'labels', 'name', 'namespace', 'deletionTimestamp', 'app.kubernetes.io/managed-by', 'tenant-guard.io/tenant',
  'spec', 'specs', 'ingress', 'egress', 'ingressDeny', 'egressDeny', 'from', 'to', 'ports', 'podSelector', 'namespaceSelector',
  'ipBlock', 'cidr', 'except', 'matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'kubernetes.io/metadata.name',
  'fromEndpoints', 'toEndpoints', 'fromRequires', 'toRequires', 'fromEntities', 'toEntities', 'fromCIDR', 'toCIDR',
  'fromCIDRSet', 'toCIDRSet', 'cidrGroupRef', 'toServices', 'k8sService', 'k8sServiceSelector', 'serviceName', 'toPorts', 'icmps',
  'toFQDNs', 'endpointSelector', 'k8s:io.kubernetes.pod.namespace', 'any:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant',
  'io.cilium.k8s.namespace.labels.team', '__proto__', 'constructor', 'toString',
];
const VALUES = [
  'In', 'NotIn', 'Exists', 'DoesNotExist', 'acme', 'globex', 'platform', 'acme-web', 'acme-api', 'globex-web', 'kube-system', 'flaky',
  'ghost', 'tenant-guard', '10.244.0.0/16', '0.0.0.0/0', '::/0', '::ffff:10.244.0.0/112', 'all', 'cluster', 'world', '',
];

const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 6 }), fc.constantFrom(...VALUES));
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 4 })), tie('tree'), { maxKeys: 4 }),
  ),
}));

describe('never throws, whatever arrives', () => {
  const kinds = [NP_KIND, CNP_KIND, NS_KIND, { group: 'cilium.io', version: 'v2', kind: 'CiliumClusterwideNetworkPolicy' }, { group: 'x', version: 'v1', kind: 'Y' }];
  const requesters = [people.alice, people.carol, people.dave, people.root, people.namespaceController];
  const configs = [CONFIG, makeConfig({ namespacePrefix: true, allowOpenEgress: true, allowSameTenantAcrossNamespaces: false })];

  it('random objects of every judged kind, operation and requester', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds), fc.constantFrom<Operation>('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), fc.constantFrom(...requesters),
        fc.constantFrom(...configs), fc.constantFrom(undefined, 'acme-web', 'flaky', 'ghost', 'kube-system', ''),
        tree, tree, fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        (kind, operation, requester, config, namespace, object, oldObject, name) => {
          const v = review({ kind, operation, requester, settings: policySettingsOf(config), namespace, name, object, oldObject, namespaces: makeView() });
          expectWellFormed(v);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('random specs inside otherwise valid policies', () => {
    fc.assert(
      fc.property(fc.constantFrom(NP_KIND, CNP_KIND), fc.constantFrom(...configs), tree, tree, (kind, config, spec, specs) => {
        const object = { apiVersion: 'x', kind: kind.kind, metadata: { name: 'p', namespace: 'acme-web' }, spec, specs };
        expectWellFormed(review({ kind, operation: 'CREATE', requester: people.alice, settings: policySettingsOf(config), namespace: 'acme-web', object, namespaces: makeView() }));
      }),
      { numRuns: 3000 },
    );
  });

  it('values nested deeper than JSON.stringify can go, anywhere a value is read', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    const sel = { matchLabels: { 'tenant-guard.io/tenant': deep, 'kubernetes.io/metadata.name': deep }, matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [deep] }] };
    const cnpSel = { matchLabels: { 'k8s:io.kubernetes.pod.namespace': deep }, matchExpressions: [{ key: 'io.kubernetes.pod.namespace', operator: 'In', values: [deep] }] };
    const objects: [ReviewInput['kind'], unknown][] = [
      [NP_KIND, { spec: { ingress: [{ from: [{ namespaceSelector: sel, ipBlock: { cidr: deep, except: [deep] } }] }] } }],
      [CNP_KIND, { spec: { egress: [{ toEndpoints: [cnpSel], toCIDR: [deep], toCIDRSet: [{ cidr: deep }], toEntities: [deep], toServices: [{ k8sService: { namespace: deep } }] }] } }],
      [NS_KIND, { metadata: { name: 'web', labels: { 'tenant-guard.io/tenant': deep } } }],
    ];
    for (const [kind, object] of objects) {
      const v = review({ ...input(kind, 'CREATE', people.alice, object), namespace: 'acme-web' });
      expectWellFormed(v);
      expect(v.allowed).toBe(false);
      // Messages stay short even when the value is huge.
      for (const x of v.violations) expect(x.message.length).toBeLessThan(1000);
    }
  });

  it.each<[string, unknown]>([
    ['a number', 42],
    ['a string', 'kind: NetworkPolicy'],
    ['a list', [{ spec: {} }]],
    ['metadata a list', { metadata: [] }],
    ['labels a string', { metadata: { labels: 'x' } }],
  ])('an object that is %s', (_name, object) => {
    for (const kind of kinds) {
      for (const operation of ['CREATE', 'UPDATE', 'DELETE'] as const) {
        expectWellFormed(review({ ...input(kind, operation, people.alice, object), namespace: 'acme-web', oldObject: object }));
      }
    }
  });
});

describe('which admission phase asks', () => {
  // alice creates a namespace without the owner label: the mutating phase adds it.
  const input = (phase: ReviewInput['phase'], requester: Requester = people.alice): ReviewInput => ({
    kind: NS_KIND, operation: 'CREATE', name: 'acme-new', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-new' } },
    requester, phase, namespaces: makeView({}), settings: policySettingsOf(CONFIG),
  });

  it.each<[string, ReviewInput['phase']]>([['mutating', 'mutating'], ['none (check, audit)', undefined]])('%s: allowed with the patch that adds the label', (_name, phase) => {
    const v = review(input(phase));
    expect(v.allowed).toBe(true);
    expect(v.patch.length).toBeGreaterThan(0);
  });

  it('validating: the label should be there by now, so it is refused with NamespaceLabelMissing and no patch', () => {
    const v = review(input('validating'));
    expect(v.allowed).toBe(false);
    expect(v.violations.map((x) => `${x.code}@${x.path}`)).toEqual([`NamespaceLabelMissing@metadata.labels["${CONFIG.tenantLabel}"]`]);
    expect(v.patch).toEqual([]);
  });

  it('validating: admins are not refused', () => {
    expect(review(input('validating', { username: 'root', groups: ['system:masters'] })).allowed).toBe(true);
  });
});
