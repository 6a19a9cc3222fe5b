// Traffic steering with a Service's external IPs (CVE-2020-8554) on the real
// API server, through kubectl as the tenant users alice (acme, assigned
// 203.0.113.0/28 in test/cluster/config.yaml) and bob (globex, no range):
// an address outside the tenant's range is refused by the webhook, an
// ordinary Service and an address in the range are stored. On a private
// cluster with the webhook stopped: ordinary Services never reach the
// webhook (its matchConditions), so the outage does not block them, while
// a Service with an external IP fails closed. And a cidrGroupRef where the
// API serves no CiliumCIDRGroup: refused as unknown, the webhook unharmed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespaces, kubectl, PrivateCluster, WEBHOOK_DENIED, type KubectlResult, type User } from './kube.js';

const SERVICE_DENIED = /admission webhook "services\.validate\.tenant-guard\.io" denied the request/;

function service(name: string, namespace: string, externalIPs?: string[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...(externalIPs === undefined ? {} : { externalIPs }) },
  });
}

const namespaces = new Set<string>();
afterAll(async () => {
  await deleteNamespaces(namespaces);
});

function create(user: User, manifest: string): Promise<KubectlResult> {
  return kubectl(user, ['create', '-f', '-'], { input: manifest });
}

async function stored(namespace: string, name: string): Promise<string[] | undefined> {
  const res = await kubectl('admin', ['get', 'service', name, '-n', namespace, '-o', 'json', '--ignore-not-found']);
  expect(res.code, res.stderr).toBe(0);
  if (res.stdout.trim() === '') return undefined;
  return (JSON.parse(res.stdout) as { spec: { externalIPs?: string[] } }).spec.externalIPs ?? [];
}

describe('Service external IPs, as tenants on the shared cluster', () => {
  let acme: string;
  let globex: string;
  beforeAll(async () => {
    acme = await createNamespace('alice', 'acme', namespaces);
    globex = await createNamespace('bob', 'globex', namespaces);
  });

  it("alice's Service with an address outside acme's range is refused, with path, reason and fix, and not stored", async () => {
    const res = await create('alice', service('intercept', acme, ['10.96.0.10']));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(SERVICE_DENIED);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain('spec.externalIPs[0]: Forbidden: 10.96.0.10: a Service with an external IP receives the traffic every pod in the cluster sends to that address (CVE-2020-8554)');
    expect(res.stderr).toContain('outside the ranges assigned to tenant acme (203.0.113.0/28)');
    expect(res.stderr).toContain('(fix: use an address in 203.0.113.0/28, or remove it)');
    expect(await stored(acme, 'intercept')).toBeUndefined();
  });

  it('an ordinary Service of alice is stored', async () => {
    const res = await create('alice', service('web', acme));
    expect(res.code, res.stderr).toBe(0);
    expect(await stored(acme, 'web')).toEqual([]);
  });

  it("an address in acme's range is stored", async () => {
    const res = await create('alice', service('web-ext', acme, ['203.0.113.5']));
    expect(res.code, res.stderr).toBe(0);
    expect(await stored(acme, 'web-ext')).toEqual(['203.0.113.5']);
  });

  it("adding an address outside the range to a stored Service is refused; the stored one stays", async () => {
    const res = await kubectl('alice', ['patch', 'service', 'web-ext', '-n', acme, '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/externalIPs/-', value: '198.51.100.7' }])]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(SERVICE_DENIED);
    expect(res.stderr).toContain('spec.externalIPs[1]');
    expect(await stored(acme, 'web-ext')).toEqual(['203.0.113.5']);
  });

  it("acme's range is not globex's: bob is refused, since globex has none", async () => {
    const res = await create('bob', service('web-ext', globex, ['203.0.113.6']));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(SERVICE_DENIED);
    expect(res.stderr).toContain('no external IP range is assigned to tenant globex');
  });

  it('the admin may set any address', async () => {
    const res = await create('admin', service('platform-ext', acme, ['198.51.100.9']));
    expect(res.code, res.stderr).toBe(0);
    // And alice may still edit that Service: the address the platform set is not judged again.
    const edit = await kubectl('alice', ['label', 'service', 'platform-ext', '-n', acme, 'team=web']);
    expect(edit.code, edit.stderr).toBe(0);
  });
});

describe('cidrGroupRef on a cluster without the CiliumCIDRGroup CRD', () => {
  it('the webhook keeps working, and a reference is refused as a group that does not exist', async () => {
    const ns = await createNamespace('alice', 'acme', namespaces);
    const policy = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'to-partners', namespace: ns }, spec: { endpointSelector: {}, egress: [{ toCIDRSet: [{ cidrGroupRef: 'partners' }] }] } };
    const res = await create('alice', JSON.stringify(policy));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain('spec.egress[0].toCIDRSet[0].cidrGroupRef: Forbidden: names CiliumCIDRGroup "partners", which does not exist');
    const cidr = { ...policy, metadata: { name: 'to-partners-cidr', namespace: ns }, spec: { endpointSelector: {}, egress: [{ toCIDRSet: [{ cidr: '203.0.113.0/24' }] }] } };
    const ok = await create('alice', JSON.stringify(cidr));
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('Service external IPs while the webhook is down (private cluster, no floor)', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await PrivateCluster.start('steering');
    const res = await cluster.kubectl('alice', ['create', 'namespace', 'acme-web']);
    expect(res.code, res.stderr).toBe(0);
  }, 6 * 60_000);
  afterAll(async () => {
    await cluster?.down();
  });

  it('an ordinary Service is stored, a Service with an external IP fails closed', async () => {
    await cluster.withWebhookStopped(async () => {
      const plain = await cluster.kubectl('alice', ['create', '-f', '-'], { input: service('web', 'acme-web') });
      expect(plain.code, plain.stderr).toBe(0);
      const ext = await cluster.kubectl('alice', ['create', '-f', '-'], { input: service('web-ext', 'acme-web', ['203.0.113.5']) });
      expect(ext.code).not.toBe(0);
      expect(ext.stderr).toMatch(/failed calling webhook "services\.validate\.tenant-guard\.io"/);
    });
  }, 3 * 60_000);
});
