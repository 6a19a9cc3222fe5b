// `tenant-guard audit` against the real kube-apiserver of the local cluster (src/dev/cluster.ts)
// (`node dist/cli/main.js`, built by `npm run build`). The shared cluster
// holds other tests' objects too, so assertions name what this file seeds.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNamespaces, kubeconfigOf, kubectl, uniqueName } from './kube.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const config = join(repo, 'test', 'cluster', 'config.yaml');
const TENANT_LABEL = 'tenant-guard.io/tenant';
const namespaces = new Set<string>();
const scratch = mkdtempSync(join(tmpdir(), 'tg-audit-e2e-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function audit(args: string[], kubeconfigEnv?: string): Promise<Run> {
  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'KUBECONFIG']) delete env[v];
  if (kubeconfigEnv !== undefined) env.KUBECONFIG = kubeconfigEnv;
  return new Promise((resolveRun) => {
    execFile(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), 'audit', ...args], { cwd: repo, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolveRun({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

async function apply(user: 'admin', manifest: object): Promise<void> {
  const res = await kubectl(user, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  expect(res.code, res.stderr).toBe(0);
}

const acme = uniqueName('acme');
const legacy = uniqueName('legacy');
const crossTenant = 'allow-from-globex';
const ccnp = uniqueName('e2e-ccnp');
const dbOnly = 'db-only';

beforeAll(async () => {
  for (const [name, tenant] of [[acme, 'acme'], [legacy, undefined]] as const) {
    namespaces.add(name);
    expect((await kubectl('admin', ['create', 'namespace', name])).code).toBe(0);
    if (tenant !== undefined) expect((await kubectl('admin', ['label', 'namespace', name, `${TENANT_LABEL}=${tenant}`])).code).toBe(0);
  }
  // Seeded as admin, as if it predated the webhook: a tenant could not create it.
  await apply('admin', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: crossTenant, namespace: acme },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } }] }] },
  });
  // A pod (never scheduled here: the local control plane has no nodes) and a policy for pods that do not exist.
  await apply('admin', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: acme, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] } });
  await apply('admin', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: dbOnly, namespace: acme },
    spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] },
  });
  await apply('admin', {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumClusterwideNetworkPolicy',
    metadata: { name: ccnp },
    spec: { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'] }] },
  });
});

afterAll(async () => {
  await kubectl('admin', ['delete', 'ciliumclusterwidenetworkpolicy', ccnp, '--ignore-not-found']);
  await deleteNamespaces(namespaces);
  rmSync(scratch, { recursive: true, force: true });
});

