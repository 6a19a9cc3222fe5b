/**
 * The PolicyReport controller, wired from src/kube's parts as the baseline
 * controller is: the shared Namespace informer, informers on every
 * NetworkPolicy and CiliumNetworkPolicy and on the reports it owns, a work
 * queue of keys (a namespace name, or CLUSTER_KEY for the
 * ClusterPolicyReport), a worker loop that runs while this process holds
 * its own Lease (config reports.leaseName), and discovery, so it waits
 * until the wgpolicyk8s.io CRDs are served. What to write is desired.ts;
 * whether to write, reconcile.ts.
 *
 *   policy event ─► queue.add(its namespace) ─► reconcile: judge that namespace's
 *   namespace event ─► that namespace now, every namespace after a pause   policies from the caches,
 *                     (its labels may change other namespaces' verdicts)    write the difference
 *
 * Writes go through the process's one client and its token bucket (the
 * budget the baseline spends too); reads are the caches, except the
 * cluster-wide policies, listed when the ClusterPolicyReport is reconciled.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { adoptionConflictOf, baselineFinding, clusterPolicyFinding, judgePolicy, namespaceFinding, type AdoptionConflict, type AuditObject, type JudgedPolicy } from '../audit/report.js';
import { DiscoveryPoll, servedClusterPolicyTypes, type Served } from '../kube/discovery.js';
import { lookupFromObject } from '../kube/namespace-view.js';
import type { CachedNamespace, Informers } from '../kube/informers.js';
import { leaseElector, type LeaderElector } from '../kube/leader.js';
import { WorkQueue } from '../kube/queue.js';
import { matcher, parseSelector } from '../kube/selector.js';
import type { Reflector } from '../kube/reflector.js';
import { apiStatus, type KubeRest } from '../kube/rest.js';
import { CILIUM_POLICIES, CLUSTER_POLICY_REPORTS, NETWORK_POLICIES, POLICY_REPORTS, collectionPath, objectPath } from '../kube/resources.js';
import { WorkerLoop } from '../kube/worker.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, ownerFromLabels, type NamespaceView, type SharesView } from '../policy/index.js';
import { desiredClusterReport, desiredNamespaceReport, type ClusterFindings, type PolicyReport } from './desired.js';
import { reconcileReport, type ReportWriter, type StoredReport } from './reconcile.js';

/** The queue key of the ClusterPolicyReport (no namespace is named ""). */
export const CLUSTER_KEY = '';
const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
const FIELD_MANAGER = 'tenant-guard-reports';
const DISCOVERY_INTERVAL_MS = 60_000;
/** After a namespace changes, every report is looked at again this much later (one pass for a burst). */
const NAMESPACE_SETTLE_MS = 2_000;
const NOTHING_SERVED: Served = { ciliumNetworkPolicies: false, ciliumClusterwideNetworkPolicies: false, adminNetworkPolicies: false, baselineAdminNetworkPolicies: false, clusterNetworkPolicies: false, policyReports: false };

export interface ReportControllerOptions {
  config: Config;
  rest: KubeRest;
  informers: Informers;
  log: Logger;
  registry: Registry;
  identity?: string | undefined;
  /** The process's cache of Exports and Imports: policies are judged with the shares in force, and judged again when they change. */
  shares?: ReportShares | undefined;
}

/** What the reports need of the share cache (src/sharing/cache.ts). */
export interface ReportShares {
  readonly synced: boolean;
  view(namespaces: NamespaceView): SharesView;
  onChange(listener: () => void): void;
}

