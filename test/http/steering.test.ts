/**
 * The kinds that steer traffic without being a network policy, through the
 * real app with AdmissionReviews shaped like kube-apiserver's: a Service
 * with external IPs, a CiliumLocalRedirectPolicy, a CiliumEnvoyConfig, a
 * CiliumCIDRGroup, a CiliumNetworkPolicy whose cidrGroupRef names live
 * groups, and a ClusterNetworkPolicy. Every refusal carries field, reason and
 * fix in the message and one cause per violation.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StaticCidrGroups } from '../../src/kube/cidr-group-cache.js';
import { StaticNamespaces, type NamespaceResolver } from '../../src/kube/namespace-view.js';
import type { NamespaceView } from '../../src/policy/types.js';
import { admin, fixture, makeApp, NAMESPACES, post, reviewOf, type ReviewFixture, type ReviewResponse } from './helpers.js';

const GROUPS = new StaticCidrGroups([
  { apiVersion: 'cilium.io/v2', kind: 'CiliumCIDRGroup', metadata: { name: 'partners' }, spec: { externalCIDRs: ['203.0.113.0/24'] } },
  { apiVersion: 'cilium.io/v2', kind: 'CiliumCIDRGroup', metadata: { name: 'cluster-wide' }, spec: { externalCIDRs: ['10.0.0.0/8'] } },
]);

/** The namespaces of the fixtures, recording which ones the webhook asked for. */
class RecordingNamespaces implements NamespaceResolver {
  readonly asked: string[][] = [];
  private readonly inner = new StaticNamespaces(NAMESPACES);
  resolve(names: readonly string[]): Promise<NamespaceView> {
    this.asked.push([...names]);
    return this.inner.resolve();
  }
  degraded(): string | undefined {
    return undefined;
  }
}

const namespaces = new RecordingNamespaces();
const { app } = makeApp({ namespaces, cidrGroups: GROUPS });
afterAll(() => app.close());

async function decide(review: ReviewFixture): Promise<ReviewResponse> {
  return reviewOf(await post(app, '/validate', review));
}

function causes(body: ReviewResponse): string[] {
  return (body.response.status?.details?.causes ?? []).map((c) => `${c.reason}@${c.field}`);
}

function expectRefused(body: ReviewResponse, uid: string, kind: string): void {
  expect(body.response.uid).toBe(uid);
  expect(body.response.allowed).toBe(false);
  expect(body.response.status?.code).toBe(403);
  expect(body.response.status?.details?.kind).toBe(kind);
  for (const c of body.response.status?.details?.causes ?? []) expect(c.message).toMatch(/ \(fix: .+\)$/);
}

function asAdmin(review: ReviewFixture): ReviewFixture {
  review.request.userInfo = admin;
  return review;
}

describe('Service spec.externalIPs', () => {
  it("a tenant's Service with an address outside its range is refused; the one inside is not named", async () => {
    const review = fixture('service-create-external-ip');
    const body = await decide(review);
    expectRefused(body, review.request.uid, 'Service');
    expect(causes(body)).toEqual(['ExternalIPNotAssigned@spec.externalIPs[0]']);
    expect(body.response.status?.message).toBe([
      'tenant-guard refused Service acme-web/web-lb: 1 violation',
      '- spec.externalIPs[0]: Forbidden: 10.96.0.10: a Service with an external IP receives the traffic every pod in the cluster sends to that address (CVE-2020-8554), and it is outside the ranges assigned to tenant acme (203.0.113.0/28) (fix: use an address in 203.0.113.0/28, or remove it)',
      '  suggested change: set spec.externalIPs = ["203.0.113.5"]',
    ].join('\n'));
  });

  it('an address inside the tenant range is allowed, after reading only the Service\'s own namespace', async () => {
    const review = fixture('service-create-external-ip');
    (review.request.object!.spec as { externalIPs: string[] }).externalIPs = ['203.0.113.5'];
    namespaces.asked.length = 0;
    const body = await decide(review);
    expect(body.response.allowed).toBe(true);
    expect(namespaces.asked).toEqual([['acme-web']]);
  });

  it('an ordinary Service is allowed without a namespace lookup', async () => {
    const review = fixture('service-create-external-ip');
    delete (review.request.object!.spec as { externalIPs?: string[] }).externalIPs;
    namespaces.asked.length = 0;
    expect((await decide(review)).response).toEqual({ uid: review.request.uid, allowed: true });
    expect(namespaces.asked).toEqual([[]]);
  });

  it('an admin may use any address', async () => {
    expect((await decide(asAdmin(fixture('service-create-external-ip')))).response.allowed).toBe(true);
  });
});

