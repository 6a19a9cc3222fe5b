/**
 * Adoption plans for existing namespaces (tenants[].namespaces): names and
 * globs, and every conflict reported instead of decided.
 */
import { describe, expect, it } from 'vitest';
import { makeConfig, TENANT_LABEL } from '../../test/unit/fixtures.js';
import { assignedTenants, assignsNamespaces, matchesNamespacePattern, planAdoption } from './adoption.js';

const config = makeConfig({
  tenants: [
    { name: 'acme', groups: ['acme-devs'], namespaces: ['shop', 'shop-*', '*-acme'] },
    { name: 'globex', groups: ['globex-devs'], namespaces: ['billing', 'shop-billing', 'kube-public'] },
  ],
});

describe('matchesNamespacePattern', () => {
  it.each([
    ['shop', 'shop', true],
    ['shop', 'shop-web', false],
    ['shop-*', 'shop-web', true],
    ['shop-*', 'shop-', true],
    ['shop-*', 'shop', false],
    ['*-acme', 'legacy-acme', true],
    ['*-acme', 'acme', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxcyyb', false],
    ['*', 'anything', true],
    ['ab*ba', 'aba', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(matchesNamespacePattern(pattern, name)).toBe(expected);
  });
});

describe('planAdoption', () => {
  it('an unlabelled namespace assigned to one tenant gets its label; an empty label counts as none', () => {
    expect(planAdoption('shop', undefined, config)).toEqual({ kind: 'label', tenant: 'acme' });
    expect(planAdoption('legacy-acme', { other: 'x' }, config)).toEqual({ kind: 'label', tenant: 'acme' });
    expect(planAdoption('shop-web', { [TENANT_LABEL]: '' }, config)).toEqual({ kind: 'label', tenant: 'acme' });
  });

  it('nothing to do when not assigned, or already labelled for its tenant', () => {
    expect(planAdoption('other', undefined, config)).toEqual({ kind: 'none' });
    expect(planAdoption('shop', { [TENANT_LABEL]: 'acme' }, config)).toEqual({ kind: 'none' });
  });

  it('a namespace matching two tenants is a conflict, naming both', () => {
    expect(assignedTenants('shop-billing', config)).toEqual(['acme', 'globex']);
    const plan = planAdoption('shop-billing', undefined, config);
    expect(plan.kind).toBe('conflict');
    expect(plan.kind === 'conflict' && plan.reason).toBe('namespace "shop-billing" is assigned to tenants acme, globex by tenants[].namespaces; it is left as it is until one assignment remains');
  });

  it('an owner label already set for another tenant or the platform is never changed', () => {
    const other = planAdoption('billing', { [TENANT_LABEL]: 'acme' }, config);
    expect(other.kind === 'conflict' && other.reason).toBe('namespace "billing" is assigned to tenant globex but already labelled tenant-guard.io/tenant=acme (tenant acme); tenant-guard never changes an owner label: fix the assignment, or relabel the namespace as an admin');
    const platform = planAdoption('shop', { [TENANT_LABEL]: 'platform' }, config);
    expect(platform.kind === 'conflict' && platform.reason).toContain('(the platform)');
  });

  it('a platform namespace is never given to a tenant', () => {
    const plan = planAdoption('kube-public', undefined, config);
    expect(plan.kind === 'conflict' && plan.reason).toBe('namespace "kube-public" is a platform namespace (platform.namespaces) but is assigned to tenant globex; remove one of the two');
  });

  it('assignsNamespaces: only when some tenant lists namespaces (no adoption work otherwise)', () => {
    expect(assignsNamespaces(config)).toBe(true);
    expect(assignsNamespaces(makeConfig())).toBe(false);
  });

  it('the configuration refuses patterns that no namespace name could match', () => {
    expect(() => makeConfig({ tenants: [{ name: 'acme', namespaces: ['Shop'] }] })).toThrow(/namespaces/);
    expect(() => makeConfig({ tenants: [{ name: 'acme', namespaces: ['shop/*'] }] })).toThrow(/namespaces/);
  });
});
