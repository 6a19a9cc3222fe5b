/**
 * The part of the configuration the engine reads, declared once as a JSON
 * Schema (TypeBox) with its defaults and descriptions; the type is inferred
 * from it. src/config composes this into the whole process configuration,
 * which is also the chart's values.schema.json, so every constraint here is
 * written in JSON Schema that helm's validator understands too (RE2
 * patterns: no lookaround, no backreferences).
 *
 * Every optional property has a default, so a loaded configuration has them
 * all: Filled<> turns the schema's input type into that.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { VIOLATION_CODES } from './codes.js';

/** The type after defaults: every property present, all the way down. */
export type Filled<T> = T extends readonly (infer U)[] ? Filled<U>[] : T extends object ? { -readonly [K in keyof T]-?: Filled<T[K]> } : T;

/** An optional property with its default (a default is required: the loaded type has the property). */
export function withDefault<T extends TSchema>(schema: T, value: Static<T>, description: string) {
  return Type.Optional({ ...schema, default: value, description } as T);
}

// A Kubernetes label key: optional DNS-subdomain prefix, then a name of up to 63 characters.
export const LABEL_KEY_PATTERN = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
// A label value that can also be a namespace-name prefix: DNS-1123 label.
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

// An address with an optional prefix length, as parseCidr (cidr.ts) reads it. The IPv6 part is RFC 3986's
// IPv6address grammar written out; src/policy/settings.test.ts checks that whatever the pattern accepts,
// parseCidr accepts too, so the server and `helm install` refuse the same texts.
const octet = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const v4 = `${octet}(\\.${octet}){3}`;
const h16 = '[0-9a-fA-F]{1,4}';
const ls32 = `(${h16}:${h16}|${v4})`;
const headUpTo = (n: number) => (n < 0 ? '' : n === 0 ? `(${h16})?` : `((${h16}:){0,${n}}${h16})?`);
const v6With = (tail: string) => `(${[
  `(${h16}:){6}${tail}`,
  `::(${h16}:){5}${tail}`,
  `${headUpTo(0)}::(${h16}:){4}${tail}`,
  `${headUpTo(1)}::(${h16}:){3}${tail}`,
  `${headUpTo(2)}::(${h16}:){2}${tail}`,
  `${headUpTo(3)}::${h16}:${tail}`,
  `${headUpTo(4)}::${tail}`,
  `${headUpTo(5)}::${h16}`,
  `${headUpTo(6)}::`,
].join('|')})`;
const v6 = v6With(ls32);
const v4Prefix = '(0{0,2}[0-9]|0?[12][0-9]|0?3[0-2])';
const v6Prefix = '(0{0,2}[0-9]|0?[1-9][0-9]|1[01][0-9]|12[0-8])';
export const CIDR_PATTERN = `^(${v4}(/${v4Prefix})?|${v6}(/${v6Prefix})?)$`;
/**
 * A range as CEL's cidr() reads it (the floor judges Service external IPs with it): the prefix length
 * written, without leading zeros, and no dotted IPv4 inside IPv6.
 */
export const PREFIXED_CIDR_PATTERN = `^(${v4}/(3[0-2]|[12]?[0-9])|${v6With(`${h16}:${h16}`)}/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$`;

// Cilium's cluster name (`pkg/clustermesh/types` ValidateClusterName: up to 32 characters), or empty.
const CLUSTER_NAME_PATTERN = '^([a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?)?$';

const names = (description: string, value: string[]) =>
  withDefault(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true }), value, description);

// A namespace name, or a glob over names: `*` stands for any run of characters.
export const NAMESPACE_GLOB_PATTERN = '^[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?$';

export const tenantSchema = Type.Object({
  name: Type.String({ pattern: DNS_LABEL_PATTERN, description: 'the tenant label value of its namespaces' }),
  groups: names('groups whose members belong to the tenant', []),
  users: names('users who belong to the tenant', []),
  externalIPs: withDefault(Type.Array(Type.String({ pattern: PREFIXED_CIDR_PATTERN }), { uniqueItems: true }), [],
    'CIDRs (`address/prefix`) the tenant\'s Services may use in `spec.externalIPs`; none by default'),
  namespaces: withDefault(Type.Array(Type.String({ pattern: NAMESPACE_GLOB_PATTERN }), { uniqueItems: true }), [],
    'existing namespaces assigned to the tenant, by name or glob (`*`: any run of characters); the controller gives them the owner label ([Adopting existing namespaces](#adopting-existing-namespaces))'),
}, { additionalProperties: false });

/** How a violation is enforced: refused, admitted with a warning to the user, or admitted silently. */
export const ENFORCEMENT_MODES = ['deny', 'warn', 'dryrun'] as const;
export type EnforcementMode = (typeof ENFORCEMENT_MODES)[number];
const mode = Type.Unsafe<EnforcementMode>({ enum: [...ENFORCEMENT_MODES] });
// Plain JSON Schema maps (propertyNames + additionalProperties), which helm's validator reads as ajv does.
// Typed by string keys: a map holds only the entries written (the schema limits which keys).
const modeMap = (keys: Record<string, unknown>) =>
  Type.Unsafe<Record<string, EnforcementMode>>({ type: 'object', propertyNames: keys, additionalProperties: { enum: [...ENFORCEMENT_MODES] } });

