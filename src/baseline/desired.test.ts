/**
 * The baseline as data: exact objects for both flavours, the options that
 * shape them, that the engine itself finds them confined to the tenant, and
 * the diff that decides whether to write.
 */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import { policySettingsOf, type Config } from '../config/schema.js';
import { mapView } from '../kube/namespace-view.js';
import { review } from '../policy/index.js';
import type { NamespaceLookup } from '../policy/types.js';
import { desiredBaseline, jsonEqual, needsWrite, worldBlocks, type BaselinePolicy, type LiveObject } from './desired.js';

function config(overrides: Record<string, unknown> = {}): Config {
  const r = configFromObject({
    tenants: [{ name: 'acme', groups: ['acme-devs'] }, { name: 'globex', groups: ['globex-devs'] }],
    protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12', 'fd00:10:244::/56'],
    ...overrides,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const TENANT = { kind: 'tenant', tenant: 'acme' } as const;
const LABELS = { 'app.kubernetes.io/managed-by': 'tenant-guard' };

describe('desiredBaseline, NetworkPolicy flavour', () => {
  it('isolates ingress: same namespace, same tenant, platform; nothing else', () => {
    expect(desiredBaseline('acme-web', TENANT, config())).toEqual([{
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'tenant-guard-isolate', namespace: 'acme-web', labels: LABELS },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{
          from: [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'acme' } } },
            { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } } },
          ],
        }],
      },
    }]);
  });

  it('leaves out the tenant peer when allowSameTenantAcrossNamespaces is off', () => {
    const [isolate] = desiredBaseline('acme-web', TENANT, config({ allowSameTenantAcrossNamespaces: false }));
    expect((isolate!.spec.ingress as { from: unknown[] }[])[0]!.from).toEqual([
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } } },
    ]);
  });

  it('uses the configured tenant label, platform value and policy name', () => {
    const c = config({ tenantLabel: 'example.com/owner', platform: { value: 'infra', namespaces: ['kube-system'] }, baseline: { isolate: { name: 'base' } } });
    const [isolate] = desiredBaseline('acme-web', TENANT, c);
    expect(isolate!.metadata.name).toBe('base');
    expect(JSON.stringify(isolate!.spec)).toContain('"example.com/owner":"infra"');
    expect(JSON.stringify(isolate!.spec)).toContain('"example.com/owner":"acme"');
  });

  it('adds the egress policy when enabled: tenant, platform, DNS on UDP and TCP 53, the world outside protectedCIDRs', () => {
    const policies = desiredBaseline('acme-web', TENANT, config({ baseline: { egress: { enabled: true } } }));
    expect(policies.map((p) => p.metadata.name)).toEqual(['tenant-guard-isolate', 'tenant-guard-egress']);
    expect(policies[1]).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'tenant-guard-egress', namespace: 'acme-web', labels: LABELS },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              { podSelector: {} },
              { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'acme' } } },
              { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } } },
            ],
          },
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
            ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
          },
          {
            to: [
              { ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] } },
              { ipBlock: { cidr: '::/0', except: ['fd00:10:244::/56'] } },
            ],
          },
        ],
      },
    });
  });

  it('drops the DNS and world rules when they are switched off', () => {
    const [, egress] = desiredBaseline('acme-web', TENANT, config({ baseline: { egress: { enabled: true, dns: false, world: false } } }));
    expect(egress!.spec.egress).toHaveLength(1);
  });

  it('can run with the isolate policy disabled', () => {
    expect(desiredBaseline('acme-web', TENANT, config({ baseline: { isolate: { enabled: false }, egress: { enabled: true } } })).map((p) => p.metadata.name)).toEqual(['tenant-guard-egress']);
  });

  it.each([
    ['a platform namespace', { kind: 'platform' }],
    ['a namespace without a tenant', { kind: 'none' }],
    ['an absent namespace', { kind: 'absent' }],
    ['an unknown owner', { kind: 'unknown', reason: 'x' }],
  ] as const)('gives %s no baseline', (_what, owner) => {
    expect(desiredBaseline('x', owner, config({ baseline: { egress: { enabled: true } } }))).toEqual([]);
  });
});

