/**
 * Admission decisions through the real app: AdmissionReview fixtures shaped
 * like kube-apiserver's, POSTed to /mutate and /validate, with the response
 * envelope, refusal messages and JSON patches checked as the API server would
 * use them (the patch is decoded and applied).
 */
import jsonpatch from 'fast-json-patch';
import { afterAll, describe, expect, it } from 'vitest';
import { admin, alice, decodePatch, fixture, fixtureText, makeApp, post, reviewOf, type ReviewFixture, type ReviewResponse } from './helpers.js';

const { app } = makeApp();
afterAll(() => app.close());

async function decide(endpoint: '/mutate' | '/validate', review: ReviewFixture | string): Promise<ReviewResponse> {
  return reviewOf(await post(app, endpoint, review));
}

function expectEnvelope(body: ReviewResponse, uid: string): void {
  expect(body.apiVersion).toBe('admission.k8s.io/v1');
  expect(body.kind).toBe('AdmissionReview');
  expect(body.response.uid).toBe(uid);
}

function expectRefused(body: ReviewResponse, message: string): void {
  expect(body.response.allowed).toBe(false);
  expect(body.response.status?.code).toBe(403);
  expect(body.response.status?.reason).toBe('Forbidden');
  expect(body.response.status?.message).toBe(message);
  expect(body.response.patch).toBeUndefined();
  expect(body.response.patchType).toBeUndefined();
}

function expectAllowedUnchanged(body: ReviewResponse): void {
  expect(body.response.allowed).toBe(true);
  expect(body.response.status).toBeUndefined();
  expect(body.response.patch).toBeUndefined();
  expect(body.response.patchType).toBeUndefined();
}

/** What the API server does with a mutating response: apply the patch to request.object. */
function mutated(review: ReviewFixture, body: ReviewResponse): Record<string, unknown> {
  const result = jsonpatch.applyPatch(structuredClone(review.request.object), decodePatch(body), true, false);
  return result.newDocument as Record<string, unknown>;
}

const CROSS_TENANT_MESSAGE = [
  'tenant-guard refused NetworkPolicy acme-web/allow-from-globex: 1 violation',
  '- spec.ingress[0].from[0].namespaceSelector: Forbidden: selects namespaces of tenant globex (fix: select your tenant\'s namespaces with namespaceSelector.matchLabels {"tenant-guard.io/tenant": "acme"}, platform services with matchLabels {"tenant-guard.io/tenant": "platform"}, or drop namespaceSelector to stay in this namespace; no automatic change keeps this intent: to reach another tenant, ask that tenant to expose the service through the platform, or ask the platform team)',
].join('\n');

