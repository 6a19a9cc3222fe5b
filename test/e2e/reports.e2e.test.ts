// PolicyReports on the local control plane: the CRDs as the chart installs
// them (policyReports.installCRDs), `tenant-guard controller` (the built
// CLI) keeping a report in a tenant namespace with a fail for a
// cross-tenant policy and a pass for a confined one, and the
// ClusterPolicyReport with the cluster-wide findings (a namespace nobody
// owns that two tenants' tenants[].namespaces both assign), no write once
// the reports say what they should (a resync later, the writes counter is
// flat), and `audit -o policyreport` printing the same reports. The CRDs
// are removed afterwards, so the other suites' controllers write no reports.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { buildHelm, chartDir, eventually, freePort, helm, parseManifests } from './helm-tools.js';
import { deleteNamespaces, kubeconfigOf, kubectl, repo, uniqueName } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const RUN = uniqueName('run');
const ns = uniqueName('acme-reports');
/** Assigned to both acme and globex by tenants[].namespaces: adoption leaves it unowned, a cluster-wide finding. */
const contested = uniqueName('contested');
let work: string;
let port: number;
let controller: ChildProcess | undefined;
const logs: string[] = [];

function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'KUBECONFIG']) delete e[v];
  return e;
}

function metrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sum of a metric's samples, of those whose labels contain `labels` when given. */
function sum(text: string, name: string, labels = ''): number {
  return text.split('\n').filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

interface Report { results: { rule: string; result: string; resources: { kind: string; name: string }[] }[]; summary: Record<string, number> }

async function storedReport(): Promise<Report | undefined> {
  const res = await kubectl('admin', ['get', 'policyreports.wgpolicyk8s.io', 'tenant-guard', '-n', ns, '-o', 'json']);
  return res.code === 0 ? JSON.parse(res.stdout) as Report : undefined;
}

async function storedClusterReport(): Promise<Report | undefined> {
  const res = await kubectl('admin', ['get', 'clusterpolicyreports.wgpolicyk8s.io', 'tenant-guard', '-o', 'json']);
  return res.code === 0 ? JSON.parse(res.stdout) as Report : undefined;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tg-reports-e2e-'));
  const helmBin = await buildHelm();
  const crds = await helm(helmBin, ['template', 'tg', chartDir, '--set', 'policyReports.installCRDs=true', '--show-only', 'templates/policyreport-crds.yaml']);
  expect(crds.code, crds.stderr).toBe(0);
  expect(parseManifests(crds.stdout).map((d) => d.kind)).toEqual(['CustomResourceDefinition', 'CustomResourceDefinition']);
  const applied = await kubectl('admin', ['apply', '-f', '-'], { input: crds.stdout });
  expect(applied.code, applied.stderr).toBe(0);
  expect((await kubectl('admin', ['wait', '--for=condition=Established', '--timeout=60s', 'crd/policyreports.wgpolicyk8s.io', 'crd/clusterpolicyreports.wgpolicyk8s.io'])).code).toBe(0);

  // A tenant namespace of acme (labelled as the webhook would), one policy that
  // reaches globex and one that stays home, written as admin (who bypasses the webhook).
  expect((await kubectl('admin', ['create', 'namespace', ns])).code).toBe(0);
  expect((await kubectl('admin', ['label', 'namespace', ns, `${TENANT_LABEL}=acme`, `tg-reports=${RUN}`])).code).toBe(0);
  expect((await kubectl('admin', ['create', 'namespace', contested])).code).toBe(0);
  const policy = (name: string, from: object) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [from] }] } });
  const res = await kubectl('admin', ['apply', '-f', '-'], { input: [policy('allow-globex', { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } }), policy('same-namespace', { podSelector: {} })].map((p) => JSON.stringify(p)).join('\n') });
  expect(res.code, res.stderr).toBe(0);

  port = await freePort();
  const base = parseYaml(readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  const tenants = (base.tenants as { name: string }[]).map((t) => (t.name === 'acme' || t.name === 'globex' ? { ...t, namespaces: [contested] } : t));
  writeFileSync(join(work, 'config.yaml'), stringify({ ...base, tenants, controller: { host: '127.0.0.1', port, resyncSeconds: 2, auditIntervalSeconds: 0, namespaceSelector: `tg-reports=${RUN}`, leaderElection: { enabled: false } } }));
  controller = spawn(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), 'controller', '--config', join(work, 'config.yaml'), '--kubeconfig', kubeconfigOf('admin'), '--log-format', 'json'], { cwd: repo, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  controller.stdout?.on('data', (b: Buffer) => logs.push(b.toString()));
  controller.stderr?.on('data', (b: Buffer) => logs.push(b.toString()));
}, 20 * 60_000);

