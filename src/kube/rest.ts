/**
 * A small JSON client for the Kubernetes API on top of client-node's own
 * transport (its KubeConfig authentication and TLS, its fetch). The typed
 * clients deserialize into model classes (renaming `except` to `_except`,
 * turning timestamps into Dates), which makes "is the live object what we
 * want?" comparisons wrong; the controller needs plain JSON as the API
 * server sends it, plus what the typed clients hide: status codes,
 * Retry-After, paging and long-lived watches.
 *
 * Every request waits on the token bucket (except those marked exempt, such
 * as leader election, which must never queue behind a backfill), is counted
 * for metrics, and is retried after Retry-After when the server answers 429.
 * One connection pool is shared by all requests (client-node builds a new one
 * per request, which costs a TLS handshake each time).
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { realClock, type Clock, type TokenBucket } from './rate-limit.js';

export class KubeApiError extends Error {
  constructor(
    /** HTTP status; 0 when the API server could not be reached at all. */
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function apiStatus(err: unknown): number | undefined {
  return err instanceof KubeApiError ? err.status : undefined;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'apply' | 'delete';

export interface RequestOptions {
  verb: Verb;
  /** Resource name for metrics (networkpolicies, leases, …). */
  resource: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Do not wait for a token (leader election). */
  exempt?: boolean;
  timeoutMs?: number;
}

export type RequestObserver = (verb: Verb, resource: string, status: number) => void;

export interface KubeRestOptions {
  limiter?: TokenBucket | undefined;
  observe?: RequestObserver | undefined;
  /** Retries of a request the server answered with 429. */
  max429Retries?: number;
  timeoutMs?: number;
  clock?: Clock;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

type Dispatcher = ReturnType<RequestContext['getDispatcher']>;

function statusMessage(status: number, text: string): { reason: string; message: string } {
  try {
    const body = JSON.parse(text) as { reason?: unknown; message?: unknown };
    return {
      reason: typeof body.reason === 'string' && body.reason !== '' ? body.reason : `HTTP${status}`,
      message: typeof body.message === 'string' && body.message !== '' ? body.message : `HTTP ${status}`,
    };
  } catch {
    return { reason: `HTTP${status}`, message: `HTTP ${status}${text !== '' ? `: ${text.slice(0, 200)}` : ''}` };
  }
}

/** Retry-After in ms (seconds form only, as the API server sends it). */
export function retryAfterMs(headers: Record<string, string>): number | undefined {
  const v = headers['retry-after'];
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v.trim()) * 1000;
}

export class KubeRest {
  private readonly http = new IsomorphicFetchHttpLibrary();
  private dispatcher: Dispatcher;
  private readonly server: string;
  private readonly max429Retries: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly kc: KubeConfig, private readonly opts: KubeRestOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new KubeApiError(0, 'NoCluster', 'the kubeconfig names no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.max429Retries = opts.max429Retries ?? 5;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.clock = opts.clock ?? realClock;
  }

  /** The API server's address (for messages). */
  get url(): string {
    return this.server;
  }

  private async context(method: HttpMethod, path: string, query: RequestOptions['query']): Promise<RequestContext> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), method);
    // Authentication is applied per request (tokens can rotate); the
    // connection pool it creates each time is replaced by the shared one.
    await this.kc.applySecurityAuthentication(ctx);
    const fresh = ctx.getDispatcher();
    if (this.dispatcher === undefined) this.dispatcher = fresh;
    else if (fresh !== undefined) ctx.setDispatcher(this.dispatcher);
    return ctx;
  }

  async request<T>(method: HttpMethod, path: string, opts: RequestOptions): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (opts.exempt !== true) await this.opts.limiter?.take();
      const ctx = await this.context(method, path, opts.query);
      ctx.setHeaderParam('Accept', 'application/json');
      if (opts.body !== undefined) {
        ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
        ctx.setBody(JSON.stringify(opts.body));
      }
      ctx.setSignal(AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs));
      let status: number;
      let text: string;
      let headers: Record<string, string>;
      try {
        const res = await this.http.send(ctx).toPromise();
        status = res.httpStatusCode;
        headers = res.headers;
        text = await res.body.text();
      } catch (err) {
        this.opts.observe?.(opts.verb, opts.resource, 0);
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const detail = cause?.code ?? cause?.message ?? (err as Error).message;
        throw new KubeApiError(0, 'Unreachable', `the API server at ${this.server} did not answer: ${detail}`);
      }
      this.opts.observe?.(opts.verb, opts.resource, status);
      if (status >= 200 && status < 300) return (text === '' ? {} : JSON.parse(text)) as T;
      const { reason, message } = statusMessage(status, text);
      const after = retryAfterMs(headers);
      if (status === 429 && attempt < this.max429Retries) {
        const wait = after ?? Math.min(1000 * 2 ** attempt, 30_000);
        this.opts.limiter?.pause(wait);
        if (opts.exempt === true || this.opts.limiter === undefined) await this.clock.sleep(wait);
        continue;
      }
      throw new KubeApiError(status, reason, message, after);
    }
  }

  get<T>(path: string, resource: string, exempt = false): Promise<T> {
    return this.request<T>(HttpMethod.GET, path, { verb: 'get', resource, exempt });
  }

  /** Every item of a collection, page by page (limit/continue), from one consistent snapshot. */
  async list<T>(path: string, resource: string, query: { labelSelector?: string; limit?: number } = {}, onPage?: (count: number) => void): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.request<{ items?: T[]; metadata?: { continue?: string; resourceVersion?: string } }>(HttpMethod.GET, path, {
        verb: 'list',
        resource,
        query: { labelSelector: query.labelSelector, limit: query.limit ?? 500, continue: cont },
      });
      for (const item of page.items ?? []) items.push(item);
      if (resourceVersion === '') resourceVersion = page.metadata?.resourceVersion ?? '';
      cont = page.metadata?.continue !== undefined && page.metadata.continue !== '' ? page.metadata.continue : undefined;
      onPage?.(items.length);
    } while (cont !== undefined);
    return { items, resourceVersion };
  }

  /** POST into a collection. */
  create<T>(path: string, resource: string, body: unknown, extra: Partial<RequestOptions> = {}): Promise<T> {
    return this.request<T>(HttpMethod.POST, path, { verb: 'create', resource, body, ...extra });
  }

  /** PUT a whole object (carry metadata.resourceVersion to make it conditional). */
  replace<T>(path: string, resource: string, body: unknown, extra: Partial<RequestOptions> = {}): Promise<T> {
    return this.request<T>(HttpMethod.PUT, path, { verb: 'update', resource, body, ...extra });
  }

  /** A merge patch (RFC 7386) or a JSON patch (RFC 6902). */
  patch<T>(path: string, resource: string, body: unknown, kind: 'merge' | 'json', extra: Partial<RequestOptions> = {}): Promise<T> {
    const contentType = kind === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json';
    return this.request<T>(HttpMethod.PATCH, path, { verb: 'patch', resource, body, contentType, ...extra });
  }

  /** Server-side apply: this manager owns the fields in `obj`; conflicts are forced. */
  apply<T>(path: string, resource: string, obj: unknown, fieldManager: string): Promise<T> {
    return this.request<T>(HttpMethod.PATCH, path, {
      verb: 'apply',
      resource,
      query: { fieldManager, force: true },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** Delete, only if the object is still the one we decided about (uid and resourceVersion preconditions). */
  delete(path: string, resource: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<unknown> {
    return this.request(HttpMethod.DELETE, path, {
      verb: 'delete',
      resource,
      body: preconditions !== undefined ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions } : undefined,
    });
  }

  /**
   * Stream a watch. Resolves when the server ends it (timeoutSeconds), rejects
   * with a KubeApiError on an HTTP error (410 included), and is cancelled by
   * `signal`. A stream that stays silent past `idleMs` is abandoned.
   * `onOpen` is called once the server has accepted the watch (HTTP 200).
   */
  async watch(path: string, resource: string, query: Record<string, string | number | boolean | undefined>, onEvent: (e: WatchEvent) => void, signal: AbortSignal, idleMs: number, onOpen?: () => void): Promise<void> {
    await this.opts.limiter?.take();
    const ctx = await this.context(HttpMethod.GET, path, { ...query, watch: true, allowWatchBookmarks: true });
    ctx.setHeaderParam('Accept', 'application/json');
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    let idleFired = false;
    const arm = () => {
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        local.abort();
      }, idleMs);
      idle.unref();
    };
    ctx.setSignal(local.signal);
    try {
      arm();
      let res;
      try {
        res = await this.http.send(ctx).toPromise();
      } catch (err) {
        this.opts.observe?.('watch', resource, 0);
        if (signal.aborted) return;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new KubeApiError(0, 'Unreachable', `watch on ${path} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      }
      this.opts.observe?.('watch', resource, res.httpStatusCode);
      if (res.httpStatusCode !== 200) {
        const text = await res.body.text().catch(() => '');
        const { reason, message } = statusMessage(res.httpStatusCode, text);
        throw new KubeApiError(res.httpStatusCode, reason, message, retryAfterMs(res.headers));
      }
      onOpen?.();
      const stream = res.body.stream();
      if (stream === null) return;
      const decoder = new TextDecoder();
      let buffered = '';
      try {
        for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
          arm();
          buffered += decoder.decode(chunk, { stream: true });
          let nl = buffered.indexOf('\n');
          while (nl !== -1) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line !== '') onEvent(JSON.parse(line) as WatchEvent);
            nl = buffered.indexOf('\n');
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        if (idleFired) throw new KubeApiError(0, 'Timeout', `watch on ${path} was silent for ${idleMs} ms`);
        if (err instanceof KubeApiError) throw err;
        throw new KubeApiError(0, 'StreamError', `watch on ${path} broke: ${(err as Error).message}`);
      }
    } finally {
      if (idle !== undefined) clearTimeout(idle);
      signal.removeEventListener('abort', onAbort);
    }
  }
}
