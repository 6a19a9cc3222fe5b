/**
 * The traffic-steering kinds through review(): CiliumLocalRedirectPolicy
 * (refused for non-admins on every operation), CiliumEnvoyConfig (Service
 * references judged by namespace), CiliumCIDRGroup (cluster-scoped, refused
 * for tenants), and which namespaces each one makes the engine read.
 */
import { describe, expect, it } from 'vitest';
import { CEC_KIND, cecInput, CIDR_GROUP_KIND, CLRP_KIND, expectWellFormed, makeConfig, makeView, people, UNKNOWN_VIEW, where, type InputOptions } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { Operation, Requester, ReviewInput, Verdict } from '../types.js';
import { steeringNamespaces } from './steering.js';

function plain(kind: ReviewInput['kind'], operation: Operation, requester: Requester, namespace: string | undefined, object: unknown): ReviewInput {
  return { kind, operation, requester, object: operation === 'DELETE' ? undefined : object, oldObject: operation === 'DELETE' ? object : undefined, namespace, name: 'x', namespaces: makeView(), settings: cecInput({}).settings };
}

const CLRP = { apiVersion: 'cilium.io/v2', kind: 'CiliumLocalRedirectPolicy', metadata: { name: 'x' }, spec: { redirectFrontend: { serviceMatcher: { serviceName: 'kube-dns', namespace: 'kube-system' } }, redirectBackend: { localEndpointSelector: { matchLabels: { app: 'spy' } }, toPorts: [{ port: '53', protocol: 'UDP' }] } } };
const GROUP = { apiVersion: 'cilium.io/v2', kind: 'CiliumCIDRGroup', metadata: { name: 'x' }, spec: { externalCIDRs: ['10.244.0.0/16'] } };

describe('CiliumLocalRedirectPolicy', () => {
  it.each(['CREATE', 'UPDATE', 'DELETE'] as const)('a tenant may not %s one, even in its own namespace', (op) => {
    const v = review(plain(CLRP_KIND, op, people.alice, 'acme-web', CLRP));
    expectWellFormed(v);
    expect(where(v)).toEqual(['LocalRedirectPolicy@kind']);
    const verb = op === 'CREATE' ? 'create' : op === 'DELETE' ? 'delete' : 'change';
    expect(v.violations[0]!.message).toBe(`a CiliumLocalRedirectPolicy redirects the traffic that every pod in the cluster sends to its frontend, not only this namespace's; only the platform team may ${verb} one`);
    expect(v.violations[0]!.fix).toContain('point them at a Service in your namespace');
  });

  it('refused for a requester of no tenant and without an object', () => {
    expect(where(review(plain(CLRP_KIND, 'CREATE', people.dave, 'unowned', undefined)))).toEqual(['LocalRedirectPolicy@kind']);
  });

  it('an admin may manage one', () => {
    expect(review(plain(CLRP_KIND, 'CREATE', people.root, 'kube-system', CLRP))).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });

  it('needs no namespace lookup', () => {
    const input = plain(CLRP_KIND, 'CREATE', people.alice, 'acme-web', CLRP);
    const view = makeView();
    review({ ...input, namespaces: view });
    expect(view.looked).toEqual([]);
    expect(steeringNamespaces('CiliumLocalRedirectPolicy', 'acme-web', CLRP)).toEqual([]);
  });
});

describe('CiliumCIDRGroup', () => {
  it.each(['CREATE', 'UPDATE', 'DELETE'] as const)('a tenant may not %s one', (op) => {
    const v = review(plain(CIDR_GROUP_KIND, op, people.alice, undefined, GROUP));
    expectWellFormed(v);
    expect(where(v)).toEqual(['ClusterScopedPolicy@kind']);
    expect(v.violations[0]!.message).toContain('a CiliumCIDRGroup changes which addresses every policy that names it in cidrGroupRef reaches, in every tenant');
    expect(v.violations[0]!.fix).toBe('write the addresses with cidr and except in your own CiliumNetworkPolicy, or ask the platform team for a group');
  });

  it('an admin may manage one', () => {
    expect(review(plain(CIDR_GROUP_KIND, 'CREATE', people.root, undefined, GROUP)).allowed).toBe(true);
  });
});

