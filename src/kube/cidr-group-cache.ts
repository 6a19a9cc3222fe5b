/**
 * The live CiliumCIDRGroups (cluster-scoped, cilium.io), for judging a
 * tenant policy's `cidrGroupRef`: an informer keeps every group in memory
 * and the engine gets a synchronous view of them. cilium.io/v2 is tried
 * first, then v2alpha1 (Cilium before 1.18). A cluster that serves neither
 * has no groups: every name is absent, so a cidrGroupRef is refused and
 * nothing else is affected; the API is probed again now and then, in case
 * Cilium is installed later. While the groups cannot be read every lookup is
 * "unknown" and the engine refuses (fail closed).
 */
import { CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { CidrGroupLookup, CidrGroupView } from '../policy/types.js';

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

interface CidrGroupObject extends KubernetesObject {
  spec?: { externalCIDRs?: unknown };
}

export interface CidrGroupResolver {
  /** The groups as they are now, for one review. */
  view(): CidrGroupView;
  /** Why cidrGroupRef decisions are degraded, or undefined when healthy. */
  degraded(): string | undefined;
}

/** The HTTP status of a client-node error, if it carries one. */
function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
    for (const c of [e.code, e.statusCode, e.response?.statusCode]) if (typeof c === 'number') return c;
  }
  return undefined;
}

const GROUP = 'cilium.io';
const PLURAL = 'ciliumcidrgroups';
const VERSIONS = ['v2', 'v2alpha1'] as const;
/** How often a cluster without the CRD is asked again (one small GET per version). */
const PROBE_MS = 15_000;

export function cidrsOf(obj: CidrGroupObject): CidrGroupLookup {
  const list = obj.spec?.externalCIDRs;
  return { state: 'found', cidrs: Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [] };
}

type Informer = ReturnType<typeof makeInformer<CidrGroupObject>>;

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? 'error' : String(err);
}

export class InformerCidrGroups implements CidrGroupResolver {
  private readonly api: CustomObjectsApi;
  private informer: Informer | undefined;
  /** `none`: the API serves no CiliumCIDRGroup, so there are none. */
  private state: 'syncing' | 'synced' | 'none' | 'failed' = 'syncing';
  private lastError = 'CiliumCIDRGroup cache not synced yet';
  private stopped = false;
  private backoffMs = 500;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly kc: KubeConfig, private readonly log: Log) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async start(): Promise<void> {
    for (const version of VERSIONS) {
      const informer = makeInformer<CidrGroupObject>(this.kc, `/apis/${GROUP}/${version}/${PLURAL}`,
        () => this.api.listClusterCustomObject({ group: GROUP, version, plural: PLURAL }) as Promise<KubernetesListObject<CidrGroupObject>>);
      // client-node's start() never rejects: a failed list or watch is an 'error' event, and it stops there.
      let synced = false;
      let failure: unknown;
      informer.on('error', (err: unknown) => {
        if (!synced) {
          failure ??= err;
          return;
        }
        if (this.informer !== informer) return;
        this.informer = undefined;
        void informer.stop().catch(() => undefined);
        this.fail(`CiliumCIDRGroup watch failed: ${describe(err)}`);
      });
      await informer.start();
      if (failure !== undefined || this.stopped) {
        await informer.stop().catch(() => undefined);
        if (this.stopped) return;
        if (statusOf(failure) === 404) continue;
        this.fail(`CiliumCIDRGroup list failed: ${describe(failure)}`);
        return;
      }
      synced = true;
      this.informer = informer;
      this.state = 'synced';
      this.backoffMs = 500;
      this.log.info({ version, groups: informer.list().length }, 'CiliumCIDRGroup cache synced');
      return;
    }
    this.state = 'none';
    this.log.info({}, 'the API serves no CiliumCIDRGroup: every cidrGroupRef is refused as unknown');
    this.schedule(PROBE_MS);
  }

  private fail(reason: string): void {
    this.state = 'failed';
    this.lastError = reason;
    this.log.warn({ err: reason, retryInMs: this.backoffMs }, 'CiliumCIDRGroup cache error; restarting');
    this.schedule(this.backoffMs + Math.random() * this.backoffMs * 0.2);
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.informer?.stop().catch(() => undefined);
  }

  view(): CidrGroupView {
    const state = this.state;
    const informer = this.informer;
    if (state === 'none') return { lookup: () => ({ state: 'absent' }) };
    if (state !== 'synced' || informer === undefined) {
      const unknown: CidrGroupLookup = { state: 'unknown', reason: this.lastError };
      return { lookup: () => unknown };
    }
    return {
      lookup: (name) => {
        const obj = informer.get(name);
        return obj === undefined ? { state: 'absent' } : cidrsOf(obj);
      },
    };
  }

  degraded(): string | undefined {
    return this.state === 'synced' || this.state === 'none' ? undefined : this.lastError;
  }
}

/** A fixed set of groups (tests, the `check` CLI); every other name is absent. */
export class StaticCidrGroups implements CidrGroupResolver {
  private readonly groups = new Map<string, CidrGroupLookup>();

  constructor(groups: Iterable<CidrGroupObject>) {
    for (const g of groups) if (typeof g.metadata?.name === 'string') this.groups.set(g.metadata.name, cidrsOf(g));
  }

  view(): CidrGroupView {
    return { lookup: (name) => this.groups.get(name) ?? { state: 'absent' } };
  }

  degraded(): string | undefined {
    return undefined;
  }
}