describe('Namespace CREATE', () => {
  it('by a tenant: /mutate adds the owner label, escaping "/" in the key as ~1', async () => {
    const review = fixture('namespace-create-tenant');
    const body = await decide('/mutate', review);
    expectEnvelope(body, '3f6d2a51-8c0e-4b7a-9d13-6a2f41c0e901');
    expect(body.response.allowed).toBe(true);
    expect(body.response.status).toBeUndefined();
    expect(decodePatch(body)).toEqual([{ op: 'add', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'acme' }]);
    const expected = structuredClone(review.request.object) as { metadata: { labels: Record<string, string> } };
    expected.metadata.labels['tenant-guard.io/tenant'] = 'acme';
    expect(mutated(review, body)).toEqual(expected);
  });

  it('by a tenant, without metadata.labels (generateName): /mutate creates the labels map', async () => {
    const review = fixture('namespace-create-generatename');
    const body = await decide('/mutate', review);
    expectEnvelope(body, 'a1c3e5f7-0b2d-4e6f-8a9b-1c2d3e4f5a60');
    expect(decodePatch(body)).toEqual([{ op: 'add', path: '/metadata/labels', value: { 'tenant-guard.io/tenant': 'acme' } }]);
    expect(mutated(review, body)).toEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { generateName: 'acme-preview-', creationTimestamp: null, labels: { 'tenant-guard.io/tenant': 'acme' } },
      spec: {},
      status: { phase: 'Active' },
    });
  });

  it('the mutated object then passes /validate, as it does in the API server', async () => {
    for (const name of ['namespace-create-tenant', 'namespace-create-generatename']) {
      const review = fixture(name);
      const patched = mutated(review, await decide('/mutate', review));
      review.request.object = patched;
      const body = await decide('/validate', review);
      expectEnvelope(body, review.request.uid);
      expectAllowedUnchanged(body);
    }
  });

  it('/validate refuses a tenant Namespace that reached it without the owner label', async () => {
    const body = await decide('/validate', fixture('namespace-create-tenant'));
    expectRefused(body, [
      'tenant-guard refused Namespace acme-web: 1 violation',
      '- metadata.labels["tenant-guard.io/tenant"]: Forbidden: the owner label is missing: tenant-guard\'s mutating webhook did not run or another webhook removed the label (fix: retry; if it persists, ask the platform team to check the tenant-guard MutatingWebhookConfiguration)',
    ].join('\n'));
    expect(body.response.status?.details?.causes.map((c) => c.reason)).toEqual(['NamespaceLabelMissing']);
  });

  it('claiming another tenant is refused on both endpoints, with path, reason and fix', async () => {
    const message = [
      'tenant-guard refused Namespace acme-spy: 1 violation',
      '- metadata.labels["tenant-guard.io/tenant"]: Forbidden: "globex" is not a tenant you belong to (fix: remove the label; it will be set to "acme")',
      '  suggested change: set metadata.labels["tenant-guard.io/tenant"] = "acme"',
    ].join('\n');
    for (const endpoint of ['/mutate', '/validate'] as const) {
      const body = await decide(endpoint, fixture('namespace-create-foreign-label'));
      expectEnvelope(body, 'c7e0a9d2-5b14-4f3a-a8c6-2e9d7b1f0a43');
      expectRefused(body, message);
    }
  });

  it('the refusal carries each violation as a status cause with its stable code', async () => {
    const body = await decide('/validate', fixture('namespace-create-foreign-label'));
    expect(body.response.status?.details).toEqual({
      group: '',
      kind: 'Namespace',
      name: 'acme-spy',
      causes: [{
        reason: 'NamespaceForeignTenant',
        field: 'metadata.labels["tenant-guard.io/tenant"]',
        message: '"globex" is not a tenant you belong to (fix: remove the label; it will be set to "acme")',
      }],
    });
  });

  it('by an admin, a platform namespace gets the platform value and passes /validate', async () => {
    const review = fixture('namespace-create-admin-platform');
    const body = await decide('/mutate', review);
    expectEnvelope(body, '5e2f8b41-9a0c-4d7e-b613-0f4a8c2d9e17');
    expect(decodePatch(body)).toEqual([{ op: 'add', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'platform' }]);
    expect((mutated(review, body).metadata as { labels: unknown }).labels).toEqual({
      'kubernetes.io/metadata.name': 'tenant-guard-system',
      'tenant-guard.io/tenant': 'platform',
    });
    expectAllowedUnchanged(await decide('/validate', review));
  });
});

