// A real `helm install` of the chart into a local API server, with
// webhook.url pointing at a tenant-guard server on 127.0.0.1 that runs in
// `self` certificate mode as the chart's own ServiceAccount (a token from
// the TokenRequest API), so the chart's RBAC is what it gets. The server
// creates the certificate Secret and fills caBundle itself; the webhooks the
// chart registered then refuse a cross-tenant policy and label a tenant's
// namespace. (The Deployment's pods never run: the local cluster has no nodes.)
// The chart's webhooks are cluster-wide with failurePolicy Fail, so this runs
// on a control plane of its own, never on the cluster other test runs share.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watch, type V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { bundleFingerprints, splitPem } from '../../src/certs/bundle.js';
import { loadKubeConfig } from '../../src/kube/client.js';
import { buildHelm, chartDir, eventually, freePort, helm, repo } from './helm-tools.js';
import { PrivateCluster, uniqueName, type KubectlOptions, type KubectlResult, type User } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const release = 'tg-e2e';
const fullname = 'tg-e2e-tenant-guard';
const secretName = `${fullname}-tls`;

let cluster: PrivateCluster | undefined;
let helmBin: string;
let ns: string;
let port: number;
let dir: string;
let server: ChildProcess | undefined;
let serverLog = '';
let installed = false;

function kubectl(user: User, args: string[], opts?: KubectlOptions): Promise<KubectlResult> {
  if (cluster === undefined) throw new Error('the private cluster did not start');
  return cluster.kubectl(user, args, opts);
}

interface Secret {
  type: string;
  data: Record<string, string>;
  metadata: { managedFields?: { manager: string; operation: string }[]; labels?: Record<string, string> };
}

function b64d(s: string | undefined): string {
  return Buffer.from(s ?? '', 'base64').toString('utf8');
}

async function readSecret(): Promise<Secret | undefined> {
  const res = await kubectl('admin', ['get', 'secret', '-n', ns, secretName, '-o', 'json', '--show-managed-fields']);
  if (res.code !== 0) {
    if (/NotFound/.test(res.stderr)) return undefined;
    throw new Error(res.stderr);
  }
  return JSON.parse(res.stdout) as Secret;
}

async function caBundles(): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
    const res = await kubectl('admin', ['get', kind, fullname, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const cfg = JSON.parse(res.stdout) as { webhooks: { clientConfig: { caBundle?: string } }[] };
    for (const w of cfg.webhooks) out.push(b64d(w.clientConfig.caBundle));
  }
  return out;
}

