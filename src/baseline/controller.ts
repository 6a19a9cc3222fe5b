/**
 * The baseline controller, wired from src/kube's parts: the shared
 * Namespace informer and informers on the managed policies, a work queue of
 * namespace names, the worker loop running reconcileNamespace() while this
 * process leads, and the periodic jobs (resync, CRD discovery, audit
 * counts). What to write is desired.ts and reconciler.ts; how, writer.ts;
 * what reconcile believes, state.ts.
 *
 *   informer event ─► queue.add(namespace) ─► worker ─► reconcile(namespace)
 *                                                       reads the caches,
 *                                                       writes differences
 *
 * Every (re)list of an informer, becoming the leader, and the periodic
 * resync enqueue every namespace ("full sync"); reconciles read the caches,
 * so a full sync costs API requests only where something is wrong
 * (full-sync.ts); which flavour is written, flavour.ts.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { DiscoveryPoll, type Served } from '../kube/discovery.js';
import { EventRecorder } from '../kube/events.js';
import type { CachedNamespace, Informers } from '../kube/informers.js';
import { leaseElector, type LeaderElector } from '../kube/leader.js';
import { WorkQueue } from '../kube/queue.js';
import { TokenBucket } from '../kube/rate-limit.js';
import type { ChangeType, Reflector } from '../kube/reflector.js';
import { KubeApiError, apiStatus, type KubeRest } from '../kube/rest.js';
import { CILIUM_POLICIES, NETWORK_POLICIES, type ResourceType } from '../kube/resources.js';
import { matcher, parseSelector } from '../kube/selector.js';
import { WorkerLoop } from '../kube/worker.js';
import type { Flavour } from './desired.js';
import { BaselineFlavour } from './flavour.js';
import { FullSync } from './full-sync.js';
import { buildControllerMetrics, type ControllerMetrics } from './metrics.js';
import { reconcileNamespace, type Writer } from './reconciler.js';
import { BaselineState, MANAGED_SELECTOR, isSharePolicy, type Policy } from './state.js';
import { NotLeaderError, apiWriter } from './writer.js';

/** Re-check whether the Cilium CRD is served this often. */
const DISCOVERY_INTERVAL_MS = 60_000;
/** After this many failures in a row, a Warning Event tells the namespace's owners. */
const FAILURES_BEFORE_WARNING = 5;

export interface ControllerOptions {
  config: Config;
  /** The process's one client. */
  rest: KubeRest;
  /** The process's informers: the Namespace cache is shared with the webhook. */
  informers: Informers;
  log: Logger;
  registry: Registry;
  /** Leader-election identity; default: host name and a random suffix. */
  identity?: string | undefined;
  /** The audit counts, run by the leader after the first full sync and every auditIntervalSeconds. */
  audit?: PeriodicJob | undefined;
}

/** A job the leader runs from time to time; it never throws. */
export interface PeriodicJob {
  run(): Promise<void>;
}

