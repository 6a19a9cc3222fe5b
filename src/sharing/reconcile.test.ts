/**
 * reconcileShares() against in-memory state: policies written for a share in
 * force, removed in the same reconcile that sees it end, nothing written at
 * steady state, statuses and Events on both sides.
 */
import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../baseline/desired.js';
import type { InvolvedObject } from '../kube/events.js';
import { readExport, readImport, type ExportFacts, type ImportFacts } from '../policy/share.js';
import type { SharePolicy } from './desired.js';
import { reconcileShares, type ShareState } from './reconcile.js';

const OWNERS: Record<string, string> = { 'global-auth': 'auth-team', 'partner-cp': 'partner', 'initech-web': 'initech' };

function exp(spec: Record<string, unknown> = {}): ExportFacts {
  const r = readExport({ metadata: { namespace: 'global-auth', name: 'auth', uid: 'u-exp', generation: 1 }, spec: { podSelector: { matchLabels: { app: 'auth' } }, ports: [{ port: 5555 }], to: [{ tenant: 'partner' }], ...spec } });
  if (!r.ok) throw new Error('fixture');
  return r.value;
}
function imp(namespace = 'partner-cp'): ImportFacts {
  const r = readImport({ metadata: { namespace, name: 'auth', uid: `u-${namespace}`, generation: 1 }, spec: { from: { namespace: 'global-auth', export: 'auth' }, podSelector: {} } });
  if (!r.ok) throw new Error('fixture');
  return r.value;
}

/** A tiny cluster: the writer changes what the state shows, as the caches would after the watch events. */
function world(exports: ExportFacts[], imports: ImportFacts[]) {
  const policies = new Map<string, LiveObject>();
  const statuses = new Map<string, unknown>();
  const events: { namespace: string; about: InvolvedObject; type: string; reason: string; message: string }[] = [];
  const writes: string[] = [];
  const w = { exports, imports };
  const state = (): ShareState => ({
    exports: w.exports,
    imports: w.imports,
    exportStatus: (ns, name) => statuses.get(`Export/${ns}/${name}`),
    importStatus: (ns, name) => statuses.get(`Import/${ns}/${name}`),
    tenantOf: (ns) => OWNERS[ns],
    terminating: () => false,
    sharePolicies: () => [...policies.values()],
    flavour: () => 'networkpolicy',
  });
  const writer = {
    apply: (p: SharePolicy) => { writes.push(`apply ${p.metadata.namespace}/${p.metadata.name}`); policies.set(`${p.metadata.namespace}/${p.metadata.name}`, structuredClone(p)); return Promise.resolve(); },
    delete: (l: LiveObject) => { writes.push(`delete ${l.metadata?.namespace}/${l.metadata?.name}`); policies.delete(`${l.metadata?.namespace}/${l.metadata?.name}`); return Promise.resolve(); },
    importStatus: (i: ImportFacts, s: unknown) => { writes.push(`status Import ${i.namespace}/${i.name}`); statuses.set(`Import/${i.namespace}/${i.name}`, s); return Promise.resolve(); },
    exportStatus: (e: ExportFacts, s: unknown) => { writes.push(`status Export ${e.namespace}/${e.name}`); statuses.set(`Export/${e.namespace}/${e.name}`, s); return Promise.resolve(); },
  };
  let now = Date.UTC(2026, 11, 1);
  const run = () => {
    writes.length = 0;
    return reconcileShares({ state: state(), writer, events: { emit: (namespace, about, type, reason, message) => events.push({ namespace, about, type, reason, message }) }, rules: { enabled: true, allowedPairs: [] }, isolation: { ingress: true, egress: true }, now: () => now });
  };
  return { w, policies, statuses, events, writes, run, setNow: (ms: number) => { now = ms; } };
}

const reasonOf = (s: unknown) => (s as { conditions: { reason: string }[] }).conditions[0]!.reason;

describe('reconcileShares', () => {
  it('writes both policies and both statuses for a share in force, then nothing at steady state', async () => {
    const t = world([exp()], [imp()]);
    const r = await t.run();
    expect(r.active).toBe(1);
    expect(t.writes.filter((x) => x.startsWith('apply')).map((x) => x.split('/')[0])).toEqual(['apply global-auth', 'apply partner-cp']);
    expect(reasonOf(t.statuses.get('Import/partner-cp/auth'))).toBe('Accepted');
    expect((t.statuses.get('Export/global-auth/auth') as { importers: unknown[] }).importers).toEqual([{ namespace: 'partner-cp', import: 'auth', tenant: 'partner' }]);
    expect(t.events.map((e) => `${e.namespace} ${e.about.kind} ${e.reason}`)).toEqual(['partner-cp Import ShareAccepted', 'global-auth Export ShareAccepted']);
    await t.run();
    expect(t.writes).toEqual([]);
  });

  it.each<[string, (w: { exports: ExportFacts[]; imports: ImportFacts[] }) => void]>([
    ['the Export is deleted', (w) => { w.exports = []; }],
    ['the tenant is removed from to', (w) => { w.exports = [exp({ to: [{ tenant: 'initech' }] })]; }],
    ['the Import is deleted', (w) => { w.imports = []; }],
  ])('removes both policies in the same reconcile when %s', async (_what, change) => {
    const t = world([exp()], [imp()]);
    await t.run();
    expect(t.policies.size).toBe(2);
    change(t.w);
    const r = await t.run();
    expect(r.deleted).toHaveLength(2);
    expect(t.policies.size).toBe(0);
    // Deletions come before any other write of the reconcile.
    expect(t.writes.slice(0, 2).every((x) => x.startsWith('delete'))).toBe(true);
    if (t.w.imports.length > 0) expect(reasonOf(t.statuses.get('Import/partner-cp/auth'))).toBe('Revoked');
  });

  it('removes them at expiry, and says when it must look again', async () => {
    const t = world([exp({ expiresAt: '2026-12-01T01:00:00Z' })], [imp()]);
    const first = await t.run();
    expect(first.nextExpiry).toBe(Date.UTC(2026, 11, 1, 1));
    t.setNow(Date.UTC(2026, 11, 1, 1));
    await t.run();
    expect(t.policies.size).toBe(0);
    expect(reasonOf(t.statuses.get('Import/partner-cp/auth'))).toBe('Expired');
    expect(reasonOf(t.statuses.get('Export/global-auth/auth'))).toBe('Expired');
    expect(t.events.filter((e) => e.reason === 'ShareExpired').map((e) => `${e.namespace} ${e.type}`)).toEqual(['partner-cp Warning', 'global-auth Warning']);
  });

  it('restores a share policy that was changed', async () => {
    const t = world([exp()], [imp()]);
    await t.run();
    const [key, p] = [...t.policies.entries()][0]!;
    t.policies.set(key, { ...p, spec: { podSelector: {}, ingress: [{}] } });
    await t.run();
    expect(t.writes).toEqual([`apply ${key}`]);
  });

  it('an Import of a third tenant is NotPermitted and tells the exporter nothing', async () => {
    const t = world([exp()], [imp('initech-web')]);
    await t.run();
    expect(t.policies.size).toBe(0);
    expect(reasonOf(t.statuses.get('Import/initech-web/auth'))).toBe('NotPermitted');
    expect(t.events.map((e) => `${e.namespace} ${e.reason}`)).toEqual(['initech-web ShareNotPermitted']);
  });
});
