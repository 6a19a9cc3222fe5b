/**
 * Keys Cilium rewrites, through review() as alice (tenant acme) in acme-web:
 * every spelling class in every place a CiliumNetworkPolicy holds a selector.
 * The spelling is refused with SelectorKeyNonCanonical everywhere (deny rules
 * included), and what the rewritten key means is judged as well.
 */
import { describe, expect, it } from 'vitest';
import fastJsonPatch from 'fast-json-patch';
import type { Operation as PatchOperation } from 'fast-json-patch';
import { cnpInput, expectWellFormed, TENANT_LABEL, where } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { Verdict } from '../types.js';

const POD_NS = 'io.kubernetes.pod.namespace';
const NS_LABELS = 'io.cilium.k8s.namespace.labels.';

function judge(body: Record<string, unknown>): Verdict {
  const v = review(cnpInput(body));
  expectWellFormed(v);
  return v;
}

/** One spelling class: a selector holding the key, where the key sits in it, and what the key means in an allow rule's peer. */
interface Spelling {
  selector: Record<string, unknown>;
  /** The key's path inside the selector. */
  at: string;
  canonical: string;
  /** Codes of the meaning, for a peer of an allow rule (the spelling's own code comes first). */
  reach: string[];
}

const ml = (key: string, value: string): Spelling['selector'] => ({ matchLabels: { [key]: value } });
const me = (key: string, operator: string, values?: string[]): Spelling['selector'] => ({ matchExpressions: [{ key, operator, ...(values === undefined ? {} : { values }) }] });

const SPELLINGS: [string, Spelling][] = [
  // An empty source is `any`: the key names the pod's namespace, so the pin is lifted and globex-web is reached.
  ['empty source on the pod namespace', { selector: ml(`:${POD_NS}`, 'globex-web'), at: `.matchLabels[":${POD_NS}"]`, canonical: `any:${POD_NS}`, reach: ['SelectorOtherTenant'] }],
  // The same through a namespace label: another tenant's value.
  ['empty source on the tenant label', { selector: ml(`:${NS_LABELS}${TENANT_LABEL}`, 'globex'), at: `.matchLabels[":${NS_LABELS}${TENANT_LABEL}"]`, canonical: `any:${NS_LABELS}${TENANT_LABEL}`, reach: ['SelectorOtherTenant'] }],
  // Everything from `=` is dropped: this is k8s:io.kubernetes.pod.namespace = globex-web.
  ['a value inside the key', { selector: ml(`k8s:${POD_NS}=acme-web`, 'globex-web'), at: `.matchLabels["k8s:${POD_NS}=acme-web"]`, canonical: `k8s:${POD_NS}`, reach: ['SelectorOtherTenant'] }],
  // `$` is reserved: a negative requirement on a reserved label is unpinned and matches every tenant's endpoints.
  ['$ on a negative requirement', { selector: me('$init', 'DoesNotExist'), at: '.matchExpressions[0].key', canonical: 'reserved:init', reach: ['SelectorUnconfined'] }],
  // `reserved.` without a colon is reserved too.
  ['reserved. without a colon', { selector: me('reserved.init', 'NotIn', ['x']), at: '.matchExpressions[0].key', canonical: 'reserved:init', reach: ['SelectorUnconfined'] }],
  // A dot in the source moves text onto the key: k8s.io:kubernetes.pod.namespace is k8s:io.kubernetes.pod.namespace.
  ['a dotted source', { selector: me('k8s.io:kubernetes.pod.namespace', 'Exists'), at: '.matchExpressions[0].key', canonical: `k8s:${POD_NS}`, reach: ['SelectorUnconfined'] }],
  // Rewritten, but what it reads names nothing of another tenant: only the spelling is refused.
  ['empty source before k8s:', { selector: ml(`:k8s:${POD_NS}`, 'globex-web'), at: `.matchLabels[":k8s:${POD_NS}"]`, canonical: `any:k8s:${POD_NS}`, reach: [] }],
  ['$ on a reserved identity, positively', { selector: ml('$host', ''), at: '.matchLabels["$host"]', canonical: 'reserved:host', reach: [] }],
  ['a value inside a pod label key', { selector: ml('app=web', 'web'), at: '.matchLabels["app=web"]', canonical: 'any:app', reach: [] }],
];

