/** Reading Exports and Imports, and the subset rules of ports. */
import { describe, expect, it } from 'vitest';
import { exportLists, isExpired, pairAllowed, portsOutside, readExport, readImport, type PortRange } from './share.js';
import { fieldPathText } from './path.js';

const tcp = (port: number, endPort = port): PortRange => ({ protocol: 'TCP', port, endPort });
const udp = (port: number, endPort = port): PortRange => ({ protocol: 'UDP', port, endPort });

describe('portsOutside', () => {
  it.each<[string, PortRange[], PortRange[], PortRange[]]>([
    ['the same port', [tcp(5555)], [tcp(5555)], []],
    ['another port', [tcp(5556)], [tcp(5555)], [tcp(5556)]],
    // The protocol is part of the port.
    ['the same number over UDP', [udp(5555)], [tcp(5555)], [udp(5555)]],
    ['a port inside a range', [tcp(8080)], [tcp(8000, 8100)], []],
    ['a range inside a range', [tcp(8010, 8020)], [tcp(8000, 8100)], []],
    ['a range sticking out at the top', [tcp(8090, 8110)], [tcp(8000, 8100)], [tcp(8090, 8110)]],
    ['a range sticking out at the bottom', [tcp(7999, 8010)], [tcp(8000, 8100)], [tcp(7999, 8010)]],
    // Adjacent ranges of the outer list cover together what neither covers alone.
    ['a range covered by two adjacent ranges', [tcp(10, 30)], [tcp(21, 30), tcp(10, 20)], []],
    ['a range over a gap between two ranges', [tcp(10, 30)], [tcp(10, 19), tcp(21, 30)], [tcp(10, 30)]],
    ['overlapping outer ranges', [tcp(10, 40)], [tcp(10, 25), tcp(20, 40)], []],
    ['only the uncovered entries are returned', [tcp(1), tcp(2), udp(3)], [tcp(2)], [tcp(1), udp(3)]],
    ['nothing offered', [tcp(1)], [], [tcp(1)]],
    ['nothing asked', [], [tcp(1)], []],
  ])('%s', (_what, inner, outer, expected) => {
    expect(portsOutside(inner, outer)).toEqual(expected);
  });
});

const exportObject = (spec: unknown) => ({ apiVersion: 'tenant-guard.io/v1alpha1', kind: 'Export', metadata: { name: 'auth', namespace: 'global-auth' }, spec });

describe('readExport', () => {
  it('reads the issue example, defaulting the protocol', () => {
    const r = readExport(exportObject({ podSelector: { matchLabels: { app: 'auth' } }, ports: [{ port: 5555 }], to: [{ tenant: 'partner', namespaces: ['partner-cp'] }], expiresAt: '2027-06-30T00:00:00Z' }));
    expect(r).toEqual({ ok: true, value: {
      namespace: 'global-auth', name: 'auth', uid: undefined, generation: undefined,
      podSelector: { matchLabels: { app: 'auth' }, matchExpressions: [] },
      ports: [tcp(5555)],
      to: [{ tenant: 'partner', namespaces: ['partner-cp'] }],
      expiresAt: Date.UTC(2027, 5, 30),
    } });
  });

  it.each<[string, unknown, string[]]>([
    ['no ports: there is no "all ports"', { podSelector: {}, to: [{ tenant: 'a' }] }, ['spec.ports']],
    ['an empty port list', { podSelector: {}, ports: [], to: [{ tenant: 'a' }] }, ['spec.ports']],
    ['a port without a number', { podSelector: {}, ports: [{ protocol: 'TCP' }], to: [{ tenant: 'a' }] }, ['spec.ports[0].port']],
    ['a named port', { podSelector: {}, ports: [{ port: 'http' }], to: [{ tenant: 'a' }] }, ['spec.ports[0].port']],
    ['port 0', { podSelector: {}, ports: [{ port: 0 }], to: [{ tenant: 'a' }] }, ['spec.ports[0].port']],
    ['an unknown protocol', { podSelector: {}, ports: [{ port: 1, protocol: 'ICMP' }], to: [{ tenant: 'a' }] }, ['spec.ports[0].protocol']],
    ['endPort below port', { podSelector: {}, ports: [{ port: 10, endPort: 9 }], to: [{ tenant: 'a' }] }, ['spec.ports[0].endPort']],
    ['no podSelector', { ports: [{ port: 1 }], to: [{ tenant: 'a' }] }, ['spec.podSelector']],
    ['no consumers', { podSelector: {}, ports: [{ port: 1 }], to: [] }, ['spec.to']],
    ['an empty namespace list', { podSelector: {}, ports: [{ port: 1 }], to: [{ tenant: 'a', namespaces: [] }] }, ['spec.to[0].namespaces']],
    ['a date without a zone', { podSelector: {}, ports: [{ port: 1 }], to: [{ tenant: 'a' }], expiresAt: '2027-06-30 00:00' }, ['spec.expiresAt']],
    ['everything at once', { ports: [{ port: 'x' }], to: [{}] }, ['spec.podSelector', 'spec.ports[0].port', 'spec.to[0].tenant']],
  ])('refuses %s', (_what, spec, paths) => {
    const r = readExport(exportObject(spec));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => fieldPathText(p.path))).toEqual(paths);
  });
});

describe('readImport', () => {
  it('reads an Import without ports as "every port of the Export"', () => {
    const r = readImport({ metadata: { name: 'auth', namespace: 'partner-cp' }, spec: { from: { namespace: 'global-auth', export: 'auth' }, podSelector: {} } });
    expect(r.ok && r.value.ports).toBeUndefined();
    expect(r.ok && r.value.from).toEqual({ namespace: 'global-auth', export: 'auth' });
  });

  it('refuses a missing reference and empty ports', () => {
    const r = readImport({ metadata: { name: 'x' }, spec: { from: { namespace: '' }, podSelector: {}, ports: [] } });
    expect(r.ok ? [] : r.problems.map((p) => fieldPathText(p.path))).toEqual(['spec.from.namespace', 'spec.from.export', 'spec.ports']);
  });
});

describe('consent and time', () => {
  const r = readExport(exportObject({ podSelector: {}, ports: [{ port: 1 }], to: [{ tenant: 'partner', namespaces: ['partner-cp'] }, { tenant: 'billing' }], expiresAt: '2027-01-01T00:00:00Z' }));
  if (!r.ok) throw new Error('fixture invalid');
  const exp = r.value;

  it.each([
    ['partner', 'partner-cp', true],
    // Narrowed to some of the tenant's namespaces: the others are not listed.
    ['partner', 'partner-other', false],
    // Without namespaces, every namespace of the tenant.
    ['billing', 'billing-cp', true],
    ['initech', 'partner-cp', false],
  ])('%s/%s listed: %s', (tenant, namespace, listed) => {
    expect(exportLists(exp, tenant, namespace)).toBe(listed);
  });

  it('expires at expiresAt, not before', () => {
    expect(isExpired(exp, Date.UTC(2026, 11, 31, 23, 59, 59))).toBe(false);
    expect(isExpired(exp, Date.UTC(2027, 0, 1))).toBe(true);
  });

  it('allows every pair without allowedPairs, only the listed ones with', () => {
    expect(pairAllowed([], 'a', 'b')).toBe(true);
    expect(pairAllowed([{ exporter: 'a', importer: 'b' }], 'a', 'b')).toBe(true);
    // Direction matters: a may offer to b, not b to a.
    expect(pairAllowed([{ exporter: 'a', importer: 'b' }], 'b', 'a')).toBe(false);
  });
});
