/**
 * Export and Import admission through review(): the owner rule, consumer
 * tenants, explicit ports, the configuration's switches, and the Import
 * warning that never tells whether another namespace or Export exists.
 */
import { describe, expect, it } from 'vitest';
import { CONFIG, expectWellFormed, makeConfig, makeView, people, where } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import { readExport, type ActiveShare, type ExportFacts } from '../share.js';
import type { Operation, Requester, ReviewInput, SharesView } from '../types.js';
import { policySettingsOf, type Config } from '../../config/schema.js';

const EXPORT_KIND = { group: 'tenant-guard.io', version: 'v1alpha1', kind: 'Export' };
const IMPORT_KIND = { group: 'tenant-guard.io', version: 'v1alpha1', kind: 'Import' };

const exportSpec = { podSelector: { matchLabels: { app: 'auth' } }, ports: [{ port: 5555, protocol: 'TCP' }], to: [{ tenant: 'acme', namespaces: ['acme-web'] }] };
const importSpec = { from: { namespace: 'globex-web', export: 'auth' }, podSelector: { matchLabels: { app: 'partner-api' } }, ports: [{ port: 5555, protocol: 'TCP' }] };

function facts(namespace: string, name: string, spec: unknown): ExportFacts {
  const r = readExport({ metadata: { name, namespace }, spec });
  if (!r.ok) throw new Error(`fixture invalid: ${JSON.stringify(r.problems)}`);
  return r.value;
}

function sharesOf(exports: ExportFacts[], active: ActiveShare[] = []): SharesView {
  return {
    known: true,
    exportsIn: (ns) => exports.filter((e) => e.namespace === ns),
    exportNamed: (ns, name) => exports.find((e) => e.namespace === ns && e.name === name),
    activeIn: (ns) => active.filter((s) => s.export.namespace === ns || s.import.namespace === ns),
  };
}

interface Opts { operation?: Operation; requester?: Requester; namespace?: string; config?: Config; shares?: SharesView; oldObject?: unknown }

function shareInput(kind: 'Export' | 'Import', spec: unknown, o: Opts): ReviewInput {
  const namespace = o.namespace ?? (kind === 'Export' ? 'globex-web' : 'acme-web');
  return {
    kind: kind === 'Export' ? EXPORT_KIND : IMPORT_KIND, operation: o.operation ?? 'CREATE', namespace, name: 'auth',
    object: o.operation === 'DELETE' ? undefined : { apiVersion: 'tenant-guard.io/v1alpha1', kind, metadata: { name: 'auth', namespace }, spec },
    oldObject: o.oldObject, requester: o.requester ?? (kind === 'Export' ? people.gina : people.alice), namespaces: makeView(), shares: o.shares ?? sharesOf([]), settings: policySettingsOf(o.config ?? CONFIG),
  };
}

const exportInput = (spec: unknown, o: Opts = {}): ReviewInput => shareInput('Export', spec, o);
const importInput = (spec: unknown, o: Opts = {}): ReviewInput => shareInput('Import', spec, o);

