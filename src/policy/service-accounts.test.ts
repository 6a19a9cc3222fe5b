/**
 * Service accounts as tenant members (`serviceAccounts: own-namespace`, the
 * default): a service account belongs to the tenant that owns its namespace
 * at request time, as the namespace view says, and only to that one; fail
 * closed when that owner cannot be established.
 */
import { describe, expect, it } from 'vitest';
import { makeConfig, makeView, npInput, nsInput, nsObject, TENANT_LABEL } from '../../test/unit/fixtures.js';
import { review } from './review.js';
import { membershipOf, serviceAccountNamespace } from './tenancy.js';
import type { Requester } from './types.js';

const sa = (ns: string, name = 'argocd'): Requester => ({ username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
const codesOf = (v: ReturnType<typeof review>) => v.violations.map((x) => x.code);

describe('serviceAccountNamespace', () => {
  it.each([
    ['system:serviceaccount:acme-web:argocd', 'acme-web'],
    ['system:serviceaccount:acme-web', undefined],
    ['system:serviceaccount:acme-web:a:b', undefined],
    ['system:serviceaccount::argocd', undefined],
    ['system:serviceaccounts:acme-web', undefined],
    ['alice', undefined],
  ])('%s → %s', (username, ns) => {
    expect(serviceAccountNamespace(username)).toBe(ns);
  });
});

describe('membership of a service account', () => {
  const config = makeConfig();
  it('is the tenant that owns its namespace, and only that one', () => {
    expect(membershipOf(sa('acme-web'), makeView(), config)).toEqual({ known: true, tenants: ['acme'] });
    expect(membershipOf(sa('globex-web'), makeView(), config)).toEqual({ known: true, tenants: ['globex'] });
  });

  it('is none in a namespace without owner, of the platform, or that does not exist', () => {
    for (const ns of ['unowned', 'kube-system', 'ingress-nginx', 'gone']) {
      expect(membershipOf(sa(ns), makeView(), config)).toEqual({ known: true, tenants: [] });
    }
  });

  it('follows the namespace at request time: relabelled by the platform, the account moves with it', () => {
    const moved = makeView({ 'acme-web': { state: 'found', labels: { [TENANT_LABEL]: 'globex' } } });
    expect(membershipOf(sa('acme-web'), moved, config)).toEqual({ known: true, tenants: ['globex'] });
  });

  it('is unknown, not empty, when the owner of its namespace cannot be established', () => {
    const m = membershipOf(sa('flaky'), makeView(), config);
    expect(m.known).toBe(false);
  });

  it('with serviceAccounts: none, only explicit membership counts', () => {
    const none = makeConfig({ serviceAccounts: 'none', tenants: [{ name: 'acme', users: ['system:serviceaccount:ci:deployer'] }] });
    expect(membershipOf(sa('acme-web'), makeView(), none)).toEqual({ known: true, tenants: [] });
    expect(membershipOf(sa('ci', 'deployer'), makeView(), none)).toEqual({ known: true, tenants: ['acme'] });
  });
});

describe('what a service account may do with Namespaces', () => {
  it('creates a namespace for its own tenant: the owner label is set to it', () => {
    const v = review(nsInput(nsObject('acme-apps'), { requester: sa('acme-web') }));
    expect(v.allowed).toBe(true);
    expect(v.patch).toEqual([{ op: 'add', path: '/metadata/labels', value: { [TENANT_LABEL]: 'acme' } }]);
  });

  it('cannot create a namespace that claims another tenant, or the platform', () => {
    expect(codesOf(review(nsInput(nsObject('x', { [TENANT_LABEL]: 'globex' }), { requester: sa('acme-web') })))).toEqual(['NamespaceForeignTenant']);
    expect(codesOf(review(nsInput(nsObject('x', { [TENANT_LABEL]: 'platform' }), { requester: sa('acme-web') })))).toEqual(['NamespacePlatformValue']);
  });

  it('belongs to no tenant in a namespace without owner, or with serviceAccounts: none', () => {
    expect(codesOf(review(nsInput(nsObject('x'), { requester: sa('unowned') })))).toEqual(['NamespaceNoTenant']);
    expect(codesOf(review(nsInput(nsObject('x'), { requester: sa('acme-web'), config: makeConfig({ serviceAccounts: 'none' }) })))).toEqual(['NamespaceNoTenant']);
  });

  it('changes namespaces of its tenant, not another tenant\'s', () => {
    const acme = nsObject('acme-api', { [TENANT_LABEL]: 'acme', team: 'x' });
    expect(review(nsInput(acme, { operation: 'UPDATE', oldObject: nsObject('acme-api', { [TENANT_LABEL]: 'acme' }), requester: sa('acme-web') })).allowed).toBe(true);
    const globex = nsObject('globex-web', { [TENANT_LABEL]: 'globex' });
    expect(codesOf(review(nsInput(undefined, { operation: 'DELETE', name: 'globex-web', oldObject: globex, requester: sa('acme-web') })))).toEqual(['NamespaceNotOwned']);
  });

  it('fails closed when the owner of its namespace cannot be established', () => {
    const v = review(nsInput(nsObject('x'), { requester: sa('flaky') }));
    expect(codesOf(v)).toEqual(['OwnershipUnknown']);
    expect(v.violations[0]!.message).toContain('system:serviceaccount:flaky:argocd');
  });
});

describe('a service account\'s tenant counts for enforcement modes', () => {
  const open = { podSelector: {}, ingress: [{}] };
  it('an account of an enforced tenant is refused in a relaxed tenant\'s namespace', () => {
    const config = makeConfig({ enforcement: { default: 'dryrun', tenants: { acme: 'deny' } } });
    expect(review(npInput(open, { config, namespace: 'globex-web', requester: sa('globex-web') })).allowed).toBe(true);
    expect(review(npInput(open, { config, namespace: 'globex-web', requester: sa('acme-web') })).allowed).toBe(false);
  });

  it('nothing is relaxed when the account\'s tenant cannot be established', () => {
    const config = makeConfig({ enforcement: { default: 'dryrun' } });
    const v = review(npInput(open, { config, namespace: 'globex-web', requester: sa('flaky') }));
    expect(v.allowed).toBe(false);
    expect(v.relaxed).toBeUndefined();
  });
});
