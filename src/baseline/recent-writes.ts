/**
 * The controller's own writes, laid over the caches until the watch catches
 * up. Without it, a namespace queued again between our write and its watch
 * event would see the old object and write a second time. An entry is used
 * only while the cache holds an older resourceVersion than the write
 * returned; from then on the cache is at least as new and wins. Kubernetes
 * calls resourceVersions opaque, but etcd-backed ones are increasing
 * integers; when one is not, the overlay steps aside and the cache wins (at
 * worst one redundant, idempotent write).
 */
import type { LiveObject } from './desired.js';

type Entry = { kind: 'applied'; obj: LiveObject; rv: string } | { kind: 'deleted'; rv: string };

function newerOrSame(a: string | undefined, b: string): boolean | undefined {
  if (a === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  return BigInt(a) >= BigInt(b);
}

export class RecentWrites {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  applied(key: string, obj: LiveObject): void {
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.entries.set(key, { kind: 'applied', obj, rv });
  }

  deleted(key: string, rv: string | undefined): void {
    if (rv !== undefined && rv !== '') this.entries.set(key, { kind: 'deleted', rv });
  }

  /** The watch delivered this object (or its deletion): drop an entry it supersedes. */
  observed(key: string, cached: LiveObject | undefined): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    if (cached === undefined) {
      if (e.kind === 'deleted') this.entries.delete(key);
      return;
    }
    const cmp = newerOrSame(cached.metadata?.resourceVersion, e.rv);
    if (cmp === undefined || (e.kind === 'applied' && cmp) || (e.kind === 'deleted' && cmp && cached.metadata?.resourceVersion !== e.rv)) this.entries.delete(key);
  }

  /** What reconcile should believe about `key`, given what the cache holds. */
  view(key: string, cached: LiveObject | undefined): LiveObject | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return cached;
    if (e.kind === 'applied') {
      const cmp = newerOrSame(cached?.metadata?.resourceVersion, e.rv);
      if (cached !== undefined && cmp !== false) {
        this.entries.delete(key);
        return cached;
      }
      return e.obj;
    }
    // Deleted by us: the cache may still hold the version we deleted.
    if (cached === undefined) {
      this.entries.delete(key);
      return undefined;
    }
    if (cached.metadata?.resourceVersion === e.rv) return undefined;
    this.entries.delete(key);
    return cached;
  }

  clear(): void {
    this.entries.clear();
  }
}
