/**
 * Suggested patches (refusals that come with the fix): the patch each main
 * shape gets, the shapes that get none, and the denial text as kubectl
 * shows it. Every review here is also held to the suggestion invariant
 * (test/support/suggestion-invariant.ts): applying all suggestions leaves only
 * the violations that had none.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, CONFIG, makeConfig, npInput, nsInput, nsObject, people, TENANT_LABEL } from '../../test/unit/fixtures.js';
import { applySuggestions } from '../../test/support/suggestions.js';
import { renderDenial } from './render.js';
import { review } from './review.js';
import type { Verdict } from './types.js';

const NS_LABELS = 'k8s:io.cilium.k8s.namespace.labels.';
const fromNs = (sel: unknown) => ({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: sel }] }] });
const only = (v: Verdict) => {
  expect(v.violations).toHaveLength(1);
  return v.violations[0]!;
};

describe('suggestions for NetworkPolicy selectors', () => {
  it.each([
    // An empty selector becomes the tenant's own.
    ['empty selector', {}, { matchLabels: { [TENANT_LABEL]: 'acme' } }],
    // Another tenant in an In list is dropped; the rest of the list stays.
    ['In list with another tenant', { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['acme', 'globex'] }] },
      { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['acme'] }] }],
    // A negative operator cannot be made safe: it goes, the tenant's selector comes.
    ['NotIn on the tenant label', { matchExpressions: [{ key: TENANT_LABEL, operator: 'NotIn', values: ['globex'] }] },
      { matchLabels: { [TENANT_LABEL]: 'acme' } }],
    // Other labels keep their meaning inside the tenant.
    ['other labels only', { matchLabels: { team: 'web' } }, { matchLabels: { team: 'web', [TENANT_LABEL]: 'acme' } }],
  ])('%s', (_label, selector, fixed) => {
    const v = review(npInput(fromNs(selector)));
    const violation = only(v);
    expect(violation.suggestion).toEqual([{ op: 'replace', path: '/spec/ingress/0/from/0/namespaceSelector', value: fixed }]);
  });

  it('another tenant named outright: no suggestion, and the fix says what to do instead', () => {
    const v = review(npInput(fromNs({ matchLabels: { [TENANT_LABEL]: 'globex' } })));
    const violation = only(v);
    expect(violation.suggestion).toBeUndefined();
    expect(violation.fix).toMatch(/ask that tenant to expose the service through the platform, or ask the platform team$/);
  });

  it('only this namespace may be reached: the own tenant value becomes this namespace by name', () => {
    const config = makeConfig({ allowSameTenantAcrossNamespaces: false });
    const v = review(npInput(fromNs({ matchLabels: { [TENANT_LABEL]: 'acme' } }), { config }));
    expect(only(v).suggestion).toEqual([{ op: 'replace', path: '/spec/ingress/0/from/0/namespaceSelector', value: { matchLabels: { 'kubernetes.io/metadata.name': 'acme-web' } } }]);
  });
});

describe('suggestions for addresses and open rules', () => {
  it('ipBlock 0.0.0.0/0: except gains the protected ranges it covers', () => {
    const v = review(npInput({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['192.168.0.0/16'] } }] }] }));
    expect(only(v).suggestion).toEqual([{ op: 'replace', path: '/spec/egress/0/to/0/ipBlock/except', value: ['192.168.0.0/16', '10.244.0.0/16', '10.96.0.0/12'] }]);
  });

  it('a block inside the pod range has no safe except: no suggestion', () => {
    const v = review(npInput({ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.244.1.0/24' } }] }] }));
    expect(only(v).suggestion).toBeUndefined();
  });

  it('an ingress rule with no peers gets the tenant, the platform and the world outside the cluster', () => {
    const v = review(npInput({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }));
    expect(only(v).suggestion).toEqual([{
      op: 'add',
      path: '/spec/ingress/0/from',
      value: [
        { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'acme' } } },
        { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'platform' } } },
        { ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] } },
        { ipBlock: { cidr: '::/0', except: ['fd00:10:244::/56', 'fd00:10:96::/112'] } },
      ],
    }]);
  });
});

describe('suggestions for Cilium', () => {
  it('the cluster entity becomes an endpoint selector on the tenant', () => {
    const v = review(cnpInput({ spec: { endpointSelector: {}, ingress: [{ fromEntities: ['cluster', 'world'] }] } }));
    expect(only(v).suggestion).toEqual([
      { op: 'replace', path: '/spec/ingress/0/fromEntities', value: ['world'] },
      { op: 'add', path: '/spec/ingress/0/fromEndpoints', value: [{ matchLabels: { [`${NS_LABELS}${TENANT_LABEL}`]: 'acme' } }] },
    ]);
  });

  it('a namespace-wide Exists becomes the tenant label', () => {
    const v = review(cnpInput({ specs: [{ endpointSelector: {}, egress: [{ toEndpoints: [{ matchExpressions: [{ key: 'k8s:io.kubernetes.pod.namespace', operator: 'Exists' }], matchLabels: { app: 'db' } }] }] }] }));
    expect(only(v).suggestion).toEqual([{ op: 'replace', path: '/specs/0/egress/0/toEndpoints/0', value: { matchLabels: { app: 'db', [`${NS_LABELS}${TENANT_LABEL}`]: 'acme' } } }]);
  });

  it('a service without namespace gets this namespace', () => {
    const v = review(cnpInput({ spec: { endpointSelector: {}, egress: [{ toServices: [{ k8sService: { serviceName: 'db' } }] }] } }));
    expect(only(v)).toMatchObject({ code: 'ServiceUnconfined', suggestion: [{ op: 'add', path: '/spec/egress/0/toServices/0/k8sService/namespace', value: 'acme-web' }] });
  });
});

describe('suggestions for labels', () => {
  it('the managed-by label on a tenant policy is removed', () => {
    const v = review(npInput({ podSelector: {}, ingress: [] }, {}, { labels: { 'app.kubernetes.io/managed-by': 'tenant-guard' } }));
    expect(only(v).suggestion).toEqual([{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1managed-by' }]);
  });

  it('a namespace claiming another tenant, by a member of one tenant, is set to that tenant', () => {
    const v = review(nsInput(nsObject('acme-x', { [TENANT_LABEL]: 'globex' }), { requester: people.alice }));
    expect(only(v).suggestion).toEqual([{ op: 'replace', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'acme' }]);
  });

  it('a member of several tenants gets no guess', () => {
    const v = review(nsInput(nsObject('x', { [TENANT_LABEL]: 'platform' }), { requester: people.carol }));
    expect(only(v).suggestion).toBeUndefined();
  });
});

describe('applying every suggestion', () => {
  it('turns a policy with several open paths into one the engine allows', () => {
    const input = npInput({
      podSelector: {},
      ingress: [{}, { from: [{ namespaceSelector: {} }, { namespaceSelector: { matchLabels: { team: 'x' } } }] }],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    });
    const v = review(input);
    expect(v.violations.length).toBe(4);
    const fixed = applySuggestions(input.object as Record<string, unknown>, v);
    expect(review({ ...input, object: fixed }).allowed).toBe(true);
  });
});

describe('denial text with suggestions', () => {
  it('one short line after each violation', () => {
    const v = review(npInput({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['acme', 'globex'] }] } }] }] }, { config: CONFIG }, { name: 'mixed' }));
    expect(renderDenial({ kind: 'NetworkPolicy', namespace: 'acme-web', name: 'mixed' }, v)).toBe(
      'tenant-guard refused NetworkPolicy acme-web/mixed: 1 violation\n' +
      '- spec.ingress[0].from[0].namespaceSelector: Forbidden: selects namespaces of tenant globex ' +
      '(fix: select your tenant\'s namespaces with namespaceSelector.matchLabels {"tenant-guard.io/tenant": "acme"}, ' +
      'platform services with matchLabels {"tenant-guard.io/tenant": "platform"}, or drop namespaceSelector to stay in this namespace)\n' +
      '  suggested change: set spec.ingress[0].from[0].namespaceSelector = {"matchExpressions":[{"key":"tenant-guard.io/tenant","operator":"In","values":["acme"]}]}',
    );
  });

  it('an open rule', () => {
    const v = review(npInput({ podSelector: {}, ingress: [{}] }, {}, { name: 'open' }));
    const text = renderDenial({ kind: 'NetworkPolicy', namespace: 'acme-web', name: 'open' }, v);
    expect(text.split('\n')[2]).toBe(
      '  suggested change: set spec.ingress[0].from = [{"namespaceSelector":{"matchLabels":{"tenant-guard.io/tenant":"acme"}}},' +
      '{"namespaceSelector":{"matchLabels":{"tenant-guard.io/tenant":"platform"}}},' +
      '{"ipBlock":{"cidr":"0.0.0.0/0","except":["10.244.0.0/16","10.96.0.0/12"]}},' +
      '{"ipBlock":{"cidr":"::/0","except":["fd00:10:244::/56","fd00:10:96::/112"]}}]',
    );
  });
});
