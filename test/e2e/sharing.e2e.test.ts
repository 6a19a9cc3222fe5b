// Sharing between tenants on the real API server, through kubectl as the
// tenant users: globex (bob) offers `auth` on TCP 5555 to one namespace of
// acme (alice); initech (carol) is the third tenant. The webhook of the
// harness judges every request; a controller process (`node dist/cli/main.js
// controller`, the admin kubeconfig, like the controller suite) writes the
// share policies and statuses. Every wait is bounded; names are unique.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helm-tools.js';
import { deleteNamespaces, eventually, kubeconfigOf, kubectl, repo, uniqueName, WEBHOOK_DENIED, type User } from './kube.js';

const RUN_LABEL = 'e2e.tenant-guard.io/run';
const RUN = uniqueName('share');
const A = uniqueName('acme-cp');
const G = uniqueName('globex-auth');
const C = uniqueName('initech-cp');
const SHARE_SELECTOR = 'app.kubernetes.io/managed-by=tenant-guard,tenant-guard.io/share';
const scratch = mkdtempSync(join(tmpdir(), 'tg-sharing-e2e-'));
let controller: { child: ChildProcess; logs: string[]; exited: Promise<number | null> } | undefined;

function apply(user: User, object: unknown) {
  return kubectl(user, ['apply', '-f', '-'], { input: JSON.stringify(object) });
}

const callAuth = (namespace: string, port: number) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'call-auth', namespace },
  spec: {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'partner-api' } },
    policyTypes: ['Egress'],
    egress: [{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': G } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth' } } }],
      ports: [{ protocol: 'TCP', port }],
    }],
  },
});

const exportAuth = {
  apiVersion: 'tenant-guard.io/v1alpha1',
  kind: 'Export',
  metadata: { name: 'auth', namespace: G },
  spec: {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth' } },
    ports: [{ port: 5555, protocol: 'TCP' }],
    to: [{ tenant: 'acme', namespaces: [A] }],
  },
};

const importAuth = (namespace: string) => ({
  apiVersion: 'tenant-guard.io/v1alpha1',
  kind: 'Import',
  metadata: { name: 'auth', namespace },
  spec: {
    from: { namespace: G, export: 'auth' },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'partner-api' } },
    ports: [{ port: 5555, protocol: 'TCP' }],
  },
});

async function sharePolicies(namespace: string): Promise<string[]> {
  const res = await kubectl('admin', ['get', 'networkpolicies', '-n', namespace, '-l', SHARE_SELECTOR, '-o', 'jsonpath={.items[*].metadata.name}']);
  if (res.code !== 0) throw new Error(res.stderr);
  return res.stdout.trim() === '' ? [] : res.stdout.trim().split(/\s+/);
}

async function acceptedReason(user: User, namespace: string): Promise<string> {
  const res = await kubectl(user, ['get', 'imports.tenant-guard.io', 'auth', '-n', namespace, '-o', 'jsonpath={.status.conditions[?(@.type=="Accepted")].reason}']);
  return res.code === 0 ? res.stdout.trim() : `error: ${res.stderr}`;
}

beforeAll(async () => {
  for (const [user, name] of [['alice', A], ['bob', G], ['carol', C]] as const) {
    const res = await apply(user, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [RUN_LABEL]: RUN } } });
    expect(res.code, res.stderr).toBe(0);
  }
  const port = await freePort();
  const base = parseYaml(readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  const config = join(scratch, 'config.yaml');
  writeFileSync(config, stringifyYaml({ ...base, controller: { host: '127.0.0.1', port, qps: 50, burst: 100, resyncSeconds: 0, auditIntervalSeconds: 0, namespaceSelector: `${RUN_LABEL}=${RUN}`, leaderElection: { enabled: false } } }));
  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY', 'KUBECONFIG']) delete env[v];
  const child = spawn(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), 'controller', '--config', config, '--kubeconfig', kubeconfigOf('admin')], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  child.stdout.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
  controller = { child, logs, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
  await eventually('the controller to answer /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 30_000);
}, 120_000);

