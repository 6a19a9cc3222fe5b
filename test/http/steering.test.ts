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

/** What a refusal's message must say: all of it, its start, or a part. */
type MessageCheck = { is: string } | { matches: RegExp } | { contains: string };

interface RefusedCase {
  title: string;
  fixture: string;
  /** The kind the answer's details name. */
  kind: string;
  /** `code@field` of every cause, in order. */
  causes: string[];
  message?: MessageCheck;
  /** The namespaces the webhook asked for, when the case pins them down. */
  asked?: string[][];
}

const REFUSED: RefusedCase[] = [
  {
    title: "a tenant's Service with an address outside its range is refused; the one inside is not named",
    fixture: 'service-create-external-ip',
    kind: 'Service',
    causes: ['ExternalIPNotAssigned@spec.externalIPs[0]'],
    message: {
      is: [
        'tenant-guard refused Service acme-web/web-lb: 1 violation',
        '- spec.externalIPs[0]: Forbidden: 10.96.0.10: a Service with an external IP receives the traffic every pod in the cluster sends to that address (CVE-2020-8554), and it is outside the ranges assigned to tenant acme (203.0.113.0/28) (fix: use an address in 203.0.113.0/28, or remove it)',
        '  suggested change: set spec.externalIPs = ["203.0.113.5"]',
      ].join('\n'),
    },
  },
  {
    title: 'a CiliumLocalRedirectPolicy is refused for a tenant, in its own namespace too',
    fixture: 'ciliumlocalredirectpolicy-create',
    kind: 'CiliumLocalRedirectPolicy',
    causes: ['LocalRedirectPolicy@kind'],
    message: { matches: /^tenant-guard refused CiliumLocalRedirectPolicy acme-web\/dns-intercept: 1 violation\n- kind: Forbidden: a CiliumLocalRedirectPolicy redirects the traffic that every pod in the cluster sends to its frontend/ },
  },
  {
    title: "a CiliumEnvoyConfig is refused when a backend Service is another tenant's; the own tenant's are fine",
    fixture: 'ciliumenvoyconfig-create-cross-tenant',
    kind: 'CiliumEnvoyConfig',
    causes: ['ServiceOtherTenant@spec.backendServices[1].namespace'],
    message: { contains: 'hands Envoy the backends of a Service in namespace "globex-db", which belongs to tenant globex' },
    asked: [['acme-web', 'acme-api', 'globex-db']],
  },
  {
    title: 'a tenant may not create a CIDR group',
    fixture: 'ciliumcidrgroup-create',
    kind: 'CiliumCIDRGroup',
    causes: ['ClusterScopedPolicy@kind'],
    message: { matches: /^tenant-guard refused CiliumCIDRGroup partners: 1 violation/ },
  },
  {
    title: 'a cidrGroupRef is judged by what the live group holds; a missing group is refused',
    fixture: 'ciliumnetworkpolicy-create-cidrgroup',
    kind: 'CiliumNetworkPolicy',
    causes: ['CIDRProtected@spec.egress[0].toCIDRSet[1].cidrGroupRef', 'CIDRGroupUnknown@spec.egress[0].toCIDRSet[2].cidrGroupRef'],
    message: { contains: 'names CiliumCIDRGroup "cluster-wide", which holds 10.0.0.0/8; it reaches the cluster\'s pod/service ranges 10.244.0.0/16, 10.96.0.0/12' },
  },
  {
    title: 'a ClusterNetworkPolicy is refused for a tenant like the other cluster-wide kinds',
    fixture: 'clusternetworkpolicy-create',
    kind: 'ClusterNetworkPolicy',
    causes: ['ClusterScopedPolicy@kind'],
  },
];

describe('refused for a tenant, with field, reason and fix', () => {
  it.each(REFUSED)('$title', async (c) => {
    const review = fixture(c.fixture);
    namespaces.asked.length = 0;
    const body = await decide(review);
    expectRefused(body, review.request.uid, c.kind);
    expect(causes(body)).toEqual(c.causes);
    const message = body.response.status?.message;
    if (c.message !== undefined && 'is' in c.message) expect(message).toBe(c.message.is);
    if (c.message !== undefined && 'matches' in c.message) expect(message).toMatch(c.message.matches);
    if (c.message !== undefined && 'contains' in c.message) expect(message).toContain(c.message.contains);
    if (c.asked !== undefined) expect(namespaces.asked).toEqual(c.asked);
  });
});

interface AllowedCase {
  title: string;
  fixture: string;
  /** What the tenant changes in the refused request so that it is allowed. */
  change: (spec: Record<string, unknown>) => void;
  /** The namespaces the webhook asked for, when the case pins them down. */
  asked?: string[][];
}

const ALLOWED: AllowedCase[] = [
  {
    title: 'a Service address inside the tenant range is allowed, after reading only the Service\'s own namespace',
    fixture: 'service-create-external-ip',
    change: (spec) => { spec.externalIPs = ['203.0.113.5']; },
    asked: [['acme-web']],
  },
  {
    title: 'a CiliumEnvoyConfig is allowed without the foreign backend',
    fixture: 'ciliumenvoyconfig-create-cross-tenant',
    change: (spec) => { (spec.backendServices as unknown[]).pop(); },
  },
  {
    title: 'a cidrGroupRef to a group outside the cluster is allowed',
    fixture: 'ciliumnetworkpolicy-create-cidrgroup',
    change: (spec) => { (spec.egress as { toCIDRSet: unknown[] }[])[0]!.toCIDRSet = [{ cidrGroupRef: 'partners' }]; },
  },
];

describe('allowed once the tenant stays inside', () => {
  it.each(ALLOWED)('$title', async (c) => {
    const review = fixture(c.fixture);
    c.change(review.request.object!.spec as Record<string, unknown>);
    namespaces.asked.length = 0;
    expect((await decide(review)).response.allowed).toBe(true);
    if (c.asked !== undefined) expect(namespaces.asked).toEqual(c.asked);
  });

  it('an ordinary Service is allowed without a namespace lookup', async () => {
    const review = fixture('service-create-external-ip');
    delete (review.request.object!.spec as { externalIPs?: string[] }).externalIPs;
    namespaces.asked.length = 0;
    expect((await decide(review)).response).toEqual({ uid: review.request.uid, allowed: true });
    expect(namespaces.asked).toEqual([[]]);
  });
});

describe('allowed for an admin', () => {
  it.each([
    // An admin may use any address.
    'service-create-external-ip',
    'ciliumlocalredirectpolicy-create',
    'clusternetworkpolicy-create',
  ])('%s', async (name) => {
    expect((await decide(asAdmin(fixture(name)))).response.allowed).toBe(true);
  });
});

describe('without a CIDR group source (no cluster)', () => {
  it('every cidrGroupRef is refused as unknown', async () => {
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
