/**
 * reconcileNamespace() against an in-memory cluster: what it writes, what it
 * leaves alone, and that a second pass over its own result writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { BaselinePolicy, Flavour, LiveObject } from './desired.js';
import type { EventSink, InvolvedObject } from '../kube/events.js';
import { reconcileNamespace, type ClusterState, type NamespaceObject, type Writer } from './reconciler.js';
import { RecentWrites } from './recent-writes.js';

function config(overrides: Record<string, unknown> = {}): Config {
  const r = configFromObject({ platform: { value: 'platform', namespaces: ['kube-system', 'default'] }, ...overrides });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const TENANT_LABEL = 'tenant-guard.io/tenant';

/** A tiny API: namespaces and policies, writes recorded, resourceVersions counted. */
class FakeCluster implements ClusterState, Writer, EventSink {
  namespaces = new Map<string, NamespaceObject>();
  policies = new Map<string, LiveObject>();
  writes: string[] = [];
  events: { namespace: string; reason: string; type: string; message: string; about: InvolvedObject }[] = [];
  deleted = new Set<string>();
  currentFlavour: Flavour = 'networkpolicy';
  private rv = 100;

  ns(name: string, labels: Record<string, string> = {}, extra: Partial<NamespaceObject> = {}): this {
    this.namespaces.set(name, { metadata: { name, uid: `uid-${name}`, labels }, ...extra });
    return this;
  }

  namespace(name: string) {
    return this.namespaces.get(name);
  }

  managedPolicies(namespace: string): LiveObject[] {
    return [...this.policies.values()].filter((p) => p.metadata?.namespace === namespace);
  }

  flavour(): Flavour {
    return this.currentFlavour;
  }

  sawDeleted(kind: string, namespace: string, name: string): boolean {
    return this.deleted.has(`${kind}/${namespace}/${name}`);
  }

  apply(p: BaselinePolicy): Promise<void> {
    // Like the controller's writer: a restored policy is no longer "seen deleted".
    this.deleted.delete(`${p.kind}/${p.metadata.namespace}/${p.metadata.name}`);
    this.writes.push(`apply ${p.kind} ${p.metadata.namespace}/${p.metadata.name}`);
    // The server keeps what others set and returns the object with server fields.
    this.policies.set(`${p.kind}/${p.metadata.namespace}/${p.metadata.name}`, structuredClone({ ...p, metadata: { ...p.metadata, uid: 'u', resourceVersion: String(++this.rv) } }));
    return Promise.resolve();
  }

  delete(p: LiveObject): Promise<void> {
    this.writes.push(`delete ${p.kind} ${p.metadata?.namespace}/${p.metadata?.name}`);
    this.policies.delete(`${p.kind}/${p.metadata?.namespace}/${p.metadata?.name}`);
    return Promise.resolve();
  }

  labelNamespace(name: string, key: string, value: string): Promise<void> {
    this.writes.push(`label ${name} ${key}=${value}`);
    const ns = this.namespaces.get(name)!;
    ns.metadata!.labels = { ...ns.metadata!.labels, [key]: value };
    return Promise.resolve();
  }

  emit(namespace: string, about: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ namespace, about, type, reason, message });
  }
}

function deps(cluster: FakeCluster, c: Config = config()) {
  return { config: c, state: cluster, writer: cluster, events: cluster };
}

