/**
 * Namespace ownership through review(): the tenant label is derived from who
 * asks, can't be set to another tenant or the platform, can't be changed, is
 * put back when removed, and (with namespacePrefix) follows the name.
 * Patches are verified by applying them and comparing the resulting objects.
 */
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { makeConfig, nsInput, nsObject, people, TENANT_LABEL, where, expectWellFormed } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { Config } from '../../config/schema.js';
import type { JsonPatchOp, Operation, Requester, Verdict } from '../types.js';

/** Apply a verdict's patch the way the API server does; the original is left alone. */
function applied(object: unknown, patch: JsonPatchOp[]): unknown {
  return jsonpatch.applyPatch(jsonpatch.deepClone(object), patch as jsonpatch.Operation[], true, false).newDocument;
}

function run(op: Operation, requester: Requester, object: unknown, oldObject?: unknown, config?: Config): Verdict {
  const v = review({ ...nsInput(object ?? oldObject, { operation: op, requester, config, oldObject }), object });
  expectWellFormed(v);
  return v;
}

describe('CREATE by a member of exactly one tenant: the label is set to it', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    // No labels map: the patch creates it.
    ['no labels map', nsObject('web'), { [TENANT_LABEL]: 'acme' }],
    ['an empty labels map', nsObject('web', {}), { [TENANT_LABEL]: 'acme' }],
    // Other labels are kept; the key's "/" is escaped as ~1 in the patch path.
    ['other labels', nsObject('web', { team: 'a', 'example.com/cost': 'x' }), { team: 'a', 'example.com/cost': 'x', [TENANT_LABEL]: 'acme' }],
    // A labels value that is not a map is replaced by one.
    ['labels: null', nsObject('web', null), { [TENANT_LABEL]: 'acme' }],
    ['labels is a list', nsObject('web', ['x']), { [TENANT_LABEL]: 'acme' }],
  ])('%s', (_name, object, labels) => {
    const v = run('CREATE', people.alice, object);
    expect(v.allowed).toBe(true);
    expect(v.patch.length).toBeGreaterThan(0);
    const after = applied(object, v.patch) as { metadata: Record<string, unknown> };
    expect(after).toEqual({ ...object, metadata: { ...(object.metadata as object), labels } });
  });

  it('escapes "/" in the label key as ~1 (RFC 6901)', () => {
    const v = run('CREATE', people.alice, nsObject('web', { team: 'a' }));
    expect(v.patch).toEqual([{ op: 'add', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'acme' }]);
  });

  it('creates metadata when the object has none', () => {
    const object = { apiVersion: 'v1', kind: 'Namespace' };
    const v = review({ ...nsInput(object, { name: 'web' }), object });
    expect(v.allowed).toBe(true);
    expect(applied(object, v.patch)).toEqual({ ...object, metadata: { labels: { [TENANT_LABEL]: 'acme' } } });
  });

  it('works for a custom tenant label whose key has a "/" and dots', () => {
    const config = makeConfig({ tenantLabel: 'example.com/owner' });
    const object = nsObject('web', { 'example.com/other': 'x' });
    const v = run('CREATE', people.alice, object, undefined, config);
    expect(v.patch).toEqual([{ op: 'add', path: '/metadata/labels/example.com~1owner', value: 'acme' }]);
    expect(applied(object, v.patch)).toEqual(nsObject('web', { 'example.com/other': 'x', 'example.com/owner': 'acme' }));
  });

  it.each<[string, Requester, string]>([
    ['membership by user', people.bob, 'initech'],
    ['membership by group prefix', { username: 'h', groups: ['tenant:hooli'] }, 'hooli'],
  ])('%s', (_name, requester, tenant) => {
    const object = nsObject('web');
    const v = run('CREATE', requester, object);
    expect(applied(object, v.patch)).toEqual(nsObject('web', { [TENANT_LABEL]: tenant }));
  });

  it('a request that already names its own tenant needs no patch', () => {
    const v = run('CREATE', people.alice, nsObject('web', { [TENANT_LABEL]: 'acme' }));
    expect(v).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });
});

