/**
 * Property-based tests of the policy engine (fast-check).
 *
 *   1. Any shape at all — wrong types, nulls, huge arrays, deep nesting,
 *      unicode and prototype-ish keys — review() never throws and returns a
 *      well-formed verdict: allowed, or violations that each carry a code,
 *      a path, a message and a fix.
 *   2. A policy whose every namespace reference is confined to its tenant
 *      (tenant/platform values, the tenant's own or platform namespaces by
 *      name, ipBlocks/CIDRs clear of the protected ranges, allowed entities,
 *      no open rules) is allowed.
 *   3. The same policy with one unconfined reference injected anywhere is
 *      denied, and every violation points at the injected spot.
 *
 * FC_RUNS sets the runs per property (default 10,000); FC_SEED replays a
 * reported seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { policySettingsOf } from '../../src/config/schema.js';
import { referencedNamespaces, renderDenial, review } from '../../src/policy/index.js';
import type { NamespaceLookup, NamespaceView, ReviewInput, Verdict } from '../../src/policy/types.js';

const RUNS = Number(process.env.FC_RUNS ?? 10_000);
const SEED = process.env.FC_SEED === undefined || process.env.FC_SEED === '' ? undefined : Number(process.env.FC_SEED);
const params = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };
// Bounded: generous for the default runs on a busy 2-core machine, scaled for more.
const TIMEOUT = Math.max(120_000, RUNS * 20);

// --- the world ---------------------------------------------------------------

const TENANT = 'tenant-guard.io/tenant';
const NAME = 'kubernetes.io/metadata.name';
const CNP_TENANT_KEYS = [`k8s:io.cilium.k8s.namespace.labels.${TENANT}`, `io.cilium.k8s.namespace.labels.${TENANT}`, `any:io.cilium.k8s.namespace.labels.${TENANT}`];
const CNP_NAME_KEYS = ['k8s:io.kubernetes.pod.namespace', 'io.kubernetes.pod.namespace', 'any:io.kubernetes.pod.namespace', `k8s:io.cilium.k8s.namespace.labels.${NAME}`];
const CNP_OTHER_NS_KEYS = ['k8s:io.cilium.k8s.namespace.labels.team', 'io.cilium.k8s.namespace.labels.environment'];

const parsed = configFromObject({
  tenants: [{ name: 'acme', groups: ['acme-devs'] }, { name: 'globex', groups: ['globex-devs'] }, { name: 'initech', users: ['bob'] }],
  protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12', 'fd00:10:244::/56', 'fd00:10:96::/112'],
});
if (!parsed.ok) throw new Error(`test config invalid: ${JSON.stringify(parsed.errors)}`);
const config = parsed.config;

const found = (tenant?: string): NamespaceLookup => ({ state: 'found', labels: tenant === undefined ? {} : { [TENANT]: tenant } });
const WORLD = new Map<string, NamespaceLookup>([
  ['acme-web', found('acme')],
  ['acme-db', found('acme')],
  ['globex-app', found('globex')],
  ['initech-x', found('initech')],
  ['monitoring', found('platform')],
  ['unowned', found()],
]);
const view: NamespaceView = { lookup: (name) => WORLD.get(name) ?? { state: 'absent' } };
const unknownView: NamespaceView = { lookup: () => ({ state: 'unknown', reason: 'cache not synced' }) };

const POLICY_NS = 'acme-web';
/** Namespaces tenant acme may reach by name: its own and the platform's (by configuration or by label). */
const OWN_NAMES = ['acme-web', 'acme-db', 'monitoring', 'kube-system', 'default', 'kube-public', 'kube-node-lease'];
/** Another tenant's, no tenant's, and names that do not exist (anyone could create them). */
const FOREIGN_NAMES = ['globex-app', 'initech-x', 'unowned', 'ghost', 'acme-ghost'];

const alice = { username: 'alice', groups: ['acme-devs', 'system:authenticated'] };

const NP_KIND = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
const CNP_KIND = { group: 'cilium.io', version: 'v2', kind: 'CiliumNetworkPolicy' };

function input(kind: ReviewInput['kind'], object: unknown, over: Partial<ReviewInput> = {}): ReviewInput {
  return { kind, operation: 'CREATE', namespace: POLICY_NS, name: 'p', object, requester: alice, namespaces: view, settings: policySettingsOf(config), ...over };
}