describe('Namespace UPDATE and DELETE', () => {
  it('removing the owner label gets a patch that puts it back', async () => {
    const review = fixture('namespace-update-remove-label');
    const body = await decide('/mutate', review);
    expectEnvelope(body, '9b4d1f62-3e7a-4c05-8f2b-6d1a0e9c7b38');
    expect(body.response.allowed).toBe(true);
    expect(decodePatch(body)).toEqual([{ op: 'add', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'acme' }]);
    const restored = mutated(review, body) as { metadata: { labels: unknown } };
    expect(restored.metadata.labels).toEqual((review.request.oldObject as { metadata: { labels: unknown } }).metadata.labels);
  });

  it('changing the owner label is refused; the Namespace is named without a namespace', async () => {
    const message = [
      'tenant-guard refused Namespace acme-web: 1 violation',
      '- metadata.labels["tenant-guard.io/tenant"]: Forbidden: the owner of namespace "acme-web" is acme and cannot be changed to "globex" (fix: keep tenant-guard.io/tenant: "acme"; to move a namespace between tenants, ask the platform team)',
      '  suggested change: set metadata.labels["tenant-guard.io/tenant"] = "acme"',
    ].join('\n');
    for (const endpoint of ['/mutate', '/validate'] as const) {
      const body = await decide(endpoint, fixture('namespace-update-change-label'));
      expectEnvelope(body, '2c8e5a17-6d3b-4f90-a1e4-7b0c9d2f3a56');
      expectRefused(body, message);
      expect(body.response.status?.details?.causes.map((c) => c.reason)).toEqual(['NamespaceLabelChanged']);
    }
  });

  it('an admin may change the owner label', async () => {
    const review = fixture('namespace-update-change-label');
    review.request.userInfo = admin;
    expectAllowedUnchanged(await decide('/mutate', review));
    expectAllowedUnchanged(await decide('/validate', review));
  });

  it('status and finalize subresources are never blocked (the namespace controller uses them)', async () => {
    for (const subResource of ['status', 'finalize']) {
      const review = fixture('namespace-update-change-label');
      review.request.subResource = subResource;
      review.request.userInfo = { username: 'bob', groups: ['globex-devs'] };
      expectAllowedUnchanged(await decide('/validate', review));
    }
  });

  it('the owning tenant may delete its namespace', async () => {
    const body = await decide('/validate', fixture('namespace-delete-alice'));
    expectEnvelope(body, '4a7f0c93-1e2d-4b5c-9f8e-3d6a1b0c2e74');
    expectAllowedUnchanged(body);
  });

  it('another tenant may not', async () => {
    const body = await decide('/validate', fixture('namespace-delete-bob'));
    expectEnvelope(body, '8e1b3d5f-7a9c-4e0b-b2d4-6f8a0c1e3b95');
    expectRefused(body, [
      'tenant-guard refused Namespace acme-web: 1 violation',
      '- metadata.name: Forbidden: namespace "acme-web" belongs to tenant acme; you cannot delete it (fix: ask tenant acme or the platform team)',
    ].join('\n'));
  });
});

