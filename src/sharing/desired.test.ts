/**
 * The policies a share needs, in both flavours: the other namespace by a
 * label no tenant can set, the tenant's selectors only ever ANDed with it,
 * the shared ports and nothing else; and the status written for each side.
 */
import { describe, expect, it } from 'vitest';
import { readExport, readImport } from '../policy/share.js';
import { evaluateShares } from './evaluate.js';
import { desiredSharePolicies, pairId } from './desired.js';
import { desiredExportStatus, desiredImportStatus, statusDiffers } from './status.js';

const expObj = { metadata: { namespace: 'global-auth', name: 'auth', generation: 3 }, spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth' } }, ports: [{ port: 5555, protocol: 'TCP' }, { port: 9000, endPort: 9010, protocol: 'UDP' }], to: [{ tenant: 'partner' }] } };
const impObj = { metadata: { namespace: 'partner-cp', name: 'auth', generation: 1 }, spec: { from: { namespace: 'global-auth', export: 'auth' }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'partner-api' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] } } };

function evaluation() {
  const e = readExport(expObj);
  const i = readImport(impObj);
  if (!e.ok || !i.ok) throw new Error('fixture invalid');
  return evaluateShares({ exports: [e.value], imports: [i.value], previousReason: () => undefined, tenantOf: (ns) => ({ 'global-auth': 'auth-team', 'partner-cp': 'partner' })[ns], rules: { enabled: true, allowedPairs: [] }, nowMs: 0 });
}

describe('desiredSharePolicies', () => {
  const { active } = evaluation();
  const id = pairId(active[0]!);
  const labels = { 'app.kubernetes.io/managed-by': 'tenant-guard', 'tenant-guard.io/share': id };

  it('NetworkPolicy: ingress in the exporter namespace, egress in the importer namespace', () => {
    const [ingress, egress] = desiredSharePolicies(active, 'networkpolicy', { ingress: true, egress: true });
    expect(ingress).toEqual({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: `tenant-guard-share-in-${id}`, namespace: 'global-auth', labels: { ...labels, 'tenant-guard.io/share-role': 'ingress' }, annotations: { 'tenant-guard.io/share': 'global-auth/auth -> partner-cp/auth' } },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth' } },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'partner-cp' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'partner-api' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] } }],
          ports: [{ protocol: 'TCP', port: 5555 }, { protocol: 'UDP', port: 9000, endPort: 9010 }],
        }],
      },
    });
    expect(egress).toEqual({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: `tenant-guard-share-out-${id}`, namespace: 'partner-cp', labels: { ...labels, 'tenant-guard.io/share-role': 'egress' }, annotations: { 'tenant-guard.io/share': 'global-auth/auth -> partner-cp/auth' } },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'partner-api' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
        policyTypes: ['Egress'],
        egress: [{
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'global-auth' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth' } } }],
          ports: [{ protocol: 'TCP', port: 5555 }, { protocol: 'UDP', port: 9000, endPort: 9010 }],
        }],
      },
    });
  });

  it('Cilium: the other namespace by the pod namespace Cilium derives, ANDed with the tenant\'s selector', () => {
    const [ingress, egress] = desiredSharePolicies(active, 'cilium', { ingress: true, egress: true });
    expect(ingress!.kind).toBe('CiliumNetworkPolicy');
    expect(ingress!.spec).toEqual({
      endpointSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth' } },
      ingress: [{
        fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'partner-api', 'k8s:io.kubernetes.pod.namespace': 'partner-cp' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }],
        toPorts: [{ ports: [{ port: '5555', protocol: 'TCP' }, { port: '9000', endPort: 9010, protocol: 'UDP' }] }],
      }],
    });
    expect(egress!.spec).toEqual({
      endpointSelector: { matchLabels: { 'app.kubernetes.io/name': 'partner-api' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      egress: [{
        toEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'auth', 'k8s:io.kubernetes.pod.namespace': 'global-auth' } }],
        toPorts: [{ ports: [{ port: '5555', protocol: 'TCP' }, { port: '9000', endPort: 9010, protocol: 'UDP' }] }],
      }],
    });
  });

  it('a tenant\'s selector cannot replace the namespace key: it is written last', () => {
    const i = readImport({ ...impObj, spec: { ...impObj.spec, podSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'victim' } } } });
    const e = readExport(expObj);
    if (!i.ok || !e.ok) throw new Error('fixture invalid');
    const { active: a } = evaluateShares({ exports: [e.value], imports: [i.value], previousReason: () => undefined, tenantOf: (ns) => ({ 'global-auth': 'auth-team', 'partner-cp': 'partner' })[ns], rules: { enabled: true, allowedPairs: [] }, nowMs: 0 });
    const [ingress] = desiredSharePolicies(a, 'cilium', { ingress: true, egress: false });
    expect((ingress!.spec.ingress as { fromEndpoints: unknown[] }[])[0]!.fromEndpoints).toEqual([{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'partner-cp' } }]);
  });

  it('writes only the directions the baseline isolates', () => {
    expect(desiredSharePolicies(active, 'networkpolicy', { ingress: true, egress: false }).map((p) => p.metadata.namespace)).toEqual(['global-auth']);
    expect(desiredSharePolicies(active, 'networkpolicy', { ingress: false, egress: true }).map((p) => p.metadata.namespace)).toEqual(['partner-cp']);
    expect(desiredSharePolicies([], 'networkpolicy', { ingress: true, egress: true })).toEqual([]);
  });

  it('names each pair apart, and the same pair the same way every time', () => {
    expect(pairId(active[0]!)).toBe(pairId(evaluation().active[0]!));
    expect(pairId({ ...active[0]!, import: { ...active[0]!.import, name: 'other' } })).not.toBe(id);
  });
});

describe('status', () => {
  const e = evaluation();
  const now = '2026-12-01T00:00:00.000Z';

  it('Import: Accepted with observedGeneration; the transition time kept while the reason stays', () => {
    const s = desiredImportStatus(e.imports[0]!, undefined, now);
    expect(s).toEqual({ observedGeneration: 1, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'in force: traffic from this namespace to Export "auth" in namespace "global-auth" on TCP 5555, UDP 9000-9010', lastTransitionTime: now, observedGeneration: 1 }] });
    const later = desiredImportStatus(e.imports[0]!, s, '2026-12-02T00:00:00.000Z');
    expect(later).toEqual(s);
    expect(statusDiffers(later, s)).toBe(false);
    const revoked = desiredImportStatus({ ...e.imports[0]!, reason: 'Revoked', message: 'the share ended: x', share: undefined }, s, '2026-12-02T00:00:00.000Z');
    expect(revoked.conditions[0]).toMatchObject({ status: 'False', reason: 'Revoked', lastTransitionTime: '2026-12-02T00:00:00.000Z' });
    expect(statusDiffers(revoked, s)).toBe(true);
  });

  it('Export: its importers, and Expired once expired', () => {
    const s = desiredExportStatus(e.exports[0]!, undefined, now);
    expect(s).toEqual({ observedGeneration: 3, importerCount: 1, importers: [{ namespace: 'partner-cp', import: 'auth', tenant: 'partner' }], conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'offered; consumed by 1 Import', lastTransitionTime: now, observedGeneration: 3 }] });
    const expired = desiredExportStatus({ ...e.exports[0]!, expired: true, importers: [] }, s, now);
    expect(expired.conditions[0]).toMatchObject({ status: 'False', reason: 'Expired' });
    expect(expired.importers).toEqual([]);
  });
});
