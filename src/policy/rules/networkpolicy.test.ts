/**
 * networking.k8s.io/v1 NetworkPolicy through review(), as alice (tenant acme)
 * in acme-web: namespaceSelectors confined to the tenant and the platform,
 * ipBlocks kept off the cluster's ranges, open rules refused, every violation
 * of one object reported together with the object's own field paths.
 */
import { describe, expect, it } from 'vitest';
import { codes, expectWellFormed, makeConfig, makeView, NAME_LABEL, npInput, people, TENANT_LABEL, UNKNOWN_VIEW, where, type InputOptions } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { Verdict } from '../types.js';

function judge(spec: unknown, o: InputOptions = {}): Verdict {
  const v = review(npInput(spec, o));
  expectWellFormed(v);
  return v;
}

/** One ingress peer with this namespaceSelector. */
const fromNs = (namespaceSelector: unknown) => ({ podSelector: {}, ingress: [{ from: [{ namespaceSelector }] }] });
const tenantIs = (op: string, values?: string[]) => ({ matchExpressions: [{ key: TENANT_LABEL, operator: op, ...(values === undefined ? {} : { values }) }] });
const nameIs = (op: string, values?: string[]) => ({ matchExpressions: [{ key: NAME_LABEL, operator: op, ...(values === undefined ? {} : { values }) }] });
const SEL = 'spec.ingress[0].from[0].namespaceSelector';

