/**
 * The live CiliumCIDRGroups (cluster-scoped, cilium.io), for judging a
 * tenant policy's `cidrGroupRef`: the process's shared reflector of the
 * resource (Informers, one watch per resource) keeps every group in memory,
 * and the engine gets a synchronous view of it, so a group whose CIDRs
 * change is judged by its new CIDRs from the next review on.
 *
 * Which version is served is asked of API discovery first: cilium.io/v2,
 * else v2alpha1 (Cilium before 1.18). A cluster that serves neither has no
 * groups: every name is absent, so a cidrGroupRef is refused and nothing else
 * is affected; discovery is asked again now and then, in case Cilium is
 * installed later. A CRD removed later leaves the watch failing: lookups are
 * unknown until discovery confirms it is gone, then absent again. While the groups cannot be read (discovery failing, the
 * list not done, the watch broken) every lookup is "unknown" and the engine
 * refuses (fail closed).
 */
import type { CidrGroupLookup, CidrGroupView } from '../policy/types.js';
import { resourcesOf } from './discovery.js';
import type { Informers } from './informers.js';
import { backoffDelay } from './rate-limit.js';
import type { KubeObject, Reflector } from './reflector.js';
import type { KubeRest } from './rest.js';
import { CIDR_GROUPS, CIDR_GROUPS_V2ALPHA1, type ResourceType } from './resources.js';

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

interface CidrGroupObject extends KubeObject {
  spec?: { externalCIDRs?: unknown };
}

export interface CidrGroupResolver {
  /** The groups as they are now, for one review. */
  view(): CidrGroupView;
  /** Why cidrGroupRef decisions are degraded, or undefined when healthy. */
  degraded(): string | undefined;
}

/** Newest first: the first one discovery lists is watched. */
const VERSIONS: readonly ResourceType[] = [CIDR_GROUPS, CIDR_GROUPS_V2ALPHA1];
/** How often a cluster without the CRD is asked again (one small discovery GET per version). */
const PROBE_MS = 15_000;

export function cidrsOf(obj: CidrGroupObject): CidrGroupLookup {
  const list = obj.spec?.externalCIDRs;
  return { state: 'found', cidrs: Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [] };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? 'error' : String(err);
}

export class ReflectedCidrGroups implements CidrGroupResolver {
  private reflector: Reflector<CidrGroupObject> | undefined;
  /** The version the reflector watches. */
  private served: ResourceType | undefined;
  /** `none`: the API serves no CiliumCIDRGroup, so there are none. */
  private state: 'probing' | 'served' | 'none' | 'failed' = 'probing';
  private lastError = 'CiliumCIDRGroup cache not synced yet';
  private failures = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly rest: KubeRest, private readonly informers: Informers, private readonly log: Log, private readonly probeMs = PROBE_MS) {}

  /** The newest version discovery lists, or undefined when none is served; throws when discovery fails. */
  private async discover(): Promise<ResourceType | undefined> {
    for (const version of VERSIONS) {
      if ((await resourcesOf(this.rest, version.apiVersion)).has(version.plural)) return version;
    }
    return undefined;
  }

  /** Asks discovery which version is served; takes that version's shared reflector (started with the others). */
  async start(): Promise<void> {
    let served: ResourceType | undefined;
    try {
      served = await this.discover();
    } catch (err) {
      if (this.stopped) return;
      this.failures += 1;
      this.state = 'failed';
      this.lastError = `CiliumCIDRGroup discovery failed: ${describe(err)}`;
      this.log.warn({ err: this.lastError }, 'CiliumCIDRGroup discovery failed; retrying');
      this.schedule(backoffDelay(this.failures, 500, 30_000));
      return;
    }
    if (this.stopped) return;
    this.failures = 0;
    if (served === undefined) {
      if (this.state !== 'none') this.log.info({}, 'the API serves no CiliumCIDRGroup: every cidrGroupRef is refused as unknown');
      this.state = 'none';
      this.schedule(this.probeMs);
      return;
    }
    this.reflector = this.informers.of<CidrGroupObject>(served, { keepAnnotations: false });
    this.served = served;
    this.state = 'served';
    this.log.info({ version: served.apiVersion }, 'CiliumCIDRGroups are read from the shared informer');
    this.schedule(this.probeMs);
  }

  /**
   * While served: a reflector that cannot list or watch may be facing a CRD
   * that was removed (or replaced by another version). Lookups are unknown
   * meanwhile (fail closed); once discovery confirms it, the reflector is
   * dropped and the cache starts over (no groups, or the other version).
   */
  private async recheck(): Promise<void> {
    const current = this.served;
    if (current === undefined || this.reflector?.lastError === undefined) {
      this.schedule(this.probeMs);
      return;
    }
    let now: ResourceType | undefined;
    try {
      now = await this.discover();
    } catch {
      // The reflector's own error already says why lookups are unknown; ask again later.
      this.schedule(this.probeMs);
      return;
    }
    if (this.stopped) return;
    if (now === current) {
      this.schedule(this.probeMs);
      return;
    }
    this.log.info({ version: current.apiVersion }, 'CiliumCIDRGroups are no longer served at this version; dropping its informer');
    this.reflector = undefined;
    this.served = undefined;
    this.state = 'probing';
    this.lastError = 'CiliumCIDRGroup cache not synced yet';
    await this.informers.drop(current);
    if (!this.stopped) await this.start();
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void (this.state === 'served' ? this.recheck() : this.start());
    }, ms);
    this.timer.unref();
  }

  /** Stops probing; the reflector is the Informers' and stops with them. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** Why lookups cannot be answered now, or undefined when they can. */
  private problem(): string | undefined {
    if (this.state === 'none') return undefined;
    const r = this.reflector;
    if (this.state !== 'served' || r === undefined) return this.lastError;
    if (!r.hasSynced) return `CiliumCIDRGroup cache not synced: ${r.lastError ?? 'not listed yet'}`;
    // A broken watch leaves the store stale: a group could have changed since.
    return r.lastError === undefined ? undefined : `CiliumCIDRGroup watch failed: ${r.lastError}`;
  }

  view(): CidrGroupView {
    if (this.state === 'none') return { lookup: () => ({ state: 'absent' }) };
    const problem = this.problem();
    const r = this.reflector;
    if (problem !== undefined || r === undefined) {
      const unknown: CidrGroupLookup = { state: 'unknown', reason: problem ?? this.lastError };
      return { lookup: () => unknown };
    }
    return {
      lookup: (name) => {
        const obj = r.get(name);
        return obj === undefined ? { state: 'absent' } : cidrsOf(obj);
      },
    };
  }

  degraded(): string | undefined {
    return this.problem();
  }
}

/** A fixed set of groups (tests, the `check` CLI); every other name is absent, or what `missing` says of it. */
export class StaticCidrGroups implements CidrGroupResolver {
  private readonly groups = new Map<string, CidrGroupLookup>();

  constructor(groups: Iterable<CidrGroupObject>, private readonly missing: (name: string) => CidrGroupLookup = () => ({ state: 'absent' })) {
    for (const g of groups) if (typeof g.metadata?.name === 'string') this.groups.set(g.metadata.name, cidrsOf(g));
  }

  view(): CidrGroupView {
    return { lookup: (name) => this.groups.get(name) ?? this.missing(name) };
  }

  degraded(): string | undefined {
    return undefined;
  }
}
