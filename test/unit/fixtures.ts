/**
 * Shared fixtures for the engine's unit tests: one small multi-tenant world
 * (configuration, namespaces, people) and builders for ReviewInputs, so every
 * table row states only what it is about.
 */
import { expect } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { policySettingsOf, type Config } from '../../src/config/schema.js';
import type { CidrGroupView, NamespaceLookup, NamespaceView, Operation, Requester, ReviewInput, Verdict } from '../../src/policy/types.js';

export const TENANT_LABEL = 'tenant-guard.io/tenant';
export const NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Three tenants (membership by group, by user, and acme-prod to test overlapping prefixes), IPv4 and IPv6 protected ranges;
 * acme may use external IPs in two documentation ranges.
 */
export const BASE_CONFIG = {
  tenants: [
    { name: 'acme', groups: ['acme-devs'], externalIPs: ['203.0.113.0/28', '2001:db8:ac::/64'] },
    { name: 'globex', groups: ['globex-devs'] },
    { name: 'initech', users: ['bob'] },
    { name: 'acme-prod', groups: ['acme-prod-devs'] },
  ],
  protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12', 'fd00:10:244::/56', 'fd00:10:96::/112'],
};

/** A validated config from BASE_CONFIG plus overrides; throws (failing the test) when invalid. */
export function makeConfig(overrides: Record<string, unknown> = {}, base: Record<string, unknown> = BASE_CONFIG): Config {
  const r = configFromObject({ ...base, ...overrides });
  if (!r.ok) throw new Error(`test config invalid: ${JSON.stringify(r.errors)}`);
  return r.config;
}

export const CONFIG = makeConfig();

export const people = {
  alice: { username: 'alice', groups: ['acme-devs', 'system:authenticated'] },
  gina: { username: 'gina', groups: ['globex-devs'] },
  bob: { username: 'bob', groups: [] },
  /** Member of acme by config and of globex by the group prefix. */
  carol: { username: 'carol', groups: ['acme-devs', 'tenant:globex'] },
  /** Member of no tenant. */
  dave: { username: 'dave', groups: ['system:authenticated'] },
  root: { username: 'root', groups: ['system:masters'] },
  namespaceController: { username: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:serviceaccounts'] },
  garbageCollector: { username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts'] },
} satisfies Record<string, Requester>;

function found(labels: Record<string, string>, terminating = false): NamespaceLookup {
  return { state: 'found', labels, terminating };
}

/** The namespaces that exist in the test cluster. */
export const NAMESPACES: Record<string, NamespaceLookup> = {
  'acme-web': found({ [TENANT_LABEL]: 'acme', [NAME_LABEL]: 'acme-web' }),
  'acme-api': found({ [TENANT_LABEL]: 'acme', [NAME_LABEL]: 'acme-api' }),
  /** An acme namespace that predates namespacePrefix. */
  'legacy-acme': found({ [TENANT_LABEL]: 'acme', [NAME_LABEL]: 'legacy-acme' }),
  /** Owned by acme, but named with globex's prefix. */
  'globex-shared': found({ [TENANT_LABEL]: 'acme', [NAME_LABEL]: 'globex-shared' }),
  'globex-web': found({ [TENANT_LABEL]: 'globex', [NAME_LABEL]: 'globex-web' }),
  'acme-prod-db': found({ [TENANT_LABEL]: 'acme-prod', [NAME_LABEL]: 'acme-prod-db' }),
  /** Platform by its label only (not in platform.namespaces). */
  'ingress-nginx': found({ [TENANT_LABEL]: 'platform', [NAME_LABEL]: 'ingress-nginx' }),
  /** Platform by configured name; carries no tenant label. */
  'kube-system': found({ [NAME_LABEL]: 'kube-system' }),
  /** Exists, owned by nobody. */
  unowned: found({ [NAME_LABEL]: 'unowned' }),
  /** No labels at all. */
  bare: found({}),
  'acme-old': found({ [TENANT_LABEL]: 'acme' }, true),
  /** Ownership cannot be established (API unreachable). */
  flaky: { state: 'unknown', reason: 'namespace cache not synced' },
};

/** A view over NAMESPACES (plus extras); names not listed are absent. Records every lookup. */
export function makeView(extra: Record<string, NamespaceLookup> = {}): NamespaceView & { looked: string[] } {
  const all: Record<string, NamespaceLookup> = { ...NAMESPACES, ...extra };
  const looked: string[] = [];
  return {
    looked,
    lookup(name: string): NamespaceLookup {
      looked.push(name);
      return Object.hasOwn(all, name) ? all[name]! : { state: 'absent' };
    },
  };
}

/** A view that cannot establish anything. */
export const UNKNOWN_VIEW: NamespaceView = { lookup: () => ({ state: 'unknown', reason: 'API server unreachable' }) };

export interface InputOptions {
  operation?: Operation;
  requester?: Requester;
  namespace?: string | undefined;
  config?: Config;
  view?: NamespaceView;
  oldObject?: unknown;
  name?: string;
  cidrGroups?: CidrGroupView;
}

function base(kind: ReviewInput['kind'], object: unknown, o: InputOptions): ReviewInput {
  return {
    kind,
    operation: o.operation ?? 'CREATE',
    namespace: 'namespace' in o ? o.namespace : 'acme-web',
    name: o.name,
    object,
    oldObject: o.oldObject,
    requester: o.requester ?? people.alice,
    namespaces: o.view ?? makeView(),
    ...(o.cidrGroups !== undefined ? { cidrGroups: o.cidrGroups } : {}),
    settings: policySettingsOf(o.config ?? CONFIG),
  };
}

export const NP_KIND = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
export const CNP_KIND = { group: 'cilium.io', version: 'v2', kind: 'CiliumNetworkPolicy' };
export const NS_KIND = { group: '', version: 'v1', kind: 'Namespace' };
export const SERVICE_KIND = { group: '', version: 'v1', kind: 'Service' };
export const CEC_KIND = { group: 'cilium.io', version: 'v2', kind: 'CiliumEnvoyConfig' };
export const CLRP_KIND = { group: 'cilium.io', version: 'v2', kind: 'CiliumLocalRedirectPolicy' };
export const CIDR_GROUP_KIND = { group: 'cilium.io', version: 'v2', kind: 'CiliumCIDRGroup' };

/** A ClusterIP Service with the given spec fields (a port is always there), by alice in acme-web unless told otherwise. */
export function serviceInput(spec: Record<string, unknown>, o: InputOptions = {}): ReviewInput {
  return base(SERVICE_KIND, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec } }, o);
}