describe('namespaceSelector', () => {
  it.each<[string, unknown, string[]]>([
    // An empty selector selects every namespace.
    ['empty selector', {}, ['SelectorAllNamespaces']],
    ['null matchLabels and matchExpressions', { matchLabels: null, matchExpressions: null }, ['SelectorAllNamespaces']],
    ['empty matchLabels', { matchLabels: {} }, ['SelectorAllNamespaces']],
    ['matchExpressions not a list', { matchExpressions: 'x' }, ['SelectorAllNamespaces']],
    ['own tenant by matchLabels', { matchLabels: { [TENANT_LABEL]: 'acme' } }, []],
    ['platform by matchLabels', { matchLabels: { [TENANT_LABEL]: 'platform' } }, []],
    ["another tenant's value", { matchLabels: { [TENANT_LABEL]: 'globex' } }, ['SelectorOtherTenant']],
    ['a non-string value', { matchLabels: { [TENANT_LABEL]: 5 } }, ['SelectorOtherTenant']],
    // Requirements are ANDed: the tenant requirement confines the extra label.
    ['own tenant and another label', { matchLabels: { [TENANT_LABEL]: 'acme', team: 'ops' } }, []],
    ['own tenant and a foreign In', { matchLabels: { [TENANT_LABEL]: 'acme' }, ...tenantIs('In', ['globex']) }, []],
    ['only other labels', { matchLabels: { team: 'ops' } }, ['SelectorUnconfined']],
    ['another label by expression', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, ['SelectorUnconfined']],
    // Every matchExpressions operator on the tenant label.
    ['In own and platform', tenantIs('In', ['acme', 'platform']), []],
    ['In own only', tenantIs('In', ['acme']), []],
    ['In own and another tenant', tenantIs('In', ['acme', 'globex']), ['SelectorOtherTenant']],
    ['In an empty value', tenantIs('In', ['']), ['SelectorOtherTenant']],
    ['NotIn another tenant', tenantIs('NotIn', ['globex']), ['SelectorUnconfined']],
    ['Exists', tenantIs('Exists'), ['SelectorUnconfined']],
    ['DoesNotExist', tenantIs('DoesNotExist'), ['SelectorUnconfined']],
    ['an unknown operator', tenantIs('Gt', ['1']), ['SelectorUnconfined']],
    ['a missing operator', { matchExpressions: [{ key: TENANT_LABEL, values: ['acme'] }] }, ['SelectorUnconfined']],
    ['a malformed expression', { matchExpressions: [null] }, ['SelectorUnconfined']],
    // Namespaces by name: must exist now and belong to the tenant or the platform.
    ['own namespace by name', { matchLabels: { [NAME_LABEL]: 'acme-web' } }, []],
    ["a sibling of the tenant's by name", { matchLabels: { [NAME_LABEL]: 'acme-api' } }, []],
    ['a configured platform namespace by name', { matchLabels: { [NAME_LABEL]: 'kube-system' } }, []],
    ['a platform-labelled namespace by name', { matchLabels: { [NAME_LABEL]: 'ingress-nginx' } }, []],
    ['In several allowed names', nameIs('In', ['acme-api', 'kube-system', 'acme-web']), []],
    ["another tenant's namespace by name", { matchLabels: { [NAME_LABEL]: 'globex-web' } }, ['SelectorOtherTenant']],
    ['In with one foreign name', nameIs('In', ['acme-api', 'globex-web']), ['SelectorOtherTenant']],
    ['In with two bad names', nameIs('In', ['globex-web', 'ghost']), ['SelectorOtherTenant', 'SelectorUnknownNamespace']],
    // A name that does not exist could be created later by anyone.
    ['a namespace that does not exist', { matchLabels: { [NAME_LABEL]: 'ghost' } }, ['SelectorUnknownNamespace']],
    // Requirements are ANDed: two In lists allow only the values in both.
    ['two tenant In lists meeting in the own tenant', { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['acme', 'globex'] }, { key: TENANT_LABEL, operator: 'In', values: ['acme', 'initech'] }] }, []],
    ['two tenant In lists meeting in another tenant', { matchExpressions: [{ key: TENANT_LABEL, operator: 'In', values: ['acme', 'globex'] }, { key: TENANT_LABEL, operator: 'In', values: ['globex'] }] }, ['SelectorOtherTenant', 'SelectorOtherTenant']],
    ['two name In lists meeting in an own namespace', { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: ['acme-api', 'globex-web'] }, { key: NAME_LABEL, operator: 'In', values: ['acme-api'] }] }, []],
    // A value that no namespace can be named matches nothing: it is no risk.
    ['a name no namespace can have, beside an own one', nameIs('In', ['acme-api', '']), []],
    ['an upper-case name', nameIs('In', ['Acme-Web']), []],
    ['an existing namespace with no owner', { matchLabels: { [NAME_LABEL]: 'unowned' } }, ['SelectorOtherTenant']],
    ['an existing namespace with no labels', { matchLabels: { [NAME_LABEL]: 'bare' } }, ['SelectorOtherTenant']],
    // Fail closed when ownership cannot be established.
    ['a namespace whose owner is unknown', { matchLabels: { [NAME_LABEL]: 'flaky' } }, ['OwnershipUnknown']],
    ['name NotIn', nameIs('NotIn', ['globex-web']), ['SelectorUnconfined']],
    ['name Exists', nameIs('Exists'), ['SelectorUnconfined']],
    ['name DoesNotExist', nameIs('DoesNotExist'), ['SelectorUnconfined']],
    // A name requirement confines a selector that also uses other labels.
    ['name and another label', { matchLabels: { [NAME_LABEL]: 'acme-api', team: 'ops' } }, []],
  ])('%s', (_name, selector, expected) => {
    const v = judge(fromNs(selector));
    expect(codes(v)).toEqual([...expected].sort());
    for (const x of v.violations) expect(x.path).toBe(SEL);
  });

  it.each([
    ['empty', {}, "selects every namespace in the cluster, including other tenants'"],
    ['other tenant', { matchLabels: { [TENANT_LABEL]: 'globex' } }, 'selects namespaces of tenant globex'],
    ['other tenants', tenantIs('In', ['globex', 'initech']), 'selects namespaces of tenants globex, initech'],
    ['NotIn', tenantIs('NotIn', ['globex']), `uses NotIn on ${TENANT_LABEL}, which matches other tenants' namespaces`],
    ['other labels', { matchLabels: { team: 'ops', env: 'prod' } }, "selects namespaces only by team, env, a label other tenants' namespaces can carry too"],
    ['a foreign name', { matchLabels: { [NAME_LABEL]: 'globex-web' } }, 'names namespace "globex-web", which belongs to tenant globex'],
    ['a missing name', { matchLabels: { [NAME_LABEL]: 'ghost' } }, 'names namespace "ghost", which does not exist: another tenant could create it later'],
  ])('says why: %s', (_name, selector, message) => {
    expect(judge(fromNs(selector)).violations.map((x) => x.message)).toEqual([message]);
  });

  it('the fix names the tenant and the platform selectors', () => {
    expect(judge(fromNs({})).violations[0]!.fix).toBe(
      `select your tenant's namespaces with namespaceSelector.matchLabels {"${TENANT_LABEL}": "acme"}, platform services with matchLabels {"${TENANT_LABEL}": "platform"}, or drop namespaceSelector to stay in this namespace`);
  });

  it('egress peers are judged the same way', () => {
    const v = judge({ egress: [{ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }, { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } }, podSelector: {} }] }] });
    expect(where(v)).toEqual(['SelectorOtherTenant@spec.egress[0].to[1].namespaceSelector']);
  });

  it('a podSelector alone stays in the policy namespace', () => {
    expect(judge({ ingress: [{ from: [{ podSelector: { matchLabels: { app: 'x' } } }] }], egress: [{ to: [{ podSelector: {} }] }] }).allowed).toBe(true);
  });

  it('namespaceSelector: null is no namespaceSelector', () => {
    expect(judge({ ingress: [{ from: [{ podSelector: {}, namespaceSelector: null }] }] }).allowed).toBe(true);
  });

  it('a custom tenant label with a "/" is what confines', () => {
    const config = makeConfig({ tenantLabel: 'example.com/owner' });
    const view = makeView({ 'acme-web': { state: 'found', labels: { 'example.com/owner': 'acme' } } });
    expect(judge(fromNs({ matchLabels: { 'example.com/owner': 'acme' } }), { config, view }).allowed).toBe(true);
    // The default key is just another label now.
    expect(codes(judge(fromNs({ matchLabels: { [TENANT_LABEL]: 'acme' } }), { config, view }))).toEqual(['SelectorUnconfined']);
  });
});

