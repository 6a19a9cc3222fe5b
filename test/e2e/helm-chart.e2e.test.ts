// The Helm chart: lint, render with default and non-default values, the
// rendered manifests accepted by the real API server (server-side dry run),
// and the properties the chart promises (hardening, least-privilege RBAC,
// webhook settings, the service account among the admins).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromText } from '../../src/config/load.js';
import { buildHelm, chartDir, find, helm, one, parseManifests, type Manifest } from './helm-tools.js';
import { valuesSchemaText } from './helm-values-schema.js';
import { deleteNamespaces, kubectl, uniqueName } from './kube.js';

const ciValues = readdirSync(join(chartDir, 'ci')).filter((f) => f.endsWith('-values.yaml')).sort();
// Kinds whose CRDs the local API server does not have: rendered, but not sent.
const NEEDS_CRD = new Set(['ServiceMonitor', 'Certificate', 'Issuer']);

let helmBin: string;
let ns: string;

beforeAll(async () => {
  helmBin = await buildHelm();
  ns = uniqueName('tg-chart');
  const res = await kubectl('admin', ['create', 'namespace', ns]);
  expect(res.code, res.stderr).toBe(0);
  return async () => {
    await deleteNamespaces([ns]);
  };
}, 20 * 60_000);

async function template(release: string, args: string[] = []): Promise<Manifest[]> {
  const res = await helm(helmBin, ['template', release, chartDir, '--namespace', ns, ...args]);
  expect(res.code, res.stderr).toBe(0);
  return parseManifests(res.stdout);
}

function configOf(docs: Manifest[]) {
  const cm = one(docs, 'ConfigMap') as Manifest & { data: Record<string, string> };
  const parsed = configFromText(cm.data['config.yaml'] ?? '');
  if (!parsed.ok) throw new Error(`the chart's ConfigMap is not a valid config: ${JSON.stringify(parsed.errors)}`);
  return parsed.config;
}

async function dryRun(docs: Manifest[]): Promise<string> {
  const sendable = docs.filter((d) => !NEEDS_CRD.has(d.kind));
  const res = await kubectl('admin', ['apply', '--dry-run=server', '-f', '-'], { input: sendable.map((d) => JSON.stringify(d)).join('\n') });
  expect(res.code, res.stderr).toBe(0);
  return res.stdout;
}

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

// The parts of the rendered objects these tests look at.
interface Container {
  image: string;
  args: string[];
  securityContext: unknown;
  readinessProbe: { httpGet: unknown };
  livenessProbe: { httpGet: unknown };
  resources: { requests?: unknown; limits: { memory?: string } };
  lifecycle?: unknown;
}
interface PodSpec {
  securityContext: unknown;
  automountServiceAccountToken: boolean;
  serviceAccountName: string;
  affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { podAffinityTerm: { topologyKey: string } }[] } };
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string } }[];
}
interface Webhook {
  name: string;
  rules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string }[];
  clientConfig: { url?: string; service?: unknown; caBundle?: string };
  failurePolicy: string;
  namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
  matchConditions: { name: string; expression: string }[];
}
interface Kinds {
  Deployment: { spec: { replicas: number; template: { spec: PodSpec } } };
  PodDisruptionBudget: { spec: { minAvailable: number } };
  ServiceAccount: { automountServiceAccountToken: boolean };
  MutatingWebhookConfiguration: { webhooks: Webhook[] };
  ValidatingWebhookConfiguration: { webhooks: Webhook[] };
  ClusterRole: { rules: Rule[] };
  Role: { rules: Rule[] };
  ServiceMonitor: { spec: { endpoints: { tlsConfig: { ca: { secret: unknown } } }[] } };
  Certificate: { spec: { dnsNames: string[]; issuerRef: unknown } };
  Issuer: { spec: unknown };
}

/** The one object of a kind, typed as far as the tests need. */
function the<K extends keyof Kinds>(docs: Manifest[], kind: K): Manifest & Kinds[K] {
  return one(docs, kind) as Manifest & Kinds[K];
}

