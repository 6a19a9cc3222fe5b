/**
 * The floor generator: well-formed admissionregistration.k8s.io/v1 objects,
 * admins and exempt users kept out through matchConditions, the excluded
 * namespaces in every binding, the membership parameter built from the
 * config's tenants, and CEL that is at least lexically sound (balanced
 * brackets and quotes). That the API server accepts it and what it refuses
 * is shown by test/e2e/floor.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../policy/rules/managed.js';
import { list, str } from './cel.js';
import { encodeMember, EXTERNAL_IPS_SET, floorSettingsOf, generateFloor, membershipParams, type FloorOptions } from './generate.js';

interface Expr { name?: string; expression: string; messageExpression?: string; reason?: string }
interface ResourceRule { apiGroups: string[]; apiVersions: string[]; resources: string[]; operations: string[] }
interface Requirement { key: string; operator: string; values: string[] }
/** The fields of the generated objects these tests read (policies, bindings and the ConfigMap). */
interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec: {
    failurePolicy: string;
    paramKind?: { apiVersion: string; kind: string };
    matchConstraints: { resourceRules: ResourceRule[] };
    matchConditions: Expr[];
    variables?: Expr[];
    validations: Expr[];
    policyName: string;
    validationActions: string[];
    paramRef?: { name: string; namespace: string; parameterNotFoundAction: string };
    matchResources?: { namespaceSelector: { matchExpressions: Requirement[] } };
  };
}