describe('reconcileNamespace', () => {
  it('creates the baseline in a new tenant namespace, with an Event, then writes nothing more', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    const first = await reconcileNamespace('acme-web', deps(cluster));
    expect(first).toEqual({ result: 'written', actions: [{ action: 'create', kind: 'NetworkPolicy', name: 'tenant-guard-isolate', why: 'absent' }] });
    expect(cluster.writes).toEqual(['apply NetworkPolicy acme-web/tenant-guard-isolate']);
    expect(cluster.events).toEqual([{
      namespace: 'acme-web',
      about: { apiVersion: 'v1', kind: 'Namespace', name: 'acme-web', namespace: 'acme-web', uid: 'uid-acme-web' },
      type: 'Normal',
      reason: 'BaselineCreated',
      message: 'tenant-guard created NetworkPolicy tenant-guard-isolate, the baseline of tenant acme',
    }]);
    const second = await reconcileNamespace('acme-web', deps(cluster));
    expect(second).toEqual({ result: 'unchanged', actions: [] });
    expect(cluster.writes).toHaveLength(1);
  });

  it('restores a deleted policy and says so', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    await reconcileNamespace('acme-web', deps(cluster));
    cluster.policies.clear();
    cluster.deleted.add('NetworkPolicy/acme-web/tenant-guard-isolate');
    const r = await reconcileNamespace('acme-web', deps(cluster));
    expect(r.actions).toEqual([{ action: 'repair', kind: 'NetworkPolicy', name: 'tenant-guard-isolate', why: 'deleted' }]);
    expect(cluster.events.at(-1)?.reason).toBe('BaselineRepaired');
  });

  it('reverts an edited policy', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    await reconcileNamespace('acme-web', deps(cluster));
    const live = cluster.policies.get('NetworkPolicy/acme-web/tenant-guard-isolate')!;
    (live.spec as { ingress: unknown[] }).ingress = [{ from: [{ namespaceSelector: {} }] }];
    const r = await reconcileNamespace('acme-web', deps(cluster));
    expect(r.actions).toEqual([{ action: 'repair', kind: 'NetworkPolicy', name: 'tenant-guard-isolate', why: 'spec' }]);
    expect(cluster.events.at(-1)).toMatchObject({ reason: 'BaselineRepaired', message: 'NetworkPolicy tenant-guard-isolate had drifted (its rules were changed); tenant-guard restored it' });
    expect(await reconcileNamespace('acme-web', deps(cluster))).toEqual({ result: 'unchanged', actions: [] });
  });

  it('removes managed policies from a namespace that stopped being a tenant namespace', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    await reconcileNamespace('acme-web', deps(cluster));
    cluster.namespaces.get('acme-web')!.metadata!.labels = {};
    const r = await reconcileNamespace('acme-web', deps(cluster));
    expect(r.actions).toEqual([{ action: 'delete', kind: 'NetworkPolicy', name: 'tenant-guard-isolate' }]);
    expect(cluster.policies.size).toBe(0);
    expect(cluster.events.at(-1)).toMatchObject({ reason: 'BaselineRemoved', message: 'tenant-guard removed NetworkPolicy tenant-guard-isolate: acme-web is no longer a tenant namespace' });
  });

  it('labels a platform namespace that lacks the platform value, and gives it no baseline', async () => {
    const cluster = new FakeCluster().ns('kube-system').ns('default', { [TENANT_LABEL]: 'acme' });
    expect((await reconcileNamespace('kube-system', deps(cluster))).actions).toEqual([{ action: 'label', kind: 'Namespace', name: 'kube-system', from: undefined }]);
    expect((await reconcileNamespace('default', deps(cluster))).actions).toEqual([{ action: 'label', kind: 'Namespace', name: 'default', from: 'acme' }]);
    expect(cluster.writes).toEqual([`label kube-system ${TENANT_LABEL}=platform`, `label default ${TENANT_LABEL}=platform`]);
    expect(cluster.events.map((e) => e.reason)).toEqual(['PlatformLabelSet', 'PlatformLabelSet']);
    expect(await reconcileNamespace('kube-system', deps(cluster))).toEqual({ result: 'unchanged', actions: [] });
  });

  it('leaves namespaces with no tenant, or labelled with the platform value, without a baseline', async () => {
    const cluster = new FakeCluster().ns('legacy').ns('shared-infra', { [TENANT_LABEL]: 'platform' });
    expect(await reconcileNamespace('legacy', deps(cluster))).toEqual({ result: 'unchanged', actions: [] });
    expect(await reconcileNamespace('shared-infra', deps(cluster))).toEqual({ result: 'unchanged', actions: [] });
    expect(cluster.writes).toEqual([]);
  });

  it('does nothing in a namespace that is being deleted, or that is gone', async () => {
    const cluster = new FakeCluster().ns('acme-old', { [TENANT_LABEL]: 'acme' }, { status: { phase: 'Terminating' } });
    expect(await reconcileNamespace('acme-old', deps(cluster))).toEqual({ result: 'skipped', actions: [], reason: 'namespace is being deleted' });
    expect(await reconcileNamespace('never-was', deps(cluster))).toEqual({ result: 'unchanged', actions: [], reason: 'namespace does not exist' });
    expect(cluster.writes).toEqual([]);
  });

  it('replaces the other flavour\'s policies when the flavour changes', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    await reconcileNamespace('acme-web', deps(cluster));
    cluster.currentFlavour = 'cilium';
    const r = await reconcileNamespace('acme-web', deps(cluster, config({ baseline: { flavour: 'cilium' } })));
    expect(r.actions).toEqual([
      { action: 'create', kind: 'CiliumNetworkPolicy', name: 'tenant-guard-isolate', why: 'absent' },
      { action: 'delete', kind: 'NetworkPolicy', name: 'tenant-guard-isolate' },
    ]);
  });

  it('removes a managed policy that is no longer part of the baseline (egress switched off)', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    await reconcileNamespace('acme-web', deps(cluster, config({ baseline: { egress: { enabled: true } } })));
    expect(cluster.policies.size).toBe(2);
    const r = await reconcileNamespace('acme-web', deps(cluster));
    expect(r.actions).toEqual([{ action: 'delete', kind: 'NetworkPolicy', name: 'tenant-guard-egress' }]);
    expect(cluster.events.at(-1)?.message).toBe('tenant-guard removed NetworkPolicy tenant-guard-egress: it is not part of the configured baseline');
  });

  it('waits for a policy that is being deleted instead of writing it', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    await reconcileNamespace('acme-web', deps(cluster));
    const live = cluster.policies.get('NetworkPolicy/acme-web/tenant-guard-isolate')!;
    live.metadata!.deletionTimestamp = '2030-01-01T00:00:00Z';
    (live.spec as Record<string, unknown>).podSelector = { matchLabels: { a: 'b' } };
    expect(await reconcileNamespace('acme-web', deps(cluster))).toEqual({ result: 'unchanged', actions: [] });
  });

  it('leaves namespaces outside controller.namespaceSelector alone, but still labels platform namespaces', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' }).ns('acme-new', { [TENANT_LABEL]: 'acme', rollout: 'yes' }).ns('kube-system');
    const selects = (labels: Readonly<Record<string, string>>) => labels.rollout === 'yes';
    expect(await reconcileNamespace('acme-web', { ...deps(cluster), selects })).toEqual({ result: 'skipped', actions: [], reason: 'not selected by controller.namespaceSelector' });
    expect((await reconcileNamespace('acme-new', { ...deps(cluster), selects })).actions).toEqual([{ action: 'create', kind: 'NetworkPolicy', name: 'tenant-guard-isolate', why: 'absent' }]);
    expect((await reconcileNamespace('kube-system', { ...deps(cluster), selects })).actions).toEqual([{ action: 'label', kind: 'Namespace', name: 'kube-system', from: undefined }]);
    expect(cluster.writes).toEqual(['apply NetworkPolicy acme-new/tenant-guard-isolate', `label kube-system ${TENANT_LABEL}=platform`]);
  });

  it('passes a write error on (the worker retries with backoff)', async () => {
    const cluster = new FakeCluster().ns('acme-web', { [TENANT_LABEL]: 'acme' });
    cluster.apply = () => Promise.reject(new Error('boom'));
    await expect(reconcileNamespace('acme-web', deps(cluster))).rejects.toThrow('boom');
  });
});

