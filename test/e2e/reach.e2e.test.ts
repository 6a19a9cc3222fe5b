// `tenant-guard reach` against the real kube-apiserver of the local cluster (src/dev/cluster.ts)
// (`node dist/cli/main.js`, built by `npm run build`), read through the
// repository's Kubernetes client as admin. The shared cluster holds other
// tests' namespaces too, so every run names its own with -n.
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNamespaces, kubeconfigOf, kubectl, uniqueName, WEBHOOK_DENIED } from './kube.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = join(repo, 'test', 'cluster', 'config.yaml');
const TENANT_LABEL = 'tenant-guard.io/tenant';
const acme = uniqueName('acme');
const globex = uniqueName('globex');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function reach(args: string[]): Promise<Run> {
  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'KUBECONFIG']) delete env[v];
  return new Promise((resolveRun) => {
    execFile(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), 'reach', '--kubeconfig', kubeconfigOf('admin'), '--config', config, '-n', acme, '-n', globex, ...args],
      { cwd: repo, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolveRun({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
  });
}

function isolate(namespace: string, tenant: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'tenant-guard-isolate', namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenant } } }, { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'platform' } } }] }] },
  };
}

function deployment(namespace: string, name: string): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'example.invalid/app', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
  };
}

const crossTenant = {
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-globex', namespace: acme },
  spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } }], ports: [{ port: 'http' }] }] },
};

async function apply(user: 'admin' | 'alice', manifest: object) {
  return kubectl(user, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
}

interface MatrixCell { from: string; to: string; state: string; paths: { namespace: string; policy: string | null; path: string | null }[] }

beforeAll(async () => {
  for (const [name, tenant] of [[acme, 'acme'], [globex, 'globex']] as const) {
    expect((await kubectl('admin', ['create', 'namespace', name])).code).toBe(0);
    expect((await kubectl('admin', ['label', 'namespace', name, `${TENANT_LABEL}=${tenant}`])).code).toBe(0);
    // The baseline the controller writes, applied here so the test does not depend on a controller running.
    const res = await apply('admin', isolate(name, tenant));
    expect(res.code, res.stderr).toBe(0);
  }
  for (const [ns, name] of [[acme, 'web'], [globex, 'api']] as const) {
    const res = await apply('admin', deployment(ns, name));
    expect(res.code, res.stderr).toBe(0);
  }
});

afterAll(async () => {
  await deleteNamespaces([acme, globex]);
});

describe('tenant-guard reach on a live cluster', () => {
  it('shows an isolated matrix while every tenant namespace has its baseline', async () => {
    const r = await reach(['-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as { crossTenantOpen: number; cells: MatrixCell[] };
    expect(m.crossTenantOpen).toBe(0);
    expect(m.cells.find((c) => c.from === 'globex' && c.to === 'acme')?.state).toBe('isolated');
    expect(m.cells.find((c) => c.from === 'acme' && c.to === 'globex')?.state).toBe('isolated');
    const conns = await reach(['--connections']);
    expect(conns.code, conns.stderr).toBe(0);
    expect(conns.stdout).not.toContain(`${globex}/api[Deployment] => ${acme}/web[Deployment]`);
  });

  it('a tenant cannot write the cross-tenant policy; once an admin does, the matrix is open and names it', async () => {
    const refused = await apply('alice', crossTenant);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(WEBHOOK_DENIED);
    const res = await apply('admin', crossTenant);
    expect(res.code, res.stderr).toBe(0);

    const r = await reach(['-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const m = JSON.parse(r.stdout) as { crossTenantOpen: number; cells: MatrixCell[] };
    expect(m.crossTenantOpen).toBe(1);
    const cell = m.cells.find((c) => c.from === 'globex' && c.to === 'acme');
    expect(cell?.state).toBe('open');
    expect(cell?.paths).toContainEqual(expect.objectContaining({ namespace: acme, policy: 'allow-globex', path: 'spec.ingress[0].from[0]' }));
    expect(m.cells.find((c) => c.from === 'acme' && c.to === 'globex')?.state).toBe('isolated');

    const text = await reach([]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`ingress: ${acme}/allow-globex spec.ingress[0].from[0]`);
    const conns = await reach(['--connections']);
    expect(conns.code).toBe(1);
    expect(conns.stdout.split('\n')).toContain(`${globex}/api[Deployment] => ${acme}/web[Deployment] : TCP 8080`);
  });

  it('a CiliumClusterwideNetworkPolicy an admin writes is evaluated: the cell it opens names it', async () => {
    const name = `${globex}-from-acme`;
    const ccnp = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name },
      spec: {
        endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': globex } },
        ingress: [{ fromEndpoints: [{ matchLabels: { [`k8s:io.cilium.k8s.namespace.labels.${TENANT_LABEL}`]: 'acme' } }] }],
      },
    };
    const res = await apply('admin', ccnp);
    expect(res.code, res.stderr).toBe(0);
    try {
      const r = await reach(['-o', 'json']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toContain('not evaluated');
      const m = JSON.parse(r.stdout) as { clusterwidePolicies: number; cells: (MatrixCell & { paths: { kind?: string }[] })[] };
      expect(m.clusterwidePolicies).toBeGreaterThanOrEqual(1);
      const cell = m.cells.find((c) => c.from === 'acme' && c.to === 'globex');
      expect(cell?.state).toBe('open');
      expect(cell?.paths).toContainEqual({ direction: 'ingress', namespace: globex, policy: name, kind: 'CiliumClusterwideNetworkPolicy', path: 'spec.ingress[0].fromEndpoints[0]' });
    } finally {
      await kubectl('admin', ['delete', 'ciliumclusterwidenetworkpolicy', name, '--ignore-not-found']);
    }
  });
});
