/**
 * The CiliumCIDRGroup cache against a local HTTP server standing in for the
 * API server: groups of cilium.io/v2 or (older Cilium) v2alpha1, a cluster
 * that serves neither (no groups: every name absent, not degraded), and a
 * list the server refuses (unknown, degraded: the engine fails closed).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { InformerCidrGroups, StaticCidrGroups } from './cidr-group-cache.js';

let server: Server | undefined;
let cache: InformerCidrGroups | undefined;
const log = { info: () => undefined, warn: () => undefined };

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<KubeConfig> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

afterEach(async () => {
  await cache?.stop();
  cache = undefined;
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
  }
});

const json = (res: ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const notFound = (res: ServerResponse) => json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });

/** Serves a list of groups under one version; a watch stays open and silent. */
function groupsAt(version: string, items: unknown[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname !== `/apis/cilium.io/${version}/ciliumcidrgroups`) return notFound(res);
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return;
    }
    json(res, 200, { apiVersion: `cilium.io/${version}`, kind: 'CiliumCIDRGroupList', metadata: { resourceVersion: '7' }, items });
  };
}

const partners = { apiVersion: 'cilium.io/v2', kind: 'CiliumCIDRGroup', metadata: { name: 'partners', resourceVersion: '5' }, spec: { externalCIDRs: ['203.0.113.0/24', '2001:db8::/48'] } };

describe('InformerCidrGroups', () => {
  it('cilium.io/v2: a group is found with its CIDRs, another name is absent', async () => {
    cache = new InformerCidrGroups(await serve(groupsAt('v2', [partners])), log);
    await cache.start();
    expect(cache.view().lookup('partners')).toEqual({ state: 'found', cidrs: ['203.0.113.0/24', '2001:db8::/48'] });
    expect(cache.view().lookup('ghost')).toEqual({ state: 'absent' });
    expect(cache.degraded()).toBeUndefined();
  });

  it('falls back to v2alpha1 where v2 is not served', async () => {
    cache = new InformerCidrGroups(await serve(groupsAt('v2alpha1', [{ ...partners, apiVersion: 'cilium.io/v2alpha1' }])), log);
    await cache.start();
    expect(cache.view().lookup('partners').state).toBe('found');
  });

  it('a cluster without the CRD has no groups: every name is absent, nothing is degraded', async () => {
    cache = new InformerCidrGroups(await serve((_req, res) => notFound(res)), log);
    await cache.start();
    expect(cache.view().lookup('partners')).toEqual({ state: 'absent' });
    expect(cache.degraded()).toBeUndefined();
  });

  it('a refused list leaves every lookup unknown, with the reason, and the cache degraded', async () => {
    cache = new InformerCidrGroups(await serve((_req, res) => json(res, 403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'ciliumcidrgroups.cilium.io is forbidden' })), log);
    await cache.start();
    const found = cache.view().lookup('partners');
    expect(found.state).toBe('unknown');
    expect(cache.degraded()).toMatch(/^CiliumCIDRGroup list failed/);
  });

  it('before it has synced, every lookup is unknown', () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:9' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const fresh = new InformerCidrGroups(kc, log);
    expect(fresh.view().lookup('partners')).toEqual({ state: 'unknown', reason: 'CiliumCIDRGroup cache not synced yet' });
  });
});

describe('StaticCidrGroups', () => {
  it('holds the groups it is given; CIDRs that are not strings are dropped', () => {
    const groups = new StaticCidrGroups([partners, { metadata: { name: 'odd' }, spec: { externalCIDRs: ['10.0.0.0/8', 5] } }]);
    expect(groups.view().lookup('odd')).toEqual({ state: 'found', cidrs: ['10.0.0.0/8'] });
    expect(groups.view().lookup('nope')).toEqual({ state: 'absent' });
  });
});