/** Why a verdict is not well formed, or undefined (plain checks: thousands of violations are common here). */
function malformed(v: Verdict): string | undefined {
  if (typeof v.allowed !== 'boolean') return 'allowed is not a boolean';
  if (!Array.isArray(v.violations) || !Array.isArray(v.warnings) || !Array.isArray(v.patch)) return 'violations, warnings or patch is not a list';
  if (v.allowed !== (v.violations.length === 0)) return 'allowed does not match the violations';
  for (const x of v.violations) {
    for (const field of ['code', 'path', 'message', 'fix'] as const) {
      if (typeof x[field] !== 'string' || x[field] === '') return `a violation has no ${field}: ${JSON.stringify(x)}`;
    }
  }
  if (!v.warnings.every((w) => typeof w === 'string')) return 'a warning is not text';
  // What the webhook sends back must serialize and render. (Suggested patches
  // may carry the object's own values, however deep; they are not sent.)
  if (typeof JSON.stringify({ violations: v.violations.map(({ code, path, message, fix }) => ({ code, path, message, fix })), warnings: v.warnings }) !== 'string') return 'does not serialize';
  if (!v.allowed && typeof renderDenial({ kind: 'NetworkPolicy', namespace: POLICY_NS, name: 'p' }, v) !== 'string') return 'does not render';
  return undefined;
}

function expectWellFormed(v: Verdict): void {
  expect(malformed(v)).toBeUndefined();
}

const describeViolations = (v: Verdict): string => v.violations.map((x) => `${x.code} at ${x.path}: ${x.message}`).join('\n');

// --- small pieces ------------------------------------------------------------

