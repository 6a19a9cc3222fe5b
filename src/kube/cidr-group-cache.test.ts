/**
 * The CiliumCIDRGroup cache on the shared informers, against a local HTTP
 * server standing in for the API server (discovery, list, watch): groups of
 * cilium.io/v2 or (older Cilium) v2alpha1, a group whose CIDRs change or
 * that is deleted while watched, a cluster that serves neither version (no
 * groups: every name absent, not degraded) and that gets the CRD later, a
 * CRD removed while watched (unknown until discovery confirms, then absent;
 * the informer dropped) and installed again, and a list the server refuses (unknown, degraded: the engine fails closed).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ReflectedCidrGroups, StaticCidrGroups } from './cidr-group-cache.js';
import { Informers } from './informers.js';
import { KubeRest } from './rest.js';
import { CIDR_GROUPS } from './resources.js';

const log = { info: () => undefined, warn: () => undefined, debug: () => undefined };

let server: Server | undefined;
let informers: Informers | undefined;
let cache: ReflectedCidrGroups | undefined;
/** Open watch streams, to send events down. */
const watchers: ServerResponse[] = [];

interface Api {
  /** The versions discovery lists ciliumcidrgroups under. */
  served: string[];
  /** The list's answer: groups, or an HTTP status to fail with. */
  groups: unknown[] | number;
}

async function serve(api: Api): Promise<KubeRest> {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const discovery = /^\/apis\/cilium\.io\/([^/]+)$/.exec(url.pathname);
    if (discovery !== null) {
      if (!api.served.includes(discovery[1] ?? '')) return status(res, 404);
      return json(res, 200, { kind: 'APIResourceList', groupVersion: `cilium.io/${discovery[1]}`, resources: [{ name: 'ciliumcidrgroups', namespaced: false, kind: 'CiliumCIDRGroup' }] });
    }
    const list = /^\/apis\/cilium\.io\/([^/]+)\/ciliumcidrgroups$/.exec(url.pathname);
    if (list === null || !api.served.includes(list[1] ?? '')) return status(res, 404);
    if (typeof api.groups === 'number') return status(res, api.groups);
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      watchers.push(res);
      return;
    }
    json(res, 200, { apiVersion: `cilium.io/${list[1]}`, kind: 'CiliumCIDRGroupList', metadata: { resourceVersion: '7' }, items: api.groups });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeRest(kc);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message: code === 404 ? 'the server could not find the requested resource' : 'ciliumcidrgroups.cilium.io is forbidden' });
}

/** Starts the cache and the informers, as the process does. */
async function started(api: Api, probeMs?: number): Promise<ReflectedCidrGroups> {
  const rest = await serve(api);
  informers = new Informers(rest, log);
  cache = new ReflectedCidrGroups(rest, informers, log, probeMs);
  await cache.start();
  informers.start();
  return cache;
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  cache?.stop();
  cache = undefined;
  await informers?.stop();
  informers = undefined;
  for (const w of watchers.splice(0)) w.end();
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = undefined;
  }
});

const group = (cidrs: string[], rv: string, version = 'v2') => ({ apiVersion: `cilium.io/${version}`, kind: 'CiliumCIDRGroup', metadata: { name: 'partners', resourceVersion: rv }, spec: { externalCIDRs: cidrs } });
const healthy = (c: ReflectedCidrGroups) => () => c.degraded() === undefined;

