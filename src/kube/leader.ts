/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
 * the leader renews the lease every retry period; a candidate takes it over
 * once the record has not changed for a whole lease duration, measured on
 * its own monotonic clock from when it last saw the record change (never by
 * comparing timestamps written by another machine's clock). A leader that
 * cannot renew within the renew deadline steps down before anyone else may
 * take over (renew deadline < lease duration), so two leaders never write at
 * once. On graceful shutdown the leader releases the lease (empty holder), so
 * a successor takes over at its next retry instead of after the lease
 * duration. Every update carries the resourceVersion read, so concurrent
 * candidates cannot both win.
 */
import { HttpMethod } from '@kubernetes/client-node';
import { realClock, type Clock } from './rate-limit.js';
import { apiStatus, type KubeRest } from './rest.js';
import { LEASES, collectionPath, objectPath } from './resources.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseRecord {
  spec: LeaseSpec;
  resourceVersion: string;
}

/** The three calls leader election needs; a fake in tests, the API in production. */
export interface LeaseStore {
  get(): Promise<LeaseRecord | undefined>;
  /** Throws with status 409 when someone created it first. */
  create(spec: LeaseSpec): Promise<LeaseRecord>;
  /** Throws with status 409 when resourceVersion is stale. */
  update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseRecord>;
}

