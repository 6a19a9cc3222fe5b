/**
 * The share controller, wired from src/kube's parts: the process's shared
 * informers (Namespaces, Exports and Imports through the ShareCache, the
 * share policies), a work queue with one key, and the worker loop running
 * reconcileShares() while this replica leads. It runs beside the baseline
 * controller and writes under its lease, in its flavour.
 *
 *   change in any cache ─► queue.add("shares") ─► worker ─► reconcileShares()
 *
 * A single key: every reconcile looks at every share, so a revocation that
 * touches two namespaces is done in one pass, and a burst of changes
 * collapses into one reconcile. The next expiry and a periodic resync queue
 * it too.
 */
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Flavour, LiveObject } from '../baseline/desired.js';
import { MANAGED_SELECTOR, isSharePolicy } from '../baseline/state.js';
import { NotLeaderError } from '../baseline/writer.js';
import type { Config } from '../config/schema.js';
import { EventRecorder } from '../kube/events.js';
import type { CachedNamespace, Informers } from '../kube/informers.js';
import { WorkQueue } from '../kube/queue.js';
import { TokenBucket } from '../kube/rate-limit.js';
import type { KubeObject, Reflector } from '../kube/reflector.js';
import { apiStatus, type KubeRest } from '../kube/rest.js';
import { CILIUM_POLICIES, EXPORTS, IMPORTS, NETWORK_POLICIES, objectPath, resourceOfKind, type ResourceType } from '../kube/resources.js';
import { WorkerLoop } from '../kube/worker.js';
import { ownerFromLabels } from '../policy/tenancy.js';
import type { ShareCache } from './cache.js';
import type { SharePolicy } from './desired.js';
import { reconcileShares, type ShareState, type ShareWriter } from './reconcile.js';

/** The same field manager as the baseline: one owner of tenant-guard's fields. */
const FIELD_MANAGER = 'tenant-guard';
const KEY = 'shares';
/** Every share is looked at again this often from the caches (a missed event, the Cilium CRD coming); costs nothing when nothing drifted. */
const RESYNC_MS = 30_000;

/** What the share controller takes from the baseline controller: its lease and its flavour. */
export interface Leadership {
  isLeader(): boolean;
  /** The flavour the baseline writes now (Cilium falls back to NetworkPolicy when its CRD is not served). */
  flavour(): Flavour;
  /** Whether the API server serves CiliumNetworkPolicy (its share policies are then watched, to remove leftovers too); undefined until known. */
  ciliumServed(): boolean | undefined;
  onLeadershipChange(listener: () => void): void;
}

export interface ShareControllerOptions {
  config: Config;
  /** The process's one client. */
  rest: KubeRest;
  informers: Informers;
  /** Exports and Imports, shared with the webhook. */
  cache: ShareCache;
  log: Logger;
  registry: Registry;
  leadership: Leadership;
  identity: string;
}

