// What a tenant meets through the real API server (issue 3): kubectl and
// @kubernetes/client-node as alice (acme), carol (tenant:initech) and mallory
// (no tenant) against the shared local cluster, with tenant-guard registered
// as mutating and validating webhook. Every namespace and cluster-scoped
// object has a unique name and is removed afterwards.
import { ApiException, CoreV1Api, KubeConfig, KubernetesObjectApi, NetworkingV1Api, type V1NetworkPolicy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespaces, kubeconfigOf, kubectl, uniqueName, WEBHOOK_DENIED, type User } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
/** Namespace decisions may come from the mutating or the validating webhook. */
const ANY_WEBHOOK_DENIED = /admission webhook "(mutate|validate)\.tenant-guard\.io" denied the request/;

const namespaces = new Set<string>();
const clusterObjects: string[][] = [];

afterAll(async () => {
  for (const ref of clusterObjects) await kubectl('admin', ['delete', '--ignore-not-found', '--wait=false', ...ref]);
  await deleteNamespaces(namespaces);
});

function client(user: User): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigOf(user));
  return kc;
}

async function labelsOf(name: string): Promise<Record<string, string>> {
  const res = await kubectl('admin', ['get', 'namespace', name, '-o', 'json']);
  expect(res.code, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {};
}

function npYaml(name: string, namespace: string, namespaceSelector: string): string {
  return `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: ${namespaceSelector}
      ports:
        - port: 8080
          protocol: TCP
`;
}

describe('namespaces', () => {
  it('a namespace alice creates carries tenant-guard.io/tenant: acme', async () => {
    const ns = await createNamespace('alice', 'acme', namespaces);
    expect((await labelsOf(ns))[TENANT_LABEL]).toBe('acme');
  });

  it.each(['globex', 'platform'])('alice labelling her namespace %s is refused, and the label stays acme', async (value) => {
    const ns = await createNamespace('alice', 'acme', namespaces);
    const res = await kubectl('alice', ['label', 'namespace', ns, `${TENANT_LABEL}=${value}`, '--overwrite']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(ANY_WEBHOOK_DENIED);
    expect(res.stderr).toContain(`metadata.labels["${TENANT_LABEL}"]`);
    expect(res.stderr).toContain(`cannot be changed to "${value}"`);
    expect((await labelsOf(ns))[TENANT_LABEL]).toBe('acme');
  });

  it('removing the label with `kubectl label ns X tenant-guard.io/tenant-` leaves it in place', async () => {
    const ns = await createNamespace('alice', 'acme', namespaces);
    const res = await kubectl('alice', ['label', 'namespace', ns, `${TENANT_LABEL}-`]);
    expect(res.code, res.stderr).toBe(0);
    expect((await labelsOf(ns))[TENANT_LABEL]).toBe('acme');
  });

  it('mallory, in no tenant, cannot create a namespace', async () => {
    const name = uniqueName('mallory');
    const res = await kubectl('mallory', ['create', 'namespace', name]);
    namespaces.add(name);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(ANY_WEBHOOK_DENIED);
    expect(res.stderr).toContain('mallory is not a member of any tenant');
    const get = await kubectl('admin', ['get', 'namespace', name]);
    expect(get.stderr).toMatch(/NotFound/);
  });

  it("carol's namespace (group tenant:initech) gets initech, through client-node", async () => {
    const name = uniqueName('initech');
    const created = await client('carol').makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    namespaces.add(name);
    expect(created.metadata?.labels?.[TENANT_LABEL]).toBe('initech');
    expect((await labelsOf(name))[TENANT_LABEL]).toBe('initech');
  });
});

describe('policies', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await createNamespace('alice', 'acme', namespaces);
  });

  it('a NetworkPolicy admitting every namespace is refused: kubectl exits non-zero with the field, the reason and the fix', async () => {
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: npYaml('from-everywhere', ns, '{}') });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain(`tenant-guard refused NetworkPolicy ${ns}/from-everywhere`);
    expect(res.stderr).toContain('spec.ingress[0].from[0].namespaceSelector: Forbidden');
    expect(res.stderr).toContain("selects every namespace in the cluster, including other tenants'");
    expect(res.stderr).toContain(`fix: select your tenant's namespaces with namespaceSelector.matchLabels {"${TENANT_LABEL}": "acme"}`);
    const get = await kubectl('admin', ['get', 'networkpolicy', '-n', ns, 'from-everywhere']);
    expect(get.stderr).toMatch(/NotFound/);
  });

  it('a NetworkPolicy confined to acme is created', async () => {
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: npYaml('from-acme', ns, `{matchLabels: {${TENANT_LABEL}: acme}}`) });
    expect(res.code, res.stderr).toBe(0);
    const get = await kubectl('alice', ['get', 'networkpolicy', '-n', ns, 'from-acme', '-o', 'name']);
    expect(get.stdout.trim()).toBe('networkpolicy.networking.k8s.io/from-acme');
  });

  it('--dry-run=server gives the same verdicts and stores nothing', async () => {
    const refused = await kubectl('alice', ['apply', '--dry-run=server', '-f', '-'], { input: npYaml('dry-everywhere', ns, '{}') });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(WEBHOOK_DENIED);
    expect(refused.stderr).toContain('spec.ingress[0].from[0].namespaceSelector: Forbidden');
    const allowed = await kubectl('alice', ['apply', '--dry-run=server', '-f', '-'], { input: npYaml('dry-acme', ns, `{matchLabels: {${TENANT_LABEL}: acme}}`) });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('(server dry run)');
    const list = await kubectl('admin', ['get', 'networkpolicies', '-n', ns, '-o', 'name']);
    expect(list.stdout).not.toContain('dry-');
  });

  it('client-node gets the same refusal (HTTP 403, the message in the Status) and the same acceptance', async () => {
    const api = client('alice').makeApiClient(NetworkingV1Api);
    const body = (name: string, namespaceSelector: object): V1NetworkPolicy => ({
      metadata: { name, namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ _from: [{ namespaceSelector }] }] },
    });
    const err = await api.createNamespacedNetworkPolicy({ namespace: ns, body: body('cn-everywhere', {}), dryRun: 'All' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    const apiErr = err as ApiException<unknown>;
    expect(apiErr.code).toBe(403);
    const status = (typeof apiErr.body === 'string' ? JSON.parse(apiErr.body) : apiErr.body) as { message: string; reason: string };
    expect(status.reason).toBe('Forbidden');
    expect(status.message).toMatch(WEBHOOK_DENIED);
    expect(status.message).toContain('spec.ingress[0].from[0].namespaceSelector: Forbidden');
    const ok = await api.createNamespacedNetworkPolicy({ namespace: ns, body: body('cn-acme', { matchLabels: { [TENANT_LABEL]: 'acme' } }), dryRun: 'All' });
    expect(ok.metadata?.name).toBe('cn-acme');
  });

  it('a CiliumNetworkPolicy with fromEntities: [cluster] is refused', async () => {
    const res = await kubectl('alice', ['apply', '-f', '-'], {
      input: `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: from-cluster
  namespace: ${ns}
spec:
  endpointSelector: {}
  ingress:
    - fromEntities: [cluster]
`,
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain('spec.ingress[0].fromEntities[0]: Forbidden: entity "cluster" includes the pods of every tenant');
  });

  it('a CiliumClusterwideNetworkPolicy is refused from alice and accepted from admin', async () => {
    const name = uniqueName('ccnp');
    const ccnp = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumClusterwideNetworkPolicy',
      metadata: { name },
      spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] },
    };
    clusterObjects.push(['ciliumclusterwidenetworkpolicy', name]);
    const refused = await kubectl('alice', ['create', '-f', '-'], { input: JSON.stringify(ccnp) });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(WEBHOOK_DENIED);
    expect(refused.stderr).toContain('kind: Forbidden: CiliumClusterwideNetworkPolicy applies to the whole cluster');

    const created = await client('admin').makeApiClient(KubernetesObjectApi).create(ccnp);
    expect(created.metadata?.name).toBe(name);
  });
});
