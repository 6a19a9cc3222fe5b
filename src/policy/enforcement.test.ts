/**
 * Rollout modes: the precedence of `enforcement` entries, and review()
 * splitting a verdict into what refuses and what is only warned about or
 * recorded, for the tenants a request concerns.
 */
import { describe, expect, it } from 'vitest';
import { makeConfig, nsInput, nsObject, npInput, people, TENANT_LABEL } from '../../test/unit/fixtures.js';
import { deniedEverywhere, enforcementMode } from './enforcement.js';
import { review } from './review.js';
import type { PolicySettings } from './settings.js';

const enforcement = (e: Record<string, unknown>): PolicySettings['enforcement'] => makeConfig({ enforcement: e }).enforcement;
const OPEN_INGRESS = { podSelector: {}, ingress: [{}] };

describe('enforcementMode: which entry decides', () => {
  const e = enforcement({ default: 'deny', codes: { OpenRule: 'warn', SelectorOtherTenant: 'deny', CIDRProtected: 'dryrun' }, tenants: { globex: 'dryrun', acme: 'deny', initech: 'warn' } });
  it.each([
    // code, tenants, mode, why
    ['SelectorAllNamespaces', [], 'deny', 'no entry: the default'],
    ['OpenRule', [], 'warn', 'a code entry alone'],
    ['SelectorAllNamespaces', ['globex'], 'dryrun', 'a tenant entry alone'],
    ['OpenRule', ['globex'], 'warn', 'both: the stricter (warn over dryrun)'],
    ['CIDRProtected', ['initech'], 'warn', 'both: the stricter (the tenant\'s warn over the code\'s dryrun)'],
    ['SelectorOtherTenant', ['globex'], 'deny', 'a code pinned to deny holds for a relaxed tenant'],
    ['OpenRule', ['acme'], 'deny', 'a tenant kept at deny is refused a code relaxed for everyone'],
    ['SelectorAllNamespaces', ['globex', 'initech'], 'warn', 'several tenants: the strictest'],
    ['SelectorAllNamespaces', ['globex', 'nobody-listed'], 'deny', 'a tenant without an entry takes the default'],
  ] as const)('%s for %j is %s (%s)', (code, tenants, mode, _why) => {
    expect(enforcementMode(code, tenants, e)).toBe(mode);
  });

  it('a relaxed default relaxes every code without an entry', () => {
    const d = enforcement({ default: 'dryrun', codes: { ManagedPolicy: 'deny' } });
    expect(enforcementMode('OpenRule', ['acme'], d)).toBe('dryrun');
    expect(enforcementMode('ManagedPolicy', ['acme'], d)).toBe('deny');
  });

  it('deniedEverywhere: pinned codes, or the default with no relaxed tenant and no entry', () => {
    expect(deniedEverywhere('SelectorOtherTenant', e)).toBe(true);
    expect(deniedEverywhere('OpenRule', e)).toBe(false);
    // globex is relaxed, so a code without its own entry is not refused everywhere.
    expect(deniedEverywhere('SelectorAllNamespaces', e)).toBe(false);
    expect(deniedEverywhere('SelectorAllNamespaces', enforcement({ codes: { OpenRule: 'warn' } }))).toBe(true);
    expect(deniedEverywhere('OpenRule', enforcement({}))).toBe(true);
  });
});

describe('review() applies the modes', () => {
  it('nothing configured: every violation refuses, and the verdict carries no relaxed list', () => {
    const v = review(npInput(OPEN_INGRESS));
    expect(v.allowed).toBe(false);
    expect(v.violations.map((x) => x.code)).toEqual(['OpenRule']);
    expect(v.relaxed).toBeUndefined();
  });

  it('warn: admitted, the violation kept whole with its mode', () => {
    const config = makeConfig({ enforcement: { codes: { OpenRule: 'warn' } } });
    const denied = review(npInput(OPEN_INGRESS)).violations;
    const v = review(npInput(OPEN_INGRESS, { config }));
    expect(v.allowed).toBe(true);
    expect(v.violations).toEqual([]);
    expect(v.relaxed).toEqual(denied.map((x) => ({ ...x, mode: 'warn' })));
  });

  it('only the relaxed codes are admitted; the others still refuse', () => {
    const config = makeConfig({ enforcement: { codes: { OpenRule: 'dryrun' } } });
    const spec = { podSelector: {}, ingress: [{}, { from: [{ namespaceSelector: {} }] }] };
    const v = review(npInput(spec, { config }));
    expect(v.allowed).toBe(false);
    expect(v.violations.map((x) => x.code)).toEqual(['SelectorAllNamespaces']);
    expect(v.relaxed?.map((x) => [x.code, x.mode])).toEqual([['OpenRule', 'dryrun']]);
  });

  it('a tenant entry follows the owner of the policy\'s namespace', () => {
    const config = makeConfig({ enforcement: { tenants: { globex: 'dryrun' } } });
    expect(review(npInput(OPEN_INGRESS, { config, namespace: 'globex-web', requester: people.gina })).allowed).toBe(true);
    expect(review(npInput(OPEN_INGRESS, { config, namespace: 'acme-web', requester: people.alice })).allowed).toBe(false);
  });

  it('the requester\'s tenants count too: a member of an enforced tenant is refused in a relaxed tenant\'s namespace', () => {
    const config = makeConfig({ enforcement: { default: 'dryrun', tenants: { acme: 'deny' } } });
    expect(review(npInput(OPEN_INGRESS, { config, namespace: 'globex-web', requester: people.gina })).allowed).toBe(true);
    expect(review(npInput(OPEN_INGRESS, { config, namespace: 'globex-web', requester: people.alice })).allowed).toBe(false);
  });

  it('a Namespace that claims an enforced tenant is refused even when the requester\'s tenant is relaxed', () => {
    const config = makeConfig({ enforcement: { tenants: { acme: 'dryrun' } } });
    const claim = review(nsInput(nsObject('x', { [TENANT_LABEL]: 'globex' }), { config, requester: people.alice }));
    expect(claim.allowed).toBe(false);
    expect(claim.violations.map((x) => x.code)).toEqual(['NamespaceForeignTenant']);
    // In acme's own dryrun, a name it may not use is only recorded.
    const name = review(nsInput(nsObject('kube-public'), { config, requester: people.alice }));
    expect(name.allowed).toBe(true);
    expect(name.relaxed?.map((x) => [x.code, x.mode])).toEqual([['NamespaceName', 'dryrun']]);
  });

  it('admins are never judged, whatever the mode', () => {
    const config = makeConfig({ enforcement: { default: 'warn' } });
    expect(review(npInput(OPEN_INGRESS, { config, requester: people.root }))).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });

  it('the configuration refuses unknown codes and modes', () => {
    expect(() => makeConfig({ enforcement: { codes: { OpenRules: 'warn' } } })).toThrow(/enforcement/);
    expect(() => makeConfig({ enforcement: { default: 'audit' } })).toThrow(/enforcement/);
    expect(() => makeConfig({ enforcement: { tenants: { Globex: 'warn' } } })).toThrow(/enforcement/);
  });
});
