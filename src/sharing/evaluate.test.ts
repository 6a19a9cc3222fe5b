/**
 * Which shares are in force: consent on both sides, the subset of ports,
 * owners read now, expiry, and every way a share ends (Revoked).
 */
import { describe, expect, it } from 'vitest';
import { readExport, readImport, type ExportFacts, type ImportFacts } from '../policy/share.js';
import { evaluateShares, nextExpiry, type EvaluationInput } from './evaluate.js';

function exp(spec: Record<string, unknown> = {}, namespace = 'global-auth', name = 'auth'): ExportFacts {
  const r = readExport({ metadata: { namespace, name }, spec: { podSelector: { matchLabels: { app: 'auth' } }, ports: [{ port: 5555, protocol: 'TCP' }], to: [{ tenant: 'partner', namespaces: ['partner-cp'] }], ...spec } });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

function imp(spec: Record<string, unknown> = {}, namespace = 'partner-cp', name = 'auth'): ImportFacts {
  const r = readImport({ metadata: { namespace, name }, spec: { from: { namespace: 'global-auth', export: 'auth' }, podSelector: { matchLabels: { app: 'partner-api' } }, ...spec } });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

const OWNERS: Record<string, string> = { 'global-auth': 'auth-team', 'partner-cp': 'partner', 'partner-other': 'partner', 'billing-cp': 'billing' };
const NOW = Date.UTC(2026, 11, 1);

function run(o: Partial<EvaluationInput>) {
  return evaluateShares({
    exports: [exp()],
    imports: [imp()],
    previousReason: () => undefined,
    tenantOf: (ns) => OWNERS[ns],
    rules: { enabled: true, allowedPairs: [] },
    nowMs: NOW,
    ...o,
  });
}

const GENERIC = 'no traffic flows until Export "auth" in namespace "global-auth" lists tenant partner (namespace "partner-cp") and offers the ports imported';

describe('evaluateShares', () => {
  it('puts the issue example in force, on the Export\'s ports when the Import lists none', () => {
    const e = run({});
    expect(e.active).toHaveLength(1);
    expect(e.active[0]).toMatchObject({ exporterTenant: 'auth-team', importerTenant: 'partner', ports: [{ protocol: 'TCP', port: 5555, endPort: 5555 }] });
    expect(e.imports.map((i) => [i.reason, i.message])).toEqual([['Accepted', 'in force: traffic from this namespace to Export "auth" in namespace "global-auth" on TCP 5555']]);
    expect(e.exports[0]!.importers.map((s) => `${s.import.namespace}/${s.import.name}`)).toEqual(['partner-cp/auth']);
  });

  it('uses the Import\'s ports when they are a subset', () => {
    const e = run({ exports: [exp({ ports: [{ port: 8000, endPort: 8100 }] })], imports: [imp({ ports: [{ port: 8080 }] })] });
    expect(e.active[0]!.ports).toEqual([{ protocol: 'TCP', port: 8080, endPort: 8080 }]);
  });

  it.each<[string, Partial<EvaluationInput>, string, string]>([
    ['no Export', { exports: [] }, 'NotPermitted', GENERIC],
    ['an Export of another name', { exports: [exp({}, 'global-auth', 'other')] }, 'NotPermitted', GENERIC],
    ['an Export for another tenant', { exports: [exp({ to: [{ tenant: 'billing' }] })] }, 'NotPermitted', GENERIC],
    ['an Export for another namespace of the tenant', { exports: [exp({ to: [{ tenant: 'partner', namespaces: ['partner-other'] }] })] }, 'NotPermitted', GENERIC],
    // The exporter's namespace has no tenant: the same text, nothing revealed.
    ['an exporter namespace without owner', { tenantOf: (ns) => (ns === 'global-auth' ? undefined : OWNERS[ns]) }, 'NotPermitted', GENERIC],
    ['a port not offered', { imports: [imp({ ports: [{ port: 5556 }] })] }, 'NotPermitted', 'TCP 5556 is not offered by Export "auth" in namespace "global-auth" (it offers TCP 5555)'],
    ['the right port over UDP', { imports: [imp({ ports: [{ port: 5555, protocol: 'UDP' }] })] }, 'NotPermitted', 'UDP 5555 is not offered by Export "auth" in namespace "global-auth" (it offers TCP 5555)'],
    ['a pair outside allowedPairs', { rules: { enabled: true, allowedPairs: [{ exporter: 'auth-team', importer: 'billing' }] } }, 'NotPermitted', 'tenant auth-team may not share with tenant partner (sharing.allowedPairs)'],
    ['sharing turned off', { rules: { enabled: false, allowedPairs: [] } }, 'NotPermitted', 'sharing between tenants is turned off on this cluster'],
    ['an expired Export', { exports: [exp({ expiresAt: '2026-11-30T00:00:00Z' })] }, 'Expired', 'Export "auth" in namespace "global-auth" expired at 2026-11-30T00:00:00.000Z'],
    // Both namespaces of one tenant: sharing is between tenants.
    ['the exporter namespace now owned by the importer\'s tenant', { tenantOf: (ns) => (ns === 'global-auth' ? 'partner' : OWNERS[ns]) }, 'NotPermitted', GENERIC],
  ])('not in force with %s', (_what, o, reason, message) => {
    const e = run(o);
    expect(e.active).toEqual([]);
    expect(e.imports.map((i) => [i.reason, i.message])).toEqual([[reason, message]]);
    expect(e.exports.flatMap((x) => x.importers)).toEqual([]);
  });

  it.each<[string, Partial<EvaluationInput>]>([
    ['the Export was deleted', { exports: [] }],
    ['the tenant was removed from to', { exports: [exp({ to: [{ tenant: 'billing' }] })] }],
    ['the importer namespace changed owner', { tenantOf: (ns) => (ns === 'partner-cp' ? 'billing' : OWNERS[ns]) }],
    ['the Export\'s ports shrank', { exports: [exp({ ports: [{ port: 1 }] })], imports: [imp({ ports: [{ port: 5555 }] })] }],
  ])('Revoked when it was in force and %s', (_what, o) => {
    const e = run({ ...o, previousReason: () => 'Accepted' });
    expect(e.active).toEqual([]);
    expect(e.imports[0]!.reason).toBe('Revoked');
    expect(e.imports[0]!.message).toMatch(/^the share ended: /);
    // Still Revoked on the next reconcile, not NotPermitted.
    expect(run({ ...o, previousReason: () => 'Revoked' }).imports[0]!.reason).toBe('Revoked');
  });

  it('an expired share says Expired even when it was in force', () => {
    expect(run({ exports: [exp({ expiresAt: '2026-11-30T00:00:00Z' })], previousReason: () => 'Accepted' }).imports[0]!.reason).toBe('Expired');
  });

  it('serves several importers of one Export, each on its own ports', () => {
    const e = run({
      exports: [exp({ to: [{ tenant: 'partner' }, { tenant: 'billing' }], ports: [{ port: 5555 }, { port: 5556 }] })],
      imports: [imp({}, 'partner-cp'), imp({ ports: [{ port: 5556 }] }, 'billing-cp'), imp({}, 'partner-other')],
    });
    expect(e.active.map((s) => `${s.import.namespace}:${s.ports.map((p) => p.port).join(',')}`)).toEqual(['billing-cp:5556', 'partner-cp:5555,5556', 'partner-other:5555,5556']);
    expect(e.exports[0]!.importers).toHaveLength(3);
  });
});

describe('nextExpiry', () => {
  it('is the earliest expiry still to come', () => {
    const list = [exp({ expiresAt: '2026-12-03T00:00:00Z' }), exp({ expiresAt: '2026-12-02T00:00:00Z' }), exp({ expiresAt: '2026-11-01T00:00:00Z' }), exp()];
    expect(nextExpiry(list, NOW)).toBe(Date.UTC(2026, 11, 2));
    expect(nextExpiry([exp()], NOW)).toBeUndefined();
  });
});