describe('NetworkPolicy', () => {
  it('a selector reaching another tenant is refused with the field path and the fix', async () => {
    const body = await decide('/validate', fixture('networkpolicy-create-cross-tenant'));
    expectEnvelope(body, 'd41f7b2e-8c3a-4e19-b5d0-2a6c9e1f7b83');
    expectRefused(body, CROSS_TENANT_MESSAGE);
    expect(body.response.status?.details).toEqual({
      group: 'networking.k8s.io',
      kind: 'NetworkPolicy',
      name: 'allow-from-globex',
      causes: [{
        reason: 'SelectorOtherTenant',
        field: 'spec.ingress[0].from[0].namespaceSelector',
        message: 'selects namespaces of tenant globex (fix: select your tenant\'s namespaces with namespaceSelector.matchLabels {"tenant-guard.io/tenant": "acme"}, platform services with matchLabels {"tenant-guard.io/tenant": "platform"}, or drop namespaceSelector to stay in this namespace; no automatic change keeps this intent: to reach another tenant, ask that tenant to expose the service through the platform, or ask the platform team)',
      }],
    });
  });

  it('the same intent confined to the tenant and the platform is allowed', async () => {
    const body = await decide('/validate', fixture('networkpolicy-create-same-tenant'));
    expectEnvelope(body, '1e3c5a79-2d4f-4b6a-9c8e-0a2b4d6f8a13');
    expectAllowedUnchanged(body);
    expect(body.response.warnings).toBeUndefined();
  });

  it('an UPDATE with several violations lists one line per violation, each with its suggested change', async () => {
    const body = await decide('/validate', fixture('networkpolicy-update-open'));
    expectEnvelope(body, '7a9c1e3b-5d7f-4a0c-b2e4-6f8a0c2e4b57');
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.code).toBe(403);
    const lines = body.response.status!.message.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('tenant-guard refused NetworkPolicy acme-web/allow-from-acme-and-platform: 2 violations');
    expect(lines[1]).toMatch(/^- spec\.ingress\[1\]: Forbidden: has no from peers, so it accepts traffic from every source: .* \(fix: list the peers in from: .*\)$/);
    expect(lines[2]).toMatch(/^ {2}suggested change: set spec\.ingress\[1\]\.from = \[.*\]$/);
    expect(lines[3]).toMatch(/^- spec\.egress\[0\]\.to\[0\]\.ipBlock\.cidr: Forbidden: 0\.0\.0\.0\/0 reaches the cluster's pod\/service ranges 10\.244\.0\.0\/16, 10\.96\.0\.0\/12, .* \(fix: add the cluster's ranges .* to except, .*\)$/);
    expect(lines[4]).toBe('  suggested change: set spec.egress[0].to[0].ipBlock.except = ["10.244.0.0/16","10.96.0.0/12"]');
    expect(body.response.status?.details?.causes.map((c) => [c.reason, c.field])).toEqual([
      ['OpenRule', 'spec.ingress[1]'],
      ['CIDRProtected', 'spec.egress[0].to[0].ipBlock.cidr'],
    ]);
  });

  it('a tenant may delete its own policy', async () => {
    const body = await decide('/validate', fixture('networkpolicy-delete'));
    expectEnvelope(body, 'b3d5f7a9-c1e3-4b5d-8f7a-9c1e3b5d7f92');
    expectAllowedUnchanged(body);
  });

  it('a dry run gets the same verdict as the real request', async () => {
    const real = await decide('/validate', fixture('networkpolicy-create-cross-tenant'));
    const dry = await decide('/validate', fixture('networkpolicy-create-dryrun'));
    expectEnvelope(dry, 'f0a2c4e6-1b3d-4f5a-8c7e-9d0b2a4c6e81');
    expect({ ...dry.response, uid: undefined }).toEqual({ ...real.response, uid: undefined });
    expectRefused(dry, CROSS_TENANT_MESSAGE);
  });

  it('/mutate lets policies through untouched: it answers only for Namespaces', async () => {
    for (const name of ['networkpolicy-create-cross-tenant', 'networkpolicy-update-open', 'ciliumnetworkpolicy-create-specs', 'adminnetworkpolicy-create', 'pod-create']) {
      const review = fixture(name);
      const body = await decide('/mutate', review);
      expectEnvelope(body, review.request.uid);
      expectAllowedUnchanged(body);
      expect(body.response.warnings).toBeUndefined();
    }
  });
});