describe('desiredBaseline, Cilium flavour', () => {
  const cilium = (extra: Record<string, unknown> = {}) => config({ baseline: { flavour: 'cilium', ...extra } });

  it('isolates ingress with namespace-label endpoint selectors', () => {
    expect(desiredBaseline('acme-web', TENANT, cilium())).toEqual([{
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'tenant-guard-isolate', namespace: 'acme-web', labels: LABELS },
      spec: {
        endpointSelector: {},
        ingress: [{
          fromEndpoints: [
            {},
            { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant': 'acme' } },
            { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant': 'platform' } },
          ],
        }],
      },
    }]);
  });

  it('limits egress to tenant, platform, kube-system DNS and CIDRs outside the cluster ranges', () => {
    const [, egress] = desiredBaseline('acme-web', TENANT, cilium({ egress: { enabled: true } }));
    expect(egress).toEqual({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'tenant-guard-egress', namespace: 'acme-web', labels: LABELS },
      spec: {
        endpointSelector: {},
        egress: [
          {
            toEndpoints: [
              {},
              { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant': 'acme' } },
              { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant': 'platform' } },
            ],
          },
          {
            toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }],
            toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }] }],
          },
          {
            toCIDRSet: [
              { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] },
              { cidr: '::/0', except: ['fd00:10:244::/56'] },
            ],
          },
        ],
      },
    });
  });
});

describe('the baseline passes the webhook\'s own rules', () => {
  // Stripped of the managed label (which only admins may set), every baseline
  // policy must be one a tenant could have written: confined to its tenant.
  const owners: Record<string, NamespaceLookup> = {
    'acme-web': { state: 'found', labels: { 'tenant-guard.io/tenant': 'acme' } },
    'kube-system': { state: 'found', labels: { 'tenant-guard.io/tenant': 'platform' } },
  };
  const view = mapView(new Map(Object.entries(owners)));
  it.each([
    ['networkpolicy', 'networking.k8s.io', 'v1'],
    ['cilium', 'cilium.io', 'v2'],
  ] as const)('%s flavour', (flavour, group, version) => {
    for (const same of [true, false]) {
      const c = config({ allowSameTenantAcrossNamespaces: same, baseline: { flavour, egress: { enabled: true } } });
      for (const p of desiredBaseline('acme-web', TENANT, c)) {
        const object = { ...p, metadata: { name: p.metadata.name, namespace: p.metadata.namespace } };
        const v = review({ kind: { group, version, kind: p.kind }, operation: 'CREATE', namespace: 'acme-web', name: p.metadata.name, object, requester: { username: 'alice', groups: ['acme-devs'] }, namespaces: view, settings: policySettingsOf(c) });
        expect(v.violations, `${p.kind} ${p.metadata.name}`).toEqual([]);
      }
    }
  });
});

describe('worldBlocks', () => {
  it.each([
    ['drops ranges nested in another and duplicates', ['10.0.0.0/8', '10.244.0.0/16', '10.0.0.0/8'], [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }, { cidr: '::/0', except: [] }]],
    ['canonicalises the network address', ['10.96.0.1/12'], [{ cidr: '0.0.0.0/0', except: ['10.96.0.0/12'] }, { cidr: '::/0', except: [] }]],
    ['skips a family that is wholly protected', ['0.0.0.0/0'], [{ cidr: '::/0', except: [] }]],
    ['no protected ranges: the whole world', [], [{ cidr: '0.0.0.0/0', except: [] }, { cidr: '::/0', except: [] }]],
  ])('%s', (_what, cidrs, blocks) => {
    expect(worldBlocks(cidrs)).toEqual(blocks);
  });

  it('writes an ipBlock without except when nothing is protected in that family', () => {
    const [, egress] = desiredBaseline('acme-web', TENANT, config({ protectedCIDRs: ['10.0.0.0/8'], baseline: { egress: { enabled: true, dns: false } } }));
    expect((egress!.spec.egress as unknown[])[1]).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { ipBlock: { cidr: '::/0' } }] });
  });
});