describe('CiliumLocalRedirectPolicy', () => {
  it('refused for a tenant, in its own namespace too', async () => {
    const review = fixture('ciliumlocalredirectpolicy-create');
    const body = await decide(review);
    expectRefused(body, review.request.uid, 'CiliumLocalRedirectPolicy');
    expect(causes(body)).toEqual(['LocalRedirectPolicy@kind']);
    expect(body.response.status?.message).toMatch(/^tenant-guard refused CiliumLocalRedirectPolicy acme-web\/dns-intercept: 1 violation\n- kind: Forbidden: a CiliumLocalRedirectPolicy redirects the traffic that every pod in the cluster sends to its frontend/);
  });

  it('allowed for an admin', async () => {
    expect((await decide(asAdmin(fixture('ciliumlocalredirectpolicy-create')))).response.allowed).toBe(true);
  });
});

describe('CiliumEnvoyConfig', () => {
  it("refused when a backend Service is another tenant's; the own tenant's are fine", async () => {
    const review = fixture('ciliumenvoyconfig-create-cross-tenant');
    namespaces.asked.length = 0;
    const body = await decide(review);
    expectRefused(body, review.request.uid, 'CiliumEnvoyConfig');
    expect(causes(body)).toEqual(['ServiceOtherTenant@spec.backendServices[1].namespace']);
    expect(body.response.status?.message).toContain('hands Envoy the backends of a Service in namespace "globex-db", which belongs to tenant globex');
    expect(namespaces.asked).toEqual([['acme-web', 'acme-api', 'globex-db']]);
  });

  it('allowed without the foreign backend', async () => {
    const review = fixture('ciliumenvoyconfig-create-cross-tenant');
    (review.request.object!.spec as { backendServices: unknown[] }).backendServices.pop();
    expect((await decide(review)).response.allowed).toBe(true);
  });
});

describe('CiliumCIDRGroup and cidrGroupRef', () => {
  it('a tenant may not create a CIDR group', async () => {
    const review = fixture('ciliumcidrgroup-create');
    const body = await decide(review);
    expectRefused(body, review.request.uid, 'CiliumCIDRGroup');
    expect(causes(body)).toEqual(['ClusterScopedPolicy@kind']);
    expect(body.response.status?.message).toMatch(/^tenant-guard refused CiliumCIDRGroup partners: 1 violation/);
  });

  it('a cidrGroupRef is judged by what the live group holds; a missing group is refused', async () => {
    const review = fixture('ciliumnetworkpolicy-create-cidrgroup');
    const body = await decide(review);
    expectRefused(body, review.request.uid, 'CiliumNetworkPolicy');
    expect(causes(body)).toEqual([
      'CIDRProtected@spec.egress[0].toCIDRSet[1].cidrGroupRef',
      'CIDRGroupUnknown@spec.egress[0].toCIDRSet[2].cidrGroupRef',
    ]);
    expect(body.response.status?.message).toContain('names CiliumCIDRGroup "cluster-wide", which holds 10.0.0.0/8; it reaches the cluster\'s pod/service ranges 10.244.0.0/16, 10.96.0.0/12');
  });

  it('a group outside the cluster is allowed', async () => {
    const review = fixture('ciliumnetworkpolicy-create-cidrgroup');
    (review.request.object!.spec as { egress: { toCIDRSet: unknown[] }[] }).egress[0]!.toCIDRSet = [{ cidrGroupRef: 'partners' }];
    expect((await decide(review)).response.allowed).toBe(true);
  });

  it('without a CIDR group source (no cluster) every cidrGroupRef is refused as unknown', async () => {
    const bare = makeApp();
    try {
      const review = fixture('ciliumnetworkpolicy-create-cidrgroup');
      (review.request.object!.spec as { egress: { toCIDRSet: unknown[] }[] }).egress[0]!.toCIDRSet = [{ cidrGroupRef: 'partners' }];
      const body = reviewOf(await post(bare.app, '/validate', review));
      expect(causes(body)).toEqual(['CIDRGroupUnknown@spec.egress[0].toCIDRSet[0].cidrGroupRef']);
    } finally {
      await bare.app.close();
    }
  });
});

describe('ClusterNetworkPolicy', () => {
  it('refused for a tenant like the other cluster-wide kinds', async () => {
    const review = fixture('clusternetworkpolicy-create');
    const body = await decide(review);
    expectRefused(body, review.request.uid, 'ClusterNetworkPolicy');
    expect(causes(body)).toEqual(['ClusterScopedPolicy@kind']);
  });

  it('allowed for an admin', async () => {
    expect((await decide(asAdmin(fixture('clusternetworkpolicy-create')))).response.allowed).toBe(true);
  });
});