describe('the platform\'s managed policies', () => {
  it('a tenant cannot edit one', async () => {
    const body = await decide('/validate', fixture('managed-policy-update'));
    expectEnvelope(body, 'c5e7a9b1-d3f5-4c7e-a9b1-d3f5a7c9e1b4');
    expectRefused(body, [
      'tenant-guard refused NetworkPolicy acme-web/tenant-guard-isolate: 1 violation',
      '- metadata.name: Forbidden: this NetworkPolicy is managed by tenant-guard (the platform\'s baseline); tenants cannot change it (fix: create a NetworkPolicy of your own beside it; policies add up)',
    ].join('\n'));
  });

  it('a tenant cannot delete one', async () => {
    const body = await decide('/validate', fixture('managed-policy-delete'));
    expectEnvelope(body, 'e7a9c1d3-f5b7-4d9e-b1c3-e5f7a9b1c3d6');
    expectRefused(body, [
      'tenant-guard refused NetworkPolicy acme-web/tenant-guard-isolate: 1 violation',
      '- metadata.name: Forbidden: this NetworkPolicy is managed by tenant-guard (the platform\'s baseline); tenants cannot delete it (fix: ask the platform team; it is recreated if removed)',
    ].join('\n'));
  });

  it('the namespace controller may delete one (namespace deletion must not hang)', async () => {
    const review = fixture('managed-policy-delete');
    review.request.userInfo = { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
    expectAllowedUnchanged(await decide('/validate', review));
  });
});

describe('Cilium and cluster-scoped policies', () => {
  it('CiliumNetworkPolicy: every specs[] entry is judged; deny rules only warn', async () => {
    const body = await decide('/validate', fixture('ciliumnetworkpolicy-create-specs'));
    expectEnvelope(body, '2b4d6f8a-0c1e-4a3b-8d5f-6a8c0e2b4d71');
    const fix = 'select endpoints instead: leave namespace labels out to stay in this namespace, select your tenant with matchLabels {"k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant": "acme"}, or platform endpoints with matchLabels {"k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant": "platform"}; "world" reaches outside the cluster';
    expectRefused(body, [
      'tenant-guard refused CiliumNetworkPolicy acme-web/acme-web-cilium: 1 violation',
      `- specs[1].egress[0].toEntities[0]: Forbidden: entity "cluster" includes the pods of every tenant (fix: ${fix})`,
      '  suggested change: set specs[1].egress[0].toEntities = []; set specs[1].egress[0].toEndpoints = [{"matchLabels":{"k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant":"acme"}}]',
    ].join('\n'));
    expect(body.response.warnings).toEqual([
      `specs[1].egressDeny[0].toEntities[0]: entity "all" includes the pods of every tenant (in a deny rule this only takes access away; fix: ${fix})`,
    ]);
  });

  it('CiliumNetworkPolicy without the offending spec is allowed', async () => {
    const review = fixture('ciliumnetworkpolicy-create-specs');
    (review.request.object as { specs: unknown[] }).specs.splice(1, 1);
    expectAllowedUnchanged(await decide('/validate', review));
  });

  const clusterScoped = [
    ['ciliumclusterwidenetworkpolicy-create', 'CiliumClusterwideNetworkPolicy acme-everywhere', 'CiliumClusterwideNetworkPolicy'],
    ['adminnetworkpolicy-create', 'AdminNetworkPolicy allow-globex-to-acme', 'AdminNetworkPolicy'],
  ] as const;
  it.each(clusterScoped)('%s by a tenant is refused', async (name, subject, kind) => {
    const review = fixture(name);
    const body = await decide('/validate', review);
    expectEnvelope(body, review.request.uid);
    expectRefused(body, [
      `tenant-guard refused ${subject}: 1 violation`,
      `- kind: Forbidden: ${kind} applies to the whole cluster, across every tenant; only the platform team may create one (fix: write a namespaced NetworkPolicy or CiliumNetworkPolicy in your own namespace instead)`,
    ].join('\n'));
    expect(body.response.status?.details?.causes.map((c) => c.reason)).toEqual(['ClusterScopedPolicy']);
  });

  it.each(clusterScoped)('%s by an admin is allowed', async (name) => {
    const review = fixture(name);
    review.request.userInfo = admin;
    expectAllowedUnchanged(await decide('/validate', review));
  });

  it('BaselineAdminNetworkPolicy: allowed for an admin, refused for a tenant', async () => {
    expectAllowedUnchanged(await decide('/validate', fixture('baselineadminnetworkpolicy-create')));
    const review = fixture('baselineadminnetworkpolicy-create');
    review.request.userInfo = alice;
    const body = await decide('/validate', review);
    expectRefused(body, [
      'tenant-guard refused BaselineAdminNetworkPolicy default: 1 violation',
      '- kind: Forbidden: BaselineAdminNetworkPolicy applies to the whole cluster, across every tenant; only the platform team may create one (fix: write a namespaced NetworkPolicy or CiliumNetworkPolicy in your own namespace instead)',
    ].join('\n'));
  });
});

describe('kinds tenant-guard does not judge', () => {
  it('a Pod sent by a misconfigured webhook rule is allowed, with a warning that survives serialization', async () => {
    const body = await decide('/validate', fixtureText('pod-create'));
    expectEnvelope(body, '0a2c4e6a-8b0d-4c2e-9f4a-6b8d0f2a4c7a');
    expectAllowedUnchanged(body);
    expect(body.response.warnings).toEqual(['tenant-guard does not judge Pod; it was allowed unchecked']);
  });
});

describe('warnings', () => {
  it('stay within the API server\'s limits: at most 12 and 3072 runes, the ones left out counted in a last line', async () => {
    const review = fixture('ciliumnetworkpolicy-create-specs');
    const spec = (review.request.object as { specs: Record<string, unknown>[] }).specs[1]!;
    delete spec.egress;
    // Twelve deny rules, each with a finding that is only a warning: twelve distinct, long warnings.
    spec.egressDeny = Array.from({ length: 12 }, () => ({ toEntities: ['all'] }));
    const body = await decide('/validate', review);
    expectAllowedUnchanged(body);
    const warnings = body.response.warnings!;
    expect(warnings.length).toBeLessThanOrEqual(12);
    expect(warnings.reduce((n, w) => n + [...w].length, 0)).toBeLessThanOrEqual(3072);
    for (const w of warnings) expect([...w].length).toBeLessThanOrEqual(512);
    // The first ones whole and in order, then the count of the rest (12 deny findings and the egress lint).
    expect(warnings[0]).toMatch(/^specs\[1\]\.egressDeny\[0\]\.toEntities\[0\]: entity "all" .*\)$/);
    expect(warnings[1]).toMatch(/^specs\[1\]\.egressDeny\[1\]\.toEntities\[0\]: /);
    const kept = warnings.length - 1;
    expect(warnings[kept]).toBe(`…and ${13 - kept} more warnings: run tenant-guard check on the object to see them all`);
  });

  it('an over-long warning is cut at 512 runes, marked with an ellipsis', async () => {
    const review = fixture('pod-create');
    const kind = `Widget${'x'.repeat(600)}`;
    review.request.kind = { group: 'example.com', version: 'v1', kind };
    const body = await decide('/validate', review);
    expectAllowedUnchanged(body);
    const [warning] = body.response.warnings!;
    expect(warning).toHaveLength(512);
    expect(warning).toBe(`tenant-guard does not judge example.com/${kind}`.slice(0, 511) + '…');
  });
});