describe('CREATE refusals', () => {
  it.each<[string, Requester, unknown, string, RegExp, RegExp]>([
    // Not a member of any tenant: the namespace would have no owner.
    ['no tenant', people.dave, nsObject('web'), 'NamespaceNoTenant@metadata', /dave is not a member of any tenant/, /"tenant:<tenant>"/],
    // The platform is not a tenant, even by group prefix.
    ['only a platform group', { username: 'p', groups: ['tenant:platform'] }, nsObject('web'), 'NamespaceNoTenant@metadata', /not a member/, /ask the platform team/],
    ['the platform value', people.alice, nsObject('web', { [TENANT_LABEL]: 'platform' }), `NamespacePlatformValue@metadata.labels["${TENANT_LABEL}"]`, /"platform" is the platform's value/, /remove the label; it will be set to "acme"/],
    ["another tenant's name", people.alice, nsObject('web', { [TENANT_LABEL]: 'globex' }), `NamespaceForeignTenant@metadata.labels["${TENANT_LABEL}"]`, /"globex" is not a tenant you belong to/, /it will be set to "acme"/],
    ['a tenant that does not exist', people.alice, nsObject('web', { [TENANT_LABEL]: 'nobody' }), `NamespaceForeignTenant@metadata.labels["${TENANT_LABEL}"]`, /"nobody" is not a tenant/, /"acme"/],
    // Wrong types never throw; they are refused.
    ['a non-string label value', people.alice, nsObject('web', { [TENANT_LABEL]: 5 }), `NamespaceForeignTenant@metadata.labels["${TENANT_LABEL}"]`, /5 is not a tenant/, /"acme"/],
    ['a null label value', people.alice, nsObject('web', { [TENANT_LABEL]: null }), `NamespaceForeignTenant@metadata.labels["${TENANT_LABEL}"]`, /null is not a tenant/, /"acme"/],
    ['an empty label value', people.alice, nsObject('web', { [TENANT_LABEL]: '' }), `NamespaceForeignTenant@metadata.labels["${TENANT_LABEL}"]`, /"" is not a tenant/, /"acme"/],
    // Several tenants and no choice: the request must choose; the choices are listed.
    ['several tenants, no choice', people.carol, nsObject('web'), `NamespaceTenantChoice@metadata.labels["${TENANT_LABEL}"]`, /several tenants \("acme", "globex"\)/, /one of "acme", "globex"/],
    ['several tenants, a foreign choice', people.carol, nsObject('web', { [TENANT_LABEL]: 'initech' }), `NamespaceForeignTenant@metadata.labels["${TENANT_LABEL}"]`, /"initech" is not a tenant you belong to/, /one of your tenants: "acme", "globex"/],
    ['several tenants, the platform', people.carol, nsObject('web', { [TENANT_LABEL]: 'platform' }), `NamespacePlatformValue@metadata.labels["${TENANT_LABEL}"]`, /platform's value/, /one of your tenants: "acme", "globex"/],
    ['a platform namespace name', people.alice, nsObject('kube-system'), 'NamespaceName@metadata.name', /"kube-system" is a platform namespace name/, /choose another name/],
  ])('%s', (_name, requester, object, expected, message, fix) => {
    const v = run('CREATE', requester, object);
    expect(where(v)).toEqual([expected]);
    expect(v.violations[0]!.message).toMatch(message);
    expect(v.violations[0]!.fix).toMatch(fix);
    expect(v.patch).toEqual([]);
  });

  it('several tenants, a valid choice: allowed, nothing to patch', () => {
    const v = run('CREATE', people.carol, nsObject('web', { [TENANT_LABEL]: 'globex' }));
    expect(v).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });
});

describe('admins may set anything', () => {
  it.each<[string, Operation, unknown, unknown]>([
    ['create with a tenant label', 'CREATE', nsObject('web', { [TENANT_LABEL]: 'globex' }), undefined],
    ['create with the platform value', 'CREATE', nsObject('tools', { [TENANT_LABEL]: 'platform' }), undefined],
    ['create with no label', 'CREATE', nsObject('scratch'), undefined],
    ['move a namespace between tenants', 'UPDATE', nsObject('acme-web', { [TENANT_LABEL]: 'globex' }), nsObject('acme-web', { [TENANT_LABEL]: 'acme' })],
    ['remove the label', 'UPDATE', nsObject('acme-web', {}), nsObject('acme-web', { [TENANT_LABEL]: 'acme' })],
    ['change a platform namespace', 'UPDATE', nsObject('kube-system', { x: 'y' }), nsObject('kube-system', {})],
    ['delete a tenant namespace', 'DELETE', undefined, nsObject('globex-web', { [TENANT_LABEL]: 'globex' })],
  ])('%s', (_name, op, object, oldObject) => {
    const v = run(op, people.root, object, oldObject);
    expect(v).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });

  it('a platform namespace an admin creates without a label gets the platform value', () => {
    const object = nsObject('kube-public');
    const v = run('CREATE', people.root, object);
    expect(v.allowed).toBe(true);
    expect(applied(object, v.patch)).toEqual(nsObject('kube-public', { [TENANT_LABEL]: 'platform' }));
  });
});

describe('UPDATE and DELETE by a non-admin', () => {
  const own = (labels?: unknown) => nsObject('acme-web', labels);

  it.each<[string, unknown, unknown]>([
    // A removed tenant label is put back by the patch, not refused.
    ['label removed, other labels kept', own({ team: 'a' }), own({ team: 'a', [TENANT_LABEL]: 'acme' })],
    ['labels map removed', own(), own({ [TENANT_LABEL]: 'acme' })],
    ['labels set to null', own(null), own({ [TENANT_LABEL]: 'acme' })],
  ])('%s: restored', (_name, object, expected) => {
    const v = run('UPDATE', people.alice, object, own({ [TENANT_LABEL]: 'acme', team: 'a' }));
    expect(v.allowed).toBe(true);
    expect(applied(object, v.patch)).toEqual(expected);
  });

  it.each<[string, Requester, unknown, unknown, string | undefined]>([
    ['other labels change', people.alice, own({ [TENANT_LABEL]: 'acme', team: 'b' }), own({ [TENANT_LABEL]: 'acme', team: 'a' }), undefined],
    // A member of several tenants may update any of them.
    ['a member of several tenants', people.carol, nsObject('globex-web', { [TENANT_LABEL]: 'globex', x: '1' }), nsObject('globex-web', { [TENANT_LABEL]: 'globex' }), undefined],
    ['changed to another tenant', people.alice, own({ [TENANT_LABEL]: 'globex' }), own({ [TENANT_LABEL]: 'acme' }), `NamespaceLabelChanged@metadata.labels["${TENANT_LABEL}"]`],
    // Even to another tenant of the requester's own: only the platform moves namespaces.
    ['changed to another own tenant', people.carol, own({ [TENANT_LABEL]: 'globex' }), own({ [TENANT_LABEL]: 'acme' }), `NamespaceLabelChanged@metadata.labels["${TENANT_LABEL}"]`],
    ['changed to the platform value', people.alice, own({ [TENANT_LABEL]: 'platform' }), own({ [TENANT_LABEL]: 'acme' }), `NamespacePlatformValue@metadata.labels["${TENANT_LABEL}"]`],
    ['changed to a number', people.alice, own({ [TENANT_LABEL]: 7 }), own({ [TENANT_LABEL]: 'acme' }), `NamespaceLabelChanged@metadata.labels["${TENANT_LABEL}"]`],
    ["another tenant's namespace", people.alice, nsObject('globex-web', { [TENANT_LABEL]: 'globex', x: '1' }), nsObject('globex-web', { [TENANT_LABEL]: 'globex' }), 'NamespaceNotOwned@metadata.name'],
    ['a platform namespace by label', people.alice, nsObject('ingress-nginx', { [TENANT_LABEL]: 'platform', x: '1' }), nsObject('ingress-nginx', { [TENANT_LABEL]: 'platform' }), 'NamespaceNotOwned@metadata.name'],
    ['a platform namespace by name', people.alice, nsObject('kube-system', { x: '1' }), nsObject('kube-system', {}), 'NamespaceNotOwned@metadata.name'],
    // Claiming an unowned namespace by setting the label is refused.
    ['claiming an unowned namespace', people.alice, nsObject('unowned', { [TENANT_LABEL]: 'acme' }), nsObject('unowned', {}), `NamespaceLabelClaimed@metadata.labels["${TENANT_LABEL}"]`],
    ['an unowned namespace, label left alone', people.alice, nsObject('unowned', { x: '1' }), nsObject('unowned', {}), undefined],
    // Someone in no tenant cannot touch a tenant's namespace.
    ['no tenant at all', people.dave, own({ [TENANT_LABEL]: 'acme', x: '1' }), own({ [TENANT_LABEL]: 'acme' }), 'NamespaceNotOwned@metadata.name'],
  ])('UPDATE: %s', (_name, requester, object, oldObject, expected) => {
    const v = run('UPDATE', requester, object, oldObject);
    expect(where(v)).toEqual(expected === undefined ? [] : [expected]);
    expect(v.patch).toEqual([]);
  });

  it.each<[string, Requester, unknown, string | undefined]>([
    ['own namespace', people.alice, own({ [TENANT_LABEL]: 'acme' }), undefined],
    ["another tenant's namespace", people.alice, nsObject('globex-web', { [TENANT_LABEL]: 'globex' }), 'NamespaceNotOwned@metadata.name'],
    ['a platform namespace by label', people.alice, nsObject('ingress-nginx', { [TENANT_LABEL]: 'platform' }), 'NamespaceNotOwned@metadata.name'],
    ['a platform namespace by name', people.alice, nsObject('kube-system'), 'NamespaceNotOwned@metadata.name'],
  ])('DELETE: %s', (_name, requester, oldObject, expected) => {
    const v = run('DELETE', requester, undefined, oldObject);
    expect(where(v)).toEqual(expected === undefined ? [] : [expected]);
  });

  it('says whose namespace it is', () => {
    const v = run('DELETE', people.alice, undefined, nsObject('globex-web', { [TENANT_LABEL]: 'globex' }));
    expect(v.violations[0]).toMatchObject({ message: 'namespace "globex-web" belongs to tenant globex; you cannot delete it', fix: 'ask tenant globex or the platform team' });
  });
});

describe('namespacePrefix: true', () => {
  const config = makeConfig({ namespacePrefix: true });

  it.each<[string, Requester, Record<string, unknown>, string]>([
    ['own prefix', people.alice, nsObject('acme-shop'), 'acme'],
    // For a member of several tenants the name chooses the tenant.
    ['several tenants, chosen by prefix', people.carol, nsObject('globex-shop'), 'globex'],
    ['several tenants, prefix and label agree', people.carol, nsObject('globex-shop', { [TENANT_LABEL]: 'globex' }), 'globex'],
    // A tenant named like another tenant's prefix owns its own, longer prefix.
    ['the longer tenant prefix', { username: 'p', groups: ['acme-prod-devs'] }, nsObject('acme-prod-db2'), 'acme-prod'],
  ])('allowed: %s', (_name, requester, object, tenant) => {
    const v = run('CREATE', requester, object, undefined, config);
    expect(where(v)).toEqual([]);
    expect((applied(object, v.patch) as { metadata: { labels: Record<string, string> } }).metadata.labels[TENANT_LABEL]).toBe(tenant);
  });

  it.each<[string, Requester, Record<string, unknown>, string, string]>([
    ['no prefix', people.alice, nsObject('shop'), 'namespaces of tenant acme must be named "acme-…"', 'rename it to "acme-shop"'],
    ['the bare tenant name', people.alice, nsObject('acme'), 'namespaces of tenant acme must be named "acme-…"', 'rename it to "acme-acme"'],
    ["another tenant's prefix", people.alice, nsObject('globex-shop'), '"globex-shop" carries the prefix of tenant globex; namespaces of tenant acme are named "acme-…"', 'rename it to "acme-globex-shop"'],
    // acme's members cannot take acme-prod's names, though they start with "acme-".
    ['a longer tenant prefix', people.alice, nsObject('acme-prod-x'), '"acme-prod-x" carries the prefix of tenant acme-prod; namespaces of tenant acme are named "acme-…"', 'rename it to "acme-acme-prod-x"'],
    ['a label that contradicts the prefix', people.carol, nsObject('acme-shop', { [TENANT_LABEL]: 'globex' }), '"acme-shop" carries the prefix of tenant acme; namespaces of tenant globex are named "globex-…"', 'rename it to "globex-acme-shop"'],
    // The refusal of a platform name says which prefix to use.
    ['a platform namespace name', people.alice, nsObject('kube-system'), '"kube-system" is a platform namespace name; your namespaces are named "acme-…"', 'rename it to "acme-kube-system"'],
    ['several tenants, none of their prefixes', people.carol, nsObject('initech-x'), '"initech-x" carries the prefix of tenant initech; your namespaces are named "acme-…" or "globex-…"', 'rename it to "acme-initech-x", "globex-initech-x"'],
    ['several tenants, no prefix at all', people.carol, nsObject('shop'), 'your namespaces are named "acme-…" or "globex-…"', 'rename it to "acme-shop", "globex-shop"'],
  ])('refused: %s', (_name, requester, object, message, fix) => {
    const v = run('CREATE', requester, object, undefined, config);
    expect(where(v)).toEqual(['NamespaceName@metadata.name']);
    expect(v.violations[0]).toMatchObject({ message, fix });
  });

  it('admins are not bound by prefixes', () => {
    expect(run('CREATE', people.root, nsObject('shop'), undefined, config).allowed).toBe(true);
  });
});

describe('names that are not text never throw', () => {
  it.each<[string, unknown]>([
    ['a numeric name', { metadata: { name: 42 } }],
    ['a null name', { metadata: { name: null } }],
    ['metadata is a string', { metadata: 'x' }],
    ['the object is a list', []],
  ])('%s', (_name, object) => {
    expectWellFormed(review({ ...nsInput(undefined), object, name: undefined }));
    // Under namespacePrefix a missing name has no prefix: refused, not a crash.
    const v = review({ ...nsInput(undefined, { config: makeConfig({ namespacePrefix: true }) }), object, name: undefined });
    expectWellFormed(v);
    expect(where(v)).toEqual(['NamespaceName@metadata.name']);
  });
});