describe('allowSameTenantAcrossNamespaces: false', () => {
  const config = makeConfig({ allowSameTenantAcrossNamespaces: false });
  it.each<[string, unknown, string[]]>([
    ['own tenant by label', { matchLabels: { [TENANT_LABEL]: 'acme' } }, ['SelectorOtherTenant']],
    ['own tenant by In', tenantIs('In', ['acme']), ['SelectorOtherTenant']],
    ['platform', { matchLabels: { [TENANT_LABEL]: 'platform' } }, []],
    ['a sibling namespace by name', { matchLabels: { [NAME_LABEL]: 'acme-api' } }, ['SelectorOtherTenant']],
    // The policy's own namespace and the platform stay reachable.
    ['own namespace by name', { matchLabels: { [NAME_LABEL]: 'acme-web' } }, []],
    ['a platform namespace by name', nameIs('In', ['kube-system', 'ingress-nginx']), []],
  ])('%s', (_name, selector, expected) => {
    const v = judge(fromNs(selector), { config });
    expect(codes(v)).toEqual(expected);
  });

  it('the fix no longer offers the tenant', () => {
    const v = judge(fromNs({ matchLabels: { [TENANT_LABEL]: 'acme' } }), { config });
    expect(v.violations[0]!.message).toMatch(/allowSameTenantAcrossNamespaces is off/);
    expect(v.violations[0]!.fix).toBe(`drop namespaceSelector to stay in this namespace, or select platform services with matchLabels {"${TENANT_LABEL}": "platform"}`);
  });
});