describe('CiliumEnvoyConfig', () => {
  function judge(spec: unknown, o: InputOptions = {}): Verdict {
    const v = review(cecInput(spec, o));
    expectWellFormed(v);
    return v;
  }
  const listener = { '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', name: 'l7' };

  it.each<[string, unknown, string[]]>([
    ['no service references', { resources: [listener] }, []],
    ['no spec', undefined, []],
    // A missing namespace is the config's own (Cilium's default).
    ['services without a namespace', { services: [{ name: 'web', listener: 'l7' }], resources: [listener] }, []],
    ['backendServices without a namespace', { backendServices: [{ name: 'api' }] }, []],
    ['an empty namespace', { backendServices: [{ name: 'api', namespace: '' }] }, []],
    ['own namespace, named', { services: [{ name: 'web', namespace: 'acme-web' }] }, []],
    ['a sibling namespace of the tenant', { backendServices: [{ name: 'api', namespace: 'acme-api' }] }, []],
    ['a platform namespace', { backendServices: [{ name: 'kube-dns', namespace: 'kube-system' }] }, []],
    ["another tenant's backend", { backendServices: [{ name: 'db', namespace: 'globex-web' }] }, ['ServiceOtherTenant@spec.backendServices[0].namespace']],
    ["another tenant's frontend", { services: [{ name: 'web', namespace: 'globex-web' }] }, ['ServiceOtherTenant@spec.services[0].namespace']],
    ['a namespace of no tenant', { backendServices: [{ name: 'x', namespace: 'unowned' }] }, ['ServiceOtherTenant@spec.backendServices[0].namespace']],
    ['a namespace that does not exist', { backendServices: [{ name: 'x', namespace: 'ghost' }] }, ['SelectorUnknownNamespace@spec.backendServices[0].namespace']],
    ['a namespace whose owner is unknown', { backendServices: [{ name: 'x', namespace: 'flaky' }] }, ['OwnershipUnknown@spec.backendServices[0].namespace']],
    ['every bad reference, each named', { services: [{ name: 'a', namespace: 'globex-web' }, { name: 'b' }], backendServices: [{ name: 'c', namespace: 'acme-api' }, { name: 'd', namespace: 'globex-web' }] },
      ['ServiceOtherTenant@spec.services[0].namespace', 'ServiceOtherTenant@spec.backendServices[1].namespace']],
    ['a reference that is not a mapping', { backendServices: ['globex-web/db'] }, ['MalformedObject@spec.backendServices[0]']],
    ['a namespace that is not a string', { backendServices: [{ name: 'x', namespace: ['globex-web'] }] }, ['MalformedObject@spec.backendServices[0].namespace']],
    ['a list that is not a list', { backendServices: { name: 'x', namespace: 'globex-web' } }, ['MalformedObject@spec.backendServices']],
    ['a spec that is not a mapping', 'x', ['MalformedObject@spec']],
  ])('%s', (_name, spec, expected) => {
    expect(where(judge(spec))).toEqual(expected);
  });

  it('says why and what to write instead', () => {
    const v = judge({ backendServices: [{ name: 'db', namespace: 'globex-web' }] });
    expect(v.violations[0]!.message).toBe('hands Envoy the backends of a Service in namespace "globex-web", which belongs to tenant globex');
    expect(v.violations[0]!.fix).toBe('name Services of your own tenant or the platform; leave namespace out for this namespace ("acme-web"); for another tenant\'s Service, ask that tenant or the platform to publish it');
    const f = judge({ services: [{ name: 'web', namespace: 'globex-web' }] });
    expect(f.violations[0]!.message).toBe('redirects into Envoy the traffic to a Service in namespace "globex-web", which belongs to tenant globex');
  });

  it('a frontend in a sibling namespace is allowed with a warning: Cilium redirects the one in its own namespace', () => {
    const v = judge({ services: [{ name: 'web', namespace: 'acme-api' }] });
    expect(v.allowed).toBe(true);
    expect(v.warnings).toContain('spec.services[0].namespace: Cilium redirects only Services in the config\'s own namespace, so this names acme-web/web, not acme-api/web');
  });

  it('with allowSameTenantAcrossNamespaces off, only this namespace and the platform', () => {
    const strict = makeConfig({ allowSameTenantAcrossNamespaces: false });
    expect(where(judge({ backendServices: [{ name: 'api', namespace: 'acme-api' }] }, { config: strict }))).toEqual(['ServiceOtherTenant@spec.backendServices[0].namespace']);
    expect(judge({ backendServices: [{ name: 'dns', namespace: 'kube-system' }] }, { config: strict }).allowed).toBe(true);
  });

  it('fails closed when the owner of its own namespace is unknown', () => {
    expect(where(judge({ resources: [listener] }, { view: UNKNOWN_VIEW }))).toEqual(['OwnershipUnknown@metadata.namespace']);
  });

  it('admins and deletions are not judged', () => {
    expect(judge({ backendServices: [{ name: 'db', namespace: 'globex-web' }] }, { requester: people.root }).allowed).toBe(true);
    expect(review(plain(CEC_KIND, 'DELETE', people.alice, 'acme-web', { spec: { backendServices: [{ name: 'db', namespace: 'globex-web' }] } })).allowed).toBe(true);
  });

  it('the namespaces to resolve: its own and every one it names, once', () => {
    expect(steeringNamespaces('CiliumEnvoyConfig', 'acme-web', { spec: { services: [{ name: 'a', namespace: 'acme-web' }], backendServices: [{ name: 'b', namespace: 'globex-web' }, { name: 'c' }, { name: 'd', namespace: 'globex-web' }] } }))
      .toEqual(['acme-web', 'globex-web']);
  });
});

describe('Services: which namespaces are read', () => {
  it('none for an ordinary Service, its own for one with external IPs', () => {
    expect(steeringNamespaces('Service', 'acme-web', { spec: { ports: [{ port: 80 }] } })).toEqual([]);
    expect(steeringNamespaces('Service', 'acme-web', { spec: { externalIPs: [] } })).toEqual([]);
    expect(steeringNamespaces('Service', 'acme-web', { spec: { externalIPs: ['203.0.113.1'] } })).toEqual(['acme-web']);
  });
});
