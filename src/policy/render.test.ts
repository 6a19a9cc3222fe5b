/**
 * The denial text is the user experience: asserted exactly, for the two
 * shapes users meet most (an empty namespaceSelector; a Cilium cluster
 * entity), plus the line format and the headline.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, npInput } from '../../test/unit/fixtures.js';
import { renderDenial, renderViolation, subjectText } from './render.js';
import { review } from './review.js';
import type { Verdict, Violation } from './types.js';

describe('renderDenial', () => {
  it('an empty namespaceSelector', () => {
    const verdict = review(npInput({ podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: {} }] }] }, {}, { name: 'web-allow-all-namespaces' }));
    expect(renderDenial({ kind: 'NetworkPolicy', namespace: 'acme-web', name: 'web-allow-all-namespaces' }, verdict)).toBe(
      'tenant-guard refused NetworkPolicy acme-web/web-allow-all-namespaces: 1 violation\n' +
      '- spec.ingress[0].from[0].namespaceSelector: Forbidden: selects every namespace in the cluster, including other tenants\' ' +
      '(fix: select your tenant\'s namespaces with namespaceSelector.matchLabels {"tenant-guard.io/tenant": "acme"}, ' +
      'platform services with matchLabels {"tenant-guard.io/tenant": "platform"}, or drop namespaceSelector to stay in this namespace)\n' +
      '  suggested change: set spec.ingress[0].from[0].namespaceSelector = {"matchLabels":{"tenant-guard.io/tenant":"acme"}}',
    );
  });

  it('a Cilium cluster entity', () => {
    const verdict = review(cnpInput({ spec: { endpointSelector: { matchLabels: { app: 'web' } }, egress: [{ toEntities: ['cluster'] }] } }, {}, { name: 'to-cluster' }));
    expect(renderDenial({ kind: 'CiliumNetworkPolicy', namespace: 'acme-web', name: 'to-cluster' }, verdict)).toBe(
      'tenant-guard refused CiliumNetworkPolicy acme-web/to-cluster: 1 violation\n' +
      '- spec.egress[0].toEntities[0]: Forbidden: entity "cluster" includes the pods of every tenant ' +
      '(fix: select endpoints instead: leave namespace labels out to stay in this namespace, ' +
      'select your tenant with matchLabels {"k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant": "acme"}, ' +
      'or platform endpoints with matchLabels {"k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant": "platform"}; ' +
      '"world" reaches outside the cluster)\n' +
      '  suggested change: set spec.egress[0].toEntities = []; ' +
      'set spec.egress[0].toEndpoints = [{"matchLabels":{"k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant":"acme"}}]',
    );
  });

  it('several violations: counted, one line each, in order', () => {
    const verdict: Verdict = {
      allowed: false,
      warnings: [],
      patch: [],
      violations: [
        { code: 'OpenRule', path: 'spec.ingress[0]', segments: ['spec', 'ingress', 0], message: 'm1', fix: 'f1' },
        { code: 'CIDRInvalid', path: 'spec.egress[0].to[0].ipBlock.cidr', segments: ['spec', 'egress', 0, 'to', 0, 'ipBlock', 'cidr'], message: 'm2', fix: 'f2' },
      ],
    };
    expect(renderDenial({ kind: 'NetworkPolicy', namespace: 'acme-web' }, verdict)).toBe(
      'tenant-guard refused NetworkPolicy acme-web/(unnamed): 2 violations\n' +
      '- spec.ingress[0]: Forbidden: m1 (fix: f1)\n' +
      '- spec.egress[0].to[0].ipBlock.cidr: Invalid: m2 (fix: f2)',
    );
  });
});

describe('renderViolation', () => {
  it.each<[Violation['code'], string]>([
    // Malformed input is "Invalid", as Kubernetes' field errors say it.
    ['MalformedObject', 'Invalid'],
    ['CIDRInvalid', 'Invalid'],
    ['SelectorAllNamespaces', 'Forbidden'],
    ['OwnershipUnknown', 'Forbidden'],
    ['ClusterScopedPolicy', 'Forbidden'],
  ])('%s is %s', (code, reason) => {
    expect(renderViolation({ code, path: 'p', segments: ['p'], message: 'm', fix: 'f' })).toBe(`p: ${reason}: m (fix: f)`);
  });
});

describe('subjectText', () => {
  it.each([
    [{ kind: 'NetworkPolicy', namespace: 'acme-web', name: 'np' }, 'NetworkPolicy acme-web/np'],
    // Cluster-scoped objects and Namespaces have no namespace.
    [{ kind: 'Namespace', name: 'acme-web' }, 'Namespace acme-web'],
    [{ kind: 'AdminNetworkPolicy', namespace: '', name: 'x' }, 'AdminNetworkPolicy x'],
    [{ kind: 'NetworkPolicy', namespace: 'acme-web' }, 'NetworkPolicy acme-web/(unnamed)'],
  ])('%j', (subject, expected) => {
    expect(subjectText(subject)).toBe(expected);
  });

  it('past 50 violations the rest are counted, not listed', () => {
    const ingress = Array.from({ length: 60 }, () => ({ from: [{ namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'globex' } } }] }));
    const verdict = review(npInput({ podSelector: {}, ingress }, {}, { name: 'many' }));
    expect(verdict.violations).toHaveLength(60);
    const lines = renderDenial({ kind: 'NetworkPolicy', namespace: 'acme-web', name: 'many' }, verdict).split('\n');
    expect(lines[0]).toBe('tenant-guard refused NetworkPolicy acme-web/many: 60 violations');
    expect(lines.filter((l) => l.startsWith('- spec.'))).toHaveLength(50);
    expect(lines.at(-1)).toBe('- … and 10 more; run `tenant-guard check -f FILE` to see them all');
  });
});