afterAll(async () => {
  if (controller !== undefined && controller.child.exitCode === null) {
    controller.child.kill('SIGTERM');
    await controller.exited;
  }
  await deleteNamespaces([A, G, C]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the issue\'s case, played by the tenants', () => {
  it('refuses alice\'s policy to globex before any share, and says which Export and Import would allow it', async () => {
    const res = await apply('alice', callAuth(A, 5555));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain(`names namespace "${G}", which belongs to tenant globex`);
    expect(res.stderr).toContain(`tenant globex creates an Export in "${G}" listing tenant acme (namespace "${A}")`);
  });

  it('admits an Import before its Export, with a warning that reveals nothing, and marks it NotPermitted', async () => {
    const res = await apply('alice', importAuth(A));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`no traffic flows until Export "auth" in namespace "${G}" lists tenant acme`);
    await eventually('the Import to be NotPermitted', async () => (await acceptedReason('alice', A)) === 'NotPermitted');
  });

  it('refuses an Export by a tenant in a namespace that is not its own, and one without ports', async () => {
    const foreign = await apply('alice', exportAuth);
    expect(foreign.code).not.toBe(0);
    expect(foreign.stderr).toContain(`namespace "${G}" belongs to tenant globex; only its members may create an Export there`);
    const noPorts = await apply('bob', { ...exportAuth, spec: { ...exportAuth.spec, ports: undefined } });
    expect(noPorts.code).not.toBe(0);
    // The CRD's schema refuses it before the webhook is asked.
    expect(noPorts.stderr).toContain('spec.ports: Required value');
  });

  it('with the Export in place the share is in force: the controller writes the ingress policy and the Import is Accepted', async () => {
    const res = await apply('bob', exportAuth);
    expect(res.code, res.stderr).toBe(0);
    await eventually('the Import to be Accepted', async () => (await acceptedReason('alice', A)) === 'Accepted', 30_000);
    await eventually('the share policy in the exporter namespace', async () => (await sharePolicies(G)).length === 1, 30_000);
    const importers = await kubectl('bob', ['get', 'exports.tenant-guard.io', 'auth', '-n', G, '-o', 'jsonpath={.status.importers[*].namespace}']);
    expect(importers.stdout.trim()).toBe(A);
    // The managed policy admits exactly the importer's namespace, by name, on the shared port.
    const p = await kubectl('admin', ['get', 'networkpolicies', '-n', G, '-l', SHARE_SELECTOR, '-o', 'json']);
    const spec = (JSON.parse(p.stdout) as { items: { spec: { ingress: unknown[] } }[] }).items[0]!.spec;
    expect(spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': A } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'partner-api' } } }], ports: [{ protocol: 'TCP', port: 5555 }] }]);
    // Tenants cannot change it.
    const edit = await kubectl('bob', ['label', 'networkpolicy', '-n', G, '-l', SHARE_SELECTOR, 'x=y']);
    expect(edit.code).not.toBe(0);
  });

  it('now allows alice\'s policy, and still refuses it on another port', async () => {
    // The webhook's cache of shares follows the API server's watch.
    await eventually('alice\'s policy to be allowed', async () => (await apply('alice', callAuth(A, 5555))).code === 0, 15_000);
    const other = await apply('alice', { ...callAuth(A, 5556), metadata: { name: 'call-auth-other', namespace: A } });
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('its ports must be inside the share\'s (TCP 5555)');
  });

  it('still refuses the third tenant, whose Import stays NotPermitted', async () => {
    const res = await apply('carol', { ...callAuth(C, 5555), metadata: { name: 'call-auth', namespace: C } });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`names namespace "${G}", which belongs to tenant globex`);
    const imp = await apply('carol', importAuth(C));
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toContain(`no traffic flows until Export "auth" in namespace "${G}" lists tenant initech`);
    await eventually('carol\'s Import to be NotPermitted', async () => (await acceptedReason('carol', C)) === 'NotPermitted');
    expect(await sharePolicies(G)).toHaveLength(1);
  });

  it('removes the share policy once the Export is deleted, marks the Import Revoked, and refuses alice\'s next change', async () => {
    const del = await kubectl('bob', ['delete', 'exports.tenant-guard.io', 'auth', '-n', G]);
    expect(del.code, del.stderr).toBe(0);
    await eventually('the share policy to be removed', async () => (await sharePolicies(G)).length === 0, 10_000, 50);
    await eventually('the Import to be Revoked', async () => (await acceptedReason('alice', A)) === 'Revoked');
    await eventually('alice\'s policy to be refused again', async () => {
      const res = await apply('alice', { ...callAuth(A, 5555), metadata: { name: 'call-auth', namespace: A, labels: { changed: 'yes' } } });
      return res.code !== 0 && WEBHOOK_DENIED.test(res.stderr);
    }, 15_000);
  });
});
