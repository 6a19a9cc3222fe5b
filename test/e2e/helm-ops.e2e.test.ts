// The chart's operations side, rendered with the helm binary built from Go
// modules: the NetworkPolicy for tenant-guard's own pods (on by default),
// the PrometheusRule and the Grafana dashboard (off by default), `global`,
// refusals of the values schema, the helm test that proves a refusal, the
// critical-class ResourceQuota, host networking, extra args and env,
// webhook metadata, the PolicyReport CRDs and the opt-in cleanup hook; the
// rendered objects are accepted by the real API server (server-side dry run).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHelm, chartDir, find, helm, one, parseManifests, type Manifest } from './helm-tools.js';
import { deleteNamespaces, kubectl, uniqueName } from './kube.js';

let helmBin: string;
let work: string;
const ns = uniqueName('tg-ops');

beforeAll(async () => {
  helmBin = await buildHelm();
  work = mkdtempSync(join(tmpdir(), 'tg-helm-ops-'));
  expect((await kubectl('admin', ['create', 'namespace', ns])).code).toBe(0);
}, 20 * 60_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await deleteNamespaces([ns]);
});

async function render(values: object = {}, extra: string[] = []): Promise<{ code: number; docs: Manifest[]; stderr: string }> {
  const file = join(work, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(values));
  const res = await helm(helmBin, ['template', 'tg', chartDir, '--namespace', ns, '-f', file, ...extra]);
  return { code: res.code, docs: res.code === 0 ? parseManifests(res.stdout) : [], stderr: res.stderr };
}

async function rendered(values: object = {}): Promise<Manifest[]> {
  const r = await render(values);
  expect(r.code, r.stderr).toBe(0);
  return r.docs;
}

type NetPol = Manifest & { spec: { podSelector: unknown; policyTypes: string[]; ingress: { ports: { port: string }[]; from?: object[] }[] } };

describe('the NetworkPolicy of tenant-guard\'s own pods', () => {
  it('is on by default: the webhook port from anywhere, the metrics port only from the monitoring namespace', async () => {
    const np = one(await rendered(), 'NetworkPolicy') as NetPol;
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'tenant-guard', 'app.kubernetes.io/instance': 'tg' } });
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([
      { ports: [{ port: 'https', protocol: 'TCP' }] },
      { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
    ]);
  });

  it('narrows the webhook port with ingressFrom (the helm test pod still reaches it) and the scrapers by label', async () => {
    const np = one(await rendered({ networkPolicy: { ingressFrom: [{ ipBlock: { cidr: '10.0.0.0/24' } }], monitoring: { namespace: 'obs', podLabels: { app: 'prometheus' } } } }), 'NetworkPolicy') as NetPol;
    expect(np.spec.ingress[0]!.from).toEqual([{ ipBlock: { cidr: '10.0.0.0/24' } }, { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'tg', 'app.kubernetes.io/component': 'test' } } }]);
    expect(np.spec.ingress[1]!.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'obs' } }, podSelector: { matchLabels: { app: 'prometheus' } } }]);
  });

  it('can be turned off, and leaves the metrics port closed when no monitoring namespace is named', async () => {
    expect(find(await rendered({ networkPolicy: { enabled: false } }), 'NetworkPolicy')).toEqual([]);
    const np = one(await rendered({ networkPolicy: { monitoring: { namespace: '' } } }), 'NetworkPolicy') as NetPol;
    expect(np.spec.ingress.map((r) => r.ports[0]!.port)).toEqual(['https']);
  });
});