function config(overrides: Record<string, unknown> = {}): Config {
  const r = configFromObject({
    tenants: [
      { name: 'acme', groups: ['acme-devs'], users: ['alice'] },
      { name: 'globex', groups: ['globex-devs', 'cn=globex,ou=groups,dc=example'] },
      { name: 'solo', users: ['cn=erin,ou=people', '100%,real'] },
      { name: 'empty' },
    ],
    admins: { groups: ['system:masters', 'platform-ops'], users: ['root'] },
    ...overrides,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

const OPTS: FloorOptions = { namespace: 'tenant-guard-system', exemptUsers: ['system:serviceaccount:tenant-guard-system:tenant-guard'] };

function floor(c: Config = config(), opts: FloorOptions = OPTS): Obj[] {
  return generateFloor(floorSettingsOf(c), opts) as unknown as Obj[];
}

const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const policies = (objs: Obj[]) => ofKind(objs, 'ValidatingAdmissionPolicy');
const bindings = (objs: Obj[]) => ofKind(objs, 'ValidatingAdmissionPolicyBinding');
const byName = (objs: Obj[], name: string): Obj => objs.find((o) => o.metadata.name === name)!;

/** Every CEL expression in a policy: variables, matchConditions, validations and their messages. */
function expressions(p: Obj): string[] {
  const spec = p.spec;
  return [
    ...(spec.variables ?? []).map((v) => v.expression),
    ...spec.matchConditions.map((m) => m.expression),
    ...spec.validations.flatMap((v) => [v.expression, v.messageExpression ?? '']),
  ];
}

/** Brackets balance outside single-quoted CEL strings (with backslash escapes), and every string is closed. */
function lexicallySound(expr: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i += 1) {
    const c = expr[i]!;
    if (quote !== undefined) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return quote === undefined && stack.length === 0;
}

describe('objects', () => {
  it('one parameter ConfigMap, eight policies, and a binding per policy', () => {
    const objs = floor();
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/tenant-guard-floor-tenants',
      'ValidatingAdmissionPolicy/tenant-guard-floor-namespaces',
      'ValidatingAdmissionPolicy/tenant-guard-floor-namespace-tenants',
      'ValidatingAdmissionPolicy/tenant-guard-floor-networkpolicies',
      'ValidatingAdmissionPolicy/tenant-guard-floor-ciliumnetworkpolicies',
      'ValidatingAdmissionPolicy/tenant-guard-floor-service-external-ips',
      'ValidatingAdmissionPolicy/tenant-guard-floor-cluster-policies',
      'ValidatingAdmissionPolicy/tenant-guard-floor-traffic-steering',
      'ValidatingAdmissionPolicy/tenant-guard-floor-managed-policies',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-namespaces',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-namespace-tenants',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-networkpolicies',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-ciliumnetworkpolicies',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-service-external-ips',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-cluster-policies',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-traffic-steering',
      'ValidatingAdmissionPolicyBinding/tenant-guard-floor-managed-policies',
    ]);
  });

  it('are admissionregistration.k8s.io/v1 (GA), labelled as part of tenant-guard, and plain JSON', () => {
    const objs = floor();
    for (const o of [...policies(objs), ...bindings(objs)]) expect(o.apiVersion).toBe('admissionregistration.k8s.io/v1');
    for (const o of objs) expect(o.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'tenant-guard' });
    expect(JSON.parse(JSON.stringify(objs))).toEqual(objs);
  });

  it('every policy fails closed, matches resources by rule and has validations with an expression, a message expression and a reason', () => {
    for (const p of policies(floor())) {
      expect(p.spec.failurePolicy).toBe('Fail');
      expect(p.spec.matchConstraints.resourceRules.length).toBeGreaterThan(0);
      for (const r of p.spec.matchConstraints.resourceRules) {
        expect(r.apiGroups.length).toBeGreaterThan(0);
        expect(r.apiVersions).toEqual(['*']);
        expect(r.resources.length).toBeGreaterThan(0);
        for (const op of r.operations) expect(['CREATE', 'UPDATE', 'DELETE']).toContain(op);
      }
      expect(p.spec.validations.length).toBeGreaterThan(0);
      for (const v of p.spec.validations) {
        expect(typeof v.expression).toBe('string');
        expect(v.messageExpression).toMatch(/^'tenant-guard floor refused /);
        expect(v.reason).toBe('Forbidden');
      }
    }
  });

  it('every CEL expression is lexically sound, and a quote in a configured value stays inside its string', () => {
    const tricky = config({ admins: { groups: ["o'brien's team"], users: ['back\\slash'] }, platform: { value: 'platform', namespaces: ['default', "it's"] } });
    for (const c of [config(), tricky]) {
      for (const p of policies(floor(c))) {
        for (const e of expressions(p)) expect(lexicallySound(e), e).toBe(true);
      }
    }
    expect(str("o'brien")).toBe("'o\\'brien'");
    expect(list(['a', "b'c"])).toBe("['a', 'b\\'c']");
  });

  it('each binding names its policy, denies, and leaves out kube-system and the release namespace', () => {
    const objs = floor();
    const policyNames = policies(objs).map((p) => p.metadata.name);
    for (const b of bindings(objs)) {
      expect(policyNames).toContain(b.spec.policyName);
      expect(b.spec.validationActions).toEqual(['Deny']);
      expect(b.spec.matchResources!.namespaceSelector).toEqual({
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'tenant-guard-system'] }],
      });
    }
  });

  it('only the membership rules take the parameter, and a missing parameter allows (never a refusal of admins too)', () => {
    const objs = floor();
    for (const p of policies(objs)) expect(p.spec.paramKind !== undefined).toBe(p.metadata.name === 'tenant-guard-floor-namespace-tenants');
    for (const b of bindings(objs)) {
      if (b.spec.policyName === 'tenant-guard-floor-namespace-tenants') {
        expect(b.spec.paramRef).toEqual({ name: 'tenant-guard-floor-tenants', namespace: 'tenant-guard-system', parameterNotFoundAction: 'Allow' });
      } else {
        expect(b.spec.paramRef).toBeUndefined();
      }
    }
    expect(byName(policies(objs), 'tenant-guard-floor-namespace-tenants').spec.paramKind).toEqual({ apiVersion: 'v1', kind: 'ConfigMap' });
    // The rules without membership do not reference the parameter.
    expect(expressions(byName(policies(objs), 'tenant-guard-floor-namespaces')).join('\n')).not.toContain('params');
  });

  it('options: the release namespace, excluded namespaces and a name prefix', () => {
    const objs = floor(config(), { namespace: 'tg', excludedNamespaces: ['kube-system', 'tg', 'monitoring'], prefix: 'floor' });
    expect(objs[0]!.metadata).toMatchObject({ name: 'floor-tenants', namespace: 'tg' });
    for (const o of [...policies(objs), ...bindings(objs)]) expect(o.metadata.name).toMatch(/^floor-/);
    for (const b of bindings(objs)) expect(b.spec.matchResources!.namespaceSelector.matchExpressions[0]!.values).toEqual(['kube-system', 'tg', 'monitoring']);
    // Without excluded namespaces the binding matches every namespace.
    for (const b of bindings(floor(config(), { namespace: 'tg', excludedNamespaces: [] }))) expect(b.spec.matchResources).toBeUndefined();
    // By default kube-system and the parameter's namespace are excluded.
    for (const b of bindings(floor(config(), { namespace: 'tg' }))) expect(b.spec.matchResources!.namespaceSelector.matchExpressions[0]!.values).toEqual(['kube-system', 'tg']);
  });
});