function readyz(ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/readyz', ca, servername: `${fullname}.${ns}.svc`, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Decision lines the server logged (pino JSON), for showing which webhook answered. */
function decisions(): { endpoint: string; name?: string; namespace?: string; allowed: boolean; user: string }[] {
  return serverLog.split('\n').filter((l) => l.includes('"admission decision"')).map((l) => JSON.parse(l) as { endpoint: string; name?: string; namespace?: string; allowed: boolean; user: string });
}

beforeAll(async () => {
  const main = join(repo, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error('dist/cli/main.js is missing: run `npm run build` before the end-to-end tests');
  helmBin = await buildHelm();
  cluster = await PrivateCluster.start('helm-install');
  dir = mkdtempSync(join(tmpdir(), 'tg-helm-install-'));
  ns = uniqueName('tg-helm');
  port = await freePort();

  const created = await kubectl('admin', ['create', 'namespace', ns]);
  expect(created.code, created.stderr).toBe(0);

  // The tenants of the local cluster (test/cluster/config.yaml); no controller
  // (it would write baseline policies into the shared test cluster).
  const values = {
    webhook: { url: `https://127.0.0.1:${port}` },
    controller: { enabled: false },
    config: {
      platform: { namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'tenant-guard-system', ns] },
      tenants: [{ name: 'acme', groups: ['acme-devs'] }, { name: 'globex', groups: ['globex-devs'] }],
      admins: { groups: ['system:masters'] },
      // The API server calls 127.0.0.1; check every second so a cleared caBundle comes back quickly.
      tls: { self: { ipAddresses: ['127.0.0.1'], checkIntervalSeconds: 1 } },
    },
  };
  writeFileSync(join(dir, 'values.yaml'), JSON.stringify(values));
  const install = await helm(helmBin, ['install', release, chartDir, '--namespace', ns, '-f', join(dir, 'values.yaml'), '--timeout', '60s'], { kubeconfig: cluster.kubeconfig('admin') });
  expect(install.code, install.stderr).toBe(0);
  installed = true;
  expect(install.stdout).toMatch(/apply --dry-run=server/);

  // The chart does not render the Secret: the server must create it.
  expect(await readSecret()).toBeUndefined();

  // The server runs as the chart's ServiceAccount, with the chart's RBAC.
  const token = await kubectl('admin', ['create', 'token', fullname, '-n', ns, '--duration=1h']);
  expect(token.code, token.stderr).toBe(0);
  const admin = parseYaml(readFileSync(cluster.kubeconfig('admin'), 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[] };
  const apiCluster = admin.clusters[0]!.cluster;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'sa',
    clusters: [{ name: 'local', cluster: apiCluster }],
    users: [{ name: 'sa', user: { token: token.stdout.trim() } }],
    contexts: [{ name: 'sa', context: { cluster: 'local', user: 'sa', namespace: ns } }],
  }), { mode: 0o600 });

  // The configuration file is the chart's ConfigMap, as the pod would mount it.
  const cm = await kubectl('admin', ['get', 'configmap', fullname, '-n', ns, '-o', 'jsonpath={.data.config\\.yaml}']);
  expect(cm.code, cm.stderr).toBe(0);
  writeFileSync(join(dir, 'config.yaml'), cm.stdout);

  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'KUBECONFIG']) delete env[v];
  server = spawn(process.execPath, [main, 'serve', '--config', join(dir, 'config.yaml'), '--port', String(port), '--host', '127.0.0.1', '--kubeconfig', kubeconfig], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (b: Buffer) => { serverLog += b.toString(); });
  server.stderr!.on('data', (b: Buffer) => { serverLog += b.toString(); });
}, 20 * 60_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  // The webhooks point at the server just stopped: uninstall (a real test of
  // it), then the whole control plane goes.
  try {
    if (installed && cluster !== undefined) {
      const res = await helm(helmBin, ['uninstall', release, '--namespace', ns, '--wait', '--timeout', '60s'], { kubeconfig: cluster.kubeconfig('admin') });
      expect(res.code, res.stderr).toBe(0);
      const left = await kubectl('admin', ['get', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', fullname, '--ignore-not-found', '-o', 'name']);
      expect(left.stdout.trim()).toBe('');
    }
  } finally {
    await cluster?.down();
  }
}, 120_000);

