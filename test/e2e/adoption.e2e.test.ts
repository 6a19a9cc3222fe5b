// Adoption of existing namespaces on a real API server: namespaces that exist
// before tenant-guard knows them (created by the admin, without owner label)
// and that tenants[].namespaces assigns to a tenant are labelled by the
// controller (`node dist/cli/main.js controller`, admin kubeconfig), with an
// Event on each; a namespace assigned to two tenants, or already labelled for
// another, is left as it is and reported with a Warning Event.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helm-tools.js';
import { deleteNamespaces, eventually, kubeconfigOf, kubectl, repo, uniqueName } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const RUN = uniqueName('adopt');
// Names unique to this run, so the assignment touches no other suite's namespaces.
const shop = `${RUN}-shop`;
const shopWeb = `${RUN}-shop-web`;
const both = `${RUN}-shop-billing`;
const taken = `${RUN}-taken`;
const all = [shop, shopWeb, both, taken];

const scratch = mkdtempSync(join(tmpdir(), 'tg-adoption-e2e-'));
let child: ChildProcess | undefined;
const logs: string[] = [];

async function labelOf(ns: string): Promise<string> {
  const res = await kubectl('admin', ['get', 'namespace', ns, '-o', 'json']);
  if (res.code !== 0) throw new Error(res.stderr);
  return (JSON.parse(res.stdout) as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[TENANT_LABEL] ?? '';
}

async function eventsOf(ns: string): Promise<{ reason: string; type: string; message: string }[]> {
  const res = await kubectl('admin', ['get', 'events', '-n', ns, '-o', 'json']);
  if (res.code !== 0) throw new Error(res.stderr);
  return (JSON.parse(res.stdout) as { items: { reason: string; type: string; message: string }[] }).items;
}

beforeAll(async () => {
  // Existing namespaces, as an admin made them before tenant-guard: no owner label, or another tenant's.
  for (const ns of [shop, shopWeb, both]) expect((await kubectl('admin', ['create', 'namespace', ns])).code).toBe(0);
  const labelled = await kubectl('admin', ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: taken, labels: { [TENANT_LABEL]: 'globex' } } }) });
  expect(labelled.code, labelled.stderr).toBe(0);
  expect(await labelOf(shop)).toBe('');

  const base = parseYaml(readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8')) as { tenants: Record<string, unknown>[] };
  const tenants = base.tenants.map((t) => t.name === 'acme' ? { ...t, namespaces: [shop, `${RUN}-shop-*`, taken] } : t.name === 'globex' ? { ...t, namespaces: [both] } : t);
  const port = await freePort();
  const config = join(scratch, 'config.yaml');
  writeFileSync(config, stringifyYaml({
    ...base, tenants,
    // Baselines only for a label no namespace carries: this run is about adoption alone.
    controller: { host: '127.0.0.1', port, resyncSeconds: 0, auditIntervalSeconds: 0, namespaceSelector: `${RUN}=baseline`, leaderElection: { leaseName: RUN, leaseNamespace: 'tenant-guard-system', leaseDurationSeconds: 8, renewDeadlineSeconds: 5, retryPeriodSeconds: 1 } },
  }));
  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY', 'KUBECONFIG']) delete env[v];
  child = spawn(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), 'controller', '--identity', RUN, '--config', config, '--kubeconfig', kubeconfigOf('admin')], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
}, 60_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((r) => child!.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await kubectl('admin', ['delete', 'lease', '-n', 'tenant-guard-system', RUN, '--ignore-not-found']);
  await deleteNamespaces(all);
  rmSync(scratch, { recursive: true, force: true });
});

describe('adoption of existing namespaces', () => {
  it('labels the namespaces assigned by name and by glob, with an Event on each', async () => {
    await eventually('the assigned namespaces to be labelled', async () => (await labelOf(shop)) === 'acme' && (await labelOf(shopWeb)) === 'acme', 60_000, 500)
      .catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${logs.slice(-20).join('\n')}`); });
    for (const ns of [shop, shopWeb]) {
      await eventually(`the Adopted event in ${ns}`, async () => (await eventsOf(ns)).some((e) => e.reason === 'Adopted'), 30_000, 500);
      const adopted = (await eventsOf(ns)).find((e) => e.reason === 'Adopted')!;
      expect(adopted).toMatchObject({ type: 'Normal', message: `labelled ${TENANT_LABEL}=acme: assigned to tenant acme by tenants[].namespaces` });
    }
  });

  it('leaves a namespace assigned to two tenants unlabelled, with a Warning Event naming both', async () => {
    await eventually(`the conflict event in ${both}`, async () => (await eventsOf(both)).some((e) => e.reason === 'AdoptionConflict'), 60_000, 500);
    const conflict = (await eventsOf(both)).find((e) => e.reason === 'AdoptionConflict')!;
    expect(conflict.type).toBe('Warning');
    expect(conflict.message).toContain('is assigned to tenants acme, globex');
    expect(await labelOf(both)).toBe('');
  });

  it('never changes an owner label already set for another tenant: a finding instead', async () => {
    await eventually(`the conflict event in ${taken}`, async () => (await eventsOf(taken)).some((e) => e.reason === 'AdoptionConflict'), 60_000, 500);
    const conflict = (await eventsOf(taken)).find((e) => e.reason === 'AdoptionConflict')!;
    expect(conflict.message).toContain(`already labelled ${TENANT_LABEL}=globex (tenant globex)`);
    expect(await labelOf(taken)).toBe('globex');
    expect(logs.some((l) => l.includes('"finding":"AdoptionConflict"') && l.includes(taken))).toBe(true);
  });
});