describe('name-based references', () => {
  const nameRef = (name: string) => fromNs({ matchLabels: { [NAME_LABEL]: name } });

  it('namespacePrefix: false — allowed, with a warning that points to namespacePrefix', () => {
    const v = judge(nameRef('acme-api'));
    expect(v.allowed).toBe(true);
    expect(v.warnings).toEqual([
      `${SEL}: namespace "acme-api" is named, not selected by owner: if it is deleted, another tenant can create a namespace with that name and this rule would reach it (set namespacePrefix to close this)`,
    ]);
  });

  it.each([
    // A platform namespace only by its label can be deleted and re-created too.
    ['a platform-labelled namespace', 'ingress-nginx', 1],
    // Configured platform names cannot be created by tenants, and the own namespace dies with the policy.
    ['a configured platform namespace', 'kube-system', 0],
    ['the own namespace', 'acme-web', 0],
  ])('namespacePrefix: false — %s: %i warning(s)', (_name, ns, count) => {
    const v = judge(nameRef(ns));
    expect(v.allowed).toBe(true);
    expect(v.warnings).toHaveLength(count);
    for (const w of v.warnings) expect(w).toMatch(/namespacePrefix/);
  });

  it('a name that does not exist yet is refused without namespacePrefix, even under the own prefix', () => {
    expect(codes(judge(nameRef('acme-future')))).toEqual(['SelectorUnknownNamespace']);
  });

  describe('namespacePrefix: true', () => {
    const config = makeConfig({ namespacePrefix: true });
    it.each<[string, string, string[], number]>([
      // Under the own prefix a name is the tenant's even before it exists.
      ['own prefix, not created yet', 'acme-future', [], 0],
      ['own prefix, exists', 'acme-api', [], 0],
      ["another tenant's prefix, not created yet", 'globex-future', ['SelectorUnknownNamespace'], 0],
      ["another tenant's prefix, exists", 'globex-web', ['SelectorOtherTenant'], 0],
      // "acme-prod-" is acme-prod's prefix, not acme's.
      ['a longer tenant prefix, not created yet', 'acme-prod-future', ['SelectorUnknownNamespace'], 0],
      ['a longer tenant prefix, exists', 'acme-prod-db', ['SelectorOtherTenant'], 0],
      // No tenant can create an unprefixed name, so an old one needs no warning.
      ['own namespace without a prefix', 'legacy-acme', [], 0],
      // Owned by acme but named with globex's prefix: globex could re-create it.
      ["own namespace under another tenant's prefix", 'globex-shared', [], 1],
      ['no prefix, not created yet', 'future', ['SelectorUnknownNamespace'], 0],
    ])('%s', (_name, ns, expected, warnings) => {
      const v = judge(nameRef(ns), { config });
      expect(codes(v)).toEqual(expected);
      expect(v.warnings).toHaveLength(warnings);
    });

    it('the own prefix does not help when allowSameTenantAcrossNamespaces is off', () => {
      const strict = makeConfig({ namespacePrefix: true, allowSameTenantAcrossNamespaces: false });
      expect(codes(judge(nameRef('acme-future'), { config: strict }))).toEqual(['SelectorUnknownNamespace']);
    });
  });
});

