// First end-to-end checks against the local control plane started by
// `npm run cluster` (src/dev/cluster.ts), with the tenant-guard webhook registered.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNamespaces, kubectl, PrivateCluster, repo, uniqueName, WEBHOOK_DENIED, WEBHOOK_USER } from './kube.js';

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

  it('serves ValidatingAdmissionPolicy in admissionregistration.k8s.io/v1 (GA), which the outage-safe floor needs', async () => {
    const res = await kubectl('admin', ['api-resources', '--api-group=admissionregistration.k8s.io', '-o', 'wide', '--no-headers']);
    expect(res.code, res.stderr).toBe(0);
    const rows = res.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const vap = rows.find((r) => r[0] === 'validatingadmissionpolicies');
    const binding = rows.find((r) => r[0] === 'validatingadmissionpolicybindings');
    expect(vap?.[1]).toBe('admissionregistration.k8s.io/v1');
    expect(binding?.[1]).toBe('admissionregistration.k8s.io/v1');
    expect(vap?.join(' ')).toMatch(/\bcreate\b/);
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

describe("the webhook's identity", () => {
  const asWebhook = ['--as', WEBHOOK_USER, '--as-group', 'system:serviceaccounts', '--as-group', 'system:serviceaccounts:tenant-guard-system'];

  it('may get, list and watch namespaces, list and watch shares, and nothing else', async () => {
    for (const verb of ['get', 'list', 'watch']) {
      const res = await kubectl('admin', ['auth', 'can-i', verb, 'namespaces', ...asWebhook]);
      expect(res.stdout.trim(), `${verb} namespaces`).toBe('yes');
    }
    for (const [verb, resource] of [['list', 'exports.tenant-guard.io'], ['watch', 'exports.tenant-guard.io'], ['list', 'imports.tenant-guard.io'], ['watch', 'imports.tenant-guard.io']] as const) {
      const res = await kubectl('admin', ['auth', 'can-i', verb, resource, '-A', ...asWebhook]);
      expect(res.stdout.trim(), `${verb} ${resource}`).toBe('yes');
    }
    for (const [verb, resource] of [['create', 'namespaces'], ['patch', 'namespaces'], ['create', 'networkpolicies'], ['get', 'secrets'], ['create', 'ciliumnetworkpolicies.cilium.io'], ['create', 'exports.tenant-guard.io']] as const) {
      const res = await kubectl('admin', ['auth', 'can-i', verb, resource, '-A', ...asWebhook]);
      expect(res.stdout.trim(), `${verb} ${resource}`).toBe('no');
    }
  });

  it('its kubeconfig authenticates as that user, in no admin group', async () => {
    const res = await kubectl('tenant-guard', ['auth', 'whoami', '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const info = (JSON.parse(res.stdout) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
    expect(info.username).toBe(WEBHOOK_USER);
    expect(info.groups).not.toContain('system:masters');
  });

  it('so the webhook knows who owns a namespace: a policy confined to the tenant is allowed', async () => {
    const name = uniqueName('acme');
    await createNamespaceAs('alice', name);
    const res = await kubectl('alice', ['create', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'from-acme', namespace: name },
        spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'acme' } } }] }] },
      }),
    });
    expect(res.code, res.stderr).toBe(0);
  });
});

describe('the README path for a newcomer (a cluster of its own, since it uses the fixed name acme-web)', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await PrivateCluster.start('newcomer');
  }, 6 * 60_000);
  afterAll(async () => {
    await cluster?.down();
  });

  it('<state>/bin/kubectl as alice: create namespace acme-web, then apply examples/cross-tenant.yaml without -n is refused there', async () => {
    const bin = join(cluster.stateDir, 'bin', 'kubectl');
    expect(existsSync(bin)).toBe(true);
    const alice = ['--kubeconfig', join(cluster.stateDir, 'kubeconfig', 'alice')];
    const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(bin, [...alice, ...args], { cwd: repo, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
    });
    const ns = await run(['create', 'namespace', 'acme-web']);
    expect(ns.code, ns.stderr).toBe(0);
    const apply = await run(['apply', '-f', 'examples/cross-tenant.yaml']);
    expect(apply.code).not.toBe(0);
    expect(apply.stderr).toMatch(WEBHOOK_DENIED);
    expect(apply.stderr).toContain('tenant-guard refused NetworkPolicy acme-web/allow-from-globex');
    expect(apply.stderr).toContain('selects namespaces of tenant globex');
  });

  it("the other tenant users' contexts default to a namespace of their tenant", () => {
    for (const [user, ns] of [['alice', 'acme-web'], ['bob', 'globex-web'], ['carol', 'initech-web']] as const) {
      expect(readFileSync(cluster.kubeconfig(user), 'utf8')).toMatch(new RegExp(`\\n\\s+namespace: ${ns}\\n`));
    }
  });
});
