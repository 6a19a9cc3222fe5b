// A real `helm install` of the chart into a local API server, with
// webhook.url pointing at a tenant-guard server on 127.0.0.1 that runs
// `serve --controller` (the pod's command) in `self` certificate mode as the
// chart's own ServiceAccount (a token from the TokenRequest API), so the
// chart's RBAC is what it gets. The server creates the certificate Secret and
// fills caBundle itself; the webhooks the chart registered then refuse a
// cross-tenant policy and label a tenant's namespace; the controller writes
// the baseline into a new tenant namespace; the floor the chart installed is
// accepted and enforced by the API server. (The Deployment's pods never run:
// the local cluster has no nodes.) The chart's webhooks and floor are
// cluster-wide, so this runs on a control plane of its own, never on the
// cluster other test runs share.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Watch, type V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { bundleFingerprints, splitPem } from '../../src/certs/bundle.js';
import { loadKubeConfig } from '../../src/kube/client.js';
import { buildHelm, chartDir, eventually, freePort, helm, repo } from './helm-tools.js';
import { POLICY_DENIED, PrivateCluster, uniqueName, WEBHOOK_DENIED, type KubectlOptions, type KubectlResult, type User } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const FLOOR_POLICIES = ['namespaces', 'namespace-tenants', 'networkpolicies', 'ciliumnetworkpolicies', 'service-external-ips', 'cluster-policies', 'traffic-steering', 'managed-policies'].map((n) => `tenant-guard-floor-${n}`);
const release = 'tg-e2e';
const fullname = 'tg-e2e-tenant-guard';
const secretName = `${fullname}-tls`;

let cluster: PrivateCluster | undefined;
let helmBin: string;
let ns: string;
let port: number;
let controllerPort: number;
let dir: string;
let installNotes = '';
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