export interface LeaderTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  private lastRenew = -Infinity;
  private observed: { rv: string; spec: LeaseSpec; at: number } | undefined;
  private stopped = false;
  private loopPromise: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastLeader: string | undefined;

  constructor(
    private readonly store: LeaseStore,
    readonly identity: string,
    private readonly timings: LeaderTimings,
    private readonly callbacks: LeaderCallbacks,
    private readonly log: Log,
    private readonly clock: Clock = realClock,
    private readonly wallClock: () => Date = () => new Date(),
  ) {
    if (!(timings.renewDeadlineMs < timings.leaseDurationMs)) throw new RangeError('the renew deadline must be shorter than the lease duration');
    if (!(timings.retryPeriodMs < timings.renewDeadlineMs)) throw new RangeError('the retry period must be shorter than the renew deadline');
  }

  /** True while this process holds a lease it renewed within the renew deadline. */
  isLeader(): boolean {
    return this.leading && this.clock.now() - this.lastRenew < this.timings.renewDeadlineMs;
  }

  /** The holder last seen in the lease (may be this process). */
  get leader(): string | undefined {
    return this.lastLeader;
  }

  start(): void {
    this.loopPromise ??= this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.tick();
      if (this.stopped) break;
      // Candidates spread their attempts; the leader renews on the period.
      const wait = this.leading ? this.timings.retryPeriodMs : this.timings.retryPeriodMs * (1 + 0.2 * Math.random());
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wake = undefined;
          resolve();
        }, wait);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** One attempt to acquire or renew; exposed for tests. */
  async tick(): Promise<boolean> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn({ err: (err as Error).message, identity: this.identity, leading: this.leading }, 'leader election: lease request failed');
    }
    if (this.stopped) return ok;
    if (ok) {
      this.lastRenew = this.clock.now();
      if (!this.leading) {
        this.leading = true;
        this.log.info({ identity: this.identity }, 'leader election: became the leader');
        this.callbacks.onStartedLeading();
      }
    } else if (this.leading && this.clock.now() - this.lastRenew >= this.timings.renewDeadlineMs) {
      this.stepDown('could not renew the lease within the renew deadline');
    }
    return ok;
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.log.warn({ identity: this.identity, why }, 'leader election: stopped leading');
    this.callbacks.onStoppedLeading();
  }

  private noteHolder(holder: string | undefined): void {
    if (holder !== undefined && holder !== '' && holder !== this.lastLeader) {
      this.lastLeader = holder;
      this.callbacks.onNewLeader?.(holder);
    }
  }

  private mine(prev: LeaseSpec | undefined): LeaseSpec {
    const now = microTime(this.wallClock());
    const wasMine = prev?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.timings.leaseDurationMs / 1000),
      acquireTime: wasMine && prev.acquireTime !== undefined ? prev.acquireTime : now,
      renewTime: now,
      leaseTransitions: (prev?.leaseTransitions ?? 0) + (wasMine || prev === undefined ? 0 : 1),
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    // Fast path: the leader renews with the version it wrote last.
    if (this.leading && this.observed !== undefined && this.observed.spec.holderIdentity === this.identity) {
      try {
        const rec = await this.store.update(this.mine(this.observed.spec), this.observed.rv);
        this.observed = { rv: rec.resourceVersion, spec: rec.spec, at: this.clock.now() };
        return true;
      } catch (err) {
        if (apiStatus(err) !== 409) throw err;
      }
    }
    const current = await this.store.get();
    const now = this.clock.now();
    if (current === undefined) {
      try {
        const rec = await this.store.create(this.mine(undefined));
        this.observed = { rv: rec.resourceVersion, spec: rec.spec, at: now };
        this.noteHolder(this.identity);
        return true;
      } catch (err) {
        if (apiStatus(err) === 409) return false;
        throw err;
      }
    }
    if (this.observed === undefined || this.observed.rv !== current.resourceVersion) {
      this.observed = { rv: current.resourceVersion, spec: current.spec, at: now };
    }
    const holder = current.spec.holderIdentity ?? '';
    this.noteHolder(holder);
    const durationMs = (current.spec.leaseDurationSeconds ?? Math.ceil(this.timings.leaseDurationMs / 1000)) * 1000;
    const expired = holder === '' || this.observed.at + durationMs <= now;
    if (holder !== this.identity && !expired) {
      if (this.leading) this.stepDown(`the lease is held by ${holder}`);
      return false;
    }
    try {
      const rec = await this.store.update(this.mine(current.spec), current.resourceVersion);
      this.observed = { rv: rec.resourceVersion, spec: rec.spec, at: this.clock.now() };
      this.noteHolder(this.identity);
      return true;
    } catch (err) {
      if (apiStatus(err) === 409) return false;
      throw err;
    }
  }

  /** Stop competing; a leader releases the lease so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loopPromise;
    if (this.leading) {
      this.leading = false;
      this.callbacks.onStoppedLeading();
      if (this.observed !== undefined && this.observed.spec.holderIdentity === this.identity) {
        const now = microTime(this.wallClock());
        try {
          await this.store.update({ ...this.observed.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now }, this.observed.rv);
          this.log.info({ identity: this.identity }, 'leader election: released the lease');
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'leader election: could not release the lease; it expires on its own');
        }
      }
    }
  }
}

/** The Lease as a LeaseStore, through the API (exempt from the token bucket). */
export function apiLeaseStore(rest: KubeRest, namespace: string, name: string): LeaseStore {
  const path = objectPath(LEASES, name, namespace);
  const toRecord = (obj: { spec?: LeaseSpec; metadata?: { resourceVersion?: string } }): LeaseRecord => ({ spec: obj.spec ?? {}, resourceVersion: obj.metadata?.resourceVersion ?? '' });
  return {
    async get() {
      try {
        return toRecord(await rest.request(HttpMethod.GET, path, { verb: 'get', resource: 'leases', exempt: true, timeoutMs: 5000 }));
      } catch (err) {
        if (apiStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async create(spec) {
      return toRecord(await rest.request(HttpMethod.POST, collectionPath(LEASES, namespace), {
        verb: 'create', resource: 'leases', exempt: true, timeoutMs: 5000,
        body: { apiVersion: LEASES.apiVersion, kind: LEASES.kind, metadata: { name, namespace }, spec },
      }));
    },
    async update(spec, resourceVersion) {
      return toRecord(await rest.request(HttpMethod.PUT, path, {
        verb: 'update', resource: 'leases', exempt: true, timeoutMs: 5000,
        body: { apiVersion: LEASES.apiVersion, kind: LEASES.kind, metadata: { name, namespace, resourceVersion }, spec },
      }));
    },
  };
}

/** Leader election as the config states it (seconds). */
export interface LeaseSettings {
  leaseNamespace: string;
  leaseName: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** An elector on the Lease `settings` names, logging who else leads. */
export function leaseElector(rest: KubeRest, settings: LeaseSettings, identity: string, callbacks: LeaderCallbacks, log: Log & { child(b: object): Log }): LeaderElector {
  const lease = `${settings.leaseNamespace}/${settings.leaseName}`;
  return new LeaderElector(
    apiLeaseStore(rest, settings.leaseNamespace, settings.leaseName),
    identity,
    { leaseDurationMs: settings.leaseDurationSeconds * 1000, renewDeadlineMs: settings.renewDeadlineSeconds * 1000, retryPeriodMs: settings.retryPeriodSeconds * 1000 },
    {
      ...callbacks,
      onNewLeader: (id) => {
        if (id !== identity) log.info({ leader: id, lease }, 'leader election: another replica leads');
        callbacks.onNewLeader?.(id);
      },
    },
    log.child({ lease }),
  );
}
