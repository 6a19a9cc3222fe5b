/**
 * KubeRest against a local HTTP server standing in for the API server:
 * paging, 429 with Retry-After, Status errors, an unreachable server, server-
 * side apply's request shape, and watch streams (events, 410, silence).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';
import { KubeApiError, KubeRest, retryAfterMs, type WatchEvent } from './rest.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server | undefined;

async function serve(handler: Handler): Promise<KubeConfig> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

afterEach(async () => {
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
  }
});

const json = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('KubeRest', () => {
  it('pages through a list with limit/continue and keeps the first page\'s resourceVersion', async () => {
    const seen: string[] = [];
    const kc = await serve((req, _b, res) => {
      const url = new URL(req.url!, 'http://x');
      seen.push(`${url.searchParams.get('limit')}:${url.searchParams.get('continue') ?? ''}:${url.searchParams.get('labelSelector') ?? ''}`);
      expect(req.headers.authorization).toBe('Bearer secret-token');
      const cont = url.searchParams.get('continue');
      if (cont === null) json(res, 200, { metadata: { resourceVersion: '42', continue: 'p2' }, items: [{ n: 1 }, { n: 2 }] });
      else if (cont === 'p2') json(res, 200, { metadata: { resourceVersion: '43', continue: 'p3' }, items: [{ n: 3 }, { n: 4 }] });
      else json(res, 200, { metadata: { resourceVersion: '44' }, items: [{ n: 5 }] });
    });
    const pages: number[] = [];
    const r = await new KubeRest(kc).list<{ n: number }>('/api/v1/namespaces', 'namespaces', { limit: 2, labelSelector: 'a=b' }, (n) => pages.push(n));
    expect(r).toEqual({ items: [1, 2, 3, 4, 5].map((n) => ({ n })), resourceVersion: '42' });
    expect(seen).toEqual(['2::a=b', '2:p2:a=b', '2:p3:a=b']);
    expect(pages).toEqual([2, 4, 5]);
  });

  it('pauses the token bucket for a 429\'s Retry-After, then retries and succeeds', async () => {
    let calls = 0;
    const kc = await serve((_req, _b, res) => {
      calls += 1;
      if (calls === 1) json(res, 429, { kind: 'Status', reason: 'TooManyRequests', message: 'slow down' }, { 'retry-after': '1' });
      else json(res, 200, { ok: true });
    });
    // The bucket's clock records the pause instead of waiting it out.
    const clock = { t: 0, slept: [] as number[], now: () => clock.t, sleep: (ms: number) => { clock.slept.push(ms); clock.t += ms; return Promise.resolve(); } };
    const limiter = new TokenBucket(1000, 1000, clock);
    const observed: number[] = [];
    const rest = new KubeRest(kc, { limiter, observe: (_v, _r, status) => observed.push(status) });
    expect(await rest.get('/x', 'things')).toEqual({ ok: true });
    expect(clock.slept).toEqual([1000]);
    expect(observed).toEqual([429, 200]);
  });

  it('gives up on 429 after the configured retries, with the status', async () => {
    const kc = await serve((_req, _b, res) => json(res, 429, { reason: 'TooManyRequests', message: 'no' }, { 'retry-after': '0' }));
    const rest = new KubeRest(kc, { max429Retries: 2 });
    await expect(rest.get('/x', 'things')).rejects.toMatchObject({ status: 429, reason: 'TooManyRequests' });
  });

  it('turns a Status body into a KubeApiError with reason and message', async () => {
    const kc = await serve((_req, _b, res) => json(res, 403, { kind: 'Status', reason: 'Forbidden', message: 'namespaces is forbidden: User "x" cannot list' }));
    const err = await new KubeRest(kc).get('/api/v1/namespaces', 'namespaces').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 403, reason: 'Forbidden', message: 'namespaces is forbidden: User "x" cannot list' });
  });

  it('reports an unreachable server as status 0', async () => {
    const kc = await serve(() => undefined);
    const port = (server!.address() as AddressInfo).port;
    server!.close();
    server = undefined;
    const err = await new KubeRest(kc).get('/x', 'things').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, reason: 'Unreachable' });
    expect((err as Error).message).toContain(`http://127.0.0.1:${port}`);
  });

  it('sends server-side apply as the API expects it', async () => {
    let seen: { method?: string; url?: string; type?: string; body?: string } = {};
    const kc = await serve((req, body, res) => {
      seen = { method: req.method, url: req.url, type: req.headers['content-type'], body };
      json(res, 200, { metadata: { resourceVersion: '7' } });
    });
    const obj = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'n' }, spec: { ipBlock: { except: ['10.0.0.0/8'] } } };
    await new KubeRest(kc).apply('/apis/networking.k8s.io/v1/namespaces/n/networkpolicies/p', 'networkpolicies', obj, 'tenant-guard');
    expect(seen).toEqual({
      method: 'PATCH',
      url: '/apis/networking.k8s.io/v1/namespaces/n/networkpolicies/p?fieldManager=tenant-guard&force=true',
      type: 'application/apply-patch+yaml',
      body: JSON.stringify(obj),
    });
  });

  it('sends delete preconditions', async () => {
    let body = '';
    const kc = await serve((_req, b, res) => {
      body = b;
      json(res, 200, { kind: 'Status', status: 'Success' });
    });
    await new KubeRest(kc).delete('/p', 'networkpolicies', { uid: 'u1', resourceVersion: '9' });
    expect(JSON.parse(body)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'u1', resourceVersion: '9' } });
  });

  it('streams watch events, split across chunks, until the server ends the stream', async () => {
    let query: URLSearchParams | undefined;
    const kc = await serve((req, _b, res) => {
      query = new URL(req.url!, 'http://x').searchParams;
      res.writeHead(200, { 'content-type': 'application/json' });
      const a = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '2' } } });
      const b = JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: '3' } } });
      res.write(a.slice(0, 10));
      setTimeout(() => {
        res.write(`${a.slice(10)}\n${b}\n`);
        res.end();
      }, 20);
    });
    const events: WatchEvent[] = [];
    await new KubeRest(kc).watch('/api/v1/namespaces', 'namespaces', { resourceVersion: '1', timeoutSeconds: 30 }, (e) => events.push(e), new AbortController().signal, 5000);
    expect(events.map((e) => `${e.type} ${String(e.object.metadata && (e.object.metadata as { resourceVersion: string }).resourceVersion)}`)).toEqual(['ADDED 2', 'DELETED 3']);
    expect(query?.get('watch')).toBe('true');
    expect(query?.get('allowWatchBookmarks')).toBe('true');
    expect(query?.get('resourceVersion')).toBe('1');
  });

  it('rejects a watch answered with 410 Gone', async () => {
    const kc = await serve((_req, _b, res) => json(res, 410, { kind: 'Status', reason: 'Expired', message: 'too old resource version' }));
    await expect(new KubeRest(kc).watch('/w', 'things', {}, () => undefined, new AbortController().signal, 5000)).rejects.toMatchObject({ status: 410, reason: 'Expired' });
  });

  it('abandons a silent watch after the idle limit, and ends quietly when cancelled', async () => {
    const kc = await serve((_req, _b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('\n');
    });
    const rest = new KubeRest(kc);
    await expect(rest.watch('/w', 'things', {}, () => undefined, new AbortController().signal, 200)).rejects.toMatchObject({ status: 0, reason: 'Timeout' });
    const ac = new AbortController();
    const watching = rest.watch('/w', 'things', {}, () => undefined, ac.signal, 60_000);
    setTimeout(() => ac.abort(), 50);
    await expect(watching).resolves.toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  it.each([[{ 'retry-after': '3' }, 3000], [{ 'retry-after': ' 0 ' }, 0], [{ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, undefined], [{}, undefined]])('%j → %s', (h, ms) => {
    expect(retryAfterMs(h)).toBe(ms);
  });
});