describe('Export', () => {
  it('the issue example is allowed for a member of the exporting tenant', () => {
    expect(review(exportInput(exportSpec))).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });

  it.each<[string, Opts, string[]]>([
    ['a member of another tenant', { requester: people.alice }, ['ShareNotOwner@metadata.namespace']],
    ['a member of no tenant', { requester: people.dave }, ['ShareNotOwner@metadata.namespace']],
    ['in a platform namespace', { namespace: 'ingress-nginx' }, ['ShareNotOwner@metadata.namespace']],
    ['in a namespace without owner', { namespace: 'unowned' }, ['ShareNotOwner@metadata.namespace']],
    ['in a namespace whose owner is unknown', { namespace: 'flaky' }, ['OwnershipUnknown@metadata.namespace']],
    ['deleted by a member of another tenant', { requester: people.alice, operation: 'DELETE' }, ['ShareNotOwner@metadata.namespace']],
  ])('refused %s', (_what, o, expected) => {
    const v = review(exportInput(exportSpec, o));
    expectWellFormed(v);
    expect(where(v)).toEqual(expected);
  });

  it('says whose namespace it is and what to do', () => {
    const v = review(exportInput(exportSpec, { requester: people.alice }));
    expect(v.violations[0]).toMatchObject({ message: 'namespace "globex-web" belongs to tenant globex; only its members may create an Export there', fix: 'ask tenant globex or the platform team' });
  });

  it.each([
    ['an admin', people.root, 'CREATE'],
    ['the namespace controller deleting', people.namespaceController, 'DELETE'],
    ['its own tenant deleting', people.gina, 'DELETE'],
  ] as const)('allowed for %s', (_what, requester, operation) => {
    expect(review(exportInput(exportSpec, { requester, operation })).allowed).toBe(true);
  });

  it('refuses every bad field at once, each with its path', () => {
    const v = review(exportInput({ podSelector: {}, ports: [{ port: 'http' }, { port: 80, protocol: 'ICMP' }], to: [{ tenant: 'globex' }, { tenant: 'platform' }] }));
    expect(where(v)).toEqual(['SharePorts@spec.ports[0].port', 'SharePorts@spec.ports[1].protocol', 'ShareTenant@spec.to[0].tenant', 'ShareTenant@spec.to[1].tenant']);
    expect(v.violations[2]!.message).toBe('is your own tenant (globex); its namespaces already reach each other by the tenant\'s own rules');
    expect(v.violations[3]!.message).toBe('"platform" is the platform\'s value, not a tenant; platform namespaces are reached through the baseline');
  });

  it('refuses "all ports" (no ports field) with the fix that lists them', () => {
    const v = review(exportInput({ podSelector: {}, to: [{ tenant: 'acme' }] }));
    expect(v.violations).toEqual([{ code: 'SharePorts', path: 'spec.ports', segments: ['spec', 'ports'], message: 'is required: list the ports explicitly (there is no "all ports")', fix: 'list each port as {port: <number>, protocol: TCP|UDP|SCTP}, or a range with endPort' }]);
  });

  it('refuses a tenant that is not configured when tenants exist only by configuration', () => {
    const config = makeConfig({ tenantGroupPrefix: '' });
    const v = review(exportInput({ ...exportSpec, to: [{ tenant: 'hooli' }] }, { config }));
    expect(where(v)).toEqual(['ShareTenant@spec.to[0].tenant']);
    expect(v.violations[0]!.fix).toBe('name one of acme, initech, acme-prod');
  });

  it('warns about a tenant known only by the group prefix', () => {
    const v = review(exportInput({ ...exportSpec, to: [{ tenant: 'hooli' }] }));
    expect(v.allowed).toBe(true);
    expect(v.warnings).toEqual(['spec.to[0].tenant: "hooli" is not in the configured tenants; it is a tenant only while users are in group tenant:hooli']);
  });

  it('refuses everything when sharing is off, but lets leftovers be deleted', () => {
    const config = makeConfig({ sharing: { enabled: false } });
    expect(where(review(exportInput(exportSpec, { config })))).toEqual(['ShareDisabled@kind']);
    expect(where(review(importInput(importSpec, { config })))).toEqual(['ShareDisabled@kind']);
    expect(review(exportInput(exportSpec, { config, operation: 'DELETE' })).allowed).toBe(true);
  });

  it('refuses pairs outside sharing.allowedPairs, in the direction given', () => {
    const config = makeConfig({ sharing: { allowedPairs: [{ exporter: 'acme', importer: 'globex' }] } });
    const v = review(exportInput(exportSpec, { config }));
    expect(v.violations).toEqual([{ code: 'SharePairNotAllowed', path: 'spec.to[0].tenant', segments: ['spec', 'to', 0, 'tenant'], message: 'tenant globex may not share with tenant acme (sharing.allowedPairs)', fix: 'ask the platform team to allow this pair' }]);
    const back = makeConfig({ sharing: { allowedPairs: [{ exporter: 'globex', importer: 'acme' }] } });
    expect(review(exportInput(exportSpec, { config: back })).allowed).toBe(true);
  });

  it('caps the Exports of one namespace on CREATE, not on UPDATE of one of them', () => {
    const config = makeConfig({ sharing: { maxExportsPerNamespace: 2 } });
    const two = sharesOf([facts('globex-web', 'a', exportSpec), facts('globex-web', 'b', exportSpec), facts('globex-other', 'c', exportSpec)]);
    expect(where(review(exportInput(exportSpec, { config, shares: two })))).toEqual(['ShareLimit@metadata.name']);
    expect(review(exportInput(exportSpec, { config, shares: two, operation: 'UPDATE' })).allowed).toBe(true);
    const one = sharesOf([facts('globex-web', 'a', exportSpec), facts('globex-other', 'c', exportSpec)]);
    expect(review(exportInput(exportSpec, { config, shares: one })).allowed).toBe(true);
  });

  it('admits with a warning when the Exports cannot be counted', () => {
    const v = review(exportInput(exportSpec, { shares: { ...sharesOf([]), known: false } }));
    expect(v.allowed).toBe(true);
    expect(v.warnings).toEqual(['the number of Exports in "globex-web" cannot be counted now (the cache of shares is not synced); the limit of 20 was not checked']);
  });

  it('warns under namespacePrefix about a namespace the tenant can never hold', () => {
    const config = makeConfig({ namespacePrefix: true });
    const v = review(exportInput({ ...exportSpec, to: [{ tenant: 'acme', namespaces: ['acme-web', 'partner-cp'] }] }, { config }));
    expect(v.warnings).toEqual(['spec.to[0].namespaces: "partner-cp" is not named "acme-…", so no namespace of tenant acme can have it; it never imports']);
  });
});

