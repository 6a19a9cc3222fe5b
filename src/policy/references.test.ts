/**
 * referencedNamespaces: the names an adapter must resolve before calling the
 * (synchronous) engine. Whatever review() looks up must be in that list, or
 * the adapter would hand the engine a view that cannot answer.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, makeView, NAME_LABEL, npInput, TENANT_LABEL } from '../../test/unit/fixtures.js';
import { MAX_REFERENCED, referencedNamespaces } from './references.js';
import { review } from './review.js';

const POD_NS = 'io.kubernetes.pod.namespace';
const NS_NAME = `io.cilium.k8s.namespace.labels.${NAME_LABEL}`;

const np = (spec: unknown) => ({ kind: 'NetworkPolicy', metadata: { name: 'p' }, spec });
const cnp = (body: Record<string, unknown>) => ({ kind: 'CiliumNetworkPolicy', metadata: { name: 'p' }, ...body });

describe('referencedNamespaces', () => {
  it.each<[string, string | undefined, unknown, string[]]>([
    // The policy's own namespace comes first.
    ['own namespace only', 'acme-web', np({ podSelector: {} }), ['acme-web']],
    ['no namespace', undefined, np({}), []],
    ['an empty namespace', '', np({}), []],
    ['namespaceSelector by name', 'acme-web', np({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: 'acme-api' } } }] }] }), ['acme-web', 'acme-api']],
    ['namespaceSelector In', 'acme-web', np({ egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: ['a', 'b'] }] } }] }] }), ['acme-web', 'a', 'b']],
    // Selecting by tenant label needs no lookups.
    ['namespaceSelector by tenant label', 'acme-web', np({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } }] }] }), ['acme-web']],
    ['the same name twice', 'acme-web', np({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: 'acme-web' } } }, { namespaceSelector: { matchLabels: { [NAME_LABEL]: 'acme-web' } } }] }] }), ['acme-web']],
    ['Cilium pod namespace, every source', 'acme-web', cnp({ spec: { ingress: [{ fromEndpoints: [{ matchLabels: { [`k8s:${POD_NS}`]: 'n1' } }, { matchLabels: { [`any:${POD_NS}`]: 'n2' } }, { matchLabels: { [POD_NS]: 'n3' } }] }] } }), ['acme-web', 'n1', 'n2', 'n3']],
    // Keys Cilium rewrites name namespaces too: an empty source, a value inside the key, a dotted source.
    ['Cilium pod namespace, rewritten spellings', 'acme-web', cnp({ spec: { ingress: [{ fromEndpoints: [{ matchLabels: { [`:${POD_NS}`]: 'r1', [`k8s:${POD_NS}=x`]: 'r2' } }, { matchExpressions: [{ key: 'k8s.io:kubernetes.pod.namespace', operator: 'In', values: ['r3'] }] }] }] } }), ['acme-web', 'r1', 'r2', 'r3']],
    // A key that only looks like the namespace key after a leading colon is not one (any:"k8s:…" matches no label).
    ['not a namespace key after an empty source', 'acme-web', cnp({ spec: { ingress: [{ fromEndpoints: [{ matchLabels: { [`:k8s:${POD_NS}`]: 'r4', [`container:${POD_NS}`]: 'r5' } }] }] } }), ['acme-web']],
    ['Cilium namespace name label', 'acme-web', cnp({ spec: { egress: [{ toEndpoints: [{ matchExpressions: [{ key: `k8s:${NS_NAME}`, operator: 'In', values: ['n4'] }] }] }] } }), ['acme-web', 'n4']],
    ['Cilium requires, in specs[]', 'acme-web', cnp({ specs: [{}, { ingress: [{ fromRequires: [{ matchLabels: { [POD_NS]: 'n5' } }] }], egress: [{ toRequires: [{ matchLabels: { [POD_NS]: 'n6' } }] }] }] }), ['acme-web', 'n5', 'n6']],
    // Deny rules are judged too (as warnings), so their names are looked up as well.
    ['Cilium deny rules', 'acme-web', cnp({ spec: { ingressDeny: [{ fromEndpoints: [{ matchLabels: { [POD_NS]: 'n7' } }] }] } }), ['acme-web', 'n7']],
    ['toServices', 'acme-web', cnp({ spec: { egress: [{ toServices: [{ k8sService: { serviceName: 's', namespace: 'n8' } }, { k8sServiceSelector: { selector: {}, namespace: 'n9' } }] }] } }), ['acme-web', 'n8', 'n9']],
    ['a Cilium tenant-label selector needs no lookups', 'acme-web', cnp({ spec: { egress: [{ toEndpoints: [{ matchLabels: { [`io.cilium.k8s.namespace.labels.${TENANT_LABEL}`]: 'globex' } }] }] } }), ['acme-web']],
    // Garbage is no reason to throw.
    ['a null object', 'acme-web', null, ['acme-web']],
    ['a string object', 'acme-web', 'x', ['acme-web']],
    ['selectors that are not mappings', 'acme-web', cnp({ spec: { ingress: [{ fromEndpoints: ['x', null] }] } }), ['acme-web']],
    ['a namespaceSelector that is not a mapping', 'acme-web', np({ ingress: [{ from: [{ namespaceSelector: 'x' }] }] }), ['acme-web']],
  ])('%s', (_name, namespace, object, expected) => {
    expect(referencedNamespaces(namespace, object, TENANT_LABEL)).toEqual(expected);
  });

  it('a custom tenant label with a "/" is not mistaken for a name', () => {
    const object = np({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'example.com/owner': 'acme', [NAME_LABEL]: 'x' } } }] }] });
    expect(referencedNamespaces('acme-web', object, 'example.com/owner')).toEqual(['acme-web', 'x']);
  });

  it(`is bounded to ${MAX_REFERENCED} names`, () => {
    const values = Array.from({ length: 200 }, (_, i) => `ns-${i}`);
    const object = np({ ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values }] } }] }] });
    const out = referencedNamespaces('acme-web', object, TENANT_LABEL);
    expect(out).toHaveLength(MAX_REFERENCED);
    expect(out[0]).toBe('acme-web');
  });

  it('does not recurse without end on deeply nested input', () => {
    let deep: unknown = { namespaceSelector: { matchLabels: { [NAME_LABEL]: 'deep' } } };
    for (let i = 0; i < 10_000; i += 1) deep = [deep];
    expect(referencedNamespaces('acme-web', deep, TENANT_LABEL)).toEqual(['acme-web']);
  });
});

describe('every namespace review() looks up is a referenced one', () => {
  const objects: [string, ReturnType<typeof npInput>][] = [
    ['NetworkPolicy names', npInput({ ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: ['acme-api', 'globex-web', 'ghost', 'flaky'] }] } }] }] })],
    ['Cilium endpoints, specs and services', cnpInput({
      spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { [`k8s:${POD_NS}`]: 'acme-api' } }], toServices: [{ k8sService: { serviceName: 'db', namespace: 'globex-web' } }] }] },
      specs: [{ endpointSelector: {}, ingress: [{ fromRequires: [{ matchLabels: { [`any:${NS_NAME}`]: 'unowned' } }] }], egressDeny: [{ toEndpoints: [{ matchLabels: { [POD_NS]: 'ghost' } }] }] }],
    })],
    ['Cilium rewritten keys', cnpInput({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { [`:${POD_NS}`]: 'globex-web' } }, { matchLabels: { [`k8s:${POD_NS}=acme-web`]: 'ghost' } }] }] } })],
  ];
  it.each(objects)('%s', (_name, input) => {
    const view = makeView();
    review({ ...input, namespaces: view });
    const referenced = referencedNamespaces(input.namespace, input.object, input.settings.tenantLabel);
    expect(view.looked.length).toBeGreaterThan(1);
    for (const name of view.looked) expect(referenced).toContain(name);
  });
});
