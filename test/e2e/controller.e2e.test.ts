// The baseline controller against the real kube-apiserver of the local cluster (src/dev/cluster.ts),
// run as child processes (`node dist/cli/main.js controller`, built by
// `npm run build`) with the admin kubeconfig: the webhook in the harness
// refuses tenants' edits to managed policies, and admin (system:masters) is
// an admin in the config. Every wait is bounded; names are unique.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { desiredBaseline } from '../../src/baseline/desired.js';
import { deleteNamespaces, kubeconfigOf, kubectl, uniqueName } from './kube.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TENANT_LABEL = 'tenant-guard.io/tenant';
const MANAGED = 'app.kubernetes.io/managed-by=tenant-guard';
const LEASE_NAMESPACE = 'tenant-guard-system';
// Shorter than the defaults (15/10/2 s) so a handover fits comfortably in a test.
const LEASE = { leaseDurationSeconds: 8, renewDeadlineSeconds: 5, retryPeriodSeconds: 1 };

// Other suites share the cluster: these controllers manage only this run's
// namespaces (controller.namespaceSelector), so they neither touch other
// tests' namespaces nor count writes for them.
const RUN_LABEL = 'e2e.tenant-guard.io/run';
const RUN = uniqueName('run');
const namespaces = new Set<string>();
const leases = new Set<string>();
const running = new Set<Controller>();
const scratch = mkdtempSync(join(tmpdir(), 'tg-controller-e2e-'));

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolvePort(port));
    });
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last !== undefined ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Controller {
  identity: string;
  /** The port of its probes and metrics: config controller.port for `controller`, the webhook's HTTPS port for `serve --controller`. */
  port: number;
  /** The CA of the HTTPS port (serve --controller); undefined: plain HTTP. */
  ca?: Buffer | undefined;
  /** Beside the webhook: the plain-HTTP /metrics port (metrics are never on the webhook's). */
  metricsPort?: number | undefined;
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
}

/** GET on the process's probe and metrics port. */
function probe(c: Pick<Controller, 'port' | 'ca'>, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveAnswer, reject) => {
    const onAnswer = (res: http.IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body }));
    };
    const req = c.ca !== undefined
      ? https.get({ host: '127.0.0.1', port: c.port, path, ca: c.ca, timeout: 5000 }, onAnswer)
      : http.get({ host: '127.0.0.1', port: c.port, path, timeout: 5000 }, onAnswer);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Writes the harness config plus a controller section; returns its path. */
