/**
 * The baseline controller: informers on Namespaces and on the managed
 * policies, a work queue of namespace names, workers that run
 * reconcileNamespace() while this process is the leader, and the periodic
 * jobs (resync, CRD discovery, audit counts).
 *
 *   informer event ─► queue.add(namespace) ─► worker ─► reconcile(namespace)
 *                                                       reads the caches,
 *                                                       writes differences
 *
 * Every (re)list of an informer, becoming the leader, and the periodic
 * resync enqueue every namespace ("full sync"); reconciles read the caches,
 * so a full sync costs API requests only where something is wrong.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { HttpMethod, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../policy/rules/managed.js';
import { auditCluster, findingCounts } from '../audit/report.js';
import { collectAuditInput } from '../audit/collect.js';
import type { BaselinePolicy, Flavour, LiveObject } from './desired.js';
import { discoverServed, type Served } from '../kube/discovery.js';
import { EventRecorder } from '../kube/events.js';
import { LeaderElector, apiLeaseStore } from '../kube/leader.js';
import { buildControllerMetrics, type ControllerMetrics } from './metrics.js';
import { WorkQueue } from '../kube/queue.js';
import { TokenBucket, backoffDelay } from '../kube/rate-limit.js';
import { reconcileNamespace, type ClusterState, type NamespaceObject, type Writer } from './reconciler.js';
import { RecentWrites } from './recent-writes.js';
import { matcher, parseSelector } from '../kube/selector.js';
import { Reflector, type ChangeType, type KubeObject } from '../kube/reflector.js';
import { KubeApiError, KubeRest, apiStatus } from '../kube/rest.js';
import { CILIUM_POLICIES, NAMESPACES, NETWORK_POLICIES, collectionPath, objectPath, resourceOfKind } from '../kube/resources.js';

/** The field manager of every write: server-side apply makes the controller the owner of exactly these fields. */
export const FIELD_MANAGER = 'tenant-guard';

const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
/** Re-check whether the Cilium CRD is served this often. */
const DISCOVERY_INTERVAL_MS = 60_000;
/** After this many failures in a row, a Warning Event tells the namespace's owners. */
const FAILURES_BEFORE_WARNING = 5;

export class NotLeaderError extends Error {
  constructor() {
    super('not the leader: writes are left to the leader');
    this.name = 'NotLeaderError';
  }
}

export interface ControllerOptions {
  config: Config;
  kc: KubeConfig;
  log: Logger;
  registry: Registry;
  /** Leader-election identity; default: host name and a random suffix. */
  identity?: string;
}

type Policy = KubeObject & LiveObject;

/**
 * What the caches keep of an object: everything but managedFields (the
 * field-ownership tree server-side apply maintains, often bigger than the
 * object itself) and, on namespaces, annotations. Reconcile never reads them.
 */
export function slim<T extends KubeObject>(obj: T, keepAnnotations = true): T {
  const md = obj.metadata;
  if (md === undefined || (md.managedFields === undefined && (keepAnnotations || md.annotations === undefined))) return obj;
  const { managedFields: _mf, annotations, ...rest } = md;
  return { ...obj, metadata: keepAnnotations && annotations !== undefined ? { ...rest, annotations } : rest };
}

function policyKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export class BaselineController {
  readonly metrics: ControllerMetrics;
  readonly identity: string;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly rest: KubeRest;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 120_000 });
  private readonly namespaces: Reflector<NamespaceObject & KubeObject>;
  private readonly networkPolicies: Reflector<Policy>;
  private cilium: Reflector<Policy> | undefined;
  private served: Served | undefined;
  private readonly recent = new RecentWrites();
  private readonly deletedSeen = new Set<string>();
  private readonly elector: LeaderElector | undefined;
  private readonly events: EventRecorder;
  private workers: Promise<void>[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private fullSync: { pending: Set<string>; started: number; reason: string } | undefined;
  private fullSyncsDone = 0;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private leading: boolean;
  private warnedFlavour: boolean | undefined;
  private auditRunning = false;
  private discoveryFailures = 0;
  private readonly selects: ((labels: Readonly<Record<string, string>>) => boolean) | undefined;

  constructor(private readonly opts: ControllerOptions) {
    this.config = opts.config;
    this.log = opts.log.child({ component: 'controller' });
    this.identity = opts.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    const selector = parseSelector(this.config.controller.namespaceSelector);
    if (!selector.ok) throw new Error(`controller.namespaceSelector: ${selector.error}`);
    this.selects = selector.requirements.length > 0 ? matcher(selector.requirements) : undefined;
    this.metrics = buildControllerMetrics(opts.registry);
    const c = this.config.controller;
    this.rest = new KubeRest(opts.kc, {
      limiter: new TokenBucket(c.qps, c.burst),
      observe: (verb, resource, status) => {
        this.metrics.apiRequests.inc({ verb, resource, code: String(status) });
        if (status === 429) this.metrics.throttled.inc();
      },
    });
    this.events = new EventRecorder(this.rest, c.events.qps > 0 && c.events.burst >= 1 ? new TokenBucket(c.events.qps, c.events.burst) : undefined, this.identity, this.metrics.events, this.log);

    this.namespaces = new Reflector<NamespaceObject & KubeObject>(this.rest, {
      name: NAMESPACES.plural,
      path: collectionPath(NAMESPACES),
      log: this.log,
      transform: (obj) => slim(obj, false),
      onChange: (type, obj) => this.onNamespace(type, obj),
      onSynced: () => this.onInformerSynced('namespaces'),
    });
    this.networkPolicies = this.policyReflector(NETWORK_POLICIES.plural, collectionPath(NETWORK_POLICIES), NETWORK_POLICIES.kind);

    const le = c.leaderElection;
    this.leading = !le.enabled;
    if (le.enabled) {
      this.elector = new LeaderElector(
        apiLeaseStore(this.rest, le.leaseNamespace, le.leaseName),
        this.identity,
        { leaseDurationMs: le.leaseDurationSeconds * 1000, renewDeadlineMs: le.renewDeadlineSeconds * 1000, retryPeriodMs: le.retryPeriodSeconds * 1000 },
        {
          onStartedLeading: () => this.setLeading(true),
          onStoppedLeading: () => this.setLeading(false),
          onNewLeader: (id) => {
            if (id !== this.identity) this.log.info({ leader: id, lease: `${le.leaseNamespace}/${le.leaseName}` }, 'leader election: another replica leads');
          },
        },
        this.log.child({ lease: `${le.leaseNamespace}/${le.leaseName}` }),
      );
    }
    this.metrics.leader.set(this.leading ? 1 : 0);
  }

  private policyReflector(name: string, path: string, kind: string): Reflector<Policy> {
    return new Reflector<Policy>(this.rest, {
      name,
      path,
      labelSelector: MANAGED_SELECTOR,
      log: this.log,
      transform: (obj) => slim(obj),
      onChange: (type, obj) => this.onPolicy(type, obj, kind),
      onSynced: () => this.onInformerSynced(name),
    });
  }

  // ------------------------------------------------------------ state

  private ready(): boolean {
    if (this.served === undefined || !this.namespaces.hasSynced || !this.networkPolicies.hasSynced) return false;
    // The Cilium cache is needed to write the Cilium flavour; for the NetworkPolicy
    // flavour it only finds leftovers to remove, which its first list queues anyway,
    // so a Cilium kind this controller may not list does not hold everything up.
    return this.cilium === undefined || this.cilium.hasSynced || this.flavour() !== 'cilium';
  }

  private active(): boolean {
    return this.leading && this.ready() && !this.stopped;
  }

  /** Wake workers waiting for leadership and synced caches. */
  private kick(): void {
    if (!this.active() && !this.stopped) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private whenActive(): Promise<void> {
    if (this.active() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private isLeader(): boolean {
    return this.elector === undefined ? true : this.elector.isLeader();
  }

  private setLeading(on: boolean): void {
    this.leading = on;
    this.metrics.leader.set(on ? 1 : 0);
    if (on) {
      if (this.ready()) this.enqueueAll('became leader');
      this.kick();
    }
  }

  flavour(): Flavour {
    if (this.config.baseline.flavour === 'cilium' && this.served?.ciliumNetworkPolicies !== true) return 'networkpolicy';
    return this.config.baseline.flavour;
  }

  // ------------------------------------------------------------ informers

  private onNamespace(type: ChangeType, obj: NamespaceObject & KubeObject): void {
    const name = obj.metadata?.name;
    if (name === undefined) return;
    this.recent.observed(`Namespace//${name}`, type === 'delete' ? undefined : obj);
    if (type === 'delete') {
      this.fullSync?.pending.delete(name);
      for (const k of this.deletedSeen) if (k.split('/')[1] === name) this.deletedSeen.delete(k);
      this.checkFullSync();
    }
    this.enqueue(name);
  }

  private onPolicy(type: ChangeType, obj: Policy, kind: string): void {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (ns === undefined || name === undefined) return;
    const key = policyKey(kind, ns, name);
    this.recent.observed(key, type === 'delete' ? undefined : obj);
    if (type === 'delete') {
      const owner = this.namespaces.get(ns);
      if (owner !== undefined && owner.metadata?.deletionTimestamp === undefined) this.deletedSeen.add(key);
    }
    this.enqueue(ns);
  }

  private onInformerSynced(name: string): void {
    this.metrics.informerRelists.inc({ informer: name });
    if (this.ready()) {
      // Anything may have happened while the watch was down: look at everything again.
      if (this.leading) this.enqueueAll(`${name} listed`);
      this.kick();
    }
  }

  private enqueue(name: string): void {
    this.queue.add(name);
    this.metrics.queueDepth.set(this.queue.length);
  }

  private enqueueAll(reason: string): void {
    const names = [...this.namespaces.values()].map((n) => n.metadata?.name).filter((n): n is string => n !== undefined);
    this.fullSync = { pending: new Set(names), started: performance.now(), reason };
    for (const n of names) this.queue.add(n);
    this.metrics.queueDepth.set(this.queue.length);
    this.log.debug({ namespaces: names.length, reason }, 'full sync: every namespace queued');
    this.checkFullSync();
  }

  private checkFullSync(): void {
    const fs = this.fullSync;
    if (fs === undefined || fs.pending.size > 0) return;
    this.fullSync = undefined;
    this.fullSyncsDone += 1;
    this.metrics.lastFullSync.set(Date.now() / 1000);
    this.log.info({ reason: fs.reason, namespaces: this.namespaces.size, ms: Math.round(performance.now() - fs.started) }, 'full sync complete: every namespace holds its baseline');
    if (this.fullSyncsDone === 1) void this.runAudit();
  }

  // ------------------------------------------------------------ state for reconcile

  private readonly state: ClusterState = {
    namespace: (name) => this.recent.view(`Namespace//${name}`, this.namespaces.get(name)),
    managedPolicies: (namespace) => {
      const out: LiveObject[] = [];
      const collect = (r: Reflector<Policy> | undefined, kind: string) => {
        if (r === undefined) return;
        const seen = new Set<string>();
        for (const p of r.inNamespace(namespace)) {
          const name = p.metadata?.name ?? '';
          seen.add(name);
          const v = this.recent.view(policyKey(kind, namespace, name), { ...p, kind });
          if (v !== undefined) out.push({ ...v, kind });
        }
        // Our own writes the cache has not seen yet.
        for (const d of this.pendingCreates(kind, namespace)) if (!seen.has(d.metadata?.name ?? '')) out.push({ ...d, kind });
      };
      collect(this.networkPolicies, NETWORK_POLICIES.kind);
      collect(this.cilium, CILIUM_POLICIES.kind);
      return out;
    },
    flavour: () => this.flavour(),
    sawDeleted: (kind, namespace, name) => this.deletedSeen.has(policyKey(kind, namespace, name)),
  };

  /** Keys of policies we applied that the informer may not have delivered yet, by namespace. */
  private readonly pendingByNamespace = new Map<string, Set<string>>();

  private pendingCreates(kind: string, namespace: string): LiveObject[] {
    const m = this.pendingByNamespace.get(namespace);
    if (m === undefined) return [];
    const out: LiveObject[] = [];
    for (const key of m) {
      if (!key.startsWith(`${kind}/`)) continue;
      const v = this.recent.view(key, undefined);
      if (v === undefined) m.delete(key);
      else out.push(v);
    }
    if (m.size === 0) this.pendingByNamespace.delete(namespace);
    return out;
  }

  private readonly writer: Writer = {
    apply: async (policy: BaselinePolicy) => {
      if (!this.isLeader()) throw new NotLeaderError();
      const r = resourceOfKind(policy.kind);
      if (r === undefined) throw new Error(`no resource for kind ${policy.kind}`);
      const { name, namespace } = policy.metadata;
      const res = await this.rest.apply<LiveObject>(objectPath(r, name, namespace), r.plural, policy, FIELD_MANAGER);
      this.metrics.writes.inc({ kind: policy.kind, action: 'apply' });
      const key = policyKey(policy.kind, namespace, name);
      this.deletedSeen.delete(key);
      this.recent.applied(key, slim(res as Policy));
      // Until the informer sees it, remember it so a re-queued reconcile does not write it again.
      const byNs = this.pendingByNamespace.get(namespace) ?? new Set<string>();
      byNs.add(key);
      this.pendingByNamespace.set(namespace, byNs);
    },
    delete: async (live: LiveObject) => {
      if (!this.isLeader()) throw new NotLeaderError();
      const r = resourceOfKind(live.kind ?? '');
      const name = live.metadata?.name ?? '';
      const namespace = live.metadata?.namespace ?? '';
      if (r === undefined) throw new Error(`no resource for kind ${String(live.kind)}`);
      try {
        await this.rest.delete(objectPath(r, name, namespace), r.plural, { uid: live.metadata?.uid, resourceVersion: live.metadata?.resourceVersion });
      } catch (err) {
        if (apiStatus(err) !== 404) throw err;
      }
      this.metrics.writes.inc({ kind: r.kind, action: 'delete' });
      this.recent.deleted(policyKey(r.kind, namespace, name), live.metadata?.resourceVersion);
    },
    labelNamespace: async (name: string, key: string, value: string) => {
      if (!this.isLeader()) throw new NotLeaderError();
      const uid = this.namespaces.get(name)?.metadata?.uid;
      // A merge patch, not an apply: it must never create a namespace that was just deleted.
      const res = await this.rest.request<LiveObject>(HttpMethod.PATCH, objectPath(NAMESPACES, name), {
        verb: 'patch',
        resource: NAMESPACES.plural,
        query: { fieldManager: FIELD_MANAGER },
        contentType: 'application/merge-patch+json',
        body: { metadata: { ...(uid !== undefined ? { uid } : {}), labels: { [key]: value } } },
      });
      this.metrics.writes.inc({ kind: 'Namespace', action: 'label' });
      this.recent.applied(`Namespace//${name}`, slim(res as KubeObject, false));
    },
  };

  // ------------------------------------------------------------ workers

  private async worker(): Promise<void> {
    while (!this.stopped) {
      await this.whenActive();
      if (this.stopped) return;
      const key = await this.queue.get();
      if (key === undefined) return;
      this.metrics.queueDepth.set(this.queue.length);
      if (!this.active()) {
        // Lost the lease meanwhile: the next leader (maybe us again) looks at everything.
        this.queue.done(key);
        if (!this.stopped) this.queue.add(key);
        continue;
      }
      await this.process(key);
      this.queue.done(key);
    }
  }

  private async process(key: string): Promise<void> {
    const end = this.metrics.reconcileSeconds.startTimer();
    try {
      const r = await reconcileNamespace(key, { config: this.config, state: this.state, writer: this.writer, events: this.events, selects: this.selects });
      this.metrics.reconciles.inc({ result: r.result });
      if (r.actions.length > 0) this.log.info({ namespace: key, actions: r.actions }, 'reconciled: baseline written');
      else this.log.debug({ namespace: key, result: r.result, reason: r.reason }, 'reconciled');
      this.queue.forget(key);
      if (this.fullSync?.pending.delete(key) === true) this.checkFullSync();
    } catch (err) {
      if (err instanceof NotLeaderError) {
        this.metrics.reconciles.inc({ result: 'skipped' });
        return;
      }
      const reason = err instanceof KubeApiError ? err.reason : 'Error';
      this.metrics.reconciles.inc({ result: 'error' });
      this.metrics.reconcileErrors.inc({ reason });
      const retryInMs = this.queue.addRateLimited(key);
      const failures = this.queue.failuresOf(key);
      this.log.warn({ namespace: key, err: (err as Error).message, status: apiStatus(err), failures, retryInMs }, 'reconcile failed; will retry');
      if (failures === FAILURES_BEFORE_WARNING) {
        this.events.emit(key, { apiVersion: 'v1', kind: 'Namespace', name: key, namespace: key }, 'Warning', 'BaselineFailed',
          `tenant-guard could not converge the baseline of ${key} after ${failures} attempts: ${(err as Error).message.slice(0, 300)}`);
      }
    } finally {
      end();
    }
  }

  // ------------------------------------------------------------ discovery, audit

  private async discover(): Promise<void> {
    let served: Served;
    try {
      served = await discoverServed(this.rest);
      this.discoveryFailures = 0;
    } catch (err) {
      this.discoveryFailures += 1;
      const retryInMs = backoffDelay(this.discoveryFailures, 1000, 30_000);
      this.log.warn({ err: (err as Error).message, retryInMs }, 'API discovery failed; retrying');
      if (this.served === undefined && !this.stopped) this.timer(() => void this.discover(), retryInMs, false);
      return;
    }
    const before = this.served;
    this.served = served;
    this.metrics.ciliumServed.set(served.ciliumNetworkPolicies ? 1 : 0);
    if (served.ciliumNetworkPolicies && this.cilium === undefined) {
      this.cilium = this.policyReflector(CILIUM_POLICIES.plural, collectionPath(CILIUM_POLICIES), CILIUM_POLICIES.kind);
      this.cilium.start();
    } else if (!served.ciliumNetworkPolicies && this.cilium !== undefined) {
      const old = this.cilium;
      this.cilium = undefined;
      await old.stop();
    }
    this.noteFlavour();
    if (before !== undefined && before.ciliumNetworkPolicies !== served.ciliumNetworkPolicies) {
      this.log.info({ ciliumServed: served.ciliumNetworkPolicies, flavour: this.flavour() }, 'the Cilium CRD came or went; reconciling every namespace');
      if (this.ready() && this.leading) this.enqueueAll('cilium CRD changed');
    }
    this.kick();
  }

  private noteFlavour(): void {
    const fellBack = this.config.baseline.flavour === 'cilium' && this.served?.ciliumNetworkPolicies !== true;
    if (fellBack === this.warnedFlavour) return;
    this.warnedFlavour = fellBack;
    if (!fellBack) return;
    const le = this.config.controller.leaderElection;
    const message = 'baseline.flavour is cilium, but the API server does not serve cilium.io/v2 CiliumNetworkPolicy; writing the NetworkPolicy flavour instead (Cilium enforces it too) until the CRD is served';
    this.log.warn({ flavour: 'networkpolicy' }, message);
    this.events.emit(le.leaseNamespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: le.leaseName, namespace: le.leaseNamespace }, 'Warning', 'CiliumNotServed', message);
  }

  /** Recompute the audit counts (leader only: one replica lists the cluster). */
  async runAudit(): Promise<void> {
    if (this.auditRunning || !this.leading || this.stopped || this.config.controller.auditIntervalSeconds === 0) return;
    this.auditRunning = true;
    try {
      const input = await collectAuditInput(this.rest, this.config);
      const report = auditCluster(input);
      for (const [category, n] of Object.entries(findingCounts(report))) this.metrics.auditFindings.set({ category }, n);
      this.metrics.auditLastRun.set(Date.now() / 1000);
      this.log.info({ findings: findingCounts(report) }, 'audit counts updated');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'audit failed; counts not updated');
    } finally {
      this.auditRunning = false;
    }
  }

  private timer(fn: () => void, ms: number, repeat: boolean): void {
    const t = repeat ? setInterval(fn, ms) : setTimeout(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  // ------------------------------------------------------------ lifecycle

  start(): void {
    const c = this.config.controller;
    this.log.info({ identity: this.identity, qps: c.qps, burst: c.burst, workers: c.workers, leaderElection: c.leaderElection.enabled, flavour: this.config.baseline.flavour }, 'baseline controller starting');
    void this.discover();
    this.namespaces.start();
    this.networkPolicies.start();
    this.elector?.start();
    for (let i = 0; i < c.workers; i++) this.workers.push(this.worker());
    this.timer(() => void this.discover(), DISCOVERY_INTERVAL_MS, true);
    if (c.resyncSeconds > 0) this.timer(() => { if (this.active()) this.enqueueAll('periodic resync'); }, c.resyncSeconds * 1000, true);
    if (c.auditIntervalSeconds > 0) this.timer(() => void this.runAudit(), c.auditIntervalSeconds * 1000, true);
  }

  notReady(): string[] {
    const reasons: string[] = [];
    if (this.stopped) reasons.push('shutting down');
    if (this.served === undefined) reasons.push('API discovery has not succeeded yet');
    if (!this.namespaces.hasSynced) reasons.push('namespace cache not synced');
    if (!this.networkPolicies.hasSynced) reasons.push('NetworkPolicy cache not synced');
    if (this.cilium !== undefined && !this.cilium.hasSynced && this.flavour() === 'cilium') reasons.push('CiliumNetworkPolicy cache not synced');
    return reasons;
  }

  status(): Record<string, unknown> {
    return {
      identity: this.identity,
      leader: this.leading,
      leaderIdentity: this.elector?.leader ?? this.identity,
      flavour: this.flavour(),
      queue: this.queue.length,
      namespaces: this.namespaces.size,
      fullSyncs: this.fullSyncsDone,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.log.info({}, 'baseline controller stopping');
    for (const t of this.timers) clearTimeout(t);
    // No new work; reconciles in progress finish before the lease is released.
    this.queue.shutdown();
    this.kick();
    await Promise.all(this.workers);
    await this.elector?.stop();
    this.metrics.leader.set(0);
    await Promise.all([this.namespaces.stop(), this.networkPolicies.stop(), this.cilium?.stop()]);
    this.log.info({}, 'baseline controller stopped');
  }
}

export { KubeApiError };