describe('ipBlock', () => {
  const block = (ipBlock: unknown) => ({ egress: [{ to: [{ ipBlock }] }] });
  const CIDR = 'spec.egress[0].to[0].ipBlock.cidr';

  it.each<[string, unknown, string[]]>([
    ['the world, no except', { cidr: '0.0.0.0/0' }, [`CIDRProtected@${CIDR}`]],
    ['the world minus the protected ranges', { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] }, []],
    ['the world minus one protected range', { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] }, [`CIDRProtected@${CIDR}`]],
    // Excepting a larger block covers the protected range too.
    ['10/8 minus all of 10/8', { cidr: '10.0.0.0/8', except: ['10.0.0.0/8'] }, []],
    ['excepts that cover in pieces', { cidr: '10.0.0.0/8', except: ['10.244.0.0/17', '10.244.128.0/17', '10.96.0.0/12'] }, []],
    ['excepts with a hole', { cidr: '10.0.0.0/8', except: ['10.244.0.0/17', '10.96.0.0/12'] }, [`CIDRProtected@${CIDR}`]],
    ['inside the pod range', { cidr: '10.244.3.0/24' }, [`CIDRProtected@${CIDR}`]],
    ['a service IP', { cidr: '10.96.0.10/32' }, [`CIDRProtected@${CIDR}`]],
    ['outside the cluster', { cidr: '192.0.2.0/24' }, []],
    ['just below the service range', { cidr: '10.95.255.255/32' }, []],
    ['IPv6 world', { cidr: '::/0' }, [`CIDRProtected@${CIDR}`]],
    ['IPv6 world minus both IPv6 ranges', { cidr: '::/0', except: ['fd00:10:244::/56', 'fd00:10:96::/112'] }, []],
    ['IPv6 world minus one IPv6 range', { cidr: '::/0', except: ['fd00:10:244::/56'] }, [`CIDRProtected@${CIDR}`]],
    ['inside the IPv6 pod range', { cidr: 'fd00:10:244:0:1::/80' }, [`CIDRProtected@${CIDR}`]],
    ['IPv6 outside', { cidr: '2001:db8::/32' }, []],
    // IPv4-mapped IPv6 cannot smuggle an IPv4 range past the rule.
    ['IPv4-mapped pod range', { cidr: '::ffff:10.244.0.0/112' }, [`CIDRProtected@${CIDR}`]],
    ['IPv4-mapped, excepted in IPv4', { cidr: '::ffff:10.244.0.0/112', except: ['10.244.0.0/16'] }, []],
    ['IPv4-mapped outside', { cidr: '::ffff:192.0.2.0/120' }, []],
    ['IPv4 excepted in mapped IPv6', { cidr: '10.0.0.0/8', except: ['::ffff:10.244.0.0/112', '::ffff:10.96.0.0/108'] }, []],
    ['not a CIDR', { cidr: 'the internet' }, [`CIDRInvalid@${CIDR}`]],
    ['a number', { cidr: 10 }, [`CIDRInvalid@${CIDR}`]],
    ['no cidr', {}, [`CIDRInvalid@${CIDR}`]],
    ['prefix too long', { cidr: '10.0.0.0/33' }, [`CIDRInvalid@${CIDR}`]],
    // A bad except is reported, and the rest is still judged without it.
    ['a bad except', { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', 'x', '10.96.0.0/12'] }, ['CIDRInvalid@spec.egress[0].to[0].ipBlock.except[1]']],
    ['a bad except that mattered', { cidr: '10.96.0.0/12', except: ['10.96.0.0/33'] }, ['CIDRInvalid@spec.egress[0].to[0].ipBlock.except[0]', `CIDRProtected@${CIDR}`]],
    ['except not a list', { cidr: '10.96.0.0/12', except: '10.96.0.0/12' }, [`CIDRProtected@${CIDR}`]],
    ['ipBlock not a mapping', '0.0.0.0/0', ['MalformedObject@spec.egress[0].to[0].ipBlock']],
  ])('%s', (_name, ipBlock, expected) => {
    expect(where(judge(block(ipBlock)))).toEqual(expected);
  });

  it('says which ranges are reached and how to write the world', () => {
    const v = judge(block({ cidr: '0.0.0.0/0' }));
    expect(v.violations[0]!.message).toBe("0.0.0.0/0 reaches the cluster's pod/service ranges 10.244.0.0/16, 10.96.0.0/12, so it would reach every tenant's pods");
    expect(v.violations[0]!.fix).toBe(
      "add the cluster's ranges (10.244.0.0/16, 10.96.0.0/12, fd00:10:244::/56, fd00:10:96::/112) to except, or for the outside world use ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16, 10.96.0.0/12]} and ipBlock: {cidr: ::/0, except: [fd00:10:244::/56, fd00:10:96::/112]}; reach pods through selectors, not addresses");
  });

  it('ingress ipBlocks are judged too', () => {
    expect(where(judge({ ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16' } }] }] }))).toEqual(['CIDRProtected@spec.ingress[0].from[0].ipBlock.cidr']);
  });

  it('with IPv4 ranges only, ::/0 reaches nothing protected', () => {
    const config = makeConfig({ protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12'] });
    expect(judge(block({ cidr: '::/0' }), { config }).allowed).toBe(true);
  });
});

describe('open rules', () => {
  const RULE_FIX_V4V6 =
    'list the peers in from: from outside the cluster: ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16, 10.96.0.0/12]} and ipBlock: {cidr: ::/0, except: [fd00:10:244::/56, fd00:10:96::/112]}; ' +
    `from your tenant: namespaceSelector.matchLabels {"${TENANT_LABEL}": "acme"}; from the platform (ingress controllers, monitoring, DNS): namespaceSelector.matchLabels {"${TENANT_LABEL}": "platform"}`;

  it.each<[string, unknown, string[]]>([
    // A rule without peers matches every source.
    ['ingress [{}]', { ingress: [{}] }, ['OpenRule@spec.ingress[0]']],
    ['ingress from: []', { ingress: [{ from: [] }] }, ['OpenRule@spec.ingress[0]']],
    ['ingress from: null', { ingress: [{ from: null }] }, ['OpenRule@spec.ingress[0]']],
    ['ingress with ports only', { ingress: [{ ports: [{ port: 80 }] }] }, ['OpenRule@spec.ingress[0]']],
    ['the second ingress rule', { ingress: [{ from: [{ podSelector: {} }] }, {}] }, ['OpenRule@spec.ingress[1]']],
    ['egress [{}]', { egress: [{}] }, ['OpenRule@spec.egress[0]']],
    ['egress to: []', { egress: [{ to: [] }] }, ['OpenRule@spec.egress[0]']],
    ['egress with ports only', { egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }, ['OpenRule@spec.egress[0]']],
    // An empty list of rules is deny-all: fine.
    ['ingress: []', { ingress: [] }, []],
    ['egress: []', { egress: [], policyTypes: ['Egress'] }, []],
    ['no rules at all', { podSelector: {} }, []],
    ['ingress: null', { ingress: null }, []],
  ])('%s', (_name, spec, expected) => {
    expect(where(judge(spec))).toEqual(expected);
  });

  it('the fix lists the world (IPv4 and IPv6), the tenant and the platform', () => {
    const v = judge({ ingress: [{}] });
    expect(v.violations[0]!.message).toBe('has no from peers, so it accepts traffic from every source: every pod of every tenant and the outside world');
    expect(v.violations[0]!.fix).toBe(RULE_FIX_V4V6);
  });

  it('mentions the ports when the rule has some', () => {
    expect(judge({ egress: [{ ports: [{ port: 443 }] }] }).violations[0]!.message)
      .toBe('has no to peers, so it sends traffic to every destination: every pod of every tenant and the outside world (on the listed ports)');
  });

  it('without IPv6 ranges the fix has no ::/0 twin', () => {
    const config = makeConfig({ protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12'] });
    const fix = judge({ egress: [{}] }, { config }).violations[0]!.fix;
    expect(fix).toBe(`list the peers in to: to outside the cluster: ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16, 10.96.0.0/12]}; to your tenant: namespaceSelector.matchLabels {"${TENANT_LABEL}": "acme"}; to the platform (ingress controllers, monitoring, DNS): namespaceSelector.matchLabels {"${TENANT_LABEL}": "platform"}`);
  });

  it('allowOpenEgress lets egress be open but still judges ingress', () => {
    const config = makeConfig({ allowOpenEgress: true });
    expect(where(judge({ ingress: [{}], egress: [{}, { ports: [{ port: 443 }] }] }, { config }))).toEqual(['OpenRule@spec.ingress[0]']);
  });

  it('allowOpenEgress does not open egress peers that name other tenants', () => {
    const config = makeConfig({ allowOpenEgress: true });
    expect(codes(judge({ egress: [{ to: [{ namespaceSelector: {} }] }] }, { config }))).toEqual(['SelectorAllNamespaces']);
  });
});

describe('every violation of one object is reported together', () => {
  it('with the paths of the object', () => {
    const v = judge({
      podSelector: {},
      ingress: [
        { from: [{ podSelector: {} }, { namespaceSelector: {} }, { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } }] },
        {},
      ],
      egress: [
        { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: 'x' } }] },
        { to: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: 'ghost' } } }] },
      ],
    });
    expect(where(v)).toEqual([
      'SelectorAllNamespaces@spec.ingress[0].from[1].namespaceSelector',
      'SelectorOtherTenant@spec.ingress[0].from[2].namespaceSelector',
      'OpenRule@spec.ingress[1]',
      'CIDRProtected@spec.egress[0].to[0].ipBlock.cidr',
      'CIDRInvalid@spec.egress[0].to[1].ipBlock.cidr',
      'SelectorUnknownNamespace@spec.egress[1].to[0].namespaceSelector',
    ]);
  });

  it('a peer with both a bad namespaceSelector and a bad ipBlock gets both', () => {
    expect(where(judge({ ingress: [{ from: [{ namespaceSelector: {}, ipBlock: { cidr: '10.244.0.0/16' } }] }] }))).toEqual([
      'SelectorAllNamespaces@spec.ingress[0].from[0].namespaceSelector',
      'CIDRProtected@spec.ingress[0].from[0].ipBlock.cidr',
    ]);
  });
});