describe('helm install with the server on 127.0.0.1 in self certificate mode', () => {
  it('the server creates the certificate Secret, fills caBundle and becomes ready', async () => {
    const secret = await eventually('the certificate Secret', 60_000, readSecret);
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(secret.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('tenant-guard');
    // Written by the server (its field manager), not by helm or by this test.
    expect(secret.metadata.managedFields?.map((f) => f.manager)).toEqual(['tenant-guard']);
    const bundle = b64d(secret.data['ca-bundle.crt']);
    expect(splitPem(bundle)).toHaveLength(1);
    expect(bundleFingerprints(bundle)).toEqual(bundleFingerprints(b64d(secret.data['ca.crt'])));

    const cert = new X509Certificate(b64d(secret.data['tls.crt']));
    expect(cert.subjectAltName).toBe(`DNS:${fullname}, DNS:${fullname}.${ns}, DNS:${fullname}.${ns}.svc, DNS:${fullname}.${ns}.svc.cluster.local, IP Address:127.0.0.1`);

    const bundles = await eventually('caBundle in both webhook configurations', 30_000, async () => {
      const all = await caBundles();
      return all.every((b) => b !== '') ? all : undefined;
    });
    expect(bundles).toHaveLength(3);
    for (const b of bundles) expect(bundleFingerprints(b)).toEqual(bundleFingerprints(bundle));

    // Ready once it serves the Secret's certificate (verified against the bundle).
    expect(await eventually('/readyz 200', 30_000, async () => ((await readyz(bundle)) === 200 ? 200 : undefined))).toBe(200);
  });

  it("refuses alice's cross-tenant NetworkPolicy through the chart's webhook", async () => {
    const name = uniqueName('acme');
    const created = await kubectl('alice', ['create', 'namespace', name]);
    expect(created.code, created.stderr).toBe(0);
    const policy = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-globex
  namespace: ${name}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              ${TENANT_LABEL}: globex
`;
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: policy });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/admission webhook "validate\.tenant-guard\.io" denied the request/);
    expect(res.stderr).toMatch(/spec\.ingress\[0\]\.from\[0\]\.namespaceSelector/);
    // This server (the one the chart's configuration points at) made that decision.
    expect(decisions()).toContainEqual(expect.objectContaining({ endpoint: 'validate', namespace: name, name: 'to-globex', allowed: false, user: 'alice' }));
  });

  it("labels alice's new namespace with her tenant through the chart's webhook", async () => {
    const name = uniqueName('acme');
    const res = await kubectl('alice', ['create', 'namespace', name]);
    expect(res.code, res.stderr).toBe(0);
    const got = await kubectl('admin', ['get', 'namespace', name, '-o', `jsonpath={.metadata.labels.${TENANT_LABEL.replace(/\./g, '\\.')}}`]);
    expect(got.stdout).toBe('acme');
    expect(decisions()).toContainEqual(expect.objectContaining({ endpoint: 'mutate', name, allowed: true, user: 'alice' }));
  });

  it('puts a cleared caBundle back', async () => {
    const before = await caBundles();
    const clear = await kubectl('admin', ['patch', 'validatingwebhookconfiguration', fullname, '--type=json', '-p', JSON.stringify([
      { op: 'remove', path: '/webhooks/0/clientConfig/caBundle' },
      { op: 'remove', path: '/webhooks/1/clientConfig/caBundle' },
    ])]);
    expect(clear.code, clear.stderr).toBe(0);
    const after = await eventually('caBundle restored', 30_000, async () => {
      const all = await caBundles();
      return all.every((b) => b !== '') ? all : undefined;
    });
    expect(after.map(bundleFingerprints)).toEqual(before.map(bundleFingerprints));
  });

  it('keeps caBundle through a helm upgrade: no version of the configuration lacks it', async () => {
    // Watch every version of the ValidatingWebhookConfiguration while upgrading.
    const kc = loadKubeConfig({ kubeconfig: cluster!.kubeconfig('admin') })!;
    const versions: { rv: string; hooks: { timeoutSeconds?: number; caBundle?: string }[] }[] = [];
    const watch = await new Watch(kc).watch('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', { fieldSelector: `metadata.name=${fullname}` },
      (_type: string, obj: V1ValidatingWebhookConfiguration) => {
        versions.push({ rv: obj.metadata?.resourceVersion ?? '', hooks: (obj.webhooks ?? []).map((w) => ({ timeoutSeconds: w.timeoutSeconds, caBundle: w.clientConfig.caBundle })) });
      },
      () => undefined);
    try {
      await eventually('the watch to start', 10_000, () => Promise.resolve(versions.length > 0 ? true : undefined));
      const up = await helm(helmBin, ['upgrade', release, chartDir, '--namespace', ns, '--reuse-values', '--set', 'webhook.timeoutSeconds=7'], { kubeconfig: cluster!.kubeconfig('admin') });
      expect(up.code, up.stderr).toBe(0);
      await eventually('the upgraded configuration', 10_000, () => Promise.resolve(versions.some((v) => v.hooks.every((h) => h.timeoutSeconds === 7)) ? true : undefined));
      // Long enough for the server's next check (every second) to have acted, had it needed to.
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      watch.abort();
    }
    expect(versions.length).toBeGreaterThanOrEqual(2);
    for (const v of versions) {
      expect(v.hooks).toHaveLength(2);
      for (const h of v.hooks) expect(h.caBundle ?? '', `resourceVersion ${v.rv}`).not.toBe('');
    }
  });

  it("gives the server's service account only its own Secret", async () => {
    const as = `system:serviceaccount:${ns}:${fullname}`;
    const can = async (...args: string[]) => (await kubectl('admin', ['auth', 'can-i', ...args, '--as', as])).stdout.trim();
    expect(await can('get', `secret/${secretName}`, '-n', ns)).toBe('yes');
    expect(await can('get', 'secret/other', '-n', ns)).toBe('no');
    expect(await can('list', 'secrets', '-n', ns)).toBe('no');
    expect(await can('get', `secret/${secretName}`, '-n', 'default')).toBe('no');
    expect(await can('patch', `validatingwebhookconfiguration/${fullname}`)).toBe('yes');
    expect(await can('patch', 'validatingwebhookconfiguration/tenant-guard')).toBe('no');
    expect(await can('list', 'secrets', '--all-namespaces')).toBe('no');
    // The controller is off in this install: no policy or namespace writes.
    expect(await can('create', 'networkpolicies', '-n', 'default')).toBe('no');
    expect(await can('patch', 'namespaces')).toBe('no');
    expect(await can('create', 'clusterrolebindings')).toBe('no');
    expect(await can('update', `secret/${secretName}`, '-n', ns)).toBe('yes');
  });
});
