// What the API server does when tenant-guard is down (issue 3, and the
// "without the floor" half of docs/failure-modes.md): the webhook process is
// stopped with `npm run cluster webhook-stop` while its configurations stay
// registered. On a private cluster, since stopping the webhook or changing
// failurePolicy on the shared one would break other test runs; every test
// that stops the webhook starts it again however it ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, PrivateCluster, WEBHOOK_DENIED, type KubectlResult, type User } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const FAILED_VALIDATING = /Internal error occurred: failed calling webhook "validate\.tenant-guard\.io"/;
const FAILED_MUTATING = /Internal error occurred: failed calling webhook "mutate\.tenant-guard\.io"/;

let cluster: PrivateCluster;

beforeAll(async () => {
  cluster = await PrivateCluster.start('failure');
  const res = await cluster.kubectl('alice', ['create', 'namespace', 'acme-web']);
  expect(res.code, res.stderr).toBe(0);
}, 6 * 60_000);

afterAll(async () => {
  await cluster?.down();
});

function networkPolicy(name: string, namespace: string, spec: object): string {
  return JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
}
/** A policy the webhook allows: ingress from pods of its own namespace. */
const harmless = (name: string, namespace: string) => networkPolicy(name, namespace, { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
/** A policy the webhook refuses: ingress from every namespace. */
const everywhere = (name: string, namespace: string) => networkPolicy(name, namespace, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });

function create(user: User, manifest: string, ...extra: string[]): Promise<KubectlResult> {
  return cluster.kubectl(user, ['create', ...extra, '-f', '-'], { input: manifest });
}

describe('failurePolicy Fail (as registered), webhook stopped, no floor', () => {
  it('a policy from alice fails closed with the API server\'s webhook error, and nothing is stored', async () => {
    await cluster.withWebhookStopped(async () => {
      const res = await create('alice', harmless('while-down', 'acme-web'));
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(FAILED_VALIDATING);
      expect(res.stderr).toMatch(/connection refused/);
      const get = await cluster.kubectl('admin', ['get', 'networkpolicy', '-n', 'acme-web', 'while-down']);
      expect(get.stderr).toMatch(/NotFound/);
    });
  });

  it('a namespace from alice fails closed at the mutating webhook', async () => {
    await cluster.withWebhookStopped(async () => {
      const res = await cluster.kubectl('alice', ['create', 'namespace', 'acme-down']);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(FAILED_MUTATING);
    });
  });

  it('the admin still works in the namespaces the webhook excludes: kube-system and the release namespace', async () => {
    await cluster.withWebhookStopped(async () => {
      for (const ns of ['kube-system', 'tenant-guard-system']) {
        const res = await create('admin', harmless('admin-while-down', ns));
        expect(res.code, `${ns}: ${res.stderr}`).toBe(0);
        const del = await cluster.kubectl('admin', ['delete', 'networkpolicy', '-n', ns, 'admin-while-down']);
        expect(del.code, del.stderr).toBe(0);
      }
      // Objects the webhook is not registered for are not affected anywhere.
      const cm = await cluster.kubectl('admin', ['create', 'configmap', 'while-down', '-n', 'acme-web', '--dry-run=server']);
      expect(cm.code, cm.stderr).toBe(0);
    });
  });

  it('elsewhere the admin fails closed too: the registration has no admin bypass', async () => {
    await cluster.withWebhookStopped(async () => {
      const policy = await create('admin', harmless('admin-in-tenant-ns', 'acme-web'), '--dry-run=server');
      expect(policy.code).not.toBe(0);
      expect(policy.stderr).toMatch(FAILED_VALIDATING);
      const ns = await cluster.kubectl('admin', ['create', 'namespace', 'platform-tools', '--dry-run=server']);
      expect(ns.code).not.toBe(0);
      expect(ns.stderr).toMatch(FAILED_MUTATING);
    });
  });

  it('with an admin bypass in matchConditions (what the chart\'s webhook.bypassAdmins renders), the admin works everywhere and tenants still fail closed', async () => {
    const bypass = { name: 'not-admin-group', expression: "!has(request.userInfo.groups) || !request.userInfo.groups.exists(g, g in ['system:masters'])" };
    const kinds = ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration'];
    try {
      for (const kind of kinds) {
        const res = await cluster.kubectl('admin', ['patch', kind, 'tenant-guard', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/webhooks/0/matchConditions', value: [bypass] }])]);
        expect(res.code, res.stderr).toBe(0);
      }
      await cluster.withWebhookStopped(async () => {
        await eventually('the admin bypass to take effect', async () => (await create('admin', harmless('admin-bypass', 'acme-web'), '--dry-run=server')).code === 0);
        const ns = await cluster.kubectl('admin', ['create', 'namespace', 'platform-tools', '--dry-run=server']);
        expect(ns.code, ns.stderr).toBe(0);
        const tenant = await create('alice', harmless('tenant-bypass', 'acme-web'), '--dry-run=server');
        expect(tenant.code).not.toBe(0);
        expect(tenant.stderr).toMatch(FAILED_VALIDATING);
      });
    } finally {
      for (const kind of kinds) {
        await cluster.kubectl('admin', ['patch', kind, 'tenant-guard', '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/webhooks/0/matchConditions' }])]);
      }
    }
  });

  it('once the webhook is back, it decides again', async () => {
    const refused = await create('alice', everywhere('after-restart', 'acme-web'), '--dry-run=server');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(WEBHOOK_DENIED);
    const allowed = await create('alice', harmless('after-restart', 'acme-web'), '--dry-run=server');
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});

describe('failurePolicy Ignore, webhook stopped, no floor: everything gets through unchecked', () => {
  beforeAll(async () => {
    await cluster.setFailurePolicy('Ignore');
    await cluster.webhookStop();
    await eventually('failurePolicy Ignore to take effect', async () => (await create('alice', harmless('probe', 'acme-web'), '--dry-run=server')).code === 0);
  });

  afterAll(async () => {
    try {
      await cluster.setFailurePolicy('Fail');
    } finally {
      await cluster.webhookStart();
    }
  });

  it('a policy admitting every namespace is stored', async () => {
    const res = await create('alice', everywhere('open-while-down', 'acme-web'));
    expect(res.code, res.stderr).toBe(0);
  });

  it('a namespace is created without an owner label', async () => {
    const res = await cluster.kubectl('alice', ['create', 'namespace', 'acme-unowned']);
    expect(res.code, res.stderr).toBe(0);
    const get = await cluster.kubectl('admin', ['get', 'namespace', 'acme-unowned', '-o', 'json']);
    const labels = (JSON.parse(get.stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {};
    expect(labels[TENANT_LABEL]).toBeUndefined();
  });

  it("a tenant can hand its namespace to another tenant's label (dry run)", async () => {
    const res = await cluster.kubectl('alice', ['label', 'namespace', 'acme-web', `${TENANT_LABEL}=globex`, '--overwrite', '--dry-run=server']);
    expect(res.code, res.stderr).toBe(0);
  });

  it('a tenant can create a cluster-wide policy (dry run)', async () => {
    const ccnp = { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'tenant-wide' }, spec: { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }] } };
    const res = await create('alice', JSON.stringify(ccnp), '--dry-run=server');
    expect(res.code, res.stderr).toBe(0);
  });
});
