/**
 * Adversarial policies for acme's namespace acme-web: selector keys built
 * from label sources (canonical, empty, `$`, unknown, upper case), the
 * namespace keys Cilium reads, `reserved.` and `=`/`:` in odd places, every
 * operator, and mixtures with requirements that confine to acme.
 */
import fc from 'fast-check';
import { CONFIG, TENANT_LABEL } from './world.js';

const NS_LABELS = 'io.cilium.k8s.namespace.labels.';

/** Sources a tenant might write in front of a key. */
const source = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('', 'k8s:', 'any:') },
  { weight: 2, arbitrary: fc.constantFrom('reserved:', ':', '$') },
  { weight: 1, arbitrary: fc.constantFrom('container:', 'K8S:', 'k8s::', 'unspec:', 'cidr:', 'any::', 'reserved.', ' k8s:', 'k8s.io:', 'any.x:') },
);

/** Keys Cilium gives meaning to, near misses, and ordinary pod labels. */
const baseKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('io.kubernetes.pod.namespace', `${NS_LABELS}${TENANT_LABEL}`, `${NS_LABELS}${'kubernetes.io/metadata.name'}`, `${NS_LABELS}team`) },
  { weight: 3, arbitrary: fc.constantFrom('app', 'team', TENANT_LABEL, 'io.cilium.k8s.policy.serviceaccount') },
  { weight: 2, arbitrary: fc.constantFrom('host', 'init', 'world', 'kube-apiserver', 'unmanaged') },
  { weight: 1, arbitrary: fc.constantFrom('reserved.host', 'reserved.init', NS_LABELS, 'io.kubernetes.pod.namespace.x', 'io.cilium.k8s.namespace.labelsteam', 'IO.kubernetes.pod.namespace', 'io.cilium.k8s.policy.cluster', `${NS_LABELS}${NS_LABELS}${TENANT_LABEL}`) },
);

/** What may follow the key: nothing, mostly; `=` and `:` sometimes. */
const suffix = fc.oneof(
  { weight: 60, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('=x', '=', '=globex-web', ':x', '==acme') },
);

/** A key as a tenant could spell it (anything goes: the CRD does not validate keys). */
export const anyKey = fc.tuple(source, baseKey, suffix).map(([s, k, x]) => `${s}${k}${x}`);

/**
 * Rewritten keys by the grammar older Cilium agents follow, beyond what the
 * oracle's parser (1.20) reports itself: `reserved.x` without a source is
 * `reserved:x`, and a source with a `.` is joined to the key as the extended
 * key `source.key` and split again at its first `.`.
 */
export function rewrittenByGrammar(key: string): boolean {
  const colon = key.indexOf(':');
  return key.startsWith(':') || key.startsWith('$') || key.includes('=') || (colon < 0 && key.startsWith('reserved.'))
    || (colon > 0 && key.slice(0, colon).includes('.'));
}

/** A key in one of the spellings Cilium reads as written (no rewriting). */
export const canonicalKey = fc.tuple(fc.constantFrom('', 'k8s:', 'any:', 'reserved:'), baseKey).map(([s, k]) => `${s}${k}`)
  .filter((k) => !rewrittenByGrammar(k));

/** Values that name namespaces, tenants and labels of the model, and some that name nothing. */
export const value = fc.constantFrom('acme-web', 'acme-api', 'globex-web', 'kube-system', 'ingress-nginx', 'unowned', 'default',
  'acme', 'globex', CONFIG.platform.value, 'acme-new', 'zz-new', '', 'x', 'web');

const values = fc.uniqueArray(value, { minLength: 1, maxLength: 3 });