describe('needsWrite', () => {
  const desired = desiredBaseline('acme-web', TENANT, config())[0] as BaselinePolicy;
  /** The object as the API server returns it: server-set metadata, defaults, key order of its own. */
  const live = (): LiveObject & { spec: { ingress: { from: unknown[] }[]; policyTypes: string[]; podSelector: unknown } } => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: 'tenant-guard-isolate',
      namespace: 'acme-web',
      uid: '6d1c1c4e-0000-4000-8000-000000000001',
      resourceVersion: '4711',
      labels: { ...LABELS },
      managedFields: [{ manager: 'tenant-guard', operation: 'Apply' }],
    },
    spec: {
      policyTypes: ['Ingress'],
      ingress: [{
        from: [
          { podSelector: {} },
          { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'acme' } } },
          { namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } } },
        ],
      }],
      podSelector: {},
    },
  });

  it('writes when the policy is absent', () => {
    expect(needsWrite(desired, undefined)).toBe('absent');
  });

  it('does not write when the live object matches, whatever the server added', () => {
    expect(needsWrite(desired, live())).toBeUndefined();
  });

  it('ignores labels and annotations added by others', () => {
    const l = live();
    l.metadata!.labels = { ...LABELS, team: 'net' };
    expect(needsWrite(desired, l)).toBeUndefined();
  });

  it('ignores spec fields it does not own (another manager\'s egress on an Ingress-only policy)', () => {
    const l = live();
    (l.spec as Record<string, unknown>).egress = [{}];
    expect(needsWrite(desired, l)).toBeUndefined();
  });

  it.each([
    ['an extra peer', (l: ReturnType<typeof live>) => { l.spec.ingress[0]!.from.push({ namespaceSelector: {} }); }],
    ['a widened tenant selector', (l: ReturnType<typeof live>) => { l.spec.ingress[0]!.from[1] = { namespaceSelector: {} }; }],
    ['a narrowed podSelector', (l: ReturnType<typeof live>) => { l.spec.podSelector = { matchLabels: { app: 'x' } }; }],
    ['Egress added to policyTypes', (l: ReturnType<typeof live>) => { l.spec.policyTypes = ['Ingress', 'Egress']; }],
    ['an empty ingress list', (l: ReturnType<typeof live>) => { l.spec.ingress = []; }],
    ['reordered peers', (l: ReturnType<typeof live>) => { l.spec.ingress[0]!.from.reverse(); }],
  ])('rewrites a spec edit: %s', (_what, edit) => {
    const l = live();
    edit(l);
    expect(needsWrite(desired, l)).toBe('spec');
  });

  it.each([
    ['removed', {}],
    ['changed', { 'app.kubernetes.io/managed-by': 'someone' }],
  ])('rewrites when its label is %s', (_what, labels) => {
    const l = live();
    l.metadata!.labels = labels;
    expect(needsWrite(desired, l)).toBe('labels');
  });

  it('treats a live object without spec or labels as drifted', () => {
    expect(needsWrite(desired, { metadata: {} })).toBe('labels');
    expect(needsWrite(desired, { metadata: { labels: LABELS } })).toBe('spec');
  });
});

describe('jsonEqual', () => {
  it.each([
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{}, [], false],
    [null, {}, false],
    ['53', 53, false],
    [{ a: {} }, { a: { b: 1 } }, false],
  ])('%j vs %j → %s', (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
    expect(jsonEqual(b, a)).toBe(equal);
  });
});