const labelValue = fc.oneof(fc.constantFrom('web', 'api', 'db', 'frontend', ''), fc.string({ maxLength: 12 }));
const podLabelKey = fc.constantFrom('app', 'role', 'tier', 'app.kubernetes.io/name', 'k8s:app', 'version');
const podSelector = fc.oneof(
  fc.constant({}),
  fc.dictionary(podLabelKey, labelValue, { maxKeys: 3, noNullPrototype: true }).map((matchLabels) => ({ matchLabels })),
  fc.record({ matchExpressions: fc.array(fc.record({ key: podLabelKey, operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'), values: fc.array(labelValue, { maxLength: 3 }) }), { maxLength: 2 }) }),
);
const ports = fc.array(fc.record({ protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'), port: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom('http', 'dns')) }, { requiredKeys: ['port'] }), { minLength: 1, maxLength: 3 });
const ciliumPorts = fc.array(fc.record({ ports: fc.array(fc.record({ port: fc.integer({ min: 1, max: 65535 }).map(String), protocol: fc.constantFrom('TCP', 'UDP', 'ANY') }), { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 });
const icmps = fc.constant([{ fields: [{ type: 8, family: 'IPv4' }] }]);

// IPv4 blocks, judged against an independent oracle of the protected v4 ranges.
const V4_PROTECTED: [number, number][] = [[ip4(10, 244, 0, 0), ip4(10, 244, 255, 255)], [ip4(10, 96, 0, 0), ip4(10, 111, 255, 255)]];
function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}
function v4Block(octets: number[], prefix: number): { text: string; start: number; end: number } {
  const addr = ip4(octets[0]!, octets[1]!, octets[2]!, octets[3]!);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(addr / size) * size;
  return { text: `${octets.join('.')}/${prefix}`, start, end: start + size - 1 };
}
const reachesProtected = (b: { start: number; end: number }): boolean => V4_PROTECTED.some(([s, e]) => b.start <= e && s <= b.end);
const randomV4 = fc.tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 })).map(([o, p]) => v4Block(o, p));

interface Block { cidr: string; except?: string[] }

/** A block that reaches no protected range, with an except list when it needs one to stay clear. */
const confinedBlock: fc.Arbitrary<Block> = fc.oneof(
  randomV4.filter((b) => !reachesProtected(b)).map((b): Block => ({ cidr: b.text })),
  fc.constantFrom<Block>(
    { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] },
    { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] },
    { cidr: '10.0.0.0/8', except: ['10.96.0.0/12', '10.244.0.0/16', '10.1.0.0/16'] },
    { cidr: '10.244.0.0/16', except: ['10.244.0.0/16'] },
    { cidr: '2001:db8::/32' },
    { cidr: '::/0', except: ['fd00:10:244::/56', 'fd00:10:96::/112'] },
    { cidr: '::/0', except: ['fd00::/8'] },
    { cidr: '203.0.113.7' },
  ),
);
/** A block that reaches a protected range. */
const protectedBlock: fc.Arbitrary<Block> = fc.oneof(
  randomV4.filter(reachesProtected).map((b): Block => ({ cidr: b.text })),
  fc.constantFrom<Block>(
    { cidr: '0.0.0.0/0' },
    { cidr: '10.0.0.0/8' },
    { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] },
    { cidr: '10.244.7.0/24', except: ['10.244.7.0/25'] },
    { cidr: '::/0' },
    { cidr: 'fd00:10:244:1::/64' },
    { cidr: '::ffff:10.244.0.0/112' },
    { cidr: '::ffff:0:0/96', except: ['::ffff:10.244.0.0/112'] },
    { cidr: '10.96.0.10' },
  ),
);

const otherTenantValue = fc.oneof(
  fc.constantFrom('globex', 'initech', '', 'ACME', 'acme ', 'Platform', 'acme-prod'),
  fc.string({ maxLength: 10 }).filter((s) => s !== 'acme' && s !== 'platform'),
);

// --- NetworkPolicy -----------------------------------------------------------

interface Req { kind: 'ml' | 'me'; key: string; value?: unknown; op?: string; values?: unknown[] }

function selectorOf(reqs: Req[]): Record<string, unknown> {
  const sel: Record<string, unknown> = {};
  for (const r of reqs) {
    if (r.kind === 'ml') {
      const ml = (sel.matchLabels ??= {}) as Record<string, unknown>;
      ml[r.key] = r.value;
    } else {
      const me = (sel.matchExpressions ??= []) as unknown[];
      me.push({ key: r.key, operator: r.op, ...(r.values === undefined ? {} : { values: r.values }) });
    }
  }
  return sel;
}

const anyOp = fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt');

/** Requirements that confine a NetworkPolicy namespaceSelector. */
const npConfining: fc.Arbitrary<Req> = fc.oneof(
  fc.constantFrom('acme', 'platform').map((value): Req => ({ kind: 'ml', key: TENANT, value })),
  fc.subarray(['acme', 'platform'], { minLength: 1 }).map((values): Req => ({ kind: 'me', key: TENANT, op: 'In', values })),
  fc.constantFrom(...OWN_NAMES).map((value): Req => ({ kind: 'ml', key: NAME, value })),
  fc.subarray(OWN_NAMES, { minLength: 1 }).map((values): Req => ({ kind: 'me', key: NAME, op: 'In', values })),
);
/** Anything ANDed beside a confining requirement (matchLabels keys other than the two judged ones). */
const npExtra: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(fc.constantFrom('team', 'environment', 'kubernetes.io/os'), labelValue).map(([key, value]): Req => ({ kind: 'ml', key, value })),
  fc.tuple(fc.constantFrom(TENANT, NAME, 'team'), anyOp, fc.array(fc.oneof(otherTenantValue, fc.constantFrom(...FOREIGN_NAMES)), { maxLength: 3 })).map(([key, op, values]): Req => ({ kind: 'me', key, op, values })),
);
const npConfinedSelector = fc.tuple(npConfining, fc.array(npExtra, { maxLength: 2 }), fc.boolean())
  .map(([c, extra, first]) => selectorOf(first ? [c, ...extra] : [...extra, c]));

const npConfinedPeer = fc.oneof(
  podSelector.map((podSelector) => ({ podSelector })),
  fc.tuple(npConfinedSelector, fc.option(podSelector, { nil: undefined })).map(([namespaceSelector, pod]) => (pod === undefined ? { namespaceSelector } : { namespaceSelector, podSelector: pod })),
  confinedBlock.map((ipBlock) => ({ ipBlock })),
);

const npUnconfinedSelector = fc.oneof(
  fc.constant({}),
  otherTenantValue.map((v) => ({ matchLabels: { [TENANT]: v } })),
  fc.tuple(fc.constantFrom('NotIn', 'Exists', 'DoesNotExist', 'Gt', 'in'), fc.array(fc.constantFrom('acme', 'platform'), { maxLength: 2 })).map(([operator, values]) => ({ matchExpressions: [{ key: TENANT, operator, values }] })),
  fc.subarray(['acme', 'platform']).chain((own) => otherTenantValue.map((v) => ({ matchExpressions: [{ key: TENANT, operator: 'In', values: [...own, v] }] }))),
  fc.tuple(fc.constantFrom('team', 'environment'), labelValue).map(([k, v]) => ({ matchLabels: { [k]: v } })),
  fc.constantFrom(...FOREIGN_NAMES).map((n) => ({ matchLabels: { [NAME]: n } })),
  fc.tuple(fc.subarray(OWN_NAMES), fc.constantFrom(...FOREIGN_NAMES)).map(([own, n]) => ({ matchExpressions: [{ key: NAME, operator: 'In', values: [...own, n] }] })),
  fc.constantFrom('NotIn', 'Exists', 'DoesNotExist').map((operator) => ({ matchExpressions: [{ key: NAME, operator, values: ['acme-web'] }] })),
);
const npUnconfinedPeer = fc.oneof(
  fc.tuple(npUnconfinedSelector, fc.option(podSelector, { nil: undefined })).map(([namespaceSelector, pod]) => (pod === undefined ? { namespaceSelector } : { namespaceSelector, podSelector: pod })),
  protectedBlock.map((ipBlock) => ({ ipBlock })),
);
/** A rule that matches every peer: no from/to at all, an empty list, or null. */
const openRule = (peersKey: 'from' | 'to') => fc.oneof(
  fc.constant({}),
  ports.map((p) => ({ ports: p })),
  fc.constant({ [peersKey]: [] }),
  fc.tuple(fc.constantFrom([], null), fc.option(ports, { nil: undefined })).map(([peers, p]) => (p === undefined ? { [peersKey]: peers } : { [peersKey]: peers, ports: p })),
);

const npRule = (peersKey: 'from' | 'to') => fc.tuple(fc.array(npConfinedPeer, { minLength: 1, maxLength: 4 }), fc.option(ports, { nil: undefined }))
  .map(([peers, p]) => (p === undefined ? { [peersKey]: peers } : { [peersKey]: peers, ports: p }));

const npConfinedPolicy = fc.record({
  podSelector,
  policyTypes: fc.subarray(['Ingress', 'Egress']),
  ingress: fc.option(fc.array(npRule('from'), { maxLength: 4 }), { nil: undefined }),
  egress: fc.option(fc.array(npRule('to'), { maxLength: 4 }), { nil: undefined }),
}).map((spec) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'p', namespace: POLICY_NS, labels: { app: 'web' } },
  spec: JSON.parse(JSON.stringify(spec)) as Record<string, unknown>,
}));