function expression(key: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    fc.record({ key, operator: fc.constantFrom('In', 'NotIn'), values }),
    fc.record({ key, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  );
}

interface Own { matchLabels?: Record<string, string>; matchExpressions?: Record<string, unknown>[] }

/** A requirement that confines a selector to acme's namespaces, with one of the given spellings of the key. */
function ownTenant(keys: fc.Arbitrary<string>): fc.Arbitrary<Own> {
  return fc.tuple(keys, fc.boolean()).map(([key, asExpression]) => (asExpression
    ? { matchExpressions: [{ key, operator: 'In', values: ['acme'] }] }
    : { matchLabels: { [key]: 'acme' } }));
}

const ciliumOwnTenant = ownTenant(fc.constantFrom('', 'k8s:', 'any:').map((s) => `${s}${NS_LABELS}${TENANT_LABEL}`));

/** An endpoint (or label) selector over the given keys: at most five requirements, sometimes with acme's own. */
export function selector(key: fc.Arbitrary<string>, own: fc.Arbitrary<Own> = ciliumOwnTenant): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(
    fc.dictionary(key, value, { minKeys: 0, maxKeys: 2 }),
    fc.array(expression(key), { minLength: 0, maxLength: 2 }),
    fc.option(own, { freq: 3 }),
  ).map(([labels, exprs, own]) => {
    const sel: Record<string, unknown> = {};
    const ml: Record<string, unknown> = { ...labels, ...(own?.matchLabels ?? {}) };
    const me = [...exprs, ...(own?.matchExpressions ?? [])];
    if (Object.keys(ml).length > 0) sel.matchLabels = ml;
    if (me.length > 0) sel.matchExpressions = me;
    return sel;
  });
}

const podLabels = fc.constantFrom<Record<string, unknown>>({}, { matchLabels: { app: 'web' } });

function ciliumRules(peer: 'fromEndpoints' | 'toEndpoints', key: fc.Arbitrary<string>, max: number) {
  return fc.array(fc.record({ [peer]: fc.array(selector(key), { minLength: 1, maxLength: 2 }) }), { minLength: 0, maxLength: max });
}

/** One Cilium rule: endpointSelector, allow rules with any key, deny rules with keys Cilium reads as written. */
const ciliumRule = fc.record({
  endpointSelector: fc.oneof({ weight: 6, arbitrary: podLabels }, { weight: 1, arbitrary: selector(anyKey) }),
  ingress: ciliumRules('fromEndpoints', anyKey, 2),
  egress: ciliumRules('toEndpoints', anyKey, 2),
  ingressDeny: ciliumRules('fromEndpoints', canonicalKey, 1),
  egressDeny: ciliumRules('toEndpoints', canonicalKey, 1),
}).map((r) => {
  // Leave out empty lists, as a person writing YAML would.
  const out: Record<string, unknown> = { endpointSelector: r.endpointSelector };
  for (const k of ['ingress', 'egress', 'ingressDeny', 'egressDeny'] as const) if (r[k].length > 0) out[k] = r[k];
  if (out.ingress === undefined && out.egress === undefined) out.ingress = [{ fromEndpoints: [{}] }];
  return out;
});

export const ciliumNetworkPolicy = fc.oneof(
  { weight: 4, arbitrary: ciliumRule.map((spec) => ({ spec })) },
  { weight: 1, arbitrary: fc.array(ciliumRule, { minLength: 1, maxLength: 2 }).map((specs) => ({ specs })) },
  { weight: 1, arbitrary: fc.tuple(ciliumRule, fc.array(ciliumRule, { minLength: 1, maxLength: 2 })).map(([spec, specs]) => ({ spec, specs })) },
).map((body) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'oracle', namespace: 'acme-web' }, ...body }));

/** NetworkPolicy keys: valid label keys (the API server validates them before any webhook runs). */
const npKey = fc.constantFrom(TENANT_LABEL, 'kubernetes.io/metadata.name', 'team', 'app', 'env');

const npNamespaces = selector(npKey, ownTenant(fc.constant(TENANT_LABEL)));
const npPods = selector(npKey, fc.constant({}));

const npPeer = fc.oneof(
  fc.record({ podSelector: npPods }),
  fc.record({ namespaceSelector: npNamespaces }),
  fc.record({ namespaceSelector: npNamespaces, podSelector: npPods }),
);

export const networkPolicy = fc.record({
  ingress: fc.array(fc.record({ from: fc.array(npPeer, { minLength: 1, maxLength: 2 }) }), { minLength: 0, maxLength: 2 }),
  egress: fc.array(fc.record({ to: fc.array(npPeer, { minLength: 1, maxLength: 2 }) }), { minLength: 0, maxLength: 2 }),
}).map(({ ingress, egress }) => {
  const spec: Record<string, unknown> = { podSelector: {} };
  const types: string[] = [];
  if (ingress.length > 0 || egress.length === 0) { spec.ingress = ingress.length > 0 ? ingress : [{ from: [{ podSelector: {} }] }]; types.push('Ingress'); }
  if (egress.length > 0) { spec.egress = egress; types.push('Egress'); }
  spec.policyTypes = types;
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'oracle', namespace: 'acme-web' }, spec };
});