export class BaselineController {
  readonly metrics: ControllerMetrics;
  readonly identity: string;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly rest: KubeRest;
  private readonly informers: Informers;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 120_000 });
  private readonly namespaces: Reflector<CachedNamespace>;
  private readonly networkPolicies: Reflector<Policy>;
  private cilium: Reflector<Policy> | undefined;
  private readonly discovery: DiscoveryPoll;
  private readonly state: BaselineState;
  private readonly writer: Writer;
  private readonly workers: WorkerLoop;
  private readonly elector: LeaderElector | undefined;
  private readonly events: EventRecorder;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly fullSync: FullSync;
  private readonly baselineFlavour: BaselineFlavour;
  private stopped = false;
  private leading: boolean;
  private readonly audit: PeriodicJob | undefined;
  private readonly selects: ((labels: Readonly<Record<string, string>>) => boolean) | undefined;
  private readonly leadershipListeners: (() => void)[] = [];

  constructor(opts: ControllerOptions) {
    this.config = opts.config;
    this.log = opts.log.child({ component: 'controller' });
    this.identity = opts.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    const selector = parseSelector(this.config.controller.namespaceSelector);
    if (!selector.ok) throw new Error(`controller.namespaceSelector: ${selector.error}`);
    this.selects = selector.requirements.length > 0 ? matcher(selector.requirements) : undefined;
    this.metrics = buildControllerMetrics(opts.registry);
    const c = this.config.controller;
    this.rest = opts.rest;
    this.informers = opts.informers;
    this.events = new EventRecorder(this.rest, c.events.qps > 0 && c.events.burst >= 1 ? new TokenBucket(c.events.qps, c.events.burst) : undefined, this.identity, this.metrics.events, this.log);
    this.fullSync = new FullSync(({ reason, count, ms }) => {
      this.metrics.lastFullSync.set(Date.now() / 1000);
      this.log.info({ reason, namespaces: this.namespaces.size, ms }, 'full sync complete: every namespace holds its baseline');
      if (count === 1) void this.runAudit();
    });

    this.namespaces = this.informers.namespaces();
    this.namespaces.subscribe({
      onChange: (type, obj) => this.onNamespace(type, obj),
      onSynced: () => this.onInformerSynced('namespaces'),
    });
    this.networkPolicies = this.policyReflector(NETWORK_POLICIES);
    this.state = new BaselineState(this.namespaces, () => [
      { kind: NETWORK_POLICIES.kind, cache: this.networkPolicies },
      { kind: CILIUM_POLICIES.kind, cache: this.cilium },
    ], () => this.flavour());
    this.discovery = new DiscoveryPoll(this.rest, DISCOVERY_INTERVAL_MS, (served, before) => this.onServed(served, before), this.log);
    this.baselineFlavour = new BaselineFlavour(this.config, () => this.discovery.current, this.events, this.log);
    this.audit = opts.audit;
    this.writer = apiWriter(this.rest, this.state, () => this.isLeader(), this.metrics);
    this.workers = new WorkerLoop({
      queue: this.queue,
      workers: c.workers,
      open: () => this.active(),
      reconcile: (key) => this.reconcile(key),
      onSuccess: (key) => this.fullSync.reconciled(key),
      onFailure: (key, err, failures, retryInMs) => this.failed(key, err, failures, retryInMs),
      isSkip: (err) => err instanceof NotLeaderError,
      onSkip: () => this.metrics.reconciles.inc({ result: 'skipped' }),
    });

    const le = c.leaderElection;
    this.leading = !le.enabled;
    if (le.enabled) {
      this.elector = leaseElector(this.rest, le, this.identity, { onStartedLeading: () => this.setLeading(true), onStoppedLeading: () => this.setLeading(false) }, this.log);
    }
    this.metrics.leader.set(this.leading ? 1 : 0);
  }

  private policyReflector(resource: ResourceType): Reflector<Policy> {
    const r = this.informers.of<Policy>(resource, { labelSelector: MANAGED_SELECTOR });
    r.subscribe({
      onChange: (type, obj) => this.onPolicy(type, obj, resource.kind),
      onSynced: () => this.onInformerSynced(resource.plural),
    });
    return r;
  }

  // ------------------------------------------------------------ state

  private ready(): boolean {
    if (this.discovery.current === undefined || !this.namespaces.hasSynced || !this.networkPolicies.hasSynced) return false;
    // The Cilium cache is needed to write the Cilium flavour; for the NetworkPolicy
    // flavour it only finds leftovers to remove, which its first list queues anyway,
    // so a Cilium kind this controller may not list does not hold everything up.
    return this.cilium === undefined || this.cilium.hasSynced || this.flavour() !== 'cilium';
  }

  private active(): boolean {
    return this.leading && this.ready() && !this.stopped;
  }

  /** Whether this replica may write now (the share controller writes under the same lease). */
  isLeader(): boolean {
    return this.elector === undefined ? true : this.elector.isLeader();
  }

  /** Told when this replica starts or stops leading (the share controller writes under the same lease). */
  onLeadershipChange(listener: () => void): void {
    this.leadershipListeners.push(listener);
  }

  private setLeading(on: boolean): void {
    this.leading = on;
    this.metrics.leader.set(on ? 1 : 0);
    for (const l of this.leadershipListeners) l();
    if (on) {
      if (this.ready()) this.enqueueAll('became leader');
      this.workers.kick();
    }
  }

  flavour(): Flavour {
    return this.baselineFlavour.current();
  }

  /** Whether the API server serves CiliumNetworkPolicy; undefined until discovery has answered. */
  ciliumServed(): boolean | undefined {
    return this.discovery.current?.ciliumNetworkPolicies;
  }

  // ------------------------------------------------------------ informers

  private onNamespace(type: ChangeType, obj: CachedNamespace): void {
    const name = obj.metadata?.name;
    if (name === undefined) return;
    this.state.namespaceChanged(type, obj);
    if (type === 'delete') this.fullSync.gone(name);
    this.enqueue(name);
  }

  private onPolicy(type: ChangeType, obj: Policy, kind: string): void {
    const ns = obj.metadata?.namespace;
    // The share controller's policies come on the same watch; they are none of the baseline's business.
    if (ns === undefined || obj.metadata?.name === undefined || isSharePolicy(obj)) return;
    this.state.policyChanged(type, obj, kind);
    this.enqueue(ns);
  }

  private onInformerSynced(name: string): void {
    this.metrics.informerRelists.inc({ informer: name });
    if (this.ready()) {
      // Anything may have happened while the watch was down: look at everything again.
      if (this.leading) this.enqueueAll(`${name} listed`);
      this.workers.kick();
    }
  }

  private enqueue(name: string): void {
    this.queue.add(name);
    this.metrics.queueDepth.set(this.queue.length);
  }

  private enqueueAll(reason: string): void {
    const names = [...this.namespaces.values()].map((n) => n.metadata?.name).filter((n): n is string => n !== undefined);
    this.fullSync.begin(names, reason);
    for (const n of names) this.queue.add(n);
    this.metrics.queueDepth.set(this.queue.length);
    this.log.debug({ namespaces: names.length, reason }, 'full sync: every namespace queued');
  }

  // ------------------------------------------------------------ reconcile

  private async reconcile(key: string): Promise<void> {
    this.metrics.queueDepth.set(this.queue.length);
    const end = this.metrics.reconcileSeconds.startTimer();
    try {
      const r = await reconcileNamespace(key, { config: this.config, state: this.state, writer: this.writer, events: this.events, selects: this.selects });
      this.metrics.reconciles.inc({ result: r.result });
      if (r.actions.length > 0) this.log.info({ namespace: key, actions: r.actions }, 'reconciled: baseline written');
      else this.log.debug({ namespace: key, result: r.result, reason: r.reason }, 'reconciled');
    } finally {
      end();
    }
  }

  private failed(key: string, err: unknown, failures: number, retryInMs: number): void {
    const reason = err instanceof KubeApiError ? err.reason : 'Error';
    this.metrics.reconciles.inc({ result: 'error' });
    this.metrics.reconcileErrors.inc({ reason });
    this.log.warn({ namespace: key, err: (err as Error).message, status: apiStatus(err), failures, retryInMs }, 'reconcile failed; will retry');
    if (failures === FAILURES_BEFORE_WARNING) {
      this.events.emit(key, { apiVersion: 'v1', kind: 'Namespace', name: key, namespace: key }, 'Warning', 'BaselineFailed',
        `tenant-guard could not converge the baseline of ${key} after ${failures} attempts: ${(err as Error).message.slice(0, 300)}`);
    }
  }

  // ------------------------------------------------------------ discovery, audit

  private async onServed(served: Served, before: Served | undefined): Promise<void> {
    this.metrics.ciliumServed.set(served.ciliumNetworkPolicies ? 1 : 0);
    if (served.ciliumNetworkPolicies && this.cilium === undefined) {
      this.cilium = this.policyReflector(CILIUM_POLICIES);
      this.cilium.start();
    } else if (!served.ciliumNetworkPolicies && this.cilium !== undefined) {
      this.cilium = undefined;
      await this.informers.drop(CILIUM_POLICIES, { labelSelector: MANAGED_SELECTOR });
    }
    this.baselineFlavour.note();
    if (before !== undefined && before.ciliumNetworkPolicies !== served.ciliumNetworkPolicies) {
      this.log.info({ ciliumServed: served.ciliumNetworkPolicies, flavour: this.flavour() }, 'the Cilium CRD came or went; reconciling every namespace');
      if (this.ready() && this.leading) this.enqueueAll('cilium CRD changed');
    } else if (before === undefined && this.ready() && this.leading) {
      // The caches were listed before discovery answered: this answer is what makes the controller ready.
      this.enqueueAll('API discovery succeeded');
    }
    this.workers.kick();
  }

  /** Recompute the audit counts (leader only: one replica lists the cluster). */
  async runAudit(): Promise<void> {
    if (!this.leading || this.stopped || this.config.controller.auditIntervalSeconds === 0) return;
    await this.audit?.run();
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
    this.discovery.start();
    this.namespaces.start();
    this.networkPolicies.start();
    this.elector?.start();
    this.workers.start();
    if (c.resyncSeconds > 0) this.timer(() => { if (this.active()) this.enqueueAll('periodic resync'); }, c.resyncSeconds * 1000, true);
    if (c.auditIntervalSeconds > 0) this.timer(() => void this.runAudit(), c.auditIntervalSeconds * 1000, true);
  }

  notReady(): string[] {
    const reasons: string[] = [];
    if (this.stopped) reasons.push('shutting down');
    if (this.discovery.current === undefined) reasons.push('API discovery has not succeeded yet');
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
      fullSyncs: this.fullSync.count,
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.log.info({}, 'baseline controller stopping');
    for (const t of this.timers) clearTimeout(t);
    this.discovery.stop();
    // No new work; reconciles in progress finish before the lease is released.
    await this.workers.stop();
    await this.elector?.stop();
    this.metrics.leader.set(0);
    // The caches belong to the process (the webhook may share them): the composition root stops them.
    this.log.info({}, 'baseline controller stopped');
  }
}