type Injected = { object: unknown; at: string };

/** Put `thing` into the policy at a place chosen by the numbers; returns the path the refusal must point at. */
function injectNp(policy: { spec: Record<string, unknown> }, where: { egress: boolean; rule: number; pos: number; newRule: boolean }, thing: { peer?: unknown; rule?: unknown }): Injected {
  const object = structuredClone(policy);
  const dir = where.egress ? 'egress' : 'ingress';
  const key = where.egress ? 'to' : 'from';
  const rules = ((object.spec[dir] as unknown[] | undefined) ??= []) as Record<string, unknown>[];
  if (thing.rule !== undefined || where.newRule || rules.length === 0) {
    const i = where.rule % (rules.length + 1);
    rules.splice(i, 0, (thing.rule ?? { [key]: [thing.peer] }) as Record<string, unknown>);
    return { object, at: thing.rule !== undefined ? `spec.${dir}[${i}]` : `spec.${dir}[${i}].${key}[0]` };
  }
  const i = where.rule % rules.length;
  const peers = rules[i]![key] as unknown[];
  const j = where.pos % (peers.length + 1);
  peers.splice(j, 0, thing.peer);
  return { object, at: `spec.${dir}[${i}].${key}[${j}]` };
}

const under = (path: string, at: string): boolean => path === at || path.startsWith(`${at}.`) || path.startsWith(`${at}[`);

// --- CiliumNetworkPolicy -----------------------------------------------------

const ALLOWED_ENTITIES = ['world', 'host', 'remote-node', 'kube-apiserver', 'health', 'init', 'ingress', 'unmanaged'];
const DENIED_ENTITIES = ['cluster', 'all', 'Cluster', 'ALL'];

