// Service accounts as tenant members on a real API server: a GitOps bot's
// service account in a tenant's namespace applies policies and creates
// namespaces as that tenant (requests made as it, through impersonation, so
// the API server authenticates them as `system:serviceaccount:<ns>:<name>`),
// and cannot claim another tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNamespaces, kubectl, uniqueName, WEBHOOK_DENIED, type KubectlResult } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const home = uniqueName('acme-gitops');
const child = uniqueName('acme-apps');
const binding = uniqueName('e2e-deployer');
const account = `system:serviceaccount:${home}:deployer`;

/** kubectl as the service account: the admin impersonates it, with the groups the API server gives service accounts. */
function asAccount(args: string[], input?: object): Promise<KubectlResult> {
  const as = ['--as', account, '--as-group', 'system:serviceaccounts', '--as-group', `system:serviceaccounts:${home}`, '--as-group', 'system:authenticated'];
  return kubectl('admin', [...as, ...args], input === undefined ? {} : { input: JSON.stringify(input) });
}

function np(name: string, namespace: string, tenant: string): object {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenant } } }] }] } };
}

beforeAll(async () => {
  const ns = await kubectl('alice', ['create', 'namespace', home]);
  expect(ns.code, ns.stderr).toBe(0);
  const sa = await kubectl('admin', ['create', 'serviceaccount', 'deployer', '-n', home]);
  expect(sa.code, sa.stderr).toBe(0);
  // The tenants' own permissions (test/cluster/manifests/tenant-rbac.yaml), given to the service account.
  const rb = await kubectl('admin', ['create', 'clusterrolebinding', binding, '--clusterrole=tenant-guard-dev:tenant-network-admin', `--serviceaccount=${home}:deployer`]);
  expect(rb.code, rb.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await kubectl('admin', ['delete', 'clusterrolebinding', binding, '--ignore-not-found']);
  await deleteNamespaces([home, child]);
});

describe('a service account of a tenant namespace', () => {
  it('applies a policy confined to its tenant', async () => {
    const res = await asAccount(['apply', '-f', '-'], np('from-acme', home, 'acme'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('networkpolicy.networking.k8s.io/from-acme created');
  });

  it('is refused a policy that reaches another tenant, as the tenant\'s users are', async () => {
    const res = await asAccount(['apply', '-f', '-'], np('from-globex', home, 'globex'));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain('selects namespaces of tenant globex');
  });

  it('creates a namespace, which gets its tenant\'s owner label', async () => {
    const res = await asAccount(['create', 'namespace', child]);
    expect(res.code, res.stderr).toBe(0);
    const label = await kubectl('admin', ['get', 'namespace', child, '-o', `jsonpath={.metadata.labels.${TENANT_LABEL.replace(/\./g, '\\.')}}`]);
    expect(label.stdout).toBe('acme');
  });

  it('cannot create a namespace that claims another tenant', async () => {
    const res = await asAccount(['create', '-f', '-'], { apiVersion: 'v1', kind: 'Namespace', metadata: { name: uniqueName('acme-claim'), labels: { [TENANT_LABEL]: 'globex' } } });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('"globex" is not a tenant you belong to');
  });
});