describe('who is exempt', () => {
  it('admin users, exempt users and admin groups are left out of every policy by matchConditions', () => {
    for (const p of policies(floor())) {
      const notAdmin = p.spec.matchConditions.find((m) => m.name === 'not-an-admin');
      expect(notAdmin, p.metadata.name).toBeDefined();
      expect(notAdmin!.expression).toBe(
        "!(request.userInfo.username in ['root', 'system:serviceaccount:tenant-guard-system:tenant-guard'] || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ['system:masters', 'platform-ops'])))");
    }
  });

  it('with no extra exempt user, only the configured admins', () => {
    const p = policies(floor(config(), { namespace: 'tg' }))[0]!;
    expect(p.spec.matchConditions[0]!.expression).toContain("request.userInfo.username in ['root']");
  });

  it("Kubernetes' namespace and garbage collectors may delete managed policies, and anyone may while the namespace terminates", () => {
    const managed = byName(policies(floor()), 'tenant-guard-floor-managed-policies');
    const deleters = managed.spec.matchConditions.find((m) => m.name === 'not-a-system-deleter');
    expect(deleters!.expression).toContain("'system:serviceaccount:kube-system:namespace-controller'");
    expect(deleters!.expression).toContain("'system:serviceaccount:kube-system:generic-garbage-collector'");
    // The API server gives matchConditions no namespaceObject: the namespace's state is read in validations only.
    for (const p of policies(floor())) {
      for (const m of p.spec.matchConditions) expect(m.expression, `${p.metadata.name}/${m.name}`).not.toContain('namespaceObject');
    }
    expect(managed.spec.validations[0]!.expression).toContain("namespaceObject.status.phase == 'Terminating'");
  });

  it('an UPDATE of a policy being deleted is not judged again (the webhook skips it too)', () => {
    const objs = policies(floor());
    for (const name of ['tenant-guard-floor-networkpolicies', 'tenant-guard-floor-ciliumnetworkpolicies']) {
      expect(byName(objs, name).spec.matchConditions.map((m) => m.name)).toEqual(['not-an-admin', 'not-being-deleted']);
    }
    // ... but the platform's managed policies stay protected then.
    expect(byName(objs, 'tenant-guard-floor-managed-policies').spec.matchConditions.map((m) => m.name)).not.toContain('not-being-deleted');
  });
});

describe('membership parameter', () => {
  it('one entry per configured tenant, each member encoded between commas', () => {
    expect(membershipParams(config())).toEqual({
      acme: ',g:acme-devs,u:alice,',
      globex: ',g:globex-devs,g:cn=globex%2Cou=groups%2Cdc=example,',
      solo: ',u:cn=erin%2Cou=people,u:100%25%2Creal,',
      empty: '',
    });
    const param = floor()[0]!;
    expect(param).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: membershipParams(config()) });
  });

  it('encoding keeps every name one entry and is reversible', () => {
    for (const name of ['plain', 'a,b', '%2C', 'x%,y', ',,', '%']) {
      const enc = encodeMember(name);
      expect(enc).not.toContain(',');
      expect(decodeURIComponent(enc)).toBe(name);
    }
  });

  it('the membership policy looks a member up with the same encoding, in CEL', () => {
    const ns = byName(policies(floor()), 'tenant-guard-floor-namespace-tenants');
    const all = expressions(ns).join('\n');
    expect(all).toContain(".contains(',g:' + g.replace('%', '%25').replace(',', '%2C') + ',')");
    expect(all).toContain(".contains(',u:' + request.userInfo.username.replace('%', '%25').replace(',', '%2C') + ',')");
    // The group prefix decides membership too.
    expect(all).toContain("('tenant:' + object.metadata.labels['tenant-guard.io/tenant']) in request.userInfo.groups");
  });

  it('without a group prefix, only the parameter decides', () => {
    const ns = byName(policies(floor(config({ tenantGroupPrefix: '' }))), 'tenant-guard-floor-namespace-tenants');
    expect(expressions(ns).join('\n')).not.toContain("('' +");
  });

  it('no tenants: an empty parameter', () => {
    expect(membershipParams(config({ tenants: [] }))).toEqual({});
  });
});