describe('chart: lint and values schema', () => {
  it('passes helm lint --strict with the defaults and every ci/ values file', async () => {
    expect(ciValues.length).toBeGreaterThanOrEqual(3);
    for (const args of [[], ...ciValues.map((f) => ['-f', join(chartDir, 'ci', f)])]) {
      const res = await helm(helmBin, ['lint', chartDir, '--strict', ...args]);
      expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
      expect(res.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('keeps values.schema.json in step with the config schema (update with -u)', async () => {
    await expect(valuesSchemaText()).toMatchFileSnapshot(join(chartDir, 'values.schema.json'));
  });

  it('refuses wrong values at install time with the path of the mistake', async () => {
    const bad = await helm(helmBin, ['template', 'x', chartDir, '--set', 'certificates.mode=vault']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/certificates\/mode/);
    const typo = await helm(helmBin, ['template', 'x', chartDir, '--set', 'config.tenantsx=1']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toMatch(/tenantsx/);
    const badConfig = await helm(helmBin, ['template', 'x', chartDir, '--set', 'config.tenants[0].name=Not_A_Name']);
    expect(badConfig.code).not.toBe(0);
    expect(badConfig.stderr).toMatch(/config\/tenants\/0\/name/);
  });
});

describe('chart: default values', () => {
  let docs: Manifest[];
  beforeAll(async () => {
    docs = await template('tg');
  });

  it('renders manifests the API server accepts', async () => {
    const out = await dryRun(docs);
    for (const kind of ['deployment.apps', 'service', 'serviceaccount', 'configmap', 'poddisruptionbudget.policy', 'mutatingwebhookconfiguration.admissionregistration.k8s.io', 'validatingwebhookconfiguration.admissionregistration.k8s.io', 'clusterrole.rbac.authorization.k8s.io', 'role.rbac.authorization.k8s.io']) {
      expect(out).toMatch(new RegExp(`^${kind.replace(/\./g, '\\.')}/tg-tenant-guard created \\(server dry run\\)$`, 'm'));
    }
  });

  it('runs two hardened replicas with HTTPS probes, a PDB and anti-affinity', () => {
    const d = the(docs, 'Deployment');
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]!.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    const c = pod.containers[0]!;
    expect(c.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.args).toEqual(['serve', '--config', '/etc/tenant-guard/config.yaml', '--log-level', 'info', '--controller']);
    expect(find(docs, 'HealthCheck')).toEqual([]);
    expect(the(docs, 'PodDisruptionBudget').spec.minAvailable).toBe(1);
    // The ServiceAccount itself does not hand out tokens; only this pod mounts one.
    expect(the(docs, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  it('configures self-managed certificates and puts its own service account among the admins', () => {
    const cfg = configOf(docs);
    expect(cfg.tls.mode).toBe('self');
    expect(cfg.tls.self).toMatchObject({ namespace: ns, secretName: 'tg-tenant-guard-tls', serviceName: 'tg-tenant-guard', mutatingWebhookConfiguration: 'tg-tenant-guard', validatingWebhookConfiguration: 'tg-tenant-guard' });
    expect(cfg.admins.users).toContain(`system:serviceaccount:${ns}:tg-tenant-guard`);
    expect(cfg.admins.groups).toEqual(['system:masters']);
    expect(cfg.server.port).toBe(8443);
  });

  it('grants exactly what the code uses, nothing cluster-admin-like', () => {
    const cr = the(docs, 'ClusterRole');
    const role = the(docs, 'Role');
    for (const r of [...cr.rules, ...role.rules]) {
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
      expect(r.apiGroups).not.toContain('*');
      expect(r.verbs).not.toContain('escalate');
      expect(r.verbs).not.toContain('bind');
      expect(r.verbs).not.toContain('impersonate');
    }
    expect(cr.rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], resourceNames: ['tg-tenant-guard'], verbs: ['get', 'patch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
      { apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    expect(role.metadata.namespace).toBe(ns);
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['tg-tenant-guard-tls'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['tenant-guard-controller'], verbs: ['get', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
  });

  it('registers the webhooks on the right resources, excluding kube-system and its own namespace', () => {
    const m = the(docs, 'MutatingWebhookConfiguration');
    const v = the(docs, 'ValidatingWebhookConfiguration');
    expect(m.webhooks).toHaveLength(1);
    expect(m.webhooks[0]!.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'], scope: 'Cluster' }]);
    const policyHook = v.webhooks.find((w) => w.name === 'validate.tenant-guard.io')!;
    const resources = policyHook.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`))).sort();
    expect(resources).toEqual(['cilium.io/ciliumclusterwidenetworkpolicies', 'cilium.io/ciliumnetworkpolicies', 'networking.k8s.io/networkpolicies', 'policy.networking.k8s.io/adminnetworkpolicies', 'policy.networking.k8s.io/baselineadminnetworkpolicies']);
    expect(policyHook.rules.every((r) => r.operations.join() === 'CREATE,UPDATE,DELETE')).toBe(true);
    for (const w of [...m.webhooks, ...v.webhooks]) {
      expect(w).toMatchObject({ sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 5, failurePolicy: 'Fail' });
      expect(w.clientConfig.service).toEqual({ name: 'tg-tenant-guard', namespace: ns, path: expect.stringMatching(/^\/(mutate|validate)$/), port: 443 });
      expect(w.clientConfig.caBundle).toBeUndefined();
      expect(w.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', ns] }]);
      expect(w.matchConditions.map((c) => c.expression)).toEqual([
        `request.userInfo.username != 'system:serviceaccount:${ns}:tg-tenant-guard'`,
        '!has(request.userInfo.groups) || !request.userInfo.groups.exists(g, g in ["system:masters"])',
      ]);
    }
  });

  it('has NOTES with a server-side dry run that must be refused', async () => {
    const res = await helm(helmBin, ['install', 'tg', chartDir, '--namespace', ns, '--dry-run=client']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/apply --dry-run=server/);
    expect(res.stdout).toMatch(/admission webhook "validate\.tenant-guard\.io" denied the request/);
  });
});

describe.each(ciValues)('chart: %s', (file) => {
  let docs: Manifest[];
  beforeAll(async () => {
    docs = await template('tg', ['-f', join(chartDir, 'ci', file)]);
  });

  it('renders manifests the API server accepts and a valid config', async () => {
    await dryRun(docs);
    configOf(docs);
  });

  it('follows its values', () => {
    const cfg = configOf(docs);
    const hooks = [...the(docs, 'MutatingWebhookConfiguration').webhooks, ...the(docs, 'ValidatingWebhookConfiguration').webhooks];
    const pod = the(docs, 'Deployment').spec.template.spec;
    const volumes = pod.volumes.map((v) => v.name);
    if (file === 'nondefault-values.yaml') {
      expect(one(docs, 'Deployment').metadata.name).toBe('guard');
      expect(pod.containers[0]!.image).toBe('registry.example/platform/tenant-guard@sha256:0000000000000000000000000000000000000000000000000000000000000000');
      expect(pod.containers[0]!.args).not.toContain('--controller');
      expect(pod.containers[0]!.lifecycle).toBeUndefined();
      expect(pod.serviceAccountName).toBe('guard-sa');
      expect(hooks.map((w) => w.clientConfig)).toEqual([
        { url: 'https://127.0.0.1:9443/mutate' }, { url: 'https://127.0.0.1:9443/validate' }, { url: 'https://127.0.0.1:9443/validate' },
      ]);
      expect(hooks.map((w) => w.failurePolicy)).toEqual(['Ignore', 'Ignore', 'Fail']);
      expect(hooks[0]!.namespaceSelector.matchExpressions[0]!.values).toEqual(['kube-system', ns, 'monitoring']);
      expect(hooks[0]!.matchConditions.map((c) => c.expression)).toEqual([
        `request.userInfo.username != 'system:serviceaccount:${ns}:guard-sa'`,
        '!(request.userInfo.username in ["ops-bot"])',
        '!has(request.userInfo.groups) || !request.userInfo.groups.exists(g, g in ["system:masters","platform-admins"])',
      ]);
      expect(cfg.admins.users).toEqual(['ops-bot', `system:serviceaccount:${ns}:guard-sa`]);
      expect(cfg.tls.self).toMatchObject({ certValidityDays: 90, renewBeforeDays: 15, ipAddresses: ['127.0.0.1'], secretName: 'guard-tls' });
      expect(cfg.tenants.map((t) => t.name)).toEqual(['acme']);
      // Without the controller: no write access to policies, namespaces or leases.
      const rules = [...the(docs, 'ClusterRole').rules, ...the(docs, 'Role').rules];
      expect(rules.flatMap((r) => r.verbs.filter((v) => v !== 'get' && v !== 'list' && v !== 'watch').map((v) => `${v} ${r.resources.join('+')}`)).sort()).toEqual([
        'create secrets', 'patch mutatingwebhookconfigurations+validatingwebhookconfigurations', 'update secrets',
      ]);
      const sm = the(docs, 'ServiceMonitor');
      expect(sm.metadata.labels?.release).toBe('prometheus');
      expect(sm.spec.endpoints[0]!.tlsConfig.ca.secret).toEqual({ name: 'guard-tls', key: 'ca-bundle.crt' });
      expect(the(docs, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
    } else if (file === 'certmanager-values.yaml') {
      expect(cfg.tls.mode).toBe('files');
      expect(cfg.server).toMatchObject({ certFile: '/etc/tenant-guard/tls/tls.crt', keyFile: '/etc/tenant-guard/tls/tls.key' });
      expect(volumes).toContain('tls');
      const cert = the(docs, 'Certificate');
      expect(cert.spec.dnsNames).toEqual(['tg-tenant-guard', `tg-tenant-guard.${ns}`, `tg-tenant-guard.${ns}.svc`, `tg-tenant-guard.${ns}.svc.cluster.local`]);
      expect(cert.spec.issuerRef).toEqual({ name: 'tg-tenant-guard', kind: 'Issuer', group: 'cert-manager.io' });
      expect(the(docs, 'Issuer').spec).toEqual({ selfSigned: {} });
      expect(one(docs, 'ValidatingWebhookConfiguration').metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': `${ns}/tg-tenant-guard` });
      // No Secret writes and no webhook patches when cert-manager does the work.
      expect(JSON.stringify(the(docs, 'Role').rules)).not.toMatch(/secrets/);
      expect(JSON.stringify(the(docs, 'ClusterRole').rules)).not.toMatch(/webhookconfigurations/);
    } else if (file === 'secret-values.yaml') {
      expect(cfg.tls.mode).toBe('files');
      expect(pod.volumes.find((v) => v.name === 'tls')?.secret?.secretName).toBe('my-webhook-tls');
      expect(hooks.every((w) => w.clientConfig.caBundle === 'bm90LWEtcmVhbC1jYQ==')).toBe(true);
      expect(find(docs, 'Certificate')).toEqual([]);
    } else {
      throw new Error(`no expectations for ci/${file}: add them here`);
    }
  });
});