afterAll(async () => {
  if (controller !== undefined && controller.exitCode === null) {
    const exited = new Promise((r) => controller!.once('exit', r));
    controller.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (controller.exitCode === null) controller.kill('SIGKILL');
  }
  await deleteNamespaces([ns, contested]);
  await kubectl('admin', ['delete', 'crd', 'policyreports.wgpolicyk8s.io', 'clusterpolicyreports.wgpolicyk8s.io', '--ignore-not-found', '--wait=false']);
  rmSync(work, { recursive: true, force: true });
});

describe('PolicyReports', () => {
  it('appear in a tenant namespace: a fail with the rule code for the cross-tenant policy, a pass for the confined one', async () => {
    let report: Report | undefined;
    // Both policies judged, and the baseline (which the controller writes first) found in place.
    await eventually('the PolicyReport with both policies', 60_000, async () => {
      report = await storedReport();
      return report !== undefined && report.results.length === 2 && report.results.every((r) => r.resources[0]?.kind === 'NetworkPolicy') ? report : undefined;
    }).catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${logs.join('').slice(-3000)}`); });
    const byPolicy = Object.fromEntries(report!.results.map((r) => [r.resources[0]!.name, [r.rule, r.result]]));
    expect(byPolicy['allow-globex']).toEqual(['SelectorOtherTenant', 'fail']);
    expect(byPolicy['same-namespace']).toEqual(['Confined', 'pass']);
    expect(report!.summary).toMatchObject({ pass: 1, fail: 1 });
  });

  it('keep the cluster-wide findings in the ClusterPolicyReport: a namespace two tenants are assigned is a fail, and unowned', async () => {
    let report: Report | undefined;
    await eventually('the ClusterPolicyReport with the adoption conflict', 60_000, async () => {
      report = await storedClusterReport();
      return report?.results.some((r) => r.rule === 'AdoptionConflict' && r.resources[0]?.name === contested) === true ? report : undefined;
    }).catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${logs.join('').slice(-3000)}`); });
    const mine = report!.results.filter((r) => r.resources[0]?.name === contested).map((r) => [r.resources[0]!.kind, r.rule, r.result]);
    expect(mine).toEqual([['Namespace', 'AdoptionConflict', 'fail'], ['Namespace', 'NamespaceUnowned', 'warn']]);
    expect(report!.summary.fail).toBeGreaterThanOrEqual(1);
    // Left as it is: no owner label was written.
    const got = await kubectl('admin', ['get', 'namespace', contested, '-o', 'json']);
    expect((JSON.parse(got.stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[TENANT_LABEL]).toBeUndefined();
  });

  it('are kept with zero writes at steady state: the next resyncs write nothing', async () => {
    // The namespaced reports (the selector leaves only this test's namespace) and the ClusterPolicyReport, which
    // follows the whole cluster: other suites' namespaces stay as they were left (terminating ones are not judged).
    const writes = async () => sum(await metrics(), 'tenant_guard_reports_writes_total');
    // Settled: the baseline is in place (the controller wrote it), so the report no longer changes.
    await eventually('a settled report', 60_000, async () => {
      const before = await writes();
      await new Promise((r) => setTimeout(r, 5_000));
      return (await writes()) === before ? true : undefined;
    }).catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${logs.join('').split('\n').filter((l) => l.includes('report')).slice(-10).join('\n')}`); });
    const before = await writes();
    const reconciles = sum(await metrics(), 'tenant_guard_reports_reconciles_total');
    await eventually('two more resyncs', 30_000, async () => (sum(await metrics(), 'tenant_guard_reports_reconciles_total') >= reconciles + 2 ? true : undefined));
    expect(await writes()).toBe(before);
    expect(before).toBeGreaterThan(0);
  });

  it('are what `audit -o policyreport` prints', async () => {
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), 'audit', '-o', 'policyreport', '--config', join(work, 'config.yaml'), '--kubeconfig', kubeconfigOf('admin')], { cwd: repo, env: env(), timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
    });
    expect(out.code, out.stderr).toBe(1);
    const printed = parseAllDocuments(out.stdout).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string }; results: unknown; summary: unknown });
    const mine = printed.find((r) => r.kind === 'PolicyReport' && r.metadata.namespace === ns);
    expect(mine, out.stdout.slice(0, 3000)).toBeDefined();
    const stored = (await storedReport())!;
    expect(mine!.results).toEqual(stored.results);
    expect(mine!.summary).toEqual(stored.summary);
    const cluster = printed.at(-1);
    expect(cluster?.kind).toBe('ClusterPolicyReport');
    const storedCluster = (await storedClusterReport())!;
    expect(cluster!.results).toEqual(storedCluster.results);
  });
});