const cnpConfining: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(fc.constantFrom(...CNP_TENANT_KEYS), fc.constantFrom('acme', 'platform')).map(([key, value]): Req => ({ kind: 'ml', key, value })),
  fc.tuple(fc.constantFrom(...CNP_TENANT_KEYS), fc.subarray(['acme', 'platform'], { minLength: 1 })).map(([key, values]): Req => ({ kind: 'me', key, op: 'In', values })),
  fc.tuple(fc.constantFrom(...CNP_NAME_KEYS), fc.constantFrom(...OWN_NAMES)).map(([key, value]): Req => ({ kind: 'ml', key, value })),
  fc.tuple(fc.constantFrom(...CNP_NAME_KEYS), fc.subarray(OWN_NAMES, { minLength: 1 })).map(([key, values]): Req => ({ kind: 'me', key, op: 'In', values })),
);
const cnpPodReq: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(fc.constantFrom('app', 'k8s:app', 'role', 'any:tier', 'reserved:host', 'k8s:io.cilium.k8s.policy.serviceaccount'), labelValue).map(([key, value]): Req => ({ kind: 'ml', key, value })),
  fc.tuple(fc.constantFrom('app', 'k8s:role'), anyOp, fc.array(labelValue, { maxLength: 2 })).map(([key, op, values]): Req => ({ kind: 'me', key, op, values })),
);
const cnpExtraNs: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(fc.constantFrom(...CNP_OTHER_NS_KEYS), labelValue).map(([key, value]): Req => ({ kind: 'ml', key, value })),
  fc.tuple(fc.constantFrom(...CNP_TENANT_KEYS, ...CNP_NAME_KEYS, ...CNP_OTHER_NS_KEYS), anyOp, fc.array(fc.oneof(otherTenantValue, fc.constantFrom(...FOREIGN_NAMES)), { maxLength: 2 })).map(([key, op, values]): Req => ({ kind: 'me', key, op, values })),
);
/** Either no namespace label at all (pinned to the policy's namespace), or a confining one plus anything. */
const cnpConfinedSelector = fc.oneof(
  fc.array(cnpPodReq, { maxLength: 3 }).map(selectorOf),
  fc.tuple(cnpConfining, fc.array(fc.oneof(cnpPodReq, cnpExtraNs), { maxLength: 3 }), fc.boolean()).map(([c, extra, first]) => selectorOf(first ? [c, ...extra] : [...extra, c])),
);
const cnpUnconfinedSelector = fc.oneof(
  fc.tuple(fc.constantFrom(...CNP_TENANT_KEYS), otherTenantValue).map(([k, v]) => ({ matchLabels: { [k]: v, app: 'x' } })),
  fc.tuple(fc.constantFrom(...CNP_NAME_KEYS), fc.constantFrom(...FOREIGN_NAMES)).map(([k, v]) => ({ matchLabels: { [k]: v } })),
  fc.tuple(fc.constantFrom(...CNP_OTHER_NS_KEYS), labelValue).map(([k, v]) => ({ matchLabels: { [k]: v } })),
  fc.tuple(fc.constantFrom(...CNP_TENANT_KEYS), fc.constantFrom('NotIn', 'Exists', 'DoesNotExist')).map(([key, operator]) => ({ matchExpressions: [{ key, operator, values: ['acme'] }] })),
  // Every pod carries its namespace's name: DoesNotExist on it leaves reserved identities only, judged as their entities.
  fc.tuple(fc.constantFrom(...CNP_NAME_KEYS), fc.constantFrom('NotIn', 'Exists')).map(([key, operator]) => ({ matchExpressions: [{ key, operator, values: ['acme'] }] })),
  fc.tuple(fc.constantFrom(...CNP_NAME_KEYS), fc.subarray(OWN_NAMES), fc.constantFrom(...FOREIGN_NAMES)).map(([key, own, n]) => ({ matchExpressions: [{ key, operator: 'In', values: [...own, n] }] })),
);

const cidrText = (b: Block) => b.cidr;
const ownService = fc.oneof(
  fc.constantFrom(...OWN_NAMES).map((namespace) => ({ k8sService: { serviceName: 'api', namespace } })),
  fc.constantFrom(...OWN_NAMES).map((namespace) => ({ k8sServiceSelector: { selector: { matchLabels: { app: 'api' } }, namespace } })),
);

interface CnpRuleParts { sel: unknown[] | undefined; req: unknown[] | undefined; ents: string[] | undefined; cidr: string[] | undefined; set: unknown[] | undefined; svc: unknown[] | undefined; fqdn: boolean; ports: unknown[] | undefined; icmp: boolean }

