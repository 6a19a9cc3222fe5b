// The Helm chart: lint, render with default and non-default values, the
// rendered manifests accepted by the real API server (server-side dry run),
// and the properties the chart promises (hardening, least-privilege RBAC,
// webhook settings, the service account among the admins, the controller's
// settings and port). The floor the chart renders is compared, object by
// object, with what `tenant-guard floor` prints for the same configuration.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromText } from '../../src/config/load.js';
import { EXTERNAL_IPS_SET } from '../../src/floor/generate.js';
import { buildHelm, chartDir, find, helm, one, parseManifests, repo, type Manifest } from './helm-tools.js';
import { valuesSchemaText } from '../../src/generate/values-schema.js';
import { deleteNamespaces, kubectl, uniqueName } from './kube.js';

const ciValues = readdirSync(join(chartDir, 'ci')).filter((f) => f.endsWith('-values.yaml')).sort();
// Kinds whose CRDs the local API server does not have: rendered, but not sent.
const NEEDS_CRD = new Set(['ServiceMonitor', 'Certificate', 'Issuer']);
// What a cluster that serves the floor's API reports to Helm (`helm template` knows no cluster).
const SERVES_VAP = ['--api-versions', 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy'];
const FLOOR_KINDS = new Set(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
const FLOOR_PARAM = 'tenant-guard-floor-tenants';

let helmBin: string;
let ns: string;
let work: string;

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` before the end-to-end tests');
  helmBin = await buildHelm();
  work = mkdtempSync(join(tmpdir(), 'tg-chart-'));
  ns = uniqueName('tg-chart');
  const res = await kubectl('admin', ['create', 'namespace', ns]);
  expect(res.code, res.stderr).toBe(0);
  return async () => {
    rmSync(work, { recursive: true, force: true });
    await deleteNamespaces([ns]);
  };
}, 20 * 60_000);

/** `helm template` as for a cluster that serves ValidatingAdmissionPolicy v1 (unless `servesVap` is false). */
async function template(release: string, args: string[] = [], servesVap = true): Promise<Manifest[]> {
  const res = await helm(helmBin, ['template', release, chartDir, '--namespace', ns, ...(servesVap ? SERVES_VAP : []), ...args]);
  expect(res.code, res.stderr).toBe(0);
  return parseManifests(res.stdout);
}

/** The chart's own ConfigMap (the floor has one more, its parameter). */
function chartConfigMap(docs: Manifest[]): Manifest & { data: Record<string, string> } {
  const all = find(docs, 'ConfigMap').filter((d) => d.metadata.name !== FLOOR_PARAM);
  expect(all).toHaveLength(1);
  return all[0] as Manifest & { data: Record<string, string> };
}

function configOf(docs: Manifest[]) {
  const cm = chartConfigMap(docs);
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

/** The floor's objects in a rendering: its policies, their bindings and its parameter ConfigMap. */
function floorOf(docs: Manifest[]): Manifest[] {
  return docs.filter((d) => FLOOR_KINDS.has(d.kind) || (d.kind === 'ConfigMap' && d.metadata.name === FLOOR_PARAM));
}

/** What `tenant-guard floor` (the built CLI) prints, as JSON, for the chart's configuration and release. */
async function generatorFloor(docs: Manifest[], excluded: string[]): Promise<Manifest[]> {
  const file = join(work, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, chartConfigMap(docs).data['config.yaml'] ?? '');
  const sa = the(docs, 'Deployment').spec.template.spec.serviceAccountName;
  const args = ['floor', '--config', file, '--namespace', ns, '--exempt-user', `system:serviceaccount:${ns}:${sa}`, ...excluded.flatMap((n) => ['--exclude-namespace', n]), '-o', 'json'];
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), ...args], { cwd: repo, timeout: 60_000 }, (err, out, stderr) => {
      if (err) reject(new Error(`tenant-guard floor failed: ${err.message}\n${stderr}`));
      else resolve(out);
    });
  });
  return (JSON.parse(stdout) as { items: Manifest[] }).items;
}

const keyOf = (d: Manifest) => `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`;

/**
 * The chart's floor and the generator's, object by object: the same objects
 * (kind, namespace, name), each equal once both are plain JSON.
 */
async function expectFloorAsGenerated(docs: Manifest[], excluded: string[]): Promise<void> {
  const json = (d: Manifest) => JSON.parse(JSON.stringify(d)) as Manifest;
  const chart = new Map(floorOf(docs).map((d) => [keyOf(d), json(d)]));
  const generated = new Map((await generatorFloor(docs, excluded)).map((d) => [keyOf(d), json(d)]));
  expect([...chart.keys()].sort()).toEqual([...generated.keys()].sort());
  expect(generated.size).toBe(17);
  for (const [key, want] of generated) expect(chart.get(key), key).toEqual(want);
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
  ports: { name: string; containerPort: number }[];
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
  Service: { spec: { ports: { name: string; port: number; targetPort: string }[] } };
  ServiceMonitor: { spec: { endpoints: { port: string; path: string; scheme: string; tlsConfig?: { ca: { secret: unknown } } }[] } };
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

  it('refuses controller settings the chart cannot deploy', async () => {
    for (const [set, message] of [
      ['config.controller.leaderElection.enabled=false', /leaderElection\.enabled is false with replicaCount 2/],
    ] as const) {
      const res = await helm(helmBin, ['template', 'x', chartDir, '--set', set]);
      expect(res.code, set).not.toBe(0);
      expect(res.stderr, set).toMatch(message);
    }
    // Without leader election one replica is fine, and needs no Lease.
    const single = await template('tg', ['--set', 'config.controller.leaderElection.enabled=false', '--set', 'replicaCount=1']);
    expect(JSON.stringify(the(single, 'Role').rules)).not.toMatch(/leases/);
  });

  it('renders the floor only where the API server serves ValidatingAdmissionPolicy v1, and only with floor.enabled', async () => {
    expect(floorOf(await template('tg'))).toHaveLength(17);
    // Helm's built-in capabilities (no cluster, no --api-versions) list the group version but not the kind.
    expect(floorOf(await template('tg', [], false))).toEqual([]);
    expect(floorOf(await template('tg', ['--api-versions', 'admissionregistration.k8s.io/v1'], false))).toEqual([]);
    expect(floorOf(await template('tg', ['--set', 'floor.enabled=false']))).toEqual([]);
  });

  it('keeps values.schema.json in step with the config schema (npm run generate)', async () => {
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

  it('refuses at install time what the server would refuse, with the server\'s message where JSON Schema cannot say it', async () => {
    const { configFromObject } = await import('../../src/config/load.js');
    for (const [sets, config, message] of [
      [['config.protectedCIDRs[0]=foo'], { protectedCIDRs: ['foo'] }, /protectedCIDRs\/0/],
      [['config.controller.namespaceSelector=env in (a)'], { controller: { namespaceSelector: 'env in (a)' } }, /namespaceSelector/],
      [['config.tenants[0].name=acme', 'config.tenants[1].name=acme'], { tenants: [{ name: 'acme' }, { name: 'acme' }] }, /config\.tenants\[1\]\.name: duplicates tenants\[0\]/],
      [['config.tenants[0].name=platform'], { tenants: [{ name: 'platform' }] }, /config\.tenants\[0\]\.name: "platform" is the platform value; a tenant cannot use it/],
      [['config.platform.value=infra', 'config.tenants[0].name=acme', 'config.tenants[1].name=infra'], { platform: { value: 'infra' }, tenants: [{ name: 'acme' }, { name: 'infra' }] }, /config\.tenants\[1\]\.name: "infra" is the platform value/],
      [['config.controller.leaderElection.renewDeadlineSeconds=15'], { controller: { leaderElection: { renewDeadlineSeconds: 15 } } }, /config\.controller\.leaderElection\.renewDeadlineSeconds: must be shorter than leaseDurationSeconds \(15\), or two leaders could overlap/],
      [['config.controller.leaderElection.retryPeriodSeconds=10'], { controller: { leaderElection: { retryPeriodSeconds: 10 } } }, /config\.controller\.leaderElection\.retryPeriodSeconds: must be shorter than renewDeadlineSeconds \(10\)/],
    ] as const) {
      // The server refuses the same configuration.
      expect(configFromObject(config).ok, JSON.stringify(config)).toBe(false);
      const res = await helm(helmBin, ['template', 'x', chartDir, ...sets.flatMap((s) => ['--set', s])]);
      expect(res.code, sets.join(' ')).not.toBe(0);
      expect(res.stderr, sets.join(' ')).toMatch(message);
    }
    // Leader-election timings are not judged without leader election, on either side.
    const off = ['config.controller.leaderElection.enabled=false', 'config.controller.leaderElection.renewDeadlineSeconds=15', 'replicaCount=1'];
    expect((await helm(helmBin, ['template', 'x', chartDir, ...off.flatMap((s) => ['--set', s])])).code).toBe(0);
  });

  it('accepts global values, so the chart can be a subchart', async () => {
    const res = await helm(helmBin, ['template', 'x', chartDir, '--set', 'global.imageRegistry=registry.example.com', '--set', 'global.labels.team=platform']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
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
    expect(out).toMatch(new RegExp(`^configmap/${FLOOR_PARAM} created \\(server dry run\\)$`, 'm'));
    for (const name of ['namespaces', 'namespace-tenants', 'networkpolicies', 'ciliumnetworkpolicies', 'service-external-ips', 'cluster-policies', 'traffic-steering', 'managed-policies']) {
      for (const kind of ['validatingadmissionpolicy', 'validatingadmissionpolicybinding']) {
        expect(out).toMatch(new RegExp(`^${kind}\\.admissionregistration\\.k8s\\.io/tenant-guard-floor-${name} created \\(server dry run\\)$`, 'm'));
      }
    }
  });

  it('renders the same floor as `tenant-guard floor` for its configuration', async () => {
    await expectFloorAsGenerated(docs, ['kube-system', ns]);
  });

  it('runs the controller in the webhook pods, its metrics with the webhook\'s on the metrics port', () => {
    const c = the(docs, 'Deployment').spec.template.spec.containers[0]!;
    expect(c.args).toContain('--controller');
    expect(c.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }, { name: 'metrics', containerPort: 8081, protocol: 'TCP' }]);
    expect(the(docs, 'Service').spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }, { name: 'metrics', port: 8081, targetPort: 'metrics', protocol: 'TCP' }]);
    // The Lease lives in the release namespace, where the Role lets it be written.
    expect(configOf(docs).controller.leaderElection).toMatchObject({ enabled: true, leaseNamespace: ns, leaseName: 'tenant-guard-controller' });
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
    expect(c.args).toEqual(['serve', '--config', '/etc/tenant-guard/config.yaml', '--log-level', 'info', '--controller', '--metrics-port', '8081']);
    // Admission and probes on one port, metrics on another (never the webhook's).
    expect(c.ports.map((p) => [p.name, p.containerPort])).toEqual([['https', 8443], ['metrics', 8081]]);
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
    // The controller: informers and audit (list, watch), server-side apply (patch,
    // and create when the apply creates), deletes of what is no longer desired,
    // Events (create only); the Cilium kind is only cleaned up in the
    // networkpolicy flavour; the audit counts list the cluster-wide kinds.
    expect(cr.rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'patch'] },
      // The webhook reads the CIDR groups a tenant's cidrGroupRef names.
      { apiGroups: ['cilium.io'], resources: ['ciliumcidrgroups'], verbs: ['list', 'watch'] },
      { apiGroups: ['tenant-guard.io'], resources: ['exports', 'imports'], verbs: ['list', 'watch'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], resourceNames: ['tg-tenant-guard'], verbs: ['get', 'patch'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      { apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies'], verbs: ['list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      // PolicyReports: informers on its own, server-side apply, deletes where no report belongs.
      { apiGroups: ['wgpolicyk8s.io'], resources: ['policyreports', 'clusterpolicyreports'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      { apiGroups: ['tenant-guard.io'], resources: ['exports/status', 'imports/status'], verbs: ['patch'] },
      { apiGroups: ['cilium.io'], resources: ['ciliumclusterwidenetworkpolicies'], verbs: ['list'] },
      { apiGroups: ['policy.networking.k8s.io'], resources: ['adminnetworkpolicies', 'baselineadminnetworkpolicies', 'clusternetworkpolicies'], verbs: ['list'] },
    ]);
    expect(role.metadata.namespace).toBe(ns);
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['tg-tenant-guard-tls'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['tenant-guard-controller', 'tenant-guard-reports'], verbs: ['get', 'update'] },
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
    expect(resources).toEqual([
      'cilium.io/ciliumcidrgroups', 'cilium.io/ciliumclusterwidenetworkpolicies', 'cilium.io/ciliumenvoyconfigs', 'cilium.io/ciliumlocalredirectpolicies', 'cilium.io/ciliumnetworkpolicies',
      'networking.k8s.io/networkpolicies', 'policy.networking.k8s.io/adminnetworkpolicies', 'policy.networking.k8s.io/baselineadminnetworkpolicies', 'policy.networking.k8s.io/clusternetworkpolicies',
      'tenant-guard.io/exports', 'tenant-guard.io/imports',
    ]);
    expect(policyHook.rules.every((r) => r.operations.join() === 'CREATE,UPDATE,DELETE')).toBe(true);
    // Services only when they set external IPs, so an outage never blocks an ordinary Service; the same test as the floor's.
    const serviceHook = v.webhooks.find((w) => w.name === 'services.validate.tenant-guard.io')!;
    expect(serviceHook.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'], scope: 'Namespaced' }]);
    expect(serviceHook.matchConditions[0]).toEqual({ name: 'sets-external-ips', expression: EXTERNAL_IPS_SET });
    for (const w of [...m.webhooks, ...v.webhooks]) {
      expect(w).toMatchObject({ sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 5, failurePolicy: 'Fail' });
      expect(w.clientConfig.service).toEqual({ name: 'tg-tenant-guard', namespace: ns, path: expect.stringMatching(/^\/(mutate|validate)$/), port: 443 });
      expect(w.clientConfig.caBundle).toBeUndefined();
      expect(w.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', ns] }]);
      expect(w.matchConditions.filter((c) => c.name !== 'sets-external-ips').map((c) => c.expression)).toEqual([
        `request.userInfo.username != 'system:serviceaccount:${ns}:tg-tenant-guard'`,
        '!has(request.userInfo.groups) || !request.userInfo.groups.exists(g, g in ["system:masters"])',
      ]);
    }
  });

  it('has NOTES with a server-side dry run that must be refused', async () => {
    const res = await helm(helmBin, ['install', 'tg', chartDir, '--namespace', ns, '--dry-run=client']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/apply --dry-run=server/);
    // A policy only the webhook refuses (the floor cannot judge matchExpressions), so it shows the webhook is in the path.
    expect(res.stdout).toMatch(/- key: tenant-guard\.io\/tenant\n\s+operator: Exists/);
    expect(res.stdout).toMatch(/admission webhook "validate\.tenant-guard\.io" denied the request/);
    expect(res.stdout).toMatch(/Lease tg-chart-e2e-[a-z0-9-]+\/tenant-guard-controller/);
    // A client-side dry run knows no cluster: the notes say the floor is not there, and why.
    expect(res.stdout).toMatch(/Floor: NOT installed: the API server does not serve admissionregistration\.k8s\.io\/v1\s+ValidatingAdmissionPolicy/);
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

  it('renders the same floor as `tenant-guard floor` for its configuration, or none when disabled', async () => {
    if (file === 'nondefault-values.yaml') {
      expect(floorOf(docs)).toEqual([]);
      // The same values with the floor on: excluded namespaces, tenants and admins of their own.
      const withFloor = await template('tg', ['-f', join(chartDir, 'ci', file), '--set', 'floor.enabled=true']);
      await expectFloorAsGenerated(withFloor, ['kube-system', ns, 'monitoring']);
    } else if (file === 'controller-values.yaml') {
      await expectFloorAsGenerated(docs, ['kube-system', ns, 'monitoring']);
    } else {
      await expectFloorAsGenerated(docs, ['kube-system', ns]);
    }
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
        { url: 'https://127.0.0.1:9443/mutate' }, { url: 'https://127.0.0.1:9443/validate' }, { url: 'https://127.0.0.1:9443/validate' }, { url: 'https://127.0.0.1:9443/validate' },
      ]);
      expect(hooks.map((w) => w.failurePolicy)).toEqual(['Ignore', 'Ignore', 'Fail', 'Fail']);
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
      // Without the controller too, the webhook's metrics are on the plain-HTTP metrics port only.
      expect(sm.spec.endpoints.map((e) => [e.port, e.path, e.scheme])).toEqual([['metrics', '/metrics', 'http']]);
      expect(the(docs, 'Service').spec.ports.map((p) => p.name)).toEqual(['https', 'metrics']);
      expect(pod.containers[0]!.ports.map((p) => p.name)).toEqual(['https', 'metrics']);
      expect(the(docs, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
    } else if (file === 'controller-values.yaml') {
      const c = pod.containers[0]!;
      expect(c.args).toContain('--controller');
      // The metrics port is the chart's metricsPort; config.controller.port (only `tenant-guard controller` uses it) is not exposed.
      expect(c.ports.map((p) => p.name)).toEqual(['https', 'metrics']);
      expect(the(docs, 'Service').spec.ports.map((p) => p.name)).toEqual(['https', 'metrics']);
      expect(the(docs, 'ServiceMonitor').spec.endpoints.map((e) => [e.port, e.path, e.scheme])).toEqual([['metrics', '/metrics', 'http']]);
      // The controller and baseline sections reach the ConfigMap as given, the Lease in the release namespace.
      expect(cfg.baseline).toEqual({ flavour: 'cilium', isolate: { enabled: true, name: 'isolate' }, egress: { enabled: true, name: 'tenant-guard-egress', dns: false, world: true } });
      expect(cfg.controller).toMatchObject({ port: 9090, qps: 50, burst: 100, workers: 8, namespaceSelector: 'rollout=baseline', auditIntervalSeconds: 0 });
      expect(cfg.controller.leaderElection).toMatchObject({ enabled: true, leaseName: 'guard-leader', leaseNamespace: ns, leaseDurationSeconds: 20 });
      expect(cfg.tenantLabel).toBe('example.com/owner');
      // The cilium flavour writes CiliumNetworkPolicies; no audit counts, but the ClusterPolicyReport still lists the cluster-wide kinds.
      const cr = the(docs, 'ClusterRole').rules;
      expect(cr.find((r) => r.resources.includes('ciliumnetworkpolicies'))?.verbs).toEqual(['list', 'watch', 'create', 'patch', 'delete']);
      expect(cr.find((r) => r.resources.includes('ciliumclusterwidenetworkpolicies'))?.verbs).toEqual(['list']);
      expect(the(docs, 'Role').rules.find((r) => r.resources.includes('leases') && r.resourceNames !== undefined)).toEqual({ apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['guard-leader', 'tenant-guard-reports'], verbs: ['get', 'update'] });
      expect(hooks.map((w) => w.failurePolicy)).toEqual(['Ignore', 'Ignore', 'Ignore', 'Ignore']);
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
    } else if (file === 'enforcement-values.yaml') {
      // The rollout modes reach the server's configuration as given (the floor they shape is compared above).
      expect(cfg.enforcement).toEqual({ default: 'warn', codes: { ClusterScopedPolicy: 'deny', SelectorAllNamespaces: 'deny', OpenRule: 'dryrun' }, tenants: { globex: 'dryrun' } });
    } else {
      throw new Error(`no expectations for ci/${file}: add them here`);
    }
  });
});