/** The process's /metrics (webhook and controller, one registry), on the plain-HTTP metrics port, as the chart runs it. */
async function processMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port: controllerPort, path: '/metrics', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The status of GET /metrics on the webhook's HTTPS port, verified against the Secret's bundle. */
async function webhookMetricsStatus(): Promise<number> {
  const secret = await readSecret();
  const ca = b64d(secret?.data['ca-bundle.crt']);
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/metrics', ca, servername: `${fullname}.${ns}.svc`, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The value of one sample of a metric (labels as rendered, e.g. '{kind="NetworkPolicy",action="apply"}'), or undefined. */
function sample(metrics: string, name: string, labels = ''): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function networkPolicy(namespace: string, name: string, peer: object): string {
  return JSON.stringify({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: peer }] }] },
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
  controllerPort = await freePort();

  // Only the chart's webhooks in the path: the harness registers its own
  // (its config does not count this release's ServiceAccount as an admin, so
  // it would refuse the controller's managed policies).
  const harness = await kubectl('admin', ['delete', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', 'tenant-guard']);
  expect(harness.code, harness.stderr).toBe(0);

  const created = await kubectl('admin', ['create', 'namespace', ns]);
  expect(created.code, created.stderr).toBe(0);

  // The tenants of the local cluster (test/cluster/config.yaml); the
  // controller (on by default) and the floor (on by default where the API
  // server serves ValidatingAdmissionPolicy v1, as this one does).
  const values = {
    webhook: { url: `https://127.0.0.1:${port}` },
    config: {
      platform: { namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'tenant-guard-system', ns] },
      tenants: [{ name: 'acme', groups: ['acme-devs'] }, { name: 'globex', groups: ['globex-devs'] }],
      admins: { groups: ['system:masters'] },
      // The API server calls 127.0.0.1; check every second so a cleared caBundle comes back quickly.
      tls: { self: { ipAddresses: ['127.0.0.1'], checkIntervalSeconds: 1 } },
      controller: { port: controllerPort, host: '127.0.0.1' },
    },
  };
  writeFileSync(join(dir, 'values.yaml'), JSON.stringify(values));
  const install = await helm(helmBin, ['install', release, chartDir, '--namespace', ns, '-f', join(dir, 'values.yaml'), '--timeout', '60s'], { kubeconfig: cluster.kubeconfig('admin') });
  expect(install.code, install.stderr).toBe(0);
  installed = true;
  installNotes = install.stdout;
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
  // As the pod runs it: the webhook and the baseline controller in one process.
  server = spawn(process.execPath, [main, 'serve', '--controller', '--config', join(dir, 'config.yaml'), '--port', String(port), '--host', '127.0.0.1', '--metrics-port', String(controllerPort), '--kubeconfig', kubeconfig], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      const floorLeft = await kubectl('admin', ['get', 'validatingadmissionpolicies,validatingadmissionpolicybindings', '-l', 'app.kubernetes.io/part-of=tenant-guard', '-o', 'name']);
      expect(floorLeft.code, floorLeft.stderr).toBe(0);
      expect(floorLeft.stdout.trim()).toBe('');
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
    expect(bundles).toHaveLength(4);
    for (const b of bundles) expect(bundleFingerprints(b)).toEqual(bundleFingerprints(bundle));

    // Ready once it serves the Secret's certificate (verified against the bundle).
    expect(await eventually('/readyz 200', 30_000, async () => ((await readyz(bundle)) === 200 ? 200 : undefined))).toBe(200);
  });

  it("refuses alice's cross-tenant NetworkPolicy through the chart's webhook", async () => {
    const name = uniqueName('acme');
    const created = await kubectl('alice', ['create', 'namespace', name]);
    expect(created.code, created.stderr).toBe(0);
    // Selected with an expression, which only the webhook judges (the floor stays silent).
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: networkPolicy(name, 'to-globex', { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['globex'] }] }) });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toMatch(/spec\.ingress\[0\]\.from\[0\]\.namespaceSelector/);
    // This server (the one the chart's configuration points at) made that decision.
    expect(decisions()).toContainEqual(expect.objectContaining({ endpoint: 'validate', namespace: name, name: 'to-globex', allowed: false, user: 'alice' }));
  });

  it("installs the floor, which the API server accepts and enforces before the chart's webhook", async () => {
    expect(installNotes).toMatch(/Floor: the API server itself enforces the core rules/);
    const got = await kubectl('admin', ['get', 'validatingadmissionpolicies,validatingadmissionpolicybindings', '-l', 'app.kubernetes.io/part-of=tenant-guard', '-o', 'json']);
    expect(got.code, got.stderr).toBe(0);
    const items = (JSON.parse(got.stdout) as { items: { kind: string; metadata: { name: string; annotations?: Record<string, string> } }[] }).items;
    expect(items.map((i) => `${i.kind}/${i.metadata.name}`).sort()).toEqual(
      [...FLOOR_POLICIES.map((n) => `ValidatingAdmissionPolicy/${n}`), ...FLOOR_POLICIES.map((n) => `ValidatingAdmissionPolicyBinding/${n}`)].sort());
    // Installed by this release (Helm's ownership annotations), not by hand.
    for (const i of items) expect(i.metadata.annotations?.['meta.helm.sh/release-name'], i.metadata.name).toBe(release);
    const param = await kubectl('admin', ['get', 'configmap', 'tenant-guard-floor-tenants', '-n', ns, '-o', 'jsonpath={.data}']);
    expect(param.code, param.stderr).toBe(0);
    expect(JSON.parse(param.stdout)).toEqual({ acme: ',g:acme-devs,', globex: ',g:globex-devs,' });

    const name = uniqueName('acme');
    const created = await kubectl('alice', ['create', 'namespace', name]);
    expect(created.code, created.stderr).toBe(0);
    // A selector of another tenant's namespaces by label: both refuse it; the floor answers first.
    const res = await eventually('the floor to be enforced', 30_000, async () => {
      const r = await kubectl('alice', ['create', '--dry-run=server', '-f', '-'], { input: networkPolicy(name, 'to-globex-by-label', { matchLabels: { [TENANT_LABEL]: 'globex' } }) });
      return POLICY_DENIED.test(r.stderr) ? r : undefined;
    });
    expect(res.stderr).toMatch(/ValidatingAdmissionPolicy 'tenant-guard-floor-networkpolicies' with binding 'tenant-guard-floor-networkpolicies' denied request: tenant-guard floor refused NetworkPolicy to-globex-by-label/);
    expect(decisions().filter((d) => d.name === 'to-globex-by-label')).toEqual([]);
  });

  it("runs the controller as the chart's ServiceAccount: the baseline appears in alice's new namespace", async () => {
    const name = uniqueName('acme');
    const created = await kubectl('alice', ['create', 'namespace', name]);
    expect(created.code, created.stderr).toBe(0);
    interface Policy { metadata: { labels?: Record<string, string>; managedFields?: { manager: string; operation: string }[] }; spec: { podSelector: unknown; policyTypes: string[]; ingress: { from: unknown[] }[] } }
    const policy = await eventually('the baseline policy', 30_000, async () => {
      const res = await kubectl('admin', ['get', 'networkpolicy', 'tenant-guard-isolate', '-n', name, '-o', 'json', '--show-managed-fields']);
      return res.code === 0 ? JSON.parse(res.stdout) as Policy : undefined;
    });
    expect(policy.metadata.labels?.[MANAGED_BY]).toBe('tenant-guard');
    // Written by the controller with server-side apply, nobody else.
    expect(policy.metadata.managedFields?.map((f) => `${f.manager} ${f.operation}`)).toEqual(['tenant-guard Apply']);
    expect(policy.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'acme' } } }, { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'platform' } } }] }],
    });

    // It leads through its Lease in the release namespace.
    const lease = await kubectl('admin', ['get', 'lease', 'tenant-guard-controller', '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}']);
    expect(lease.code, lease.stderr).toBe(0);
    expect(lease.stdout).not.toBe('');
    // It told the namespace's owners with an Event.
    const events = await eventually('the BaselineCreated event', 30_000, async () => {
      const res = await kubectl('admin', ['get', 'events', '-n', name, '-o', 'json']);
      const items = (JSON.parse(res.stdout) as { items: { reason: string; reportingComponent?: string }[] }).items;
      return items.some((e) => e.reason === 'BaselineCreated') ? items : undefined;
    });
    expect(events.find((e) => e.reason === 'BaselineCreated')?.reportingComponent).toBe('tenant-guard-controller');
    // It labelled the platform namespaces that existed without the label.
    const platform = await eventually('kube-public labelled', 30_000, async () => {
      const res = await kubectl('admin', ['get', 'namespace', 'kube-public', '-o', `jsonpath={.metadata.labels.${TENANT_LABEL.replace(/\./g, '\\.')}}`]);
      return res.stdout === 'platform' ? res.stdout : undefined;
    });
    expect(platform).toBe('platform');

    // Its metrics (on the plain-HTTP metrics port): leader, writes, the audit counts (they list every cluster-wide
    // policy kind) and not one API request the chart's RBAC refused.
    const metrics = await eventually('the audit counts', 30_000, async () => {
      const m = await processMetrics();
      return (sample(m, 'tenant_guard_audit_last_run_timestamp_seconds') ?? 0) > 0 ? m : undefined;
    });
    expect(sample(metrics, 'tenant_guard_controller_leader')).toBe(1);
    expect(sample(metrics, 'tenant_guard_controller_writes_total', '{kind="NetworkPolicy",action="apply"}')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'tenant_guard_controller_writes_total', '{kind="Namespace",action="label"}')).toBeGreaterThanOrEqual(1);
    const requests = metrics.split('\n').filter((l) => l.startsWith('tenant_guard_controller_api_requests_total{'));
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((l) => /code="(401|403)"/.test(l))).toEqual([]);
    expect(metrics.split('\n').filter((l) => l.startsWith('tenant_guard_controller_reconcile_errors_total{'))).toEqual([]);
    expect(serverLog).toMatch(/audit counts updated/);
    expect(serverLog).not.toMatch(/audit failed/);
    // One registry: the webhook's metrics beside the controller's and Node's standard process metrics;
    // none on the webhook's port.
    expect(metrics).toMatch(/^# TYPE tenant_guard_admission_requests_total counter$/m);
    expect(metrics).toMatch(/^# TYPE process_resident_memory_bytes gauge$/m);
    expect(sample(metrics, 'tenant_guard_certificate_expiry_timestamp_seconds', '{certificate="serving"}')).toBeGreaterThan(Date.now() / 1000);
    expect(sample(metrics, 'tenant_guard_degraded', '{component="namespaces"}')).toBe(0);
    expect(await webhookMetricsStatus()).toBe(404);

    // Alice cannot remove it: the floor refuses before the webhook is asked.
    const del = await kubectl('alice', ['delete', 'networkpolicy', 'tenant-guard-isolate', '-n', name]);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toMatch(/ValidatingAdmissionPolicy 'tenant-guard-floor-managed-policies' with binding 'tenant-guard-floor-managed-policies' denied request/);
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
      expect(v.hooks).toHaveLength(3);
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
    expect(await can('create', 'clusterrolebindings')).toBe('no');
    expect(await can('update', `secret/${secretName}`, '-n', ns)).toBe('yes');
  });

  it("gives the controller's permissions, each one the controller uses, and nothing more", async () => {
    const as = `system:serviceaccount:${ns}:${fullname}`;
    const can = async (...args: string[]) => `${args.join(' ')}: ${(await kubectl('admin', ['auth', 'can-i', ...args, '--as', as])).stdout.trim()}`;
    const yes = [
      ['list', 'namespaces'], ['watch', 'namespaces'], ['patch', 'namespaces'],
      ['list', 'networkpolicies.networking.k8s.io', '--all-namespaces'], ['watch', 'networkpolicies.networking.k8s.io', '--all-namespaces'],
      ['create', 'networkpolicies.networking.k8s.io', '-n', 'default'], ['patch', 'networkpolicies.networking.k8s.io', '-n', 'default'], ['delete', 'networkpolicies.networking.k8s.io', '-n', 'default'],
      ['list', 'ciliumnetworkpolicies.cilium.io', '--all-namespaces'], ['watch', 'ciliumnetworkpolicies.cilium.io', '--all-namespaces'], ['delete', 'ciliumnetworkpolicies.cilium.io', '-n', 'default'],
      ['create', 'events', '-n', 'default'],
      ['list', 'exports.tenant-guard.io', '--all-namespaces'], ['watch', 'imports.tenant-guard.io', '--all-namespaces'],
      ['patch', 'exports.tenant-guard.io', '--subresource', 'status', '-n', 'default'], ['patch', 'imports.tenant-guard.io', '--subresource', 'status', '-n', 'default'],
      ['get', 'lease/tenant-guard-controller', '-n', ns], ['update', 'lease/tenant-guard-controller', '-n', ns], ['create', 'leases', '-n', ns],
      ['list', 'ciliumclusterwidenetworkpolicies.cilium.io'], ['list', 'adminnetworkpolicies.policy.networking.k8s.io'],
      ['list', 'baselineadminnetworkpolicies.policy.networking.k8s.io'],
      // (clusternetworkpolicies too, which this API server does not serve, so kubectl cannot ask about it.)
    ];
    const no = [
      ['delete', 'namespaces'], ['create', 'namespaces'], ['update', 'namespaces'],
      ['get', 'networkpolicies.networking.k8s.io', '-n', 'default'], ['update', 'networkpolicies.networking.k8s.io', '-n', 'default'],
      // The networkpolicy flavour (the default) writes no CiliumNetworkPolicy.
      ['create', 'ciliumnetworkpolicies.cilium.io', '-n', 'default'], ['patch', 'ciliumnetworkpolicies.cilium.io', '-n', 'default'],
      ['patch', 'events', '-n', 'default'], ['delete', 'events', '-n', 'default'],
      // Tenants write the shares; the controller writes only their status.
      ['create', 'exports.tenant-guard.io', '-n', 'default'], ['patch', 'imports.tenant-guard.io', '-n', 'default'], ['delete', 'exports.tenant-guard.io', '-n', 'default'],
      ['update', 'lease/other', '-n', ns], ['get', 'lease/tenant-guard-controller', '-n', 'default'], ['create', 'leases', '-n', 'default'],
      ['create', 'ciliumclusterwidenetworkpolicies.cilium.io'], ['delete', 'adminnetworkpolicies.policy.networking.k8s.io'],
      ['create', 'validatingadmissionpolicies.admissionregistration.k8s.io'],
    ];
    const answers: string[] = [];
    for (const a of [...yes, ...no]) answers.push(await can(...a));
    expect(answers).toEqual([...yes.map((a) => `${a.join(' ')}: yes`), ...no.map((a) => `${a.join(' ')}: no`)]);
  });
});