const cnpRuleParts = (selector: fc.Arbitrary<unknown>, block: fc.Arbitrary<Block>, service: fc.Arbitrary<unknown>): fc.Arbitrary<CnpRuleParts> => fc.record({
  sel: fc.option(fc.array(selector, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  req: fc.option(fc.array(selector, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 4 }),
  ents: fc.option(fc.subarray(ALLOWED_ENTITIES, { minLength: 1 }), { nil: undefined, freq: 3 }),
  cidr: fc.option(fc.array(block.filter((b) => b.except === undefined).map(cidrText), { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 3 }),
  set: fc.option(fc.array(block, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 3 }),
  svc: fc.option(fc.array(service, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 3 }),
  fqdn: fc.boolean(),
  ports: fc.option(ciliumPorts, { nil: undefined }),
  icmp: fc.boolean(),
});

function cnpRule(p: CnpRuleParts, egress: boolean): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  const d = egress ? 'to' : 'from';
  if (p.sel !== undefined) r[`${d}Endpoints`] = p.sel;
  if (p.req !== undefined) r[`${d}Requires`] = p.req;
  if (p.ents !== undefined) r[`${d}Entities`] = p.ents;
  if (p.cidr !== undefined) r[`${d}CIDR`] = p.cidr;
  if (p.set !== undefined) r[`${d}CIDRSet`] = p.set;
  if (egress && p.svc !== undefined) r.toServices = p.svc;
  if (egress && p.fqdn) r.toFQDNs = [{ matchName: 'api.example.com' }];
  if (p.ports !== undefined) r.toPorts = p.ports;
  if (p.icmp) r.icmps = [{ fields: [{ type: 8 }] }];
  // Ports without any peer would be an open (L4-only) rule: give it a peer.
  const peers = egress ? ['toEndpoints', 'toEntities', 'toCIDR', 'toCIDRSet', 'toServices', 'toFQDNs'] : ['fromEndpoints', 'fromEntities', 'fromCIDR', 'fromCIDRSet'];
  if ((r.toPorts !== undefined || r.icmps !== undefined) && !peers.some((k) => r[k] !== undefined)) r[`${d}Endpoints`] = [{}];
  return r;
}

const confinedParts = cnpRuleParts(cnpConfinedSelector, confinedBlock, ownService);
/** Deny rules only take access away: anything well-formed goes there, confined or not. */
const anyParts = cnpRuleParts(fc.oneof(cnpConfinedSelector, cnpUnconfinedSelector), fc.oneof(confinedBlock, protectedBlock), fc.oneof(ownService, fc.constantFrom(...FOREIGN_NAMES).map((namespace) => ({ k8sService: { serviceName: 's', namespace } }))));

const cnpSpec = fc.record({
  endpointSelector: podSelector,
  ingress: fc.option(fc.array(confinedParts.map((p) => cnpRule(p, false)), { maxLength: 3 }), { nil: undefined }),
  egress: fc.option(fc.array(confinedParts.map((p) => cnpRule(p, true)), { maxLength: 3 }), { nil: undefined }),
  ingressDeny: fc.option(fc.array(anyParts.map((p) => cnpRule(p, false)), { maxLength: 2 }), { nil: undefined, freq: 4 }),
  egressDeny: fc.option(fc.array(anyParts.map((p) => cnpRule(p, true)), { maxLength: 2 }), { nil: undefined, freq: 4 }),
}).map((s) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>);

const cnpConfinedPolicy = fc.record({
  spec: fc.option(cnpSpec, { nil: undefined }),
  specs: fc.option(fc.array(cnpSpec, { minLength: 1, maxLength: 3 }), { nil: undefined }),
}).filter((p) => p.spec !== undefined || p.specs !== undefined).map((p) => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'p', namespace: POLICY_NS },
  ...(p.spec === undefined ? {} : { spec: p.spec }),
  ...(p.specs === undefined ? {} : { specs: p.specs }),
}));

type CnpThing =
  | { list: 'Endpoints' | 'Requires'; value: unknown }
  | { list: 'Entities'; value: string }
  | { list: 'CIDR'; value: string }
  | { list: 'CIDRSet'; value: unknown }
  | { list: 'toServices'; value: unknown }
  | { rule: Record<string, unknown> };

const cnpUnconfinedThing: fc.Arbitrary<CnpThing> = fc.oneof(
  fc.tuple(fc.constantFrom('Endpoints' as const, 'Requires' as const), cnpUnconfinedSelector).map(([list, value]): CnpThing => ({ list, value })),
  fc.constantFrom(...DENIED_ENTITIES).map((value): CnpThing => ({ list: 'Entities', value })),
  protectedBlock.filter((b) => b.except === undefined).map((b): CnpThing => ({ list: 'CIDR', value: b.cidr })),
  protectedBlock.map((value): CnpThing => ({ list: 'CIDRSet', value })),
  fc.tuple(fc.constantFrom(...FOREIGN_NAMES), fc.boolean()).map(([namespace, bySelector]): CnpThing => ({ list: 'toServices', value: bySelector ? { k8sServiceSelector: { selector: {}, namespace } } : { k8sService: { serviceName: 's', namespace } } })),
  // No namespace: Cilium matches the service name in every namespace.
  fc.constantFrom<unknown>({ k8sService: { serviceName: 's' } }, { k8sService: { serviceName: 's', namespace: '' } }, { k8sServiceSelector: { selector: { matchLabels: { app: 's' } } } }).map((value): CnpThing => ({ list: 'toServices', value })),
  fc.oneof(ciliumPorts.map((toPorts) => ({ toPorts })), icmps.map((i) => ({ icmps: i })), ciliumPorts.map((toPorts) => ({ toPorts, icmps: [{ fields: [{ type: 0 }] }] }))).map((rule): CnpThing => ({ rule })),
);