describe('lint', () => {
  it('an allowed policy with a likely mistake gets a warning with its code and path, never a refusal', async () => {
    const review = fixture('networkpolicy-create-same-tenant');
    const spec = (review.request.object as { spec: Record<string, unknown> }).spec;
    // namespaceSelector and podSelector as two items: either, where both was likely meant.
    spec.ingress = [{
      ports: [{ protocol: 'TCP', port: 8080 }],
      from: [
        { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } } },
        { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } },
      ],
    }];
    const body = await decide('/validate', review);
    expectAllowedUnchanged(body);
    expect(body.response.warnings).toEqual([
      'PeerSelectorsSplit spec.ingress[0].from: [0] has only a namespaceSelector and [1] only a podSelector: as two items they allow either (every pod of those namespaces, or those pods here); for those pods in those namespaces, write both in one item',
    ]);
  });

  it('a refused policy carries its lint warnings beside the refusal', async () => {
    const review = fixture('networkpolicy-create-cross-tenant');
    const spec = (review.request.object as { spec: Record<string, unknown> }).spec;
    spec.podSelector = { matchLabels: { 'app.kubernetes.io/namespace': 'acme-db' } };
    const body = await decide('/validate', review);
    expect(body.response.allowed).toBe(false);
    expect(body.response.warnings).toEqual([
      'PodLabelMeansNamespace spec.podSelector: "app.kubernetes.io/namespace" is read as a label of the pods, so this selects pods labelled so in the policy\'s namespace, not a namespace; to select a namespace use namespaceSelector with kubernetes.io/metadata.name',
    ]);
  });
});