/** Where a CiliumNetworkPolicy holds a selector, and whether its meaning is judged there (and as a violation). */
const POSITIONS: [string, (sel: unknown) => Record<string, unknown>, string, 'violation' | 'warning' | 'spelling only'][] = [
  ['fromEndpoints', (s) => ({ spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [s] }] } }), 'spec.ingress[0].fromEndpoints[0]', 'violation'],
  ['toEndpoints', (s) => ({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [s] }] } }), 'spec.egress[0].toEndpoints[0]', 'violation'],
  ['fromRequires', (s) => ({ spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [{}], fromRequires: [s] }] } }), 'spec.ingress[0].fromRequires[0]', 'violation'],
  ['toRequires', (s) => ({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [{}], toRequires: [s] }] } }), 'spec.egress[0].toRequires[0]', 'violation'],
  ['specs[] fromEndpoints', (s) => ({ specs: [{ endpointSelector: {}, ingress: [{}] }, { endpointSelector: {}, ingress: [{ fromEndpoints: [s] }] }] }), 'specs[1].ingress[0].fromEndpoints[0]', 'violation'],
  // Deny rules only take access away: the meaning warns, the spelling is still refused.
  ['ingressDeny fromEndpoints', (s) => ({ spec: { endpointSelector: {}, ingressDeny: [{ fromEndpoints: [s] }] } }), 'spec.ingressDeny[0].fromEndpoints[0]', 'warning'],
  ['egressDeny toEndpoints', (s) => ({ spec: { endpointSelector: {}, egressDeny: [{ toEndpoints: [s] }] } }), 'spec.egressDeny[0].toEndpoints[0]', 'warning'],
  // Cilium always pins the subject to the policy's namespace; services match service labels; nodes are nodes.
  ['endpointSelector', (s) => ({ spec: { endpointSelector: s, ingress: [{}] } }), 'spec.endpointSelector', 'spelling only'],
  ['specs[] endpointSelector', (s) => ({ specs: [{ endpointSelector: s, ingress: [{}] }] }), 'specs[0].endpointSelector', 'spelling only'],
  ['toServices k8sServiceSelector', (s) => ({ spec: { endpointSelector: {}, egress: [{ toServices: [{ k8sServiceSelector: { selector: s, namespace: 'acme-web' } }] }] } }), 'spec.egress[0].toServices[0].k8sServiceSelector.selector', 'spelling only'],
  ['fromNodes', (s) => ({ spec: { endpointSelector: {}, ingress: [{ fromNodes: [s] }] } }), 'spec.ingress[0].fromNodes[0]', 'spelling only'],
  ['toNodes', (s) => ({ spec: { endpointSelector: {}, egress: [{ toNodes: [s] }] } }), 'spec.egress[0].toNodes[0]', 'spelling only'],
];

describe('a rewritten key is refused in every selector position', () => {
  const cases = SPELLINGS.flatMap(([name, s]) => POSITIONS.map(([pos, make, path, judged]) => [`${name}, in ${pos}`, s, make, path, judged] as const));
  it.each(cases)('%s', (_name, s, make, path, judged) => {
    const v = judge(make(s.selector));
    const expected = [`SelectorKeyNonCanonical@${path}${s.at}`, ...(judged === 'violation' ? s.reach.map((c) => `${c}@${path}`) : [])];
    expect(where(v)).toEqual(expected);
    // In a deny rule the meaning is a warning; elsewhere it adds nothing.
    expect(v.warnings.length).toBe(judged === 'warning' ? s.reach.length : 0);
  });
});

describe('the refusal', () => {
  it('names the key, what Cilium reads and the canonical spelling', () => {
    const v = judge({ spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [ml(`:${POD_NS}`, 'globex-web')] }] } });
    expect(v.violations[0]).toMatchObject({
      code: 'SelectorKeyNonCanonical',
      path: `spec.ingress[0].fromEndpoints[0].matchLabels[":${POD_NS}"]`,
      message: `Cilium rewrites the key ":${POD_NS}" before matching (an empty source before ":" means any source): it reads "any:${POD_NS}"; recent Cilium releases reject the whole policy instead`,
      fix: `write the key as Cilium reads it, "any:${POD_NS}" (source, ":", label key), or the key you meant`,
    });
    // And the meaning: another tenant's namespace, explained as for the canonical key.
    expect(v.violations[1]).toMatchObject({ code: 'SelectorOtherTenant', message: 'names namespace "globex-web", which belongs to tenant globex' });
  });

  it('lists every rewrite a key took', () => {
    const v = judge({ spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [ml(`:${POD_NS}=x`, 'acme-web')] }] } });
    expect(where(v)).toEqual([`SelectorKeyNonCanonical@spec.ingress[0].fromEndpoints[0].matchLabels[":${POD_NS}=x"]`]);
    expect(v.violations[0]!.message).toContain('(an empty source before ":" means any source; everything from the first "=" is dropped)');
  });

  it.each<[string, Record<string, unknown>]>([
    // Renamed in place: the selector means what it meant, spelled as Cilium reads it.
    ['a matchLabels key', ml(`:${POD_NS}`, 'acme-api')],
    ['a matchExpressions key', me('$host', 'Exists')],
    // Two spellings of one key: no rename (it would merge them); the other key is renamed.
    ['two spellings of one key', { matchLabels: { '$host': '', 'reserved.host': '', ':app': 'x' } }],
  ])('the suggestion renames %s, and the result is allowed', (_name, selector) => {
    const object = cnpInput({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [selector] }] } }).object as Record<string, unknown>;
    const v = judge(object);
    expect(v.allowed).toBe(false);
    let fixed = structuredClone(object);
    for (const x of v.violations) if (x.suggestion !== undefined) fixed = fastJsonPatch.applyPatch(fixed, x.suggestion as PatchOperation[], true, false).newDocument;
    const again = judge(fixed);
    const leftover = Object.keys(selector.matchLabels ?? {}).filter((k) => k === '$host' || k === 'reserved.host');
    // Only the colliding keys stay refused.
    expect(where(again)).toEqual(leftover.map((k) => `SelectorKeyNonCanonical@spec.egress[0].toEndpoints[0].matchLabels[${JSON.stringify(k)}]`));
  });

  it('canonical spellings are not refused', () => {
    const v = judge({ spec: { endpointSelector: { matchLabels: { app: 'web', 'k8s:role': 'db' } }, egress: [{ toEndpoints: [{ matchLabels: { [`k8s:${POD_NS}`]: 'acme-api', 'reserved:host': '', 'k8s:a:b': 'c', 'container:x': 'y' } }] }] } });
    expect(where(v)).toEqual([]);
  });
});
