/**
 * Zero writes at steady state: a report is written once, and a second pass
 * over what the API server stored (with the fields it adds) writes nothing;
 * a changed finding writes again; a report nobody should have is deleted.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyReport } from './desired.js';
import { reconcileReport, type ReportWriter, type StoredReport } from './reconcile.js';

function report(fail: number): PolicyReport {
  const results = Array.from({ length: fail }, (_, i) => ({
    source: 'tenant-guard', policy: 'tenant-isolation', rule: 'OpenRule', category: 'Network isolation', result: 'fail' as const, severity: 'high' as const,
    scored: true, message: `m${i}`, resources: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: `p${i}`, namespace: 'acme-web' }], properties: { path: 'spec', enforcement: 'deny' },
  }));
  return { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'tenant-guard', namespace: 'acme-web', labels: { 'app.kubernetes.io/managed-by': 'tenant-guard' } }, summary: { pass: 0, fail, warn: 0, error: 0, skip: 0 }, results };
}

/** An API stand-in that stores what is applied as the API server would return it, and counts writes. */
function api() {
  let stored: StoredReport | undefined;
  let writes = 0;
  const writer: ReportWriter = {
    apply(r) {
      writes += 1;
      // Keys come back in another order, with the server's metadata and another manager's label.
      const copy = JSON.parse(JSON.stringify(r)) as StoredReport;
      stored = { results: copy.results, summary: copy.summary, kind: copy.kind, apiVersion: copy.apiVersion, metadata: { ...copy.metadata, labels: { ...copy.metadata!.labels, 'team': 'x' }, uid: 'u', resourceVersion: String(writes), creationTimestamp: '2030-01-01T00:00:00Z', managedFields: [{ manager: 'tenant-guard-reports' }] } };
      return Promise.resolve();
    },
    delete() {
      writes += 1;
      stored = undefined;
      return Promise.resolve();
    },
  };
  return { writer, stored: () => stored, writes: () => writes };
}

describe('reconcileReport', () => {
  it('writes once, then nothing on a second pass over what was stored', async () => {
    const a = api();
    expect(await reconcileReport(report(2), a.stored(), a.writer)).toBe('written');
    expect(await reconcileReport(report(2), a.stored(), a.writer)).toBe('unchanged');
    expect(a.writes()).toBe(1);
  });

  it('writes again when a finding changes, and treats an absent list as empty', async () => {
    const a = api();
    await reconcileReport(report(2), a.stored(), a.writer);
    expect(await reconcileReport(report(1), a.stored(), a.writer)).toBe('written');
    const empty = report(0);
    await reconcileReport(empty, a.stored(), a.writer);
    const { results: _r, ...withoutResults } = a.stored()!;
    expect(await reconcileReport(empty, withoutResults, a.writer)).toBe('unchanged');
    expect(a.writes()).toBe(3);
  });

  it('rewrites a report someone edited or whose label was removed', async () => {
    const a = api();
    await reconcileReport(report(1), a.stored(), a.writer);
    const edited = { ...a.stored()!, results: [] };
    expect(await reconcileReport(report(1), edited, a.writer)).toBe('written');
    const unlabelled = { ...a.stored()!, metadata: { ...a.stored()!.metadata, labels: {} } };
    expect(await reconcileReport(report(1), unlabelled, a.writer)).toBe('written');
  });

  it('deletes a report that should not exist, and does nothing when there is none', async () => {
    const a = api();
    await reconcileReport(report(1), a.stored(), a.writer);
    expect(await reconcileReport(undefined, a.stored(), a.writer)).toBe('deleted');
    expect(await reconcileReport(undefined, a.stored(), a.writer)).toBe('unchanged');
    expect(a.writes()).toBe(2);
  });
});
