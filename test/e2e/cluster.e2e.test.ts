// First end-to-end checks against the local control plane started by
// scripts/cluster.sh, with the tenant-guard webhook registered.
import { afterAll, describe, expect, it } from 'vitest';
import { deleteNamespaces, kubectl, uniqueName } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const created = new Set<string>();

afterAll(async () => {
  await deleteNamespaces(created);
});

async function createNamespaceAs(user: 'alice' | 'bob' | 'carol', name: string): Promise<void> {
  const res = await kubectl(user, ['create', 'namespace', name]);
  expect(res.code, res.stderr).toBe(0);
  created.add(name);
}

describe('local cluster', () => {
  it('lets admin list namespaces', async () => {
    const res = await kubectl('admin', ['get', 'namespaces', '-o', 'name']);
    expect(res.code, res.stderr).toBe(0);
    const names = res.stdout.trim().split('\n');
    expect(names).toContain('namespace/default');
    expect(names).toContain('namespace/kube-system');
  });

  it("labels a namespace alice creates with her tenant (acme)", async () => {
    const name = uniqueName('acme');
    await createNamespaceAs('alice', name);
    const res = await kubectl('alice', ['get', 'namespace', name, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const ns = JSON.parse(res.stdout) as { metadata: { labels?: Record<string, string> } };
    expect(ns.metadata.labels?.[TENANT_LABEL]).toBe('acme');
  });

  it('refuses a NetworkPolicy from alice that admits every namespace', async () => {
    const name = uniqueName('acme');
    await createNamespaceAs('alice', name);
    const policy = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-from-everywhere
  namespace: ${name}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {}
`;
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: policy });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/admission webhook "validate\.tenant-guard\.io" denied the request/);
    expect(res.stderr).toMatch(/tenant-guard/);

    const get = await kubectl('admin', ['get', 'networkpolicy', '-n', name, 'allow-from-everywhere']);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toMatch(/NotFound/);
  });
});