describe('RecentWrites', () => {
  const obj = (rv: string): LiveObject => ({ metadata: { name: 'p', resourceVersion: rv } });

  it('stands in for the cache until the cache holds the written version or newer', () => {
    const r = new RecentWrites();
    r.applied('k', obj('10'));
    expect(r.view('k', undefined)).toEqual(obj('10'));
    expect(r.view('k', obj('9'))).toEqual(obj('10'));
    expect(r.view('k', obj('10'))).toEqual(obj('10'));
    expect(r.size).toBe(0);
    r.applied('k', obj('20'));
    expect(r.view('k', obj('25'))).toEqual(obj('25'));
  });

  it('hides a deleted object while the cache still holds the deleted version', () => {
    const r = new RecentWrites();
    r.deleted('k', '10');
    expect(r.view('k', obj('10'))).toBeUndefined();
    // Recreated by someone: the newer object wins.
    expect(r.view('k', obj('11'))).toEqual(obj('11'));
    expect(r.size).toBe(0);
  });

  it('drops an entry when the watch delivers the write or anything newer', () => {
    const r = new RecentWrites();
    r.applied('a', obj('10'));
    r.observed('a', obj('9'));
    expect(r.size).toBe(1);
    r.observed('a', obj('12'));
    expect(r.size).toBe(0);
    r.deleted('b', '5');
    r.observed('b', undefined);
    expect(r.size).toBe(0);
  });

  it('steps aside when resourceVersions are not numbers', () => {
    const r = new RecentWrites();
    r.applied('k', obj('abc'));
    expect(r.view('k', obj('xyz'))).toEqual(obj('xyz'));
  });
});