export class ReportController {
  readonly writes: Counter<'kind' | 'action'>;
  private readonly reconciles: Counter<'result'>;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly rest: KubeRest;
  private readonly informers: Informers;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 120_000 });
  private readonly namespaces: Reflector<CachedNamespace>;
  private readonly networkPolicies: Reflector<AuditObject>;
  private cilium: Reflector<AuditObject> | undefined;
  private reports: Reflector<StoredReport> | undefined;
  private clusterReports: Reflector<StoredReport> | undefined;
  private readonly discovery: DiscoveryPoll;
  private readonly workers: WorkerLoop;
  private readonly elector: LeaderElector | undefined;
  private leading: boolean;
  private stopped = false;
  private settle: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  /** controller.namespaceSelector: the tenant namespaces that get a report, as they get a baseline. */
  private readonly selects: ((labels: Readonly<Record<string, string>>) => boolean) | undefined;
  private readonly shares: ReportShares | undefined;

  constructor(opts: ReportControllerOptions) {
    this.config = opts.config;
    this.log = opts.log.child({ component: 'reports' });
    this.rest = opts.rest;
    this.informers = opts.informers;
    const selector = parseSelector(this.config.controller.namespaceSelector);
    if (!selector.ok) throw new Error(`controller.namespaceSelector: ${selector.error}`);
    this.selects = selector.requirements.length > 0 ? matcher(selector.requirements) : undefined;
    const registers = [opts.registry];
    this.writes = new Counter({ name: 'tenant_guard_reports_writes_total', help: 'PolicyReport writes by kind and action (apply, delete): flat at steady state', labelNames: ['kind', 'action'], registers });
    this.reconciles = new Counter({ name: 'tenant_guard_reports_reconciles_total', help: 'Report reconciles by result: unchanged, written, deleted, error', labelNames: ['result'], registers });
    this.namespaces = this.informers.namespaces();
    this.namespaces.subscribe({ onChange: (_t, obj) => this.onNamespace(obj), onSynced: () => this.enqueueAll() });
    this.networkPolicies = this.policyInformer(NETWORK_POLICIES);
    this.shares = opts.shares;
    // A share that starts or ends changes the verdict on policies of both namespaces: every report is looked at again after a pause.
    this.shares?.onChange(() => this.settleThenAll());
    this.discovery = new DiscoveryPoll(this.rest, DISCOVERY_INTERVAL_MS, (served) => this.onServed(served), this.log);
    this.workers = new WorkerLoop({
      queue: this.queue,
      workers: 2,
      open: () => this.leading && this.ready() && !this.stopped,
      reconcile: (key) => this.reconcile(key),
      onFailure: (key, err, failures, retryInMs) => {
        this.reconciles.inc({ result: 'error' });
        this.log.warn({ report: key === CLUSTER_KEY ? 'cluster' : key, err: (err as Error).message, failures, retryInMs }, 'report reconcile failed; will retry');
      },
    });
    const le = this.config.controller.leaderElection;
    this.leading = !le.enabled;
    if (le.enabled) {
      this.elector = leaseElector(this.rest, { ...le, leaseName: this.config.reports.leaseName }, opts.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`, {
        onStartedLeading: () => this.setLeading(true),
        onStoppedLeading: () => this.setLeading(false),
      }, this.log);
    }
  }

  private policyInformer(resource: typeof NETWORK_POLICIES): Reflector<AuditObject> {
    const r = this.informers.of<AuditObject>(resource);
    r.subscribe({ onChange: (_t, obj) => this.enqueue(obj.metadata?.namespace), onSynced: () => this.enqueueAll() });
    return r;
  }

  private reportInformer(resource: typeof POLICY_REPORTS): Reflector<StoredReport> {
    const r = this.informers.of<StoredReport>(resource, { labelSelector: MANAGED_SELECTOR, keepAnnotations: false });
    r.subscribe({ onChange: (_t, obj) => this.enqueue(obj.metadata?.namespace ?? CLUSTER_KEY), onSynced: () => this.enqueueAll() });
    r.start();
    return r;
  }

  private ready(): boolean {
    return this.reports !== undefined && this.reports.hasSynced && this.clusterReports?.hasSynced === true
      && this.namespaces.hasSynced && this.networkPolicies.hasSynced && (this.cilium === undefined || this.cilium.hasSynced)
      && this.shares?.synced !== false;
  }

  private setLeading(on: boolean): void {
    this.leading = on;
    if (on) this.enqueueAll();
    this.workers.kick();
  }

  private async onServed(served: Served): Promise<void> {
    if (served.policyReports && this.reports === undefined) {
      this.reports = this.reportInformer(POLICY_REPORTS);
      this.clusterReports = this.reportInformer(CLUSTER_POLICY_REPORTS);
      this.log.info({}, 'PolicyReport CRDs served: keeping the reports');
    } else if (!served.policyReports && this.reports !== undefined) {
      this.reports = undefined;
      this.clusterReports = undefined;
      await this.informers.drop(POLICY_REPORTS, { labelSelector: MANAGED_SELECTOR });
      await this.informers.drop(CLUSTER_POLICY_REPORTS, { labelSelector: MANAGED_SELECTOR });
    }
    if (served.ciliumNetworkPolicies && this.cilium === undefined) {
      this.cilium = this.policyInformer(CILIUM_POLICIES);
      this.cilium.start();
    } else if (!served.ciliumNetworkPolicies && this.cilium !== undefined) {
      this.cilium = undefined;
      await this.informers.drop(CILIUM_POLICIES);
    }
    this.workers.kick();
  }

  private onNamespace(obj: CachedNamespace): void {
    this.enqueue(obj.metadata?.name);
    this.settleThenAll();
  }

  private settleThenAll(): void {
    this.settle ??= setTimeout(() => {
      this.settle = undefined;
      this.enqueueAll();
    }, NAMESPACE_SETTLE_MS);
    this.settle.unref();
  }

  private enqueue(key: string | undefined): void {
    if (key === undefined) return;
    this.queue.add(key);
    this.workers.kick();
  }

  private enqueueAll(): void {
    if (!this.ready()) return;
    for (const ns of this.namespaces.values()) if (ns.metadata?.name !== undefined) this.queue.add(ns.metadata.name);
    this.queue.add(CLUSTER_KEY);
    this.workers.kick();
  }

  /** Namespace ownership from the cache, as the audit reads it from a listing. */
  private view(): NamespaceView {
    return { lookup: (name) => {
      const ns = this.namespaces.get(name);
      return ns === undefined ? { state: 'absent' } : lookupFromObject(ns);
    } };
  }

  private flavour(): 'cilium' | 'networkpolicy' {
    return this.config.baseline.flavour === 'cilium' && this.discovery.current?.ciliumNetworkPolicies === true ? 'cilium' : 'networkpolicy';
  }

  /** What the report of `key` should be; undefined: no report belongs there. */
  async desired(key: string): Promise<PolicyReport | undefined> {
    if (key === CLUSTER_KEY) return desiredClusterReport(await this.clusterFindings(), this.config);
    const ns = this.namespaces.get(key);
    if (ns === undefined || ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating') return undefined;
    const owner = ownerFromLabels(key, ns.metadata?.labels, this.config);
    if (owner.kind !== 'tenant' || this.selects?.(ns.metadata?.labels ?? {}) === false) return undefined;
    const view = this.view();
    const shares = this.shares?.view(view);
    const live: AuditObject[] = [];
    const policies: JudgedPolicy[] = [];
    const judge = (o: AuditObject, kind: 'NetworkPolicy' | 'CiliumNetworkPolicy') => {
      live.push({ ...o, kind });
      const j = judgePolicy(o, kind, view, this.config, shares);
      if (j !== undefined) policies.push(j);
    };
    for (const np of this.networkPolicies.inNamespace(key)) judge(np, 'NetworkPolicy');
    for (const cnp of this.cilium?.inNamespace(key) ?? []) judge(cnp, 'CiliumNetworkPolicy');
    const baseline = baselineFinding(key, owner.tenant, live, this.config, this.flavour());
    return desiredNamespaceReport({ namespace: key, tenant: owner.tenant, policies, baseline }, this.config);
  }

  private async clusterFindings(): Promise<ClusterFindings> {
    const clusterPolicies = [];
    for (const t of servedClusterPolicyTypes(this.discovery.current ?? NOTHING_SERVED)) {
      for (const p of (await this.rest.list<AuditObject>(collectionPath(t), t.plural, { limit: 500 })).items) clusterPolicies.push(clusterPolicyFinding({ ...p, apiVersion: t.apiVersion, kind: t.kind }));
    }
    const unlabeledNamespaces: string[] = [];
    const platformUnlabeled: string[] = [];
    const adoptionConflicts: AdoptionConflict[] = [];
    for (const ns of this.namespaces.values()) {
      const f = namespaceFinding(ns, this.config);
      if (f === 'unlabeledNamespaces') unlabeledNamespaces.push(ns.metadata?.name ?? '');
      else if (f === 'platformUnlabeled') platformUnlabeled.push(ns.metadata?.name ?? '');
      const conflict = adoptionConflictOf(ns, this.config);
      if (conflict !== undefined) adoptionConflicts.push(conflict);
    }
    return { clusterPolicies, unlabeledNamespaces: unlabeledNamespaces.sort(), platformUnlabeled: platformUnlabeled.sort(), adoptionConflicts };
  }

  private stored(key: string): StoredReport | undefined {
    const name = this.config.reports.name;
    return key === CLUSTER_KEY ? this.clusterReports?.get(name) : this.reports?.get(`${key}/${name}`);
  }

  private writer(): ReportWriter {
    const resourceOf = (kind: string | undefined) => (kind === 'ClusterPolicyReport' ? CLUSTER_POLICY_REPORTS : POLICY_REPORTS);
    return {
      apply: async (report) => {
        const r = resourceOf(report.kind);
        await this.rest.apply(objectPath(r, report.metadata.name, report.metadata.namespace), r.plural, report, FIELD_MANAGER);
        this.writes.inc({ kind: report.kind, action: 'apply' });
      },
      delete: async (stored) => {
        const r = resourceOf(stored.kind ?? (stored.metadata?.namespace === undefined ? 'ClusterPolicyReport' : 'PolicyReport'));
        try {
          await this.rest.delete(objectPath(r, stored.metadata?.name ?? '', stored.metadata?.namespace), r.plural, { uid: stored.metadata?.uid });
        } catch (err) {
          if (apiStatus(err) !== 404) throw err;
        }
        this.writes.inc({ kind: r.kind, action: 'delete' });
      },
    };
  }

  private async reconcile(key: string): Promise<void> {
    const outcome = await reconcileReport(await this.desired(key), this.stored(key), this.writer());
    this.reconciles.inc({ result: outcome });
    if (outcome !== 'unchanged') this.log.info({ report: key === CLUSTER_KEY ? 'cluster' : key, outcome }, 'report reconciled');
  }

  start(): void {
    this.discovery.start();
    this.namespaces.start();
    this.networkPolicies.start();
    this.elector?.start();
    this.workers.start();
    const every = this.config.controller.resyncSeconds;
    if (every > 0) {
      this.resync = setInterval(() => this.enqueueAll(), every * 1000);
      this.resync.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.settle !== undefined) clearTimeout(this.settle);
    if (this.resync !== undefined) clearInterval(this.resync);
    this.discovery.stop();
    await this.workers.stop();
    await this.elector?.stop();
  }
}
