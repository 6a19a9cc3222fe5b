/**
 * Who is an admin, which tenants a requester belongs to, and who owns a
 * namespace (platform by configured name wins; unknown stays unknown).
 */
import { describe, expect, it } from 'vitest';
import { CONFIG, makeConfig, makeView, people, TENANT_LABEL, UNKNOWN_VIEW } from '../../test/unit/fixtures.js';
import { describeOwner, isAdmin, isSystemDeleter, ownerFromLabels, ownerOf, prefixTenant, tenantsOf, type Owner } from './tenancy.js';
import type { Requester } from './types.js';

describe('isAdmin', () => {
  const config = makeConfig({ admins: { groups: ['system:masters', 'platform-team'], users: ['root-user'] } });
  it.each<[string, Requester, boolean]>([
    ['by group', { username: 'x', groups: ['platform-team'] }, true],
    ['by the default group', { username: 'x', groups: ['system:masters'] }, true],
    ['by user', { username: 'root-user', groups: [] }, true],
    ['a tenant member', people.alice, false],
    // Names are exact: a group that only looks like an admin group is not one.
    ['a look-alike group', { username: 'x', groups: ['platform-team-2'] }, false],
    ['a user named like an admin group', { username: 'platform-team', groups: [] }, false],
  ])('%s', (_name, requester, expected) => {
    expect(isAdmin(requester, config)).toBe(expected);
  });
});

describe('isSystemDeleter', () => {
  it.each<[string, Requester, boolean]>([
    ['namespace controller', people.namespaceController, true],
    ['garbage collector', people.garbageCollector, true],
    ['another service account of kube-system', { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: [] }, false],
    // A look-alike in another namespace is not Kubernetes' controller.
    ['a look-alike in a tenant namespace', { username: 'system:serviceaccount:acme-web:namespace-controller', groups: [] }, false],
    ['a tenant', people.alice, false],
  ])('%s', (_name, requester, expected) => {
    expect(isSystemDeleter(requester)).toBe(expected);
  });
});

describe('tenantsOf', () => {
  it.each<[string, Requester, Record<string, unknown>, string[]]>([
    ['by configured group', people.alice, {}, ['acme']],
    ['by configured user', people.bob, {}, ['initech']],
    // Configured and group-prefix memberships add up, sorted.
    ['by config and by group prefix', people.carol, {}, ['acme', 'globex']],
    ['by group prefix only', { username: 'x', groups: ['tenant:hooli'] }, {}, ['hooli']],
    ['the same tenant twice', { username: 'x', groups: ['acme-devs', 'tenant:acme'] }, {}, ['acme']],
    ['nobody', people.dave, {}, []],
    // The platform is never a tenant, whatever the groups say.
    ['a group claiming the platform', { username: 'x', groups: ['tenant:platform'] }, {}, []],
    ['the bare prefix', { username: 'x', groups: ['tenant:'] }, {}, []],
    ['a custom prefix', { username: 'x', groups: ['team-hooli', 'tenant:ignored'] }, { tenantGroupPrefix: 'team-' }, ['hooli']],
    // An empty prefix turns group-prefix membership off instead of making every group a tenant.
    ['an empty prefix', { username: 'x', groups: ['tenant:hooli', 'devs'] }, { tenantGroupPrefix: '' }, []],
    ['several configured', { username: 'bob', groups: ['globex-devs'] }, {}, ['globex', 'initech']],
  ])('%s', (_name, requester, overrides, expected) => {
    expect(tenantsOf(requester, makeConfig(overrides))).toEqual(expected);
  });
});

describe('ownerFromLabels', () => {
  it.each<[string, string, Record<string, unknown> | undefined, Owner]>([
    ['a tenant label', 'acme-web', { [TENANT_LABEL]: 'acme' }, { kind: 'tenant', tenant: 'acme' }],
    ['the platform value', 'ingress-nginx', { [TENANT_LABEL]: 'platform' }, { kind: 'platform' }],
    // A configured platform name wins over any label on it.
    ['a platform name with a tenant label', 'kube-system', { [TENANT_LABEL]: 'acme' }, { kind: 'platform' }],
    ['no tenant label', 'unowned', { team: 'x' }, { kind: 'none' }],
    ['no labels map', 'bare', undefined, { kind: 'none' }],
    ['an empty value', 'x', { [TENANT_LABEL]: '' }, { kind: 'none' }],
    ['a non-string value', 'x', { [TENANT_LABEL]: 5 }, { kind: 'none' }],
  ])('%s', (_name, name, labels, expected) => {
    expect(ownerFromLabels(name, labels, CONFIG)).toEqual(expected);
  });
});

describe('ownerOf', () => {
  it.each<[string, string, Owner]>([
    ['found, tenant', 'acme-web', { kind: 'tenant', tenant: 'acme' }],
    ['found, platform by label', 'ingress-nginx', { kind: 'platform' }],
    ['found, platform by name', 'kube-system', { kind: 'platform' }],
    ['found, no owner', 'unowned', { kind: 'none' }],
    ['absent', 'ghost', { kind: 'absent' }],
    ['unknown', 'flaky', { kind: 'unknown', reason: 'namespace cache not synced' }],
  ])('%s', (_name, name, expected) => {
    expect(ownerOf(name, makeView(), CONFIG)).toEqual(expected);
  });

  it.each([
    // Platform namespaces are known by configuration even when the API is unreachable or they are not there yet.
    ['kube-system', { kind: 'platform' }],
    ['acme-web', { kind: 'unknown', reason: 'API server unreachable' }],
  ])('with an unreachable API: %s', (name, expected) => {
    expect(ownerOf(name, UNKNOWN_VIEW, CONFIG)).toEqual(expected);
  });

  it('a configured platform name that does not exist yet is still the platform', () => {
    expect(ownerOf('kube-node-lease', { lookup: () => ({ state: 'absent' }) }, CONFIG)).toEqual({ kind: 'platform' });
  });
});

describe('prefixTenant', () => {
  const tenants = ['acme', 'acme-prod', 'globex'];
  it.each([
    ['acme-web', 'acme'],
    // The longest prefix wins, so acme cannot claim acme-prod's names.
    ['acme-prod-db', 'acme-prod'],
    ['globex-x', 'globex'],
    // The prefix is the tenant followed by a dash.
    ['acme', undefined],
    ['acmeweb', undefined],
    ['web', undefined],
  ])('%s', (name, expected) => {
    expect(prefixTenant(name, tenants)).toBe(expected);
  });
});

describe('describeOwner', () => {
  it.each<[Owner, string]>([
    [{ kind: 'tenant', tenant: 'acme' }, 'tenant acme'],
    [{ kind: 'platform' }, 'the platform'],
    [{ kind: 'none' }, 'no tenant'],
    [{ kind: 'absent' }, 'nobody (it does not exist)'],
    [{ kind: 'unknown', reason: 'timeout' }, 'an owner that cannot be established (timeout)'],
  ])('%j', (owner, expected) => {
    expect(describeOwner(owner)).toBe(expected);
  });
});