describe('ReflectedCidrGroups', () => {
  it('cilium.io/v2: a group is found with its CIDRs, another name is absent, on one shared informer', async () => {
    const c = await started({ served: ['v2', 'v2alpha1'], groups: [group(['203.0.113.0/24', '2001:db8::/48'], '5')] });
    await until('synced', healthy(c));
    expect(c.view().lookup('partners')).toEqual({ state: 'found', cidrs: ['203.0.113.0/24', '2001:db8::/48'] });
    expect(c.view().lookup('ghost')).toEqual({ state: 'absent' });
    // The cache took the process's informer of the resource: asking for it again is the same one.
    expect(informers?.size).toBe(1);
    expect(informers?.of(CIDR_GROUPS).hasSynced).toBe(true);
    expect(informers?.size).toBe(1);
  });

  it('sees a group change its CIDRs, and go, while it watches', async () => {
    const c = await started({ served: ['v2'], groups: [group(['203.0.113.0/24'], '5')] });
    await until('watching', () => healthy(c)() && watchers.length === 1);
    expect(c.view().lookup('partners')).toEqual({ state: 'found', cidrs: ['203.0.113.0/24'] });
    watchers[0]?.write(`${JSON.stringify({ type: 'MODIFIED', object: group(['10.244.0.0/16'], '8') })}\n`);
    await until('the update', () => JSON.stringify(c.view().lookup('partners')).includes('10.244.0.0/16'));
    expect(c.view().lookup('partners')).toEqual({ state: 'found', cidrs: ['10.244.0.0/16'] });
    watchers[0]?.write(`${JSON.stringify({ type: 'DELETED', object: group(['10.244.0.0/16'], '9') })}\n`);
    await until('the deletion', () => c.view().lookup('partners').state === 'absent');
  });

  it('falls back to v2alpha1 where v2 is not served', async () => {
    const c = await started({ served: ['v2alpha1'], groups: [group(['198.51.100.0/24'], '3', 'v2alpha1')] });
    await until('synced', healthy(c));
    expect(c.view().lookup('partners')).toEqual({ state: 'found', cidrs: ['198.51.100.0/24'] });
  });

  it('a cluster without the CRD has no groups (every name absent, nothing degraded) until the CRD is served', async () => {
    const api: Api = { served: [], groups: [group(['203.0.113.0/24'], '5')] };
    const c = await started(api, 20);
    expect(c.view().lookup('partners')).toEqual({ state: 'absent' });
    expect(c.degraded()).toBeUndefined();
    expect(informers?.size).toBe(0);
    api.served = ['v2'];
    await until('the CRD to be found and listed', () => c.view().lookup('partners').state === 'found');
  });

  it('a CRD installed after start and removed later: found while served, then never found (unknown, then absent), and found again when it returns', async () => {
    const api: Api = { served: [], groups: [group(['203.0.113.0/24'], '5')] };
    const c = await started(api, 20);
    api.served = ['v2'];
    await until('the CRD to be found and watched', () => c.view().lookup('partners').state === 'found' && watchers.length === 1);
    expect(informers?.size).toBe(1);
    // The CRD goes: discovery, list and watch answer 404, and the open watch ends.
    api.served = [];
    const seen: string[] = [];
    for (const w of watchers.splice(0)) w.end();
    await until('no groups, not degraded, the informer dropped', () => {
      const state = c.view().lookup('partners').state;
      if (seen.at(-1) !== state) seen.push(state);
      return state === 'absent' && c.degraded() === undefined && informers?.size === 0;
    }, 10_000);
    // Once the watch fails, lookups fail closed until discovery answers; the stale group is not used again.
    expect(seen.join(',')).toMatch(/^(found,)?(unknown,)?absent$/);
    expect(seen).toContain('unknown');
    api.served = ['v2alpha1'];
    api.groups = [group(['198.51.100.0/24'], '6', 'v2alpha1')];
    await until('the other version to be found', () => JSON.stringify(c.view().lookup('partners')).includes('198.51.100.0/24'), 10_000);
  });

  it('a refused list leaves every lookup unknown, with the reason, and the cache degraded', async () => {
    const c = await started({ served: ['v2'], groups: 403 });
    await until('the failed list', () => /forbidden/.test(c.degraded() ?? ''));
    const found = c.view().lookup('partners');
    expect(found.state).toBe('unknown');
    expect(c.degraded()).toMatch(/^CiliumCIDRGroup cache not synced: list of ciliumcidrgroups failed/);
  });

  it('before it has asked discovery, every lookup is unknown', async () => {
    const rest = await serve({ served: ['v2'], groups: [] });
    const fresh = new ReflectedCidrGroups(rest, new Informers(rest, log), log);
    expect(fresh.view().lookup('partners')).toEqual({ state: 'unknown', reason: 'CiliumCIDRGroup cache not synced yet' });
    expect(fresh.degraded()).toBe('CiliumCIDRGroup cache not synced yet');
  });
});

describe('StaticCidrGroups', () => {
  it('holds the groups it is given; CIDRs that are not strings are dropped', () => {
    const groups = new StaticCidrGroups([group(['203.0.113.0/24'], '1'), { metadata: { name: 'odd' }, spec: { externalCIDRs: ['10.0.0.0/8', 5] } }]);
    expect(groups.view().lookup('odd')).toEqual({ state: 'found', cidrs: ['10.0.0.0/8'] });
    expect(groups.view().lookup('nope')).toEqual({ state: 'absent' });
  });
});