function injectCnp(policy: Record<string, unknown>, where: { spec: number; egress: boolean; rule: number; pos: number; newRule: boolean }, thing: CnpThing): Injected {
  const object = structuredClone(policy);
  const places: [string, Record<string, unknown>][] = [];
  if (object.spec !== undefined) places.push(['spec', object.spec as Record<string, unknown>]);
  ((object.specs as Record<string, unknown>[] | undefined) ?? []).forEach((s, k) => places.push([`specs[${k}]`, s]));
  const [specPath, spec] = places[where.spec % places.length]!;
  // toServices exists on egress rules only.
  const egress = 'list' in thing && thing.list === 'toServices' ? true : where.egress;
  const dir = egress ? 'egress' : 'ingress';
  const rules = ((spec[dir] as unknown[] | undefined) ??= []) as Record<string, unknown>[];
  if ('rule' in thing) {
    const i = where.rule % (rules.length + 1);
    rules.splice(i, 0, thing.rule);
    return { object, at: `${specPath}.${dir}[${i}]` };
  }
  const key = thing.list === 'toServices' ? 'toServices' : `${egress ? 'to' : 'from'}${thing.list}`;
  if (where.newRule || rules.length === 0) {
    const i = where.rule % (rules.length + 1);
    rules.splice(i, 0, { [key]: [thing.value] });
    return { object, at: `${specPath}.${dir}[${i}].${key}[0]` };
  }
  const i = where.rule % rules.length;
  const list = ((rules[i]![key] as unknown[] | undefined) ??= []);
  const j = where.pos % (list.length + 1);
  list.splice(j, 0, thing.value);
  return { object, at: `${specPath}.${dir}[${i}].${key}[${j}]` };
}

// --- any shape ---------------------------------------------------------------

const weirdKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('spec', 'specs', 'ingress', 'egress', 'ingressDeny', 'egressDeny', 'from', 'to', 'ports', 'namespaceSelector', 'podSelector', 'matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'ipBlock', 'cidr', 'except', 'fromEndpoints', 'toEndpoints', 'fromRequires', 'toRequires', 'fromEntities', 'toEntities', 'fromCIDR', 'toCIDR', 'fromCIDRSet', 'toCIDRSet', 'toServices', 'k8sService', 'k8sServiceSelector', 'namespace', 'toPorts', 'icmps', 'metadata', 'labels', 'deletionTimestamp', TENANT, NAME, ...CNP_TENANT_KEYS, ...CNP_NAME_KEYS, ...CNP_OTHER_NS_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', '🦄', 'ключ', 'ﾃﾅﾝﾄ', 'a.b/c', 'k8s:', 'in', '\u0000', 'app.kubernetes.io/managed-by') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'acme', 'globex', 'platform', '', '10.244.0.0/16', '0.0.0.0/0', '::/0', '::ffff:10.244.0.0/112', '999.1.1.1/8', '10.0.0.0/33', ' 10.244.0.0/16 ', 'cluster', 'all', 'world', 'acme-web', 'globex-app', 'tenant-guard', 'TCP', 'http'),
);
/** A nested value thousands of levels deep, built without recursion. */
const deep = fc.tuple(fc.integer({ min: 1_000, max: 20_000 }), fc.constantFrom('array', 'object', 'mixed'), leaf).map(([depth, how, bottom]) => {
  let v: unknown = bottom;
  for (let i = 0; i < depth; i++) v = how === 'array' || (how === 'mixed' && i % 2 === 0) ? [v] : { matchLabels: v };
  // fast-check prints a counterexample recursively; this one it must describe, not walk.
  Object.defineProperty(v, fc.toStringMethod, { value: () => `(${how} nested ${depth} deep)`, enumerable: false });
  return v;
});
/** A long array (the same element, so it is cheap to build). */
const huge = fc.tuple(fc.integer({ min: 1_000, max: 3_000 }), fc.oneof(leaf, fc.constantFrom<unknown>({}, { namespaceSelector: {} }, { cidr: '10.244.0.0/16' }, { ipBlock: { cidr: '10.244.0.0/16' } }, { matchLabels: { [CNP_NAME_KEYS[0]!]: 'globex-app' } }, 'cluster', [], { from: [] })))
  .map(([n, x]) => new Array<unknown>(n).fill(x));

const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('tree'), { maxLength: 4 }) },
    { weight: 3, arbitrary: fc.dictionary(weirdKey, tie('tree'), { maxKeys: 5 }) },
  ),
}));
const junk = fc.oneof({ weight: 40, arbitrary: tree }, { weight: 1, arbitrary: deep }, { weight: 1, arbitrary: huge });

/**
 * Replace parts of a structured value with junk, keeping most of its shape.
 * The slots are chosen in the original value only, so a replacement is never
 * walked into (no cycles, and shared generated constants stay untouched).
 */