describe('Import', () => {
  const generic = 'no traffic flows until Export "auth" in namespace "globex-web" lists tenant acme (namespace "acme-web") and offers the ports imported; this Import\'s status says when it is Accepted';

  it('is admitted with the same warning whether the Export is missing, lists others, or the namespace does not exist', () => {
    const missing = review(importInput(importSpec));
    const others = review(importInput(importSpec, { shares: sharesOf([facts('globex-web', 'auth', { ...exportSpec, to: [{ tenant: 'initech' }] })]) }));
    const otherNamespace = review(importInput(importSpec, { shares: sharesOf([facts('globex-web', 'auth', { ...exportSpec, to: [{ tenant: 'acme', namespaces: ['acme-api'] }] })]) }));
    const noNamespace = review(importInput({ ...importSpec, from: { namespace: 'nowhere', export: 'auth' } }));
    for (const v of [missing, others, otherNamespace]) expect(v).toEqual({ allowed: true, violations: [], warnings: [generic], patch: [] });
    expect(noNamespace.warnings).toEqual([generic.replace('globex-web', 'nowhere')]);
    expect(review(importInput(importSpec, { shares: { ...sharesOf([]), known: false } })).warnings).toEqual([generic]);
  });

  it('gets no warning once the Export lists it with the ports imported', () => {
    const v = review(importInput(importSpec, { shares: sharesOf([facts('globex-web', 'auth', exportSpec)]) }));
    expect(v).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });

  it('is told which ports the Export it is listed in does not offer', () => {
    const v = review(importInput({ ...importSpec, ports: [{ port: 5555 }, { port: 6000 }] }, { shares: sharesOf([facts('globex-web', 'auth', exportSpec)]) }));
    expect(v.warnings).toEqual(['spec.ports: TCP 6000 is not offered by Export "auth" in namespace "globex-web" (it offers TCP 5555); until it does, this Import is NotPermitted']);
  });

  it.each<[string, unknown, Opts, string[]]>([
    ['by a member of another tenant', importSpec, { requester: people.gina }, ['ShareNotOwner@metadata.namespace']],
    ['from its own namespace', { ...importSpec, from: { namespace: 'acme-web', export: 'auth' } }, {}, ['ShareSelf@spec.from.namespace']],
    ['without a reference', { podSelector: {} }, {}, ['MalformedObject@spec.from.namespace', 'MalformedObject@spec.from.export']],
    ['with a named port', { ...importSpec, ports: [{ port: 'http' }] }, {}, ['SharePorts@spec.ports[0].port']],
  ])('refused %s', (_what, spec, o, expected) => {
    expect(where(review(importInput(spec, o)))).toEqual(expected);
  });
});