/** A CiliumEnvoyConfig with the given spec. */
export function cecInput(spec: unknown, o: InputOptions = {}): ReviewInput {
  return base(CEC_KIND, { apiVersion: 'cilium.io/v2', kind: 'CiliumEnvoyConfig', metadata: { name: 'cec' }, spec }, o);
}

/** A view over fixed CiliumCIDRGroups (name → CIDRs); other names are absent. */
export function cidrGroupView(groups: Record<string, string[]>): CidrGroupView {
  return { lookup: (name) => (Object.hasOwn(groups, name) ? { state: 'found', cidrs: groups[name]! } : { state: 'absent' }) };
}

/** A NetworkPolicy with the given spec, by alice in acme-web unless told otherwise. */
export function npInput(spec: unknown, o: InputOptions = {}, metadata: Record<string, unknown> = {}): ReviewInput {
  return base(NP_KIND, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', ...metadata }, spec }, o);
}

/** A CiliumNetworkPolicy with the given top-level fields (spec and/or specs). */
export function cnpInput(body: Record<string, unknown>, o: InputOptions = {}, metadata: Record<string, unknown> = {}): ReviewInput {
  return base(CNP_KIND, { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'cnp', ...metadata }, ...body }, o);
}

/** A Namespace object with the given metadata (name added unless metadata is not a mapping). */
export function nsObject(name: string, labels?: unknown): Record<string, unknown> {
  return labels === undefined ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } : { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function nsInput(object: unknown, o: InputOptions = {}): ReviewInput {
  const md = (object as { metadata?: { name?: unknown } } | undefined)?.metadata;
  const name = o.name ?? (typeof md?.name === 'string' ? md.name : undefined);
  return { ...base(NS_KIND, object, { ...o, namespace: undefined }), name };
}

/** The sorted violation codes of a verdict. */
export function codes(v: Verdict): string[] {
  return v.violations.map((x) => x.code).sort();
}

/** Violations as `code@path`, in report order. */
export function where(v: Verdict): string[] {
  return v.violations.map((x) => `${x.code}@${x.path}`);
}

/** Every verdict must be self-consistent, whatever it decided. */
export function expectWellFormed(v: Verdict): void {
  expect(typeof v.allowed).toBe('boolean');
  expect(v.allowed).toBe(v.violations.length === 0);
  for (const x of v.violations) {
    expect(typeof x.code).toBe('string');
    expect(typeof x.path === 'string' && x.path.length > 0).toBe(true);
    expect(typeof x.message === 'string' && x.message.length > 0).toBe(true);
    expect(typeof x.fix === 'string' && x.fix.length > 0).toBe(true);
  }
  expect(Array.isArray(v.warnings)).toBe(true);
  for (const w of v.warnings) expect(typeof w === 'string' && w.length > 0).toBe(true);
  expect(Array.isArray(v.patch)).toBe(true);
  if (!v.allowed) expect(v.patch).toEqual([]);
}