describe('wrong types never throw; they are refused with a path', () => {
  it.each<[string, unknown, string[]]>([
    ['no spec', undefined, ['MalformedObject@spec']],
    ['spec null', null, ['MalformedObject@spec']],
    ['spec a list', [], ['MalformedObject@spec']],
    ['ingress not a list', { ingress: { from: [] } }, ['MalformedObject@spec.ingress']],
    ['a rule that is a string', { ingress: ['all'] }, ['MalformedObject@spec.ingress[0]']],
    ['a rule that is null', { egress: [null] }, ['MalformedObject@spec.egress[0]']],
    ['from not a list', { ingress: [{ from: { podSelector: {} } }] }, ['MalformedObject@spec.ingress[0].from']],
    ['a peer that is null', { ingress: [{ from: [null] }] }, ['MalformedObject@spec.ingress[0].from[0]']],
    ['a peer that is a number', { egress: [{ to: [1] }] }, ['MalformedObject@spec.egress[0].to[0]']],
    ['namespaceSelector a string', { ingress: [{ from: [{ namespaceSelector: 'all' }] }] }, ['MalformedObject@spec.ingress[0].from[0].namespaceSelector']],
    ['matchLabels a list', { ingress: [{ from: [{ namespaceSelector: { matchLabels: ['x'] } }] }] }, ['SelectorAllNamespaces@spec.ingress[0].from[0].namespaceSelector']],
  ])('%s', (_name, spec, expected) => {
    expect(where(judge(spec))).toEqual(expected);
  });
});

