/**
 * Namespace ownership as the engine sees it (a synchronous NamespaceView),
 * and the resolvers that produce one: from a fixed list (the `check` CLI,
 * tests), from nothing (no cluster: every lookup is unknown, so policy
 * decisions fail closed), or from the live cluster (namespace-cache.ts).
 */
import type { NamespaceLookup, NamespaceView } from '../policy/types.js';

export interface NamespaceResolver {
  /** Resolve these names (cache first, API on a miss) into a view for one review. */
  resolve(names: readonly string[]): Promise<NamespaceView>;
  /** Why ownership decisions are degraded, or undefined when healthy. */
  degraded(): string | undefined;
}

export interface NamespaceLike {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown } | undefined;
  status?: { phase?: string } | undefined;
}

export function lookupFromObject(ns: NamespaceLike): NamespaceLookup {
  return {
    state: 'found',
    labels: ns.metadata?.labels ?? {},
    terminating: ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp !== undefined,
  };
}

export function mapView(entries: ReadonlyMap<string, NamespaceLookup>, fallback: NamespaceLookup = { state: 'absent' }): NamespaceView {
  return { lookup: (name) => entries.get(name) ?? fallback };
}

/** A fixed set of namespaces; every other name does not exist. */
export class StaticNamespaces implements NamespaceResolver {
  private readonly entries = new Map<string, NamespaceLookup>();

  constructor(namespaces: Iterable<NamespaceLike>) {
    for (const ns of namespaces) {
      const name = ns.metadata?.name;
      if (typeof name === 'string') this.entries.set(name, lookupFromObject(ns));
    }
  }

  view(): NamespaceView {
    return mapView(this.entries);
  }

  resolve(): Promise<NamespaceView> {
    return Promise.resolve(this.view());
  }

  degraded(): string | undefined {
    return undefined;
  }
}

/** No cluster at all: ownership is never known, so policy decisions are refused (fail closed). */
export class UnavailableNamespaces implements NamespaceResolver {
  constructor(private readonly reason: string) {}

  resolve(): Promise<NamespaceView> {
    const unknown: NamespaceLookup = { state: 'unknown', reason: this.reason };
    return Promise.resolve({ lookup: () => unknown });
  }

  degraded(): string | undefined {
    return this.reason;
  }
}