function corrupt(value: unknown, picks: number[], replacements: unknown[]): unknown {
  const root: Record<string, unknown> = { v: structuredClone<unknown>(value) };
  const slots: [Record<string | number, unknown>, string | number][] = [];
  const walk = (parent: Record<string | number, unknown>, key: string | number, depth: number): void => {
    slots.push([parent, key]);
    const v = parent[key];
    if (depth > 12 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) v.forEach((_, i) => walk(v as unknown as Record<number, unknown>, i, depth + 1));
    else for (const k of Object.keys(v)) walk(v as Record<string, unknown>, k, depth + 1);
  };
  walk(root, 'v', 0);
  picks.forEach((pick, k) => {
    const [parent, key] = slots[pick % slots.length]!;
    parent[key] = replacements[k];
  });
  return root.v;
}

const anyPolicy = fc.oneof(
  { weight: 2, arbitrary: junk },
  { weight: 3, arbitrary: fc.tuple(fc.oneof(npConfinedPolicy, cnpConfinedPolicy), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.array(junk, { minLength: 4, maxLength: 4 })).map(([p, picks, reps]) => corrupt(p, picks, reps)) },
  { weight: 2, arbitrary: fc.dictionary(weirdKey, junk, { maxKeys: 6 }).map((extra) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: POLICY_NS }, ...extra })) },
);

// --- the properties ----------------------------------------------------------

describe('engine properties', () => {
  it(`never throws and always answers allowed or with well-formed violations, for any shape (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        anyPolicy,
        fc.option(anyPolicy, { nil: undefined, freq: 3 }),
        fc.constantFrom(NP_KIND, CNP_KIND),
        fc.constantFrom<ReviewInput['operation']>('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
        fc.constantFrom(POLICY_NS, 'globex-app', 'ghost', '', undefined),
        fc.constantFrom(view, unknownView),
        (object, oldObject, kind, operation, namespace, namespaces) => {
          const v = review(input(kind, object, { oldObject, operation, namespace, namespaces }));
          expectWellFormed(v);
          const refs = referencedNamespaces(namespace, object, config.tenantLabel);
          expect(refs.length).toBeLessThanOrEqual(64);
          expect(refs.every((r) => typeof r === 'string')).toBe(true);
        },
      ),
      params,
    );
  }, TIMEOUT);

  it(`allows a NetworkPolicy whose every reference is confined to the tenant (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(npConfinedPolicy, (object) => {
        const v = review(input(NP_KIND, object));
        expectWellFormed(v);
        expect(v.allowed, describeViolations(v)).toBe(true);
      }),
      params,
    );
  }, TIMEOUT);

  it(`denies a NetworkPolicy with one unconfined reference, pointing at it (${RUNS} runs)`, () => {
    const npThing = fc.oneof(
      { weight: 3, arbitrary: npUnconfinedPeer.map((peer) => ({ peer })) },
      { weight: 1, arbitrary: fc.boolean().chain((egress) => openRule(egress ? 'to' : 'from').map((rule) => ({ rule, egress }))) },
    );
    fc.assert(
      fc.property(
        npConfinedPolicy,
        fc.record({ egress: fc.boolean(), rule: fc.nat(), pos: fc.nat(), newRule: fc.boolean() }),
        npThing,
        (policy, where, thing) => {
          const place = 'egress' in thing && typeof thing.egress === 'boolean' ? { ...where, egress: thing.egress } : where;
          const { object, at } = injectNp(policy, place, thing);
          const v = review(input(NP_KIND, object));
          expectWellFormed(v);
          expect(v.allowed, `expected a refusal at ${at}`).toBe(false);
          for (const x of v.violations) expect(under(x.path, at), `violation ${x.code} at ${x.path}, injected at ${at}\n${describeViolations(v)}`).toBe(true);
        },
      ),
      params,
    );
  }, TIMEOUT);

  it(`allows a CiliumNetworkPolicy whose every reference is confined to the tenant (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(cnpConfinedPolicy, (object) => {
        const v = review(input(CNP_KIND, object));
        expectWellFormed(v);
        expect(v.allowed, describeViolations(v)).toBe(true);
      }),
      params,
    );
  }, TIMEOUT);

  it(`denies a CiliumNetworkPolicy with one unconfined reference, pointing at it (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        cnpConfinedPolicy,
        fc.record({ spec: fc.nat(), egress: fc.boolean(), rule: fc.nat(), pos: fc.nat(), newRule: fc.boolean() }),
        cnpUnconfinedThing,
        (policy, where, thing) => {
          const { object, at } = injectCnp(policy, where, thing);
          const v = review(input(CNP_KIND, object));
          expectWellFormed(v);
          expect(v.allowed, `expected a refusal at ${at}`).toBe(false);
          for (const x of v.violations) expect(under(x.path, at), `violation ${x.code} at ${x.path}, injected at ${at}\n${describeViolations(v)}`).toBe(true);
        },
      ),
      params,
    );
  }, TIMEOUT);
});