describe('Prometheus and Grafana', () => {
  it('render neither by default', async () => {
    const docs = await rendered();
    expect(find(docs, 'PrometheusRule')).toEqual([]);
    expect(find(docs, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('tg-tenant-guard-dashboard');
  });

  it('render the alerts on the metrics the process exports, and the dashboard for the sidecar', async () => {
    const docs = await rendered({ prometheusRule: { enabled: true, labels: { release: 'prom' } }, dashboard: { enabled: true, annotations: { grafana_folder: 'Platform' } } });
    const rule = one(docs, 'PrometheusRule') as Manifest & { spec: { groups: { rules: { alert: string; expr: string }[] }[] } };
    expect(rule.metadata.labels?.release).toBe('prom');
    const alerts = rule.spec.groups[0]!.rules;
    expect(alerts.map((a) => a.alert)).toEqual(['TenantGuardWebhookErrors', 'TenantGuardWebhookSlow', 'TenantGuardCertificateExpiry', 'TenantGuardDegraded', 'TenantGuardMissingBaselines']);
    const exprs = alerts.map((a) => a.expr).join('\n');
    for (const metric of ['tenant_guard_admission_requests_total', 'tenant_guard_admission_duration_seconds_bucket', 'tenant_guard_certificate_expiry_timestamp_seconds', 'tenant_guard_degraded', 'tenant_guard_audit_findings']) expect(exprs).toContain(metric);
    const cm = find(docs, 'ConfigMap').find((c) => c.metadata.name === 'tg-tenant-guard-dashboard') as Manifest & { data: Record<string, string> };
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Platform' });
    const dashboard = JSON.parse(cm.data['tenant-guard.json'] ?? '') as { uid: string; panels: { targets: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('tenant-guard');
    const panelExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    expect(panelExprs).toContain('process_resident_memory_bytes');
    // A rollout in warn or dryrun is watched by the violations the webhook admits.
    expect(panelExprs).toContain('sum by (code, mode) (increase(tenant_guard_admission_violations_total');
  });
});

describe('values', () => {
  it('accepts global, as a subchart must', async () => {
    expect((await render({ global: { imageRegistry: 'registry.example', anything: { nested: true } } })).code).toBe(0);
  });

  it.each([
    ['an unknown key', { networkPolicy: { ingresFrom: [] } }, /ingresFrom/],
    ['a value the server refuses', { config: { controller: { qps: -1 } } }, /controller\.qps|qps/],
    ['a bad dnsPolicy', { dnsPolicy: 'Sometimes' }, /dnsPolicy/],
    ['metrics on the webhook port', { metricsPort: 8443 }, /metricsPort: must differ from containerPort/],
  ])('refuses %s', async (_what, values, message) => {
    const r = await render(values);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

describe('the pod and the webhooks', () => {
  it('passes hostNetwork with the DNS policy that keeps cluster DNS, extra args and env', async () => {
    const pod = (one(await rendered({ hostNetwork: true, extraArgs: ['--log-format', 'json'], extraEnv: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }] }), 'Deployment') as Manifest & { spec: { template: { spec: { hostNetwork?: boolean; dnsPolicy?: string; containers: { args: string[]; env?: object[] }[] } } } }).spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.containers[0]!.args.slice(-2)).toEqual(['--log-format', 'json']);
    expect(pod.containers[0]!.env).toEqual([{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }]);
    const plain = (one(await rendered(), 'Deployment') as Manifest & { spec: { template: { spec: { hostNetwork?: boolean; dnsPolicy?: string } } } }).spec.template.spec;
    expect([plain.hostNetwork, plain.dnsPolicy]).toEqual([undefined, undefined]);
  });

  it('puts annotations and labels on both webhook configurations', async () => {
    const docs = await rendered({ webhook: { annotations: { 'admissions.enforcer/disabled': 'true' }, labels: { team: 'platform' } } });
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const w = one(docs, kind);
      expect(w.metadata.annotations).toEqual({ 'admissions.enforcer/disabled': 'true' });
      expect(w.metadata.labels?.team).toBe('platform');
    }
  });

  it('covers a critical priority class outside kube-system with a scoped ResourceQuota', async () => {
    expect(find(await rendered(), 'ResourceQuota')).toEqual([]);
    const q = one(await rendered({ priorityClassName: 'system-cluster-critical', replicaCount: 3 }), 'ResourceQuota') as Manifest & { spec: object };
    expect(q.spec).toEqual({ hard: { pods: '6' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['system-cluster-critical'] }] } });
    expect(find(await rendered({ priorityClassName: 'high' }), 'ResourceQuota')).toEqual([]);
  });

  it('has a helm test that posts a policy every namespace could reach and passes only on a 403 refusal', async () => {
    const pod = find(await rendered(), 'Pod')[0] as Manifest & { spec: { containers: { command: string[]; args: string[]; env: { name: string; value: string }[] }[] } };
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    // Not one of the Deployment's pods: the selector labels differ.
    expect(pod.metadata.labels?.['app.kubernetes.io/name']).toBe('tenant-guard-test');
    const c = pod.spec.containers[0]!;
    expect(c.command).toEqual(['/nodejs/bin/node', '-e']);
    expect(c.args[0]).toContain('namespaceSelector: {}');
    expect(c.args[0]).toContain('r.status.code === 403');
    expect(c.env).toContainEqual({ name: 'TG_URL', value: `https://tg-tenant-guard.${ns}.svc:443` });
  });
});

describe('PolicyReport CRDs and cleanup', () => {
  it('installs the PolicyReport CRDs only when asked, kept on uninstall', async () => {
    expect(find(await rendered(), 'CustomResourceDefinition')).toEqual([]);
    const crds = find(await rendered({ policyReports: { installCRDs: true } }), 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name)).toEqual(['policyreports.wgpolicyk8s.io', 'clusterpolicyreports.wgpolicyk8s.io']);
    for (const c of crds) expect(c.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
  });

  it('has an opt-in post-delete cleanup with its own short-lived RBAC', async () => {
    expect(find(await rendered(), 'Job')).toEqual([]);
    const docs = await rendered({ cleanup: { enabled: true } });
    const job = one(docs, 'Job');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('post-delete');
    const hookRoles = find(docs, 'ClusterRole').filter((r) => r.metadata.annotations?.['helm.sh/hook'] === 'post-delete') as (Manifest & { rules: { resources: string[]; verbs: string[] }[] })[];
    expect(hookRoles).toHaveLength(1);
    expect(hookRoles[0]!.rules.flatMap((r) => r.verbs)).not.toContain('create');
  });

  it('renders objects the API server accepts (server-side dry run), everything on', async () => {
    const docs = await rendered({ cleanup: { enabled: true }, dashboard: { enabled: true }, policyReports: { installCRDs: true }, priorityClassName: 'system-cluster-critical', hostNetwork: true, webhook: { annotations: { a: 'b' } } });
    // The CRDs go first (dry run does not create them, so nothing that needs them is sent).
    const sendable = docs.filter((d) => d.kind !== 'PrometheusRule');
    const res = await kubectl('admin', ['apply', '--dry-run=server', '-f', '-'], { input: sendable.map((d) => JSON.stringify(d)).join('\n') });
    expect(res.code, res.stderr).toBe(0);
  });
});
