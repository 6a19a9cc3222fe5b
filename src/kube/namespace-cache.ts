/**
 * Namespace ownership from the live cluster, for the webhook: the process's
 * shared Namespace reflector keeps every Namespace in memory; a name it
 * lacks (just created, or the cache not listed yet) is fetched with a direct
 * GET. When neither answers, the lookup is "unknown" and the engine refuses:
 * ownership is never guessed.
 *
 * The GET skips the client's token bucket: an admission decision must never
 * queue behind a controller's backfill, and it is bounded well inside the API
 * server's webhook timeout.
 */
import type { NamespaceLookup, NamespaceView } from '../policy/types.js';
import type { CachedNamespace } from './informers.js';
import { lookupFromObject, mapView, type NamespaceResolver } from './namespace-view.js';
import type { Reflector } from './reflector.js';
import { apiStatus, type KubeRest } from './rest.js';
import { NAMESPACES, objectPath } from './resources.js';

export interface NamespaceCacheOptions {
  /** Bound on a direct GET, well inside the API server's webhook timeout. */
  getTimeoutMs?: number;
}

export class ReflectedNamespaces implements NamespaceResolver {
  private readonly getTimeoutMs: number;

  constructor(private readonly rest: KubeRest, private readonly cache: Reflector<CachedNamespace>, opts: NamespaceCacheOptions = {}) {
    this.getTimeoutMs = opts.getTimeoutMs ?? 2000;
  }

  private async fetch(name: string): Promise<NamespaceLookup> {
    try {
      const ns = await this.rest.request<CachedNamespace>('GET', objectPath(NAMESPACES, name), { verb: 'get', resource: NAMESPACES.plural, exempt: true, timeoutMs: this.getTimeoutMs });
      return lookupFromObject(ns);
    } catch (err) {
      if (apiStatus(err) === 404) return { state: 'absent' };
      const reason = err instanceof Error ? err.message.split('\n')[0] ?? 'error' : 'error';
      return { state: 'unknown', reason: `the API server did not answer a namespace lookup: ${reason}` };
    }
  }

  async resolve(names: readonly string[]): Promise<NamespaceView> {
    const entries = new Map<string, NamespaceLookup>();
    const misses: string[] = [];
    for (const name of names) {
      const cached = this.cache.get(name);
      if (cached !== undefined) entries.set(name, lookupFromObject(cached));
      else misses.push(name);
    }
    const fetched = await Promise.all(misses.map((n) => this.fetch(n)));
    misses.forEach((n, i) => entries.set(n, fetched[i] ?? { state: 'unknown', reason: 'lookup failed' }));
    return mapView(entries, { state: 'unknown', reason: 'namespace was not resolved' });
  }

  degraded(): string | undefined {
    const problem = this.cache.lastError;
    if (problem === undefined) return undefined;
    return this.cache.hasSynced ? `namespace watch failed: ${problem}` : `namespace cache not synced: ${problem}`;
  }
}
