/**
 * Adoption of existing namespaces: the namespaces `tenants[].namespaces`
 * assigns to a tenant get its owner label from the controller, with an Event
 * on each namespace; conflicts (two tenants, a platform namespace, another
 * owner already set) are Warning Events and log lines, and the namespace is
 * left as it is. The plan is the engine's (src/policy/adoption.ts); this
 * room only watches and writes, on the process's shared Namespace informer,
 * while the baseline controller leads (one writer per cluster).
 *
 * The label is written with a merge patch carrying the namespace's
 * resourceVersion, so a namespace that changed since it was read is read
 * again (409, retried with backoff) rather than labelled from stale data.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { EventSink } from '../kube/events.js';
import type { CachedNamespace } from '../kube/informers.js';
import { WorkQueue } from '../kube/queue.js';
import type { Reflector } from '../kube/reflector.js';
import { NAMESPACES, objectPath } from '../kube/resources.js';
import type { KubeRest } from '../kube/rest.js';
import { WorkerLoop } from '../kube/worker.js';
import { planAdoption } from '../policy/adoption.js';

export interface AdoptionOptions {
  config: Config;
  rest: KubeRest;
  namespaces: Reflector<CachedNamespace>;
  events: EventSink;
  log: Logger;
  /** Whether this replica may write now (it leads, its caches are synced). */
  leads: () => boolean;
}

/** How often the gate is looked at again: leadership changes are not pushed to this room. */
const GATE_POLL_MS = 1000;

export class AdoptionController {
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 60_000 });
  private readonly workers: WorkerLoop;
  private readonly log: Logger;
  /** The conflict last reported per namespace, so each is reported once, not on every change. */
  private readonly reported = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private wasOpen = false;

  constructor(private readonly opts: AdoptionOptions) {
    this.log = opts.log.child({ component: 'adoption' });
    this.workers = new WorkerLoop({
      queue: this.queue,
      workers: 1,
      open: () => opts.leads(),
      reconcile: (name) => this.reconcile(name),
      onFailure: (name, err, failures, retryInMs) => this.log.warn({ namespace: name, failures, retryInMs, err: (err as Error).message }, 'adopting a namespace failed; retrying'),
    });
    opts.namespaces.subscribe({ onChange: (type, obj) => { if (type !== 'delete' && obj.metadata?.name !== undefined) this.queue.add(obj.metadata.name); } });
  }

  start(): void {
    this.workers.start();
    this.timer = setInterval(() => {
      const open = this.opts.leads();
      // On becoming the writer, look at every namespace: changes seen while another replica led are not queued here.
      if (open && !this.wasOpen) for (const ns of this.opts.namespaces.values()) if (ns.metadata?.name !== undefined) this.queue.add(ns.metadata.name);
      this.wasOpen = open;
      this.workers.kick();
    }, GATE_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.workers.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const ns = this.opts.namespaces.get(name);
    if (ns === undefined || ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating') {
      this.reported.delete(name);
      return;
    }
    const { config } = this.opts;
    const plan = planAdoption(name, ns.metadata?.labels, config);
    const about = { apiVersion: 'v1', kind: 'Namespace', name, namespace: name, uid: ns.metadata?.uid };
    if (plan.kind === 'none') {
      this.reported.delete(name);
      return;
    }
    if (plan.kind === 'conflict') {
      if (this.reported.get(name) === plan.reason) return;
      this.reported.set(name, plan.reason);
      this.log.warn({ namespace: name, finding: 'AdoptionConflict' }, plan.reason);
      this.opts.events.emit(name, about, 'Warning', 'AdoptionConflict', plan.reason);
      return;
    }
    const key = config.tenantLabel;
    await this.opts.rest.patch(objectPath(NAMESPACES, name), NAMESPACES.plural, { metadata: { resourceVersion: ns.metadata?.resourceVersion, labels: { [key]: plan.tenant } } }, 'merge');
    this.reported.delete(name);
    const message = `labelled ${key}=${plan.tenant}: assigned to tenant ${plan.tenant} by tenants[].namespaces`;
    this.log.info({ namespace: name, tenant: plan.tenant }, `adopted namespace: ${message}`);
    this.opts.events.emit(name, about, 'Normal', 'Adopted', message);
  }
}