describe('what the rules are made of', () => {
  it('namespaces: CREATE, UPDATE and DELETE; the label, the platform value and ownership', () => {
    const objs = policies(floor());
    const ns = byName(objs, 'tenant-guard-floor-namespaces');
    const members = byName(objs, 'tenant-guard-floor-namespace-tenants');
    for (const p of [ns, members]) {
      expect(p.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['*'], resources: ['namespaces'], operations: ['CREATE', 'UPDATE', 'DELETE'] }]);
      // Platform namespaces by configured name belong to the platform.
      expect(p.spec.variables![0]!.expression).toContain("oldObject.metadata.name in ['default', 'kube-system', 'kube-public', 'kube-node-lease']");
    }
    expect(ns.spec.validations).toHaveLength(4);
    expect(members.spec.validations).toHaveLength(2);
    const all = expressions(ns).join('\n');
    expect(all).toContain("'tenant-guard.io/tenant' in object.metadata.labels");
    expect(all).toContain("!= 'platform'");
    // An empty label is no owner, as for the webhook.
    expect(all).toContain("oldObject.metadata.labels['tenant-guard.io/tenant'] == ''");
  });

  it('a custom tenant label and platform value are what the rules check', () => {
    const objs = policies(floor(config({ tenantLabel: 'example.com/owner', platform: { value: 'infra', namespaces: ['default'] } })));
    const all = objs.flatMap(expressions).join('\n');
    expect(all).toContain("'example.com/owner'");
    expect(all).toContain("'infra'");
    expect(all).not.toContain('tenant-guard.io/tenant');
    expect(all).toContain('io.cilium.k8s.namespace.labels.example.com/owner');
  });

  it('cilium: the configured denied entities', () => {
    const cnp = byName(policies(floor(config({ cilium: { deniedEntities: ['all', 'cluster', 'remote-node'] } }))), 'tenant-guard-floor-ciliumnetworkpolicies');
    expect(expressions(cnp).join('\n')).toContain("['all', 'cluster', 'remote-node']");
  });

  it('cilium: a selector is foreign only when every tenant-label key it has is foreign', () => {
    const cnp = byName(policies(floor()), 'tenant-guard-floor-ciliumnetworkpolicies');
    const v = cnp.spec.validations[1]!.expression;
    expect(v).toContain(".all(k, !(k in sel.matchLabels) || !(sel.matchLabels[k] in [variables.nsTenant, 'platform']))");
    for (const key of ['k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant', 'any:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant', 'io.cilium.k8s.namespace.labels.tenant-guard.io/tenant']) {
      expect(v).toContain(`'${key}'`);
    }
  });

  it('cluster-wide policies: every operation, refused', () => {
    const cp = byName(policies(floor()), 'tenant-guard-floor-cluster-policies');
    expect(cp.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: ['cilium.io'], apiVersions: ['*'], resources: ['ciliumclusterwidenetworkpolicies'], operations: ['CREATE', 'UPDATE', 'DELETE'] },
      { apiGroups: ['policy.networking.k8s.io'], apiVersions: ['*'], resources: ['adminnetworkpolicies', 'baselineadminnetworkpolicies', 'clusternetworkpolicies'], operations: ['CREATE', 'UPDATE', 'DELETE'] },
    ]);
    expect(cp.spec.validations.map((v) => v.expression)).toEqual(['false']);
  });

  it('traffic steering: CiliumLocalRedirectPolicy and CiliumCIDRGroup, every operation, refused with a message per kind', () => {
    const sp = byName(policies(floor()), 'tenant-guard-floor-traffic-steering');
    expect(sp.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: ['cilium.io'], apiVersions: ['*'], resources: ['ciliumlocalredirectpolicies', 'ciliumcidrgroups'], operations: ['CREATE', 'UPDATE', 'DELETE'] },
    ]);
    expect(sp.spec.matchConditions.map((m) => m.name)).toEqual(['not-an-admin']);
    expect(sp.spec.validations.map((v) => v.expression)).toEqual(['false']);
    const message = sp.spec.validations[0]?.messageExpression ?? '';
    expect(message).toContain("request.kind.kind == 'CiliumCIDRGroup'");
    expect(message).toContain('changes which addresses every policy that names it in cidrGroupRef reaches');
    expect(message).toContain('redirects the traffic that every pod in the cluster sends to its frontend');
  });

  describe('Service external IPs', () => {
    const svc = (c?: Config) => byName(policies(floor(c)), 'tenant-guard-floor-service-external-ips');
    it('only Services that set external IPs, created or changed, by non-admins', () => {
      const p = svc();
      expect(p.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['*'], resources: ['services'], operations: ['CREATE', 'UPDATE'] }]);
      expect(p.spec.matchConditions.map((m) => m.name)).toEqual(['not-an-admin', 'not-being-deleted', 'sets-external-ips']);
      expect(p.spec.matchConditions[2]!.expression).toBe(EXTERNAL_IPS_SET);
    });
    it('no tenant with ranges: every address is outside', () => {
      expect(svc().spec.variables!.find((v) => v.name === 'ranges')!.expression).toBe('[]');
    });
    it("the ranges of the namespace's owner", () => {
      const c = config({ tenants: [{ name: 'acme', externalIPs: ['203.0.113.0/28', '198.51.100.7/32'] }, { name: 'globex' }, { name: 'initech', externalIPs: ['2001:db8::/64'] }] });
      expect(svc(c).spec.variables!.find((v) => v.name === 'ranges')!.expression).toBe(
        "variables.nsTenant == 'acme' ? ['203.0.113.0/28', '198.51.100.7/32'] : (variables.nsTenant == 'initech' ? ['2001:db8::/64'] : ([]))");
    });
    it('addresses the stored Service had are kept; the others must be in a range', () => {
      const v = svc().spec.validations[0]!.expression;
      expect(v).toContain('a in oldObject.spec.externalIPs');
      expect(v).toContain('cidr(c).containsIP(a)');
    });
  });

  it('managed policies: the managed-by label, on the new and the old object', () => {
    const mp = byName(policies(floor()), 'tenant-guard-floor-managed-policies');
    const v = mp.spec.validations[0]!.expression;
    expect(v).toContain(`object.metadata.labels['${MANAGED_BY_LABEL}'] == '${MANAGED_BY_VALUE}'`);
    expect(v).toContain(`oldObject.metadata.labels['${MANAGED_BY_LABEL}'] == '${MANAGED_BY_VALUE}'`);
  });
});

describe('floorSettingsOf: the floor is given only its own settings', () => {
  it('keeps the owner, membership, exemption, entity and rollout-mode settings and nothing else', () => {
    const s = floorSettingsOf(config());
    expect(Object.keys(s).sort()).toEqual(['admins', 'cilium', 'enforcement', 'platform', 'serviceAccounts', 'tenantGroupPrefix', 'tenantLabel', 'tenants']);
    expect(Object.keys(s.cilium)).toEqual(['deniedEntities']);
  });

  it('a change elsewhere in the configuration leaves the floor as it is; a change in its settings does not', () => {
    const elsewhere = config({ protectedCIDRs: ['10.0.0.0/8'], allowOpenEgress: true, namespacePrefix: true, baseline: { isolate: { name: 'base' } } });
    expect(floor(elsewhere)).toEqual(floor());
    expect(floor(config({ tenantLabel: 'example.com/owner' }))).not.toEqual(floor());
  });
});
