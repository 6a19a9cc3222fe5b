/**
 * A tenant's own NetworkPolicy naming another tenant's namespace: allowed
 * only inside a share in force (the other namespace by name alone, pods and
 * ports inside the Export and the Import), refused otherwise with a fix that
 * names the share that would make it legal.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, makeView, npInput, people, where } from '../../test/unit/fixtures.js';
import { review } from './review.js';
import { judgeImport, readExport, readImport, type ActiveShare } from './share.js';
import { ciliumPorts } from './share-reach-cilium.js';
import { selectorWithin } from './share-reach.js';
import type { SharesView } from './types.js';

// globex-web offers app=db on TCP 5432 to acme-web; acme-web imports it for app=api.
function share(): ActiveShare {
  const e = readExport({ metadata: { namespace: 'globex-web', name: 'db' }, spec: { podSelector: { matchLabels: { app: 'db' } }, ports: [{ port: 5432 }], to: [{ tenant: 'acme', namespaces: ['acme-web'] }] } });
  const i = readImport({ metadata: { namespace: 'acme-web', name: 'db' }, spec: { from: { namespace: 'globex-web', export: 'db' }, podSelector: { matchLabels: { app: 'api' } } } });
  if (!e.ok || !i.ok) throw new Error('fixture');
  const j = judgeImport(i.value, e.value, (ns) => ({ 'globex-web': 'globex', 'acme-web': 'acme' })[ns], { enabled: true, allowedPairs: [] }, 0);
  if (j.state !== 'active') throw new Error('fixture not active');
  return j.share;
}

const shares: SharesView = {
  known: true,
  exportsIn: () => [],
  exportNamed: () => undefined,
  activeIn: (ns) => [share()].filter((s) => s.export.namespace === ns || s.import.namespace === ns),
};

const byName = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });

function egress(to: unknown, ports: unknown, podSelector: unknown = { matchLabels: { app: 'api' } }) {
  return { podSelector, policyTypes: ['Egress'], egress: [{ to: [to], ...(ports === undefined ? {} : { ports }) }] };
}

describe('egress from the importer within the share', () => {
  it('allowed: the exporter namespace by name, its pods, the shared port', () => {
    const v = review({ ...npInput(egress({ ...byName('globex-web'), podSelector: { matchLabels: { app: 'db' } } }, [{ port: 5432, protocol: 'TCP' }])), shares });
    expect(v.allowed).toBe(true);
    expect(v.warnings).toContain('spec.egress[0].to[0].namespaceSelector: allowed within the share of Export globex-web/db and Import acme-web/db; once the share ends, this rule is refused on its next change and reported by tenant-guard audit');
  });

  it.each<[string, unknown, unknown, unknown, string]>([
    ['another port', { ...byName('globex-web'), podSelector: { matchLabels: { app: 'db' } } }, [{ port: 5433 }], undefined, 'its ports must be inside the share\'s (TCP 5432)'],
    ['no ports at all', { ...byName('globex-web'), podSelector: { matchLabels: { app: 'db' } } }, undefined, undefined, 'the rule must list its ports'],
    ['every pod of the exporter namespace', byName('globex-web'), [{ port: 5432 }], undefined, 'the peer\'s podSelector must carry every requirement of the Export\'s podSelector'],
    ['every pod of this namespace', { ...byName('globex-web'), podSelector: { matchLabels: { app: 'db' } } }, [{ port: 5432 }], {}, 'spec.podSelector must carry every requirement of the Import\'s podSelector'],
  ])('refused: %s, with what is wider than the share', (_what, peer, ports, podSelector, reason) => {
    const v = review({ ...npInput(egress(peer, ports, podSelector)), shares });
    expect(where(v)).toEqual(['SelectorOtherTenant@spec.egress[0].to[0].namespaceSelector']);
    expect(v.violations[0]!.fix).toContain('wider than the share of Export globex-web/db and Import acme-web/db: ');
    expect(v.violations[0]!.fix).toContain(reason);
  });

  it('refused without a share, with the Export and Import that would make it legal', () => {
    const v = review(npInput(egress({ ...byName('globex-web'), podSelector: { matchLabels: { app: 'db' } } }, [{ port: 5432 }])));
    expect(where(v)).toEqual(['SelectorOtherTenant@spec.egress[0].to[0].namespaceSelector']);
    expect(v.violations[0]!.fix).toContain('to call pods of namespace "globex-web" (tenant globex), tenant globex creates an Export in "globex-web" listing tenant acme (namespace "acme-web") with those pods and ports, you create an Import in "acme-web" with from {namespace: globex-web, export: <its name>}');
  });

  it('refused for another namespace of the same tenant, not in the share', () => {
    const v = review({ ...npInput(egress({ ...byName('globex-web'), podSelector: { matchLabels: { app: 'db' } } }, [{ port: 5432 }]), { namespace: 'acme-api' }), shares });
    expect(v.allowed).toBe(false);
  });

  it('refused for a third tenant: the share is not theirs', () => {
    const v = review({ ...npInput(egress({ ...byName('globex-web'), podSelector: { matchLabels: { app: 'db' } } }, [{ port: 5432 }]), { namespace: 'acme-prod-db', requester: { username: 'p', groups: ['acme-prod-devs'] } }), shares });
    expect(v.allowed).toBe(false);
  });

  it('allowed: the name as an In expression, narrowed by another namespace label (the model reads it as that one name)', () => {
    const peer = { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['globex-web'] }], matchLabels: { team: 'db' } }, podSelector: { matchLabels: { app: 'db' } } };
    expect(review({ ...npInput(egress(peer, [{ port: 5432 }])), shares }).allowed).toBe(true);
  });

  it('allowed: an own namespace and the shared one in one In list; refused when the list adds a name no share covers', () => {
    const names = (values: string[]) => ({ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values }] }, podSelector: { matchLabels: { app: 'db' } } });
    expect(review({ ...npInput(egress(names(['acme-web', 'globex-web']), [{ port: 5432 }])), shares }).allowed).toBe(true);
    expect(review({ ...npInput(egress(names(['globex-web', 'globex-api']), [{ port: 5432 }])), shares }).allowed).toBe(false);
  });

  it('refused when a name is only excluded (NotIn): that reaches every other namespace', () => {
    const peer = { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['acme-web'] }] }, podSelector: { matchLabels: { app: 'db' } } };
    expect(review({ ...npInput(egress(peer, [{ port: 5432 }])), shares }).allowed).toBe(false);
  });

  it('refused when the namespace is selected by anything but its name', () => {
    const v = review({ ...npInput(egress({ namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'globex' } }, podSelector: { matchLabels: { app: 'db' } } }, [{ port: 5432 }])), shares });
    expect(v.allowed).toBe(false);
  });
});

describe('ingress in the exporter within the share', () => {
  it('allowed for the exporter\'s own rule admitting the importer\'s pods on the shared port', () => {
    const spec = { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ ...byName('acme-web'), podSelector: { matchLabels: { app: 'api', tier: 'x' } } }], ports: [{ port: 5432 }] }] };
    const v = review({ ...npInput(spec, { namespace: 'globex-web', requester: people.gina, view: makeView() }), shares });
    expect(v.allowed).toBe(true);
  });
});

// The same share for a CiliumNetworkPolicy: the namespace by its name (io.kubernetes.pod.namespace), pod labels, toPorts.
describe('a CiliumNetworkPolicy within the share', () => {
  const toDb = (labels: Record<string, string>, toPorts: unknown, endpointSelector: unknown = { matchLabels: { app: 'api' } }) => ({
    spec: { endpointSelector, egress: [{ toEndpoints: [{ matchLabels: labels }], ...(toPorts === undefined ? {} : { toPorts }) }] },
  });
  const tcp5432 = [{ ports: [{ port: '5432', protocol: 'TCP' }] }];

  it.each([
    ['k8s: keys', { 'k8s:io.kubernetes.pod.namespace': 'globex-web', 'k8s:app': 'db' }],
    ['any-source keys', { 'io.kubernetes.pod.namespace': 'globex-web', app: 'db', tier: 'x' }],
  ])('allowed: egress from the importer to the exporter\'s pods on the shared port (%s)', (_what, labels) => {
    const v = review({ ...cnpInput(toDb(labels, tcp5432)), shares });
    expect(v.violations).toEqual([]);
    expect(v.warnings).toContain('spec.egress[0].toEndpoints[0]: allowed within the share of Export globex-web/db and Import acme-web/db; once the share ends, this rule is refused on its next change and reported by tenant-guard audit');
  });

  it('allowed: ingress in the exporter from the importer\'s pods', () => {
    const body = { spec: { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'acme-web', app: 'api' } }], toPorts: tcp5432 }] } };
    expect(review({ ...cnpInput(body, { namespace: 'globex-web', requester: people.gina, view: makeView() }), shares }).violations).toEqual([]);
  });

  it.each<[string, Record<string, string>, unknown, unknown, string]>([
    ['another port', { 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' }, [{ ports: [{ port: '5433', protocol: 'TCP' }] }], undefined, 'its ports must be inside the share\'s (TCP 5432)'],
    ['protocol ANY (TCP, UDP and SCTP)', { 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' }, [{ ports: [{ port: '5432' }] }], undefined, 'its ports must be inside the share\'s'],
    ['no toPorts', { 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' }, undefined, undefined, 'the rule must list its ports'],
    ['a named port', { 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' }, [{ ports: [{ port: 'postgres', protocol: 'TCP' }] }], undefined, 'a named port cannot be compared with a share'],
    ['every pod of the exporter namespace', { 'k8s:io.kubernetes.pod.namespace': 'globex-web' }, tcp5432, undefined, 'the endpoint selector\'s pod labels must carry every requirement of the Export\'s podSelector'],
    ['every pod of this namespace', { 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' }, tcp5432, {}, 'the endpointSelector must carry every requirement of the Import\'s podSelector'],
  ])('refused: %s, with what is wider than the share', (_what, labels, toPorts, endpointSelector, reason) => {
    const v = review({ ...cnpInput(toDb(labels, toPorts, endpointSelector)), shares });
    expect(where(v)).toEqual(['SelectorOtherTenant@spec.egress[0].toEndpoints[0]']);
    expect(v.violations[0]!.fix).toContain('wider than the share of Export globex-web/db and Import acme-web/db: ');
    expect(v.violations[0]!.fix).toContain(reason);
  });

  it('refused without a share, by a namespace label, in a requirement, and in a third tenant\'s namespace', () => {
    const none = review(cnpInput(toDb({ 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' }, tcp5432)));
    expect(none.violations[0]!.fix).toContain('this rule names "globex-web" by its name (k8s:io.kubernetes.pod.namespace)');
    const byTenant = review({ ...cnpInput(toDb({ 'k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant': 'globex', app: 'db' }, tcp5432)), shares });
    expect(byTenant.allowed).toBe(false);
    const required = { spec: { endpointSelector: { matchLabels: { app: 'api' } }, egress: [{ toRequires: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' } }], toPorts: tcp5432 }] } };
    expect(review({ ...cnpInput(required), shares }).allowed).toBe(false);
    const third = review({ ...cnpInput(toDb({ 'k8s:io.kubernetes.pod.namespace': 'globex-web', app: 'db' }, tcp5432), { namespace: 'acme-prod-db', requester: { username: 'p', groups: ['acme-prod-devs'] } }), shares });
    expect(third.allowed).toBe(false);
  });

  it('reads ports as Cilium does: ANY or none is TCP, UDP and SCTP; 0 or an entry without ports is every port; ICMP is outside', () => {
    expect(ciliumPorts({ toPorts: [{ ports: [{ port: '53' }] }] })).toEqual({ ports: ['TCP', 'UDP', 'SCTP'].map((protocol) => ({ protocol, port: 53, endPort: 53 })) });
    expect(ciliumPorts({ toPorts: [{ ports: [{ port: '8000', endPort: 8010, protocol: 'UDP' }] }] })).toEqual({ ports: [{ protocol: 'UDP', port: 8000, endPort: 8010 }] });
    expect(ciliumPorts({ toPorts: [{ ports: [{ port: '0', protocol: 'TCP' }] }] })).toEqual({ ports: undefined });
    expect(ciliumPorts({ toPorts: [{ rules: { http: [{}] } }] })).toEqual({ ports: undefined });
    expect(ciliumPorts({ toPorts: tcp5432, icmps: [{ fields: [{ type: 8 }] }] })).toHaveProperty('unreadable');
    expect(ciliumPorts({ toPorts: [{ ports: [{ port: '5432', protocol: 'VRRP' }] }] })).toHaveProperty('unreadable');
  });
});

describe('selectorWithin', () => {
  const sel = (matchLabels: Record<string, string>, matchExpressions: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] }[] = []) => ({ matchLabels, matchExpressions });
  it.each([
    [sel({ app: 'db' }), sel({ app: 'db' }), true],
    [sel({ app: 'db', tier: 'a' }), sel({ app: 'db' }), true],
    [sel({}), sel({ app: 'db' }), false],
    [sel({ app: 'db' }), sel({}), true],
    [sel({ app: 'web' }), sel({ app: 'db' }), false],
    [sel({}, [{ key: 'app', operator: 'In', values: ['db'] }]), sel({ app: 'db' }), true],
    [sel({}, [{ key: 'app', operator: 'In', values: ['db', 'web'] }]), sel({ app: 'db' }), false],
    [sel({ app: 'db' }), sel({}, [{ key: 'app', operator: 'In', values: ['db', 'web'] }]), true],
    [sel({ app: 'db' }), sel({}, [{ key: 'app', operator: 'Exists', values: [] }]), true],
    [sel({}), sel({}, [{ key: 'app', operator: 'NotIn', values: ['x'] }]), false],
  ])('%j within %j: %s', (inner, outer, expected) => {
    expect(selectorWithin(inner, outer)).toBe(expected);
  });
});