function writeConfig(name: string, controller: Record<string, unknown>): string {
  const base = parseYaml(readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  const path = join(scratch, `${name}.yaml`);
  writeFileSync(path, stringifyYaml({ ...base, controller }));
  return path;
}

/** Starts `controller` (or, with `serve`, `serve --controller` with these extra arguments). */
async function startController(identity: string, leaseName: string, opts: { controller?: Record<string, unknown>; serve?: { port: number; ca: Buffer; metricsPort: number; args: string[] } } = {}): Promise<Controller> {
  const port = await freePort();
  leases.add(leaseName);
  const config = writeConfig(identity, { host: '127.0.0.1', port, qps: 50, burst: 100, resyncSeconds: 0, auditIntervalSeconds: 0, namespaceSelector: `${RUN_LABEL}=${RUN}`, leaderElection: { leaseName, leaseNamespace: LEASE_NAMESPACE, ...LEASE }, ...opts.controller });
  const command = opts.serve !== undefined ? ['serve', '--controller', '--port', String(opts.serve.port), '--metrics-port', String(opts.serve.metricsPort), ...opts.serve.args] : ['controller', '--identity', identity];
  const env = { ...process.env };
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY', 'KUBECONFIG']) delete env[v];
  const child = spawn(process.execPath, [join(repo, 'dist', 'cli', 'main.js'), ...command, '--config', config, '--kubeconfig', kubeconfigOf('admin')], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    logs.push(...lines);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const c: Controller = { identity, port: opts.serve?.port ?? port, ca: opts.serve?.ca, metricsPort: opts.serve?.metricsPort, child, logs, exited };
  running.add(c);
  await waitFor(`controller ${identity} to answer /healthz`, 30_000, async () => (await probe(c, '/healthz')).status === 200).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${logs.slice(-20).join('\n')}`);
  });
  return c;
}

async function stopController(c: Controller, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill(signal);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 20_000);
  const code = await c.exited;
  clearTimeout(timer);
  running.delete(c);
  return code;
}

/** Where a process serves /metrics: its plain-HTTP port (beside the webhook, the one --metrics-port named). */
function metricsOf(c: Controller): Pick<Controller, 'port' | 'ca'> {
  return c.metricsPort !== undefined ? { port: c.metricsPort } : c;
}

/** Sum of a metric's samples whose labels include `labels`. */
async function metric(c: Controller, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = (await probe(metricsOf(c), '/metrics')).body;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

async function ready(c: Controller): Promise<boolean> {
  const answer = await probe(c, '/readyz');
  if (c.ca === undefined) return answer.status === 200;
  // Beside the webhook, the controller's readiness is a part of the webhook's /readyz.
  return answer.status === 200 && (JSON.parse(answer.body) as { controller?: { ready?: boolean } }).controller?.ready === true;
}

interface Policy {
  metadata: { name: string; uid: string; resourceVersion: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

async function managedPolicies(ns: string, kind = 'networkpolicies'): Promise<Policy[]> {
  const res = await kubectl('admin', ['get', kind, '-n', ns, '-l', MANAGED, '-o', 'json']);
  if (res.code !== 0) throw new Error(res.stderr);
  return (JSON.parse(res.stdout) as { items: Policy[] }).items;
}

async function isolateOf(ns: string): Promise<Policy | undefined> {
  return (await managedPolicies(ns)).find((p) => p.metadata.name === 'tenant-guard-isolate');
}

function expectedIsolate(ns: string, tenant: string): Record<string, unknown> {
  const r = configFromObject(parseYaml(readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8')));
  if (!r.ok) throw new Error('harness config invalid');
  return desiredBaseline(ns, { kind: 'tenant', tenant }, r.config)[0]!.spec;
}

/** A namespace created by a tenant user (the webhook adds the tenant label), carrying this run's label. */
async function createTenantNamespace(prefix = 'acme'): Promise<string> {
  const name = uniqueName(prefix);
  namespaces.add(name);
  const user = prefix === 'acme' ? 'alice' : 'bob';
  const res = await kubectl(user, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [RUN_LABEL]: RUN } } }) });
  expect(res.code, res.stderr).toBe(0);
  return name;
}

async function leaseHolder(name: string): Promise<string | undefined> {
  const res = await kubectl('admin', ['get', 'lease', '-n', LEASE_NAMESPACE, name, '-o', 'jsonpath={.spec.holderIdentity}']);
  return res.code === 0 ? res.stdout.trim() : undefined;
}

afterAll(async () => {
  await Promise.all([...running].map((c) => stopController(c)));
  await deleteNamespaces(namespaces);
  for (const l of leases) await kubectl('admin', ['delete', 'lease', '-n', LEASE_NAMESPACE, l, '--ignore-not-found']);
  rmSync(scratch, { recursive: true, force: true });
});

describe('baseline controller', () => {
  const lease = uniqueName('tg-ctl');
  let a: Controller;

  beforeAll(async () => {
    a = await startController(uniqueName('ctl-a'), lease);
    await waitFor('controller A to lead with synced caches', 60_000, async () => (await ready(a)) && (await metric(a, 'tenant_guard_controller_leader')) === 1);
    await waitFor('the first full sync', 60_000, async () => (await metric(a, 'tenant_guard_controller_last_full_sync_timestamp_seconds')) > 0);
  });

  it('puts the platform value on platform namespaces, and puts it back when it is removed', async () => {
    const platformLabel = async (ns: string) => (await kubectl('admin', ['get', 'namespace', ns, '-o', 'jsonpath={.metadata.labels.tenant-guard\\.io/tenant}'])).stdout;
    for (const ns of ['default', LEASE_NAMESPACE]) expect(await platformLabel(ns), ns).toBe('platform');
    const unlabel = await kubectl('admin', ['label', 'namespace', 'kube-public', `${TENANT_LABEL}-`]);
    expect(unlabel.code, unlabel.stderr).toBe(0);
    await waitFor('kube-public to be labelled again', 30_000, async () => (await platformLabel('kube-public')) === 'platform');
  });

  it('creates the baseline in a new tenant namespace, with an Event', async () => {
    const ns = await createTenantNamespace('acme');
    const policy = await waitFor('the baseline policy', 30_000, () => isolateOf(ns));
    expect(policy.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('tenant-guard');
    expect(policy.spec).toEqual(expectedIsolate(ns, 'acme'));
    const events = await waitFor('a BaselineCreated event', 30_000, async () => {
      const res = await kubectl('admin', ['get', 'events', '-n', ns, '-o', 'json']);
      const items = (JSON.parse(res.stdout) as { items: { reason: string; message: string; involvedObject: { kind: string; name: string } }[] }).items;
      return items.find((e) => e.reason === 'BaselineCreated');
    });
    expect(events.involvedObject).toMatchObject({ kind: 'Namespace', name: ns });
    expect(events.message).toBe('tenant-guard created NetworkPolicy tenant-guard-isolate, the baseline of tenant acme');
  });

  it('restores a deleted baseline policy', async () => {
    const ns = await createTenantNamespace('globex');
    const before = await waitFor('the baseline policy', 30_000, () => isolateOf(ns));
    const del = await kubectl('admin', ['delete', 'networkpolicy', '-n', ns, 'tenant-guard-isolate']);
    expect(del.code, del.stderr).toBe(0);
    const after = await waitFor('the policy to come back', 30_000, async () => {
      const p = await isolateOf(ns);
      return p !== undefined && p.metadata.uid !== before.metadata.uid ? p : undefined;
    });
    expect(after.spec).toEqual(expectedIsolate(ns, 'globex'));
  });

  it('reverts an edit of a baseline policy', async () => {
    const ns = await createTenantNamespace('acme');
    await waitFor('the baseline policy', 30_000, () => isolateOf(ns));
    const patch = await kubectl('admin', ['patch', 'networkpolicy', '-n', ns, 'tenant-guard-isolate', '--type=json',
      '-p', JSON.stringify([{ op: 'replace', path: '/spec/ingress/0/from', value: [{ namespaceSelector: {} }] }])]);
    expect(patch.code, patch.stderr).toBe(0);
    const reverted = await waitFor('the edit to be reverted', 30_000, async () => {
      const p = await isolateOf(ns);
      return p !== undefined && isDeepStrictEqual(p.spec, expectedIsolate(ns, 'acme')) ? p : undefined;
    });
    expect(reverted.spec).toEqual(expectedIsolate(ns, 'acme'));
  });

  it('gives an existing namespace its baseline when it gets the tenant label, and removes it when the label goes', async () => {
    const ns = uniqueName('legacy');
    namespaces.add(ns);
    const created = await kubectl('admin', ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [RUN_LABEL]: RUN } } }) });
    expect(created.code, created.stderr).toBe(0);
    const label = await kubectl('admin', ['label', 'namespace', ns, `${TENANT_LABEL}=acme`]);
    expect(label.code, label.stderr).toBe(0);
    const policy = await waitFor('the baseline after labelling', 30_000, () => isolateOf(ns));
    expect(policy.spec).toEqual(expectedIsolate(ns, 'acme'));

    const unlabel = await kubectl('admin', ['label', 'namespace', ns, `${TENANT_LABEL}-`]);
    expect(unlabel.code, unlabel.stderr).toBe(0);
    await waitFor('the managed policies to be removed', 30_000, async () => (await managedPolicies(ns)).length === 0);
  });

  it('writes nothing at steady state', async () => {
    const ns = await createTenantNamespace('acme');
    await waitFor('the baseline policy', 30_000, () => isolateOf(ns));
    await waitFor('an empty queue', 30_000, async () => (await metric(a, 'tenant_guard_controller_queue_depth')) === 0);
    const writes = await metric(a, 'tenant_guard_controller_writes_total');
    const writeRequests = async () => (await Promise.all(['apply', 'patch', 'delete'].map((verb) => metric(a, 'tenant_guard_controller_api_requests_total', { verb })))).reduce((x, y) => x + y, 0);
    const requestsBefore = await writeRequests();
    const reconciles = await metric(a, 'tenant_guard_controller_reconciles_total');
    const rv = (await isolateOf(ns))!.metadata.resourceVersion;
    // Give the controller reasons to look again (namespace events) without changing anything it owns.
    for (let i = 0; i < 5; i++) {
      const res = await kubectl('admin', ['annotate', '--overwrite', 'namespace', ns, `e2e.tenant-guard.io/poke=${i}`]);
      expect(res.code, res.stderr).toBe(0);
    }
    await waitFor('the controller to reconcile the poked namespace', 30_000, async () => (await metric(a, 'tenant_guard_controller_reconciles_total')) >= reconciles + 1);
    // Several seconds of steady state, lease renewals included.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await metric(a, 'tenant_guard_controller_writes_total')).toBe(writes);
    expect(await writeRequests()).toBe(requestsBefore);
    expect((await isolateOf(ns))!.metadata.resourceVersion).toBe(rv);
  });

  it('with two replicas only the leader writes, and a killed leader is replaced within the lease duration', async () => {
    const b = await startController(uniqueName('ctl-b'), lease);
    await waitFor('controller B to sync its caches', 60_000, () => ready(b));
    expect(await leaseHolder(lease)).toBe(a.identity);
    expect(await metric(a, 'tenant_guard_controller_leader')).toBe(1);
    expect(await metric(b, 'tenant_guard_controller_leader')).toBe(0);

    const ns1 = await createTenantNamespace('acme');
    await waitFor('the baseline (written by A)', 30_000, () => isolateOf(ns1));
    expect(await metric(b, 'tenant_guard_controller_writes_total')).toBe(0);
    expect(await metric(b, 'tenant_guard_controller_reconciles_total')).toBe(0);

    // No graceful release: B must wait for the lease to expire.
    await stopController(a, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor('B to take over', (LEASE.leaseDurationSeconds + 2 * LEASE.retryPeriodSeconds + 5) * 1000, async () => (await metric(b, 'tenant_guard_controller_leader')) === 1);
    const tookMs = Date.now() - killedAt;
    expect(await leaseHolder(lease)).toBe(b.identity);
    expect(b.logs.some((l) => l.includes('became the leader'))).toBe(true);

    const ns2 = await createTenantNamespace('globex');
    await waitFor('the baseline (written by B)', 30_000, () => isolateOf(ns2));
    expect(await metric(b, 'tenant_guard_controller_writes_total')).toBeGreaterThan(0);
    console.log(`[e2e] leader handover after SIGKILL took ${tookMs} ms (lease duration ${LEASE.leaseDurationSeconds} s)`);

    // A graceful stop releases the lease for the next replica.
    const code = await stopController(b, 'SIGTERM');
    expect(code).toBe(0);
    expect(b.logs.some((l) => l.includes('released the lease'))).toBe(true);
    expect(await leaseHolder(lease)).toBe('');
  });
});

describe('serve --controller', () => {
  it('runs the webhook and the controller in one process, with the audit counts as metrics on the plain-HTTP metrics port', async () => {
    // The harness's webhook certificate (for 127.0.0.1) serves this second webhook too.
    const certs = join(dirname(inject('tgKubeconfigDir')), 'webhook', 'certs');
    const webhookPort = await freePort();
    const controllerPort = await freePort();
    const metricsPort = await freePort();
    const lease = uniqueName('tg-serve');
    const ca = readFileSync(join(certs, 'ca.crt'));
    const c = await startController(uniqueName('serve'), lease, {
      controller: { auditIntervalSeconds: 3600, port: controllerPort },
      serve: { port: webhookPort, ca, metricsPort, args: ['--host', '127.0.0.1', '--cert', join(certs, 'tls.crt'), '--key', join(certs, 'tls.key')] },
    });
    await waitFor('the controller to lead', 60_000, async () => (await metric(c, 'tenant_guard_controller_leader')) === 1);
    await waitFor('the controller to be ready', 60_000, () => ready(c));

    const ns = await createTenantNamespace('acme');
    await waitFor('the baseline', 30_000, () => isolateOf(ns));
    await waitFor('the audit counts', 60_000, async () => (await metric(c, 'tenant_guard_audit_last_run_timestamp_seconds')) > 0);
    const text = (await probe(metricsOf(c), '/metrics')).body;
    for (const category of ['refusedPolicies', 'clusterPolicies', 'missingBaseline', 'unlabeledNamespaces', 'platformUnlabeled', 'adoptionConflicts']) {
      expect(text).toMatch(new RegExp(`^tenant_guard_audit_findings\\{category="${category}"\\} \\d+$`, 'm'));
    }
    // One registry: the webhook's and the controller's metrics side by side, each once.
    for (const name of ['tenant_guard_admission_in_flight', 'tenant_guard_controller_leader', 'tenant_guard_controller_api_requests_total']) {
      expect(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `)), name).toHaveLength(1);
    }
    // Metrics only on --metrics-port: the webhook's port has none, and nothing answers on controller.port.
    expect((await probe(c, '/metrics')).status).toBe(404);
    await expect(probe({ port: controllerPort }, '/metrics')).rejects.toThrow(/ECONNREFUSED/);

    expect(await stopController(c, 'SIGTERM')).toBe(0);
    expect(await leaseHolder(lease)).toBe('');
  });
});

describe('baseline objects on the real API server', () => {
  // Both flavours, egress included, must pass the API server's validation
  // (the Cilium CRD's schema included); server-side dry run as admin.
  it.each(['networkpolicy', 'cilium'] as const)('the %s flavour is valid', async (flavour) => {
    const ns = await createTenantNamespace('acme');
    const r = configFromObject({ ...(parseYaml(readFileSync(join(repo, 'test', 'cluster', 'config.yaml'), 'utf8')) as object), baseline: { flavour, egress: { enabled: true } } });
    if (!r.ok) throw new Error('config invalid');
    const docs = desiredBaseline(ns, { kind: 'tenant', tenant: 'acme' }, r.config);
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      const res = await kubectl('admin', ['apply', '--server-side', '--dry-run=server', '--field-manager=tenant-guard', '-f', '-'], { input: JSON.stringify(doc) });
      expect(res.code, `${doc.kind} ${doc.metadata.name}: ${res.stderr}`).toBe(0);
    }
  });
});
