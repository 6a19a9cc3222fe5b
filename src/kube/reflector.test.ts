/**
 * The informer's contract with a scripted API: list then watch from the
 * list's resourceVersion, resume after a normal end, relist on 410 Gone
 * (in-stream or as the HTTP status) with deletes for what vanished, and keep
 * going after any other error.
 */
import { describe, expect, it } from 'vitest';
import { Reflector, type KubeObject } from './reflector.js';
import { KubeApiError, type KubeRest, type ListResult, type WatchEvent } from './rest.js';

const obj = (name: string, rv: string, namespace?: string): KubeObject => ({ metadata: { name, namespace, resourceVersion: rv } });

type WatchStep = { events: WatchEvent[]; end: 'close' } | { events: WatchEvent[]; end: 'throw'; status: number };

class ScriptedApi {
  lists: ListResult<KubeObject>[] = [];
  watches: WatchStep[] = [];
  watchedFrom: string[] = [];
  listed = 0;

  list(): Promise<ListResult<KubeObject>> {
    this.listed += 1;
    const next = this.lists.shift();
    if (next === undefined) return Promise.reject(new KubeApiError(0, 'Unreachable', 'no more lists scripted'));
    return Promise.resolve(structuredClone(next));
  }

  async watch(_path: string, _r: string, query: Record<string, unknown>, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    this.watchedFrom.push(String(query.resourceVersion));
    const step = this.watches.shift();
    if (step === undefined) {
      // Nothing more scripted: a quiet watch until stopped.
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
    for (const e of step.events) onEvent(structuredClone(e));
    if (step.end === 'throw') throw new KubeApiError(step.status, `HTTP${step.status}`, `status ${step.status}`);
  }
}

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Reflector', () => {
  it('lists, watches, resumes, relists on 410 and survives other errors without losing a change', async () => {
    const api = new ScriptedApi();
    api.lists.push({ items: [obj('a', '5', 'ns1'), obj('b', '6', 'ns1')], resourceVersion: '10' });
    api.watches.push(
      // A change, then the server ends the watch (timeoutSeconds): resume from rv 11.
      { events: [{ type: 'MODIFIED', object: obj('a', '11', 'ns1') }], end: 'close' },
      // A bookmark moves the resourceVersion on.
      { events: [{ type: 'BOOKMARK', object: obj('', '12') }], end: 'close' },
      // History was compacted: the server says 410 Gone in the stream.
      { events: [{ type: 'ERROR', object: { kind: 'Status', code: 410 } }], end: 'close' },
    );
    // The relist after 410: b was deleted and c created while we were not watching.
    api.lists.push({ items: [obj('a', '11', 'ns1'), obj('c', '15', 'ns2')], resourceVersion: '20' });
    api.watches.push(
      { events: [], end: 'throw', status: 500 },
      { events: [{ type: 'ADDED', object: obj('d', '21', 'ns2') }], end: 'throw', status: 410 },
    );
    api.lists.push({ items: [obj('a', '11', 'ns1'), obj('c', '15', 'ns2'), obj('d', '21', 'ns2')], resourceVersion: '30' });

    const changes: string[] = [];
    let syncs = 0;
    const r = new Reflector<KubeObject>(api as unknown as KubeRest, {
      name: 'things',
      path: '/things',
      log: quiet,
      backoffBaseMs: 1,
      onChange: (type, o) => changes.push(`${type} ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
      onSynced: () => {
        syncs += 1;
      },
    });
    r.start();
    await until(() => syncs === 3 && api.watchedFrom.length === 6).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify({ syncs, watchedFrom: api.watchedFrom, changes })}`);
    });
    await r.stop();

    expect(api.watchedFrom).toEqual(['10', '11', '12', '20', '20', '30']);
    expect(changes).toEqual([
      'add a@5', 'add b@6',
      'update a@11',
      'add c@15', 'delete b@6',
      'add d@21',
    ]);
    expect([...r.values()].map((o) => o.metadata?.name).sort()).toEqual(['a', 'c', 'd']);
    expect([...r.inNamespace('ns2')].map((o) => o.metadata?.name).sort()).toEqual(['c', 'd']);
    expect([...r.inNamespace('ns1')].map((o) => o.metadata?.name)).toEqual(['a']);
    expect(r.lists).toBe(3);
  });

  it('keeps retrying a failing list and is not synced until one succeeds', async () => {
    const api = new ScriptedApi();
    const r = new Reflector<KubeObject>(api as unknown as KubeRest, { name: 'things', path: '/things', log: quiet, backoffBaseMs: 1, onChange: () => undefined });
    r.start();
    await until(() => api.listed >= 3);
    expect(r.hasSynced).toBe(false);
    api.lists.push({ items: [obj('x', '1')], resourceVersion: '2' });
    expect(await r.waitForSync(5000)).toBe(true);
    expect(r.get('x')?.metadata?.resourceVersion).toBe('1');
    await r.stop();
  });

  it('stores objects through the transform, from lists and from watches', async () => {
    const api = new ScriptedApi();
    api.lists.push({ items: [{ metadata: { name: 'a', resourceVersion: '1', managedFields: [{}] } }], resourceVersion: '2' });
    api.watches.push({ events: [{ type: 'ADDED', object: { metadata: { name: 'b', resourceVersion: '3', managedFields: [{}] } } }], end: 'close' });
    const seen: KubeObject[] = [];
    const r = new Reflector<KubeObject>(api as unknown as KubeRest, {
      name: 'things',
      path: '/things',
      log: quiet,
      transform: (o) => ({ ...o, metadata: { name: o.metadata?.name, resourceVersion: o.metadata?.resourceVersion } }),
      onChange: (_t, o) => seen.push(o),
    });
    r.start();
    await until(() => seen.length === 2);
    await r.stop();
    expect(seen).toEqual([{ metadata: { name: 'a', resourceVersion: '1' } }, { metadata: { name: 'b', resourceVersion: '3' } }]);
    expect(r.get('b')).toEqual({ metadata: { name: 'b', resourceVersion: '3' } });
  });

  it('keys cluster-scoped objects by name and namespaced ones by namespace/name', async () => {
    const api = new ScriptedApi();
    api.lists.push({ items: [obj('n1', '1'), obj('p', '2', 'n1')], resourceVersion: '3' });
    const r = new Reflector<KubeObject>(api as unknown as KubeRest, { name: 'things', path: '/things', log: quiet, onChange: () => undefined });
    r.start();
    await r.waitForSync(5000);
    expect(r.get('n1')?.metadata?.resourceVersion).toBe('1');
    expect(r.get('n1/p')?.metadata?.resourceVersion).toBe('2');
    await r.stop();
  });
});