export class ShareController {
  private readonly log: Logger;
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly namespaces: Reflector<CachedNamespace>;
  private readonly networkPolicies: Reflector<KubeObject>;
  private cilium: Reflector<KubeObject> | undefined;
  private readonly events: EventRecorder;
  private readonly workers: WorkerLoop;
  private readonly active: Gauge;
  private readonly writes: Gauge;
  private writeCount = 0;
  private stopped = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ShareControllerOptions) {
    this.log = opts.log.child({ component: 'shares' });
    const c = opts.config.controller;
    opts.cache.onChange(() => this.enqueue());
    this.namespaces = opts.informers.namespaces();
    this.namespaces.subscribe({ onChange: () => this.enqueue(), onSynced: () => this.enqueue() });
    this.networkPolicies = this.policyInformer(NETWORK_POLICIES);
    this.events = new EventRecorder(opts.rest, c.events.qps > 0 && c.events.burst >= 1 ? new TokenBucket(c.events.qps, c.events.burst) : undefined, opts.identity, { inc: () => undefined }, this.log);
    this.active = new Gauge({ name: 'tenant_guard_shares_active', help: 'Shares in force (an Export and an Import that agree), as of the last reconcile', registers: [opts.registry] });
    this.writes = new Gauge({ name: 'tenant_guard_shares_writes', help: 'API writes by the share controller since start (policies applied and deleted, statuses)', registers: [opts.registry], collect: () => this.writes.set(this.writeCount) });
    this.workers = new WorkerLoop({
      queue: this.queue,
      workers: 1,
      open: () => !this.stopped && this.synced() && opts.leadership.isLeader(),
      reconcile: () => this.reconcile(),
      onFailure: (_key, err, failures, retryInMs) => this.log.warn({ err: (err as Error).message, status: apiStatus(err), failures, retryInMs }, 'share reconcile failed; will retry'),
      isSkip: (err) => err instanceof NotLeaderError,
    });
    opts.leadership.onLeadershipChange(() => this.enqueue());
  }

  /** The baseline's informer of tenant-guard's own policies (one watch per kind); share policies are those with the share label. */
  private policyInformer(r: ResourceType): Reflector<KubeObject> {
    const informer = this.opts.informers.of<KubeObject>(r, { labelSelector: MANAGED_SELECTOR });
    informer.subscribe({ onChange: (_type, obj) => { if (isSharePolicy(obj)) this.enqueue(); }, onSynced: () => this.enqueue() });
    return informer;
  }

  private enqueue(): void {
    if (this.stopped) return;
    this.followCilium();
    this.queue.add(KEY);
    this.workers.kick();
  }

  /**
   * The caches are listed and the flavour is known. As in the baseline, the
   * Cilium cache holds things up only in the Cilium flavour.
   */
  private synced(): boolean {
    if (this.opts.leadership.ciliumServed() === undefined) return false;
    if (!this.opts.cache.synced || !this.namespaces.hasSynced || !this.networkPolicies.hasSynced) return false;
    return this.cilium === undefined || this.cilium.hasSynced || this.opts.leadership.flavour() !== 'cilium';
  }

  private state(): ShareState {
    const objects = this.opts.cache.objects();
    const config = this.opts.config;
    return {
      exports: objects.exports,
      imports: objects.imports,
      exportStatus: (ns, name) => this.opts.cache.exportStatus(ns, name),
      importStatus: (ns, name) => this.opts.cache.importStatus(ns, name),
      tenantOf: (ns) => {
        const obj = this.namespaces.get(ns);
        if (obj === undefined) return undefined;
        const o = ownerFromLabels(ns, obj.metadata?.labels, config);
        return o.kind === 'tenant' ? o.tenant : undefined;
      },
      terminating: (ns) => {
        const obj = this.namespaces.get(ns);
        return obj === undefined || obj.metadata?.deletionTimestamp !== undefined || obj.status?.phase === 'Terminating';
      },
      sharePolicies: () => {
        const out: LiveObject[] = [];
        for (const [r, kind] of [[this.networkPolicies, NETWORK_POLICIES.kind], [this.cilium, CILIUM_POLICIES.kind]] as const) {
          if (r === undefined) continue;
          for (const p of r.values()) if (isSharePolicy(p)) out.push({ ...(p as LiveObject), kind });
        }
        return out;
      },
      flavour: () => this.opts.leadership.flavour(),
    };
  }

  /** Every write asks the lease first: a replica that lost it writes nothing more. */
  private readonly writer: ShareWriter = {
    apply: async (p: SharePolicy) => {
      const r = this.resource(p.kind);
      await this.opts.rest.apply(objectPath(r, p.metadata.name, p.metadata.namespace), r.plural, p, FIELD_MANAGER);
      this.writeCount += 1;
    },
    delete: async (live: LiveObject) => {
      const r = this.resource(live.kind ?? '');
      try {
        await this.opts.rest.delete(objectPath(r, live.metadata?.name ?? '', live.metadata?.namespace), r.plural, { uid: live.metadata?.uid });
      } catch (err) {
        if (apiStatus(err) !== 404) throw err;
      }
      this.writeCount += 1;
    },
    importStatus: (imp, status) => this.patchStatus(IMPORTS, imp.namespace, imp.name, imp.uid, status),
    exportStatus: (exp, status) => this.patchStatus(EXPORTS, exp.namespace, exp.name, exp.uid, status),
  };

  private resource(kind: string): ResourceType {
    if (!this.opts.leadership.isLeader()) throw new NotLeaderError();
    const r = resourceOfKind(kind);
    if (r === undefined) throw new Error(`no resource for kind ${kind}`);
    return r;
  }

  private async patchStatus(r: ResourceType, namespace: string, name: string, uid: string | undefined, status: unknown): Promise<void> {
    if (!this.opts.leadership.isLeader()) throw new NotLeaderError();
    try {
      // The uid makes the patch fail on an object re-created under the same name meanwhile.
      await this.opts.rest.patch(`${objectPath(r, name, namespace)}/status`, `${r.plural}/status`, { metadata: uid !== undefined ? { uid } : {}, status }, 'merge', {
        query: { fieldManager: FIELD_MANAGER },
      });
      this.writeCount += 1;
    } catch (err) {
      // Deleted meanwhile: its delete event queues the next reconcile.
      if (apiStatus(err) !== 404 && apiStatus(err) !== 409) throw err;
    }
  }

  private async reconcile(): Promise<void> {
    const b = this.opts.config.baseline;
    const r = await reconcileShares({
      state: this.state(),
      writer: this.writer,
      events: this.events,
      rules: this.opts.config.sharing,
      isolation: { ingress: b.isolate.enabled, egress: b.egress.enabled },
      now: () => Date.now(),
    });
    this.active.set(r.active);
    if (r.applied.length > 0 || r.deleted.length > 0) this.log.info({ applied: r.applied, deleted: r.deleted, statuses: r.statuses, active: r.active }, 'shares reconciled: policies written');
    else this.log.debug({ statuses: r.statuses, active: r.active }, 'shares reconciled');
    this.scheduleExpiry(r.nextExpiry);
  }

  private scheduleExpiry(at: number | undefined): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (at === undefined || this.stopped) return;
    // setTimeout holds at most about 24.8 days; a later expiry is found by a later reconcile.
    const ms = Math.min(Math.max(at - Date.now(), 0) + 5, 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => this.enqueue(), ms);
    this.expiryTimer.unref();
  }

  /**
   * Read the Cilium policies while the baseline's discovery says the CRD is
   * served. The baseline makes and drops that informer as the CRD comes and
   * goes; asking Informers each time finds the one that is current.
   */
  private followCilium(): void {
    if (this.opts.leadership.ciliumServed() !== true) {
      this.cilium = undefined;
      return;
    }
    const current = this.opts.informers.of<KubeObject>(CILIUM_POLICIES, { labelSelector: MANAGED_SELECTOR });
    if (current !== this.cilium) this.cilium = this.policyInformer(CILIUM_POLICIES);
  }

  start(): void {
    if (!this.opts.config.sharing.enabled) this.log.info({}, 'sharing is turned off: share policies left from before are removed, no new ones are written');
    this.workers.start();
    this.resyncTimer = setInterval(() => this.enqueue(), RESYNC_MS);
    this.resyncTimer.unref();
    this.enqueue();
  }

  notReady(): string[] {
    return this.synced() ? [] : ['share caches not synced'];
  }

  /** Finish the reconcile in progress; the informers are the process's to stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    await this.workers.stop();
  }
}