describe('tenant-guard audit', () => {
  it('without --config, judges by the installed release\'s ConfigMap; KUBECONFIG of several files and --context as kubectl reads them', async () => {
    const release = uniqueName('tg-release');
    namespaces.add(release);
    expect((await kubectl('admin', ['create', 'namespace', release])).code).toBe(0);
    // What the chart installs (templates/configmap.yaml): <release>-tenant-guard, the chart's labels, key config.yaml.
    await apply('admin', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'e2e-tenant-guard', namespace: release, labels: { 'app.kubernetes.io/name': 'tenant-guard', 'app.kubernetes.io/instance': 'e2e' } },
      data: { 'config.yaml': readFileSync(config, 'utf8') },
    });
    const fromFile = await audit(['--kubeconfig', kubeconfigOf('admin'), '--config', config, '-o', 'json']);
    // An empty first file and a missing one, as a KUBECONFIG list often has: kubectl skips them.
    const empty = join(scratch, 'empty-kubeconfig');
    writeFileSync(empty, 'apiVersion: v1\nkind: Config\n');
    const installed = await audit(['--release-namespace', release, '-o', 'json'], [join(scratch, 'missing'), empty, kubeconfigOf('admin')].join(':'));
    expect(installed.code, installed.stderr).toBe(1);
    const a = JSON.parse(fromFile.stdout) as { configuration: string; refusedPolicies: { namespace: string; name: string }[] };
    const b = JSON.parse(installed.stdout) as typeof a;
    expect(a.configuration).toBe(config);
    expect(b.configuration).toBe(`ConfigMap ${release}/e2e-tenant-guard`);
    expect(b.refusedPolicies.find((p) => p.namespace === acme && p.name === crossTenant)).toEqual(a.refusedPolicies.find((p) => p.namespace === acme && p.name === crossTenant));

    const context = (await kubectl('admin', ['config', 'current-context'])).stdout.trim();
    const named = await audit(['--kubeconfig', kubeconfigOf('admin'), '--context', context, '--release-namespace', release, '--release', 'e2e']);
    expect(named.code, named.stderr).toBe(1);
    expect(named.stdout).toContain(`configuration: ConfigMap ${release}/e2e-tenant-guard`);
    const unknown = await audit(['--kubeconfig', kubeconfigOf('admin'), '--context', 'no-such-context', '--release-namespace', release]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`tenant-guard audit: cannot load kubeconfig: context "no-such-context" is not in the kubeconfig (it has: ${context})\n`);
    const elsewhere = await audit(['--kubeconfig', kubeconfigOf('admin'), '--release-namespace', acme]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`tenant-guard audit: no configuration of a tenant-guard release (ConfigMap labelled app.kubernetes.io/name=tenant-guard with config.yaml) in namespace ${acme}: pass --config FILE`);
  });

  it('exits 1 and names the cross-tenant policy with the webhook\'s violation, in text', async () => {
    const res = await audit(['--kubeconfig', kubeconfigOf('admin'), '--config', config]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/^tenant-guard audit of https:\/\/127\.0\.0\.1:\d+: \d+ findings?$/m);
    expect(res.stdout).toContain('Policies the webhook would refuse today');
    expect(res.stdout).toContain(`  NetworkPolicy ${acme}/${crossTenant}\n    - spec.ingress[0].from[0].namespaceSelector: Forbidden: selects namespaces of tenant globex (fix: `);
    expect(res.stdout).toContain(`  CiliumClusterwideNetworkPolicy ${ccnp} (field managers: kubectl-client-side-apply`);
    expect(res.stdout).toContain(`  ${acme} (tenant acme): missing NetworkPolicy/tenant-guard-isolate`);
    expect(res.stdout).toMatch(new RegExp(`^  ${legacy}$`, 'm'));
    // Lint of what is stored: a warning, listed apart from the findings.
    expect(res.stdout).toMatch(/^Warnings: allowed, but probably not meant \(\d+; they do not change the exit code\):$/m);
    expect(res.stdout).toContain(`  NetworkPolicy ${acme}/${dbOnly}: SelectorMatchesNoWorkload spec.podSelector: matches none of the 1 workload(s) of namespace ${acme}`);
    expect(res.stdout).not.toContain(`${acme}/${crossTenant}: SelectorMatchesNoWorkload`);
    // Not a terminal: no progress output.
    expect(res.stderr).toBe('');
  });

  it('-o json gives the categories as data', async () => {
    const res = await audit(['--kubeconfig', kubeconfigOf('admin'), '--config', config, '-o', 'json']);
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout) as Record<string, unknown> & {
      findings: number;
      counts: Record<string, number>;
      refusedPolicies: { kind: string; namespace: string; name: string; violations: { code: string; path: string; message: string; fix: string }[] }[];
      clusterPolicies: { kind: string; name: string; managers: string[]; note: string }[];
      missingBaseline: { namespace: string; tenant: string; missing: string[]; drifted: string[] }[];
      unlabeledNamespaces: string[];
      platformUnlabeled: string[];
      shares: unknown[];
      scanned: Record<string, number | null>;
    };
    expect(Object.keys(report).sort()).toEqual(['adoptionConflicts', 'apiServer', 'clusterPolicies', 'configuration', 'counts', 'findings', 'missingBaseline', 'platformUnlabeled', 'refusedPolicies', 'scanned', 'shares', 'unlabeledNamespaces', 'warnings']);
    expect(Object.keys(report.counts).sort()).toEqual(['adoptionConflicts', 'clusterPolicies', 'missingBaseline', 'platformUnlabeled', 'refusedPolicies', 'unlabeledNamespaces']);
    expect(report.findings).toBe(Object.values(report.counts).reduce((a, b) => a + b, 0));
    // The shares in force are listed, never counted as findings.
    expect(Array.isArray(report.shares)).toBe(true);
    const mine = report.refusedPolicies.find((p) => p.namespace === acme && p.name === crossTenant);
    expect(mine).toEqual({
      kind: 'NetworkPolicy',
      namespace: acme,
      name: crossTenant,
      violations: [expect.objectContaining({ code: 'SelectorOtherTenant', path: 'spec.ingress[0].from[0].namespaceSelector', message: 'selects namespaces of tenant globex' })],
    });
    expect(report.clusterPolicies.find((p) => p.name === ccnp)).toMatchObject({ kind: 'CiliumClusterwideNetworkPolicy', managers: ['kubectl-client-side-apply'] });
    expect(report.missingBaseline.find((m) => m.namespace === acme)).toEqual({ namespace: acme, tenant: 'acme', missing: ['NetworkPolicy/tenant-guard-isolate'], drifted: [] });
    expect(report.unlabeledNamespaces).toContain(legacy);
    expect(report.unlabeledNamespaces).not.toContain(acme);
    expect(report.scanned.namespaces).toBeGreaterThanOrEqual(2);
    expect(report.scanned.ciliumNetworkPolicies).not.toBeNull();
    const warnings = (report as unknown as { warnings: { kind: string; namespace: string; name: string; code: string; path: string }[] }).warnings;
    expect(warnings.filter((w) => w.namespace === acme)).toEqual([expect.objectContaining({ kind: 'NetworkPolicy', name: dbOnly, code: 'SelectorMatchesNoWorkload', path: 'spec.podSelector' })]);
  });

  it('pages through lists: a page size of 1 gives the same report', async () => {
    const [one, many] = await Promise.all([
      audit(['--kubeconfig', kubeconfigOf('admin'), '--config', config, '-o', 'json', '--page-size', '1']),
      audit(['--kubeconfig', kubeconfigOf('admin'), '--config', config, '-o', 'json']),
    ]);
    expect(one.code, one.stderr).toBe(1);
    const strip = (s: string) => {
      const r = JSON.parse(s) as Record<string, unknown>;
      return { refused: r.refusedPolicies, unlabeled: r.unlabeledNamespaces, scanned: r.scanned };
    };
    expect(strip(one.stdout)).toEqual(strip(many.stdout));
  });

  it('exits 2 with a clear message when the API server cannot be reached', async () => {
    const kubeconfig = join(scratch, 'unreachable');
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
    const res = await audit(['--kubeconfig', kubeconfig, '--config', config]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^tenant-guard audit: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:1: /);
  });

  it('exits 2 on bad input', async () => {
    const bad = await audit(['--kubeconfig', kubeconfigOf('admin'), '-o', 'table']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('tenant-guard audit: -o, --output must be one of text, json, yaml, policyreport, got "table"\n');
    const missing = await audit(['--kubeconfig', join(scratch, 'does-not-exist')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^tenant-guard audit: cannot load kubeconfig: /);
  });

  it('exits 2 and says so when the API server refuses the credentials', async () => {
    const admin = (await kubectl('admin', ['config', 'view', '--raw', '--minify', '-o', 'json'])).stdout;
    const kc = JSON.parse(admin) as { users: { user: { token?: string } }[] };
    kc.users[0]!.user.token = 'not-a-valid-token';
    const kubeconfig = join(scratch, 'bad-token');
    writeFileSync(kubeconfig, JSON.stringify(kc));
    const res = await audit(['--kubeconfig', kubeconfig, '--config', config]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^tenant-guard audit: the Kubernetes API at https:\/\/127\.0\.0\.1:\d+ did not accept the credentials \(401\)/);
  });
});