export const enforcementSchema = Type.Object({
  default: withDefault(mode, 'deny', '`deny` refuses, `warn` admits and sends each violation to the user as a `Warning:`, `dryrun` admits silently; every violation is counted and logged whatever its mode'),
  codes: withDefault(modeMap({ enum: [...VIOLATION_CODES] }), {}, 'mode per violation code, e.g. `{OpenRule: warn}`; `deny` here pins a code (it is refused for every tenant and stays in the floor)'),
  tenants: withDefault(modeMap({ pattern: DNS_LABEL_PATTERN }), {}, 'mode per tenant (the owner of the object\'s namespace, and the requester\'s tenants), e.g. `{globex: dryrun}`'),
}, { additionalProperties: false });

/** The engine's settings, property by property (src/config spreads them into the configuration). */
export const policySettingsProperties = {
  tenantLabel: withDefault(Type.String({ pattern: LABEL_KEY_PATTERN }), 'tenant-guard.io/tenant', 'the owner label on namespaces'),
  platform: withDefault(Type.Object({
    value: withDefault(Type.String({ pattern: DNS_LABEL_PATTERN }), 'platform', 'label value of platform namespaces; no tenant may use it'),
    namespaces: names('namespaces owned by the platform by name, whatever their labels', ['default', 'kube-system', 'kube-public', 'kube-node-lease']),
  }, { additionalProperties: false }), {}, 'the platform team\'s namespaces'),
  tenants: withDefault(Type.Array(tenantSchema), [], 'explicit membership: `{name, groups: [], users: []}`'),
  tenantGroupPrefix: withDefault(Type.String(), 'tenant:', 'a user in group `tenant:globex` is a member of tenant `globex` (`""` turns it off)'),
  admins: withDefault(Type.Object({
    groups: names('groups that bypass every guardrail', ['system:masters']),
    users: names('users that bypass every guardrail; put tenant-guard\'s own service account here (the chart does)', []),
  }, { additionalProperties: false }), {}, 'who bypasses every guardrail'),
  protectedCIDRs: withDefault(Type.Array(Type.String({ pattern: CIDR_PATTERN })), ['10.244.0.0/16', '10.96.0.0/12'], 'the cluster\'s pod and service ranges, IPv4 and IPv6'),
  cilium: withDefault(Type.Object({
    deniedEntities: names('Cilium entities tenants may not name, nor select as `reserved:` identities; `all` and `cluster` include every tenant\'s pods and are refused whatever this lists (the outage floor refuses what it lists)', ['all', 'cluster']),
    clusterName: withDefault(Type.String({ pattern: CLUSTER_NAME_PATTERN }), 'default',
      'this cluster\'s name in Cilium (`cluster.name`), which every pod carries as `io.cilium.k8s.policy.cluster`; `""` in a cluster mesh, where pods of the other clusters carry other names'),
  }, { additionalProperties: false }), {}, 'Cilium policy settings'),
  allowSameTenantAcrossNamespaces: withDefault(Type.Boolean(), true, 'a tenant\'s namespaces may reach each other; `false`: only the policy\'s own namespace and the platform'),
  allowOpenEgress: withDefault(Type.Boolean(), false, 'allow egress rules without `to` (ingress rules without `from` are always refused)'),
  namespacePrefix: withDefault(Type.Boolean(), false, 'tenant namespaces must be named `<tenant>-…`; recommended (see "Names change hands")'),
  sharing: withDefault(Type.Object({
    enabled: withDefault(Type.Boolean(), true, 'accept Exports and Imports; `false` refuses them and the controller writes no share policies'),
    maxExportsPerNamespace: withDefault(Type.Integer({ minimum: 0, maximum: 1000 }), 20, 'Exports one namespace may hold'),
    allowedPairs: withDefault(Type.Array(Type.Object({
      exporter: Type.String({ pattern: DNS_LABEL_PATTERN, description: 'the tenant that offers' }),
      importer: Type.String({ pattern: DNS_LABEL_PATTERN, description: 'the tenant that consumes' }),
    }, { additionalProperties: false })), [], 'exporter → importer tenant pairs that may share; empty: any two tenants'),
  }, { additionalProperties: false }), {}, 'sharing between tenants with Export and Import ([Sharing between tenants](#sharing-between-tenants))'),
  serviceAccounts: withDefault(Type.Unsafe<'own-namespace' | 'none'>({ enum: ['own-namespace', 'none'] }), 'own-namespace',
    'a service account (`system:serviceaccount:<ns>:<name>`, e.g. a GitOps bot) is a member of the tenant that owns its namespace at request time; `none`: only by `tenants[].users`'),
  enforcement: withDefault(enforcementSchema, {}, 'rollout modes: which violations are refused, warned about or only recorded ([Rolling out: enforcement modes](#rolling-out-enforcement-modes)); when a code entry and a tenant entry both apply, the stricter wins'),
};

export const policySettingsSchema = Type.Object(policySettingsProperties, { additionalProperties: false });

/** What the engine reads from the configuration. */
export type PolicySettings = Filled<Static<typeof policySettingsSchema>>;
export type TenantEntry = PolicySettings['tenants'][number];
