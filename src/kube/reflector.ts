/**
 * A list-and-watch cache of one resource (an informer). client-node's
 * informer relists on 410 Gone but stops on any other error and lists
 * without paging, so the controller runs its own:
 *
 *   list (paged, rate limited) → replace the store → "synced" (the caller
 *   enqueues every key: nothing that happened while we were not watching is
 *   lost) → watch from the list's resourceVersion → apply each event.
 *
 * A watch that ends normally is resumed from the last resourceVersion seen
 * (bookmarks included); 410 Gone (history compacted) means relist; any other
 * failure is retried with capped exponential backoff and jitter, resuming
 * where possible. Nothing ever stops it but stop().
 */
import { apiStatus, type KubeRest, type WatchEvent } from './rest.js';
import { backoffDelay } from './rate-limit.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export type ChangeType = 'add' | 'update' | 'delete';

export interface ReflectorLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  debug(o: object, msg: string): void;
}

export interface ReflectorOptions<T extends KubeObject> {
  /** For logs and metrics: "namespaces", "networkpolicies", … */
  name: string;
  /** Collection path across all namespaces. */
  path: string;
  labelSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout; the watch is resumed after it. */
  watchTimeoutSeconds?: number;
  onChange?: (type: ChangeType, obj: T, old: T | undefined) => void;
  /** After every (re)list: the store now mirrors the server. */
  onSynced?: (store: ReadonlyMap<string, T>) => void;
  onError?: (err: unknown) => void;
  log: ReflectorLog;
  random?: () => number;
  /** First retry delay after a failure (doubles up to 30 s). */
  backoffBaseMs?: number;
  /** Applied to every object before it is stored (e.g. drop managedFields, which the cache never needs). */
  transform?: (obj: T) => T;
}

/** One consumer of a shared reflector (the webhook's ownership view, the baseline controller, …). */
export interface ReflectorListener<T extends KubeObject> {
  onChange?: (type: ChangeType, obj: T, old: T | undefined) => void;
  onSynced?: (store: ReadonlyMap<string, T>) => void;
}

export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns !== undefined && ns !== '' ? `${ns}/${name}` : name;
}