describe("the policy's namespace", () => {
  const fine = { ingress: [{ from: [{ podSelector: {} }] }] };

  it.each<[string, InputOptions, string[]]>([
    // Fail closed: an owner that cannot be established is a refusal, whatever the policy says.
    ['ownership unknown', { namespace: 'flaky' }, ['OwnershipUnknown@metadata.namespace']],
    ['the API unreachable', { view: UNKNOWN_VIEW }, ['OwnershipUnknown@metadata.namespace']],
    // A platform namespace is known by configuration even then.
    ['a configured platform namespace, API unreachable', { view: UNKNOWN_VIEW, namespace: 'kube-system' }, []],
    ['no namespace', { namespace: undefined }, ['MalformedObject@metadata.namespace']],
    ['an empty namespace', { namespace: '' }, ['MalformedObject@metadata.namespace']],
  ])('%s', (_name, o, expected) => {
    expect(where(judge(fine, o))).toEqual(expected);
  });

  it('the namespace comes from metadata when the request has none', () => {
    const input = npInput({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'acme' } } }] }] }, { namespace: undefined }, { namespace: 'acme-web' });
    expect(review(input).allowed).toBe(true);
    const foreign = npInput({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'acme' } } }] }] }, { namespace: undefined }, { namespace: 'globex-web' });
    expect(codes(review(foreign))).toEqual(['SelectorOtherTenant']);
  });

  it('a policy in an unowned namespace may reach only itself and the platform, with a warning', () => {
    for (const namespace of ['unowned', 'ghost']) {
      const v = judge(fromNs({ matchLabels: { [TENANT_LABEL]: 'acme' } }), { namespace });
      expect(codes(v)).toEqual(['SelectorOtherTenant']);
      expect(v.warnings.some((w) => w.includes(`namespace "${namespace}" is owned by`))).toBe(true);
      expect(judge(fromNs({ matchLabels: { [TENANT_LABEL]: 'platform' } }), { namespace }).allowed).toBe(true);
    }
  });

  it("a policy in another tenant's namespace is confined to that tenant", () => {
    expect(judge(fromNs({ matchLabels: { [TENANT_LABEL]: 'globex' } }), { namespace: 'globex-web', requester: people.gina }).allowed).toBe(true);
    expect(codes(judge(fromNs({ matchLabels: { [TENANT_LABEL]: 'acme' } }), { namespace: 'globex-web', requester: people.gina }))).toEqual(['SelectorOtherTenant']);
  });

  it('admins are not judged', () => {
    const v = judge({ ingress: [{}], egress: [{ to: [{ namespaceSelector: {} }] }] }, { requester: people.root });
    expect(v).toEqual({ allowed: true, violations: [], warnings: [], patch: [] });
  });
});

describe('operations', () => {
  const bad = { ingress: [{}] };
  it('UPDATE is judged like CREATE', () => {
    expect(codes(judge(bad, { operation: 'UPDATE', oldObject: { spec: {} } }))).toEqual(['OpenRule']);
  });

  it('an UPDATE of an object being deleted (finalizers) is not judged again', () => {
    const input = npInput(bad, { operation: 'UPDATE' }, { deletionTimestamp: '2024-01-01T00:00:00Z' });
    expect(review(input).allowed).toBe(true);
  });

  it('DELETE only takes access away: allowed, even for a policy that would be refused', () => {
    const input = { ...npInput(bad, { operation: 'DELETE' }), object: undefined, oldObject: { metadata: { name: 'np' }, spec: bad } };
    expect(review(input).allowed).toBe(true);
  });

  it('CREATE without an object is refused', () => {
    expect(where(review({ ...npInput(bad), object: undefined }))).toEqual(['MalformedObject@(object)']);
  });

  it('CONNECT is allowed', () => {
    expect(review(npInput(bad, { operation: 'CONNECT' })).allowed).toBe(true);
  });

});
