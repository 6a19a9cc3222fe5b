/**
 * Namespace ownership from the live cluster: an informer keeps every
 * Namespace in memory; a name the cache lacks (just created, or the cache
 * not synced yet) is fetched with a direct GET. When neither answers, the
 * lookup is "unknown" and the engine refuses: ownership is never guessed.
 *
 * client-node's informer relists on 410 Gone but stops on any other error,
 * so it is restarted here with capped exponential backoff.
 */
import { CoreV1Api, makeInformer, type KubeConfig, type V1Namespace } from '@kubernetes/client-node';
import type { NamespaceLookup, NamespaceView } from '../policy/types.js';
import { statusOf } from './client.js';
import { lookupFromObject, mapView, type NamespaceResolver } from './namespace-view.js';

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface NamespaceCacheOptions {
  /** Bound on a direct GET, well inside the API server's webhook timeout. */
  getTimeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

export class InformerNamespaces implements NamespaceResolver {
  private readonly api: CoreV1Api;
  private readonly informer;
  private synced = false;
  private lastError: string | undefined = 'namespace cache not synced yet';
  private stopped = false;
  private backoffMs = 500;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly getTimeoutMs: number;

  constructor(kc: KubeConfig, private readonly log: Log, opts: NamespaceCacheOptions = {}) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.getTimeoutMs = opts.getTimeoutMs ?? 2000;
    this.informer = makeInformer<V1Namespace>(kc, '/api/v1/namespaces', () => this.api.listNamespace());
    this.informer.on('connect', () => {
      this.synced = true;
      this.lastError = undefined;
      this.backoffMs = 500;
    });
    this.informer.on('error', (err: unknown) => {
      this.synced = false;
      this.lastError = `namespace watch failed: ${err instanceof Error ? err.message : String(err)}`;
      this.log.warn({ err: this.lastError, retryInMs: this.backoffMs }, 'namespace informer error; restarting');
      this.scheduleRestart();
    });
  }

  async start(): Promise<void> {
    try {
      await this.informer.start();
      this.synced = true;
      this.lastError = undefined;
      this.log.info({ namespaces: this.informer.list().length }, 'namespace cache synced');
    } catch (err) {
      this.lastError = `namespace list failed: ${err instanceof Error ? err.message : String(err)}`;
      this.log.warn({ err: this.lastError }, 'namespace cache not synced; lookups fall back to direct GETs');
      this.scheduleRestart();
    }
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer !== undefined) return;
    const jitter = Math.random() * this.backoffMs * 0.2;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      void this.start();
    }, this.backoffMs + jitter);
    this.restartTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    await this.informer.stop().catch(() => undefined);
  }

  private async fetch(name: string): Promise<NamespaceLookup> {
    try {
      const ns = await withTimeout(this.api.readNamespace({ name }), this.getTimeoutMs);
      return lookupFromObject(ns);
    } catch (err) {
      if (statusOf(err) === 404) return { state: 'absent' };
      const reason = err instanceof Error ? err.message.split('\n')[0] ?? 'error' : 'error';
      return { state: 'unknown', reason: `the API server did not answer a namespace lookup: ${reason}` };
    }
  }

  async resolve(names: readonly string[]): Promise<NamespaceView> {
    const entries = new Map<string, NamespaceLookup>();
    const misses: string[] = [];
    for (const name of names) {
      const cached = this.informer.get(name);
      if (cached !== undefined) entries.set(name, lookupFromObject(cached));
      else misses.push(name);
    }
    const fetched = await Promise.all(misses.map((n) => this.fetch(n)));
    misses.forEach((n, i) => entries.set(n, fetched[i] ?? { state: 'unknown', reason: 'lookup failed' }));
    return mapView(entries, { state: 'unknown', reason: 'namespace was not resolved' });
  }

  degraded(): string | undefined {
    return this.synced ? undefined : this.lastError;
  }
}