export class Reflector<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  /** namespace → name → object, so a namespace's objects are found without a scan. */
  private readonly index = new Map<string, Map<string, T>>();
  private resourceVersion = '';
  private abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopped = false;
  private synced = false;
  private failures = 0;
  private wakeup: (() => void) | undefined;
  private readonly listeners: ReflectorListener<T>[] = [];
  private problem: string | undefined = 'not listed yet';
  /** Number of (re)lists done, for tests and logs. */
  lists = 0;

  constructor(private readonly rest: KubeRest, private readonly opts: ReflectorOptions<T>) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Why the cache may be stale: not listed yet, or the last list or watch
   * failed and no watch has been established since. Undefined when watching.
   */
  get lastError(): string | undefined {
    return this.problem;
  }

  /** Adds a consumer; one that joins after a list hears of the objects on the next (re)list and every later change. */
  subscribe(listener: ReflectorListener<T>): void {
    this.listeners.push(listener);
  }

  private changed(type: ChangeType, obj: T, old: T | undefined): void {
    this.opts.onChange?.(type, obj, old);
    for (const l of this.listeners) l.onChange?.(type, obj, old);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  values(): IterableIterator<T> {
    return this.store.values();
  }

  /** The objects of one namespace. */
  inNamespace(namespace: string): Iterable<T> {
    return this.index.get(namespace)?.values() ?? [];
  }

  private put(key: string, obj: T): void {
    this.store.set(key, obj);
    const ns = obj.metadata?.namespace ?? '';
    let m = this.index.get(ns);
    if (m === undefined) {
      m = new Map();
      this.index.set(ns, m);
    }
    m.set(obj.metadata?.name ?? '', obj);
  }

  private remove(key: string, obj: T): void {
    this.store.delete(key);
    const ns = obj.metadata?.namespace ?? '';
    const m = this.index.get(ns);
    if (m === undefined) return;
    m.delete(obj.metadata?.name ?? '');
    if (m.size === 0) this.index.delete(ns);
  }

  get size(): number {
    return this.store.size;
  }

  start(): void {
    this.stopped = false;
    this.running ??= this.loop();
  }

  /** Resolves after the first successful list (or rejects when stopped before). */
  async waitForSync(timeoutMs = Infinity): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.synced) {
      if (this.stopped || Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wakeup?.();
    await this.running;
    this.running = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeup = undefined;
        resolve();
      }, ms);
      this.wakeup = () => {
        clearTimeout(t);
        this.wakeup = undefined;
        resolve();
      };
    });
  }

  private backoff(err: unknown, what: string): Promise<void> {
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.opts.backoffBaseMs ?? 500, 30_000, 0.2, this.opts.random);
    this.opts.log.warn({ informer: this.opts.name, err: (err as Error).message, retryInMs: delay }, `${what} failed; retrying`);
    this.problem = `${what} of ${this.opts.name} failed: ${(err as Error).message}`;
    this.opts.onError?.(err);
    return this.sleep(delay);
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.rest.list<T>(this.opts.path, this.opts.name, { labelSelector: this.opts.labelSelector, limit: this.opts.pageSize ?? 500 });
    this.lists += 1;
    const seen = new Set<string>();
    const transform = this.opts.transform ?? ((o: T) => o);
    for (const raw of items) {
      const obj = transform(raw);
      const key = keyOf(obj);
      seen.add(key);
      const old = this.store.get(key);
      this.put(key, obj);
      if (old === undefined) this.changed('add', obj, undefined);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.changed('update', obj, old);
    }
    for (const [key, old] of [...this.store]) {
      if (!seen.has(key)) {
        this.remove(key, old);
        this.changed('delete', old, old);
      }
    }
    this.resourceVersion = resourceVersion;
    this.synced = true;
    this.opts.log.debug({ informer: this.opts.name, objects: items.length, resourceVersion }, 'listed');
    this.problem = undefined;
    this.opts.onSynced?.(this.store);
    for (const l of this.listeners) l.onSynced?.(this.store);
  }

  private apply(e: WatchEvent): void {
    const obj = this.opts.transform !== undefined && e.type !== 'BOOKMARK' ? this.opts.transform(e.object as T) : (e.object as T);
    const rv = obj.metadata?.resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv !== undefined && rv !== '') this.resourceVersion = rv;
      return;
    }
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (e.type === 'DELETED') {
      if (old !== undefined) {
        this.remove(key, old);
        this.changed('delete', obj, old);
      }
    } else {
      this.put(key, obj);
      this.changed(old === undefined ? 'add' : 'update', obj, old);
    }
    if (rv !== undefined && rv !== '') this.resourceVersion = rv;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.resourceVersion === '') {
        try {
          await this.relist();
          this.failures = 0;
        } catch (err) {
          if (this.stopped) break;
          await this.backoff(err, 'list');
          continue;
        }
      }
      this.abort = new AbortController();
      const timeout = (this.opts.watchTimeoutSeconds ?? 300) * (0.8 + 0.2 * (this.opts.random ?? Math.random)());
      let gone = false;
      let events = 0;
      const began = Date.now();
      try {
        await this.rest.watch(
          this.opts.path,
          this.opts.name,
          { labelSelector: this.opts.labelSelector, resourceVersion: this.resourceVersion, timeoutSeconds: Math.round(timeout) },
          (e) => {
            if (e.type === 'ERROR') {
              // An in-stream Status; 410 means our resourceVersion is too old.
              const code = (e.object as { code?: unknown }).code;
              if (code === 410) gone = true;
              else this.opts.log.warn({ informer: this.opts.name, status: e.object }, 'watch reported an error');
              return;
            }
            events += 1;
            this.apply(e);
            this.failures = 0;
          },
          this.abort.signal,
          (timeout + 60) * 1000,
          () => {
            this.problem = undefined;
          },
        );
      } catch (err) {
        if (this.stopped) break;
        if (apiStatus(err) === 410) gone = true;
        else {
          await this.backoff(err, 'watch');
          continue;
        }
      }
      if (this.stopped) break;
      if (!gone && events === 0 && Date.now() - began < 1000) {
        // A watch that ends at once without a word: do not spin.
        await this.backoff(new Error('watch ended immediately'), 'watch');
        continue;
      }
      if (gone) {
        this.opts.log.info({ informer: this.opts.name, resourceVersion: this.resourceVersion }, 'watch expired (410 Gone); relisting');
        this.resourceVersion = '';
      }
    }
  }
}
