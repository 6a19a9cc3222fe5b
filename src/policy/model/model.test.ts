/**
 * The semantic peer model, for a policy in acme-web (tenant acme) over the
 * test cluster of test/unit/fixtures.ts: what namespaces each kind of peer
 * can match, existing and future, and whether that set stays within the
 * tenant and the platform. Where the model and a per-requirement reading
 * disagree (contradictions, requirements no pod can meet), the verdict
 * through review() follows the model.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, CONFIG, makeConfig, makeView, npInput, TENANT_LABEL, where } from '../../../test/unit/fixtures.js';
import { buildRuleContext } from '../context.js';
import { review } from '../review.js';
import { ABSENT, confinement, namedNamespaces, NOTHING, ownedNamespaces, peerNamespaces, union, type NamespaceSet, type Peer } from './index.js';

const POD_NS = 'io.kubernetes.pod.namespace';
const NS_LABELS = 'io.cilium.k8s.namespace.labels.';
const ctx = buildRuleContext('acme-web', makeView(), CONFIG);

/** A set as plain data: each cell's names and owners (`*` for unrestricted, `-x` for "all but x"), and the reserved identities. */
function shape(s: NamespaceSet): { cells: string[]; reserved: string[] | 'every'; unknown: number } {
  const text = (c: { only: ReadonlySet<string> } | { except: ReadonlySet<string> }) => ('only' in c ? [...c.only].sort().join('|') : c.except.size === 0 ? '*' : `-${[...c.except].sort().join('|-')}`);
  return {
    cells: s.cells.map((c) => `name ${text(c.name)}, owner ${text(c.owner)}`),
    reserved: s.reserved === 'every' ? 'every' : [...s.reserved].sort(),
    unknown: s.unknown.length,
  };
}

const nsSel = (selector: unknown): Peer => ({ kind: 'namespaceSelector', selector });
const epSel = (selector: unknown): Peer => ({ kind: 'endpointSelector', selector });

describe('peerNamespaces', () => {
  it.each<[string, Peer, ReturnType<typeof shape>['cells'], string[] | 'every']>([
    // NetworkPolicy: no namespaceSelector is the policy's own namespace; an empty one is every namespace.
    ['no namespaceSelector', nsSel(undefined), ['name acme-web, owner *'], []],
    ['an empty namespaceSelector', nsSel({}), ['name *, owner *'], []],
    // The owner label confines to a tenant's namespaces, existing and future.
    ['by owner', nsSel({ matchLabels: { [TENANT_LABEL]: 'acme' } }), ['name *, owner acme'], []],
    ['by owner, NotIn (includes namespaces without the label)', nsSel({ matchExpressions: [{ key: TENANT_LABEL, operator: 'NotIn', values: ['globex'] }] }), ['name *, owner -globex'], []],
    ['by owner, Exists', nsSel({ matchExpressions: [{ key: TENANT_LABEL, operator: 'Exists' }] }), [`name *, owner -${ABSENT}`], []],
    ['by name and owner (ANDed)', nsSel({ matchLabels: { [TENANT_LABEL]: 'acme', 'kubernetes.io/metadata.name': 'acme-api' } }), ['name acme-api, owner acme'], []],
    // Other labels are the tenant's to set: they narrow nothing...
    ['by another label', nsSel({ matchLabels: { team: 'ops' } }), ['name *, owner *'], []],
    // ...unless no labelling can satisfy them.
    ['contradictory other labels', nsSel({ matchLabels: { team: 'ops' }, matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }), [], []],
    ['contradictory owners', nsSel({ matchLabels: { [TENANT_LABEL]: 'globex' }, matchExpressions: [{ key: TENANT_LABEL, operator: 'NotIn', values: ['globex'] }] }), [], []],
    // Cilium: a selector without namespace or reserved keys is pinned to the policy's namespace.
    ['a pinned endpoint selector', epSel({ matchLabels: { app: 'web' } }), ['name acme-web, owner *'], []],
    ['an endpoint selector on the pod namespace', epSel({ matchLabels: { [`k8s:${POD_NS}`]: 'globex-web' } }), ['name globex-web, owner *'], []],
    // Every spelling Cilium reads as the namespace key is the namespace key.
    ['a rewritten namespace key', epSel({ matchLabels: { [`:${POD_NS}`]: 'globex-web' } }), ['name globex-web, owner *'], []],
    ['the tenant label through namespace labels', epSel({ matchLabels: { [`any:${NS_LABELS}${TENANT_LABEL}`]: 'globex' } }), [`name -${ABSENT}, owner globex`], []],
    // A positive reserved requirement leaves no pod: only that reserved identity.
    ['a reserved identity', epSel({ matchLabels: { 'reserved:host': '' } }), [], ['host']],
    ['a reserved identity and another namespace', epSel({ matchLabels: { 'reserved:host': '', [`k8s:${POD_NS}`]: 'globex-web' } }), [], []],
    // A negative one lifts the pin without narrowing: every namespace, and every other reserved identity.
    ['a negative reserved requirement', epSel({ matchExpressions: [{ key: 'reserved:init', operator: 'DoesNotExist' }] }), [`name -${ABSENT}, owner *`], 'every'],
    ['a negative reserved requirement within the tenant', epSel({ matchExpressions: [{ key: 'reserved:init', operator: 'DoesNotExist' }], matchLabels: { [`k8s:${NS_LABELS}${TENANT_LABEL}`]: 'acme' } }), [`name -${ABSENT}, owner acme`], []],
    // A source pod identities never carry matches no pod (pinned, and nothing within the pin).
    ['another source', epSel({ matchLabels: { 'container:app': 'x' } }), [], []],
    ['another source beside another namespace', epSel({ matchLabels: { 'container:app': 'x', [`k8s:${POD_NS}`]: 'globex-web' } }), [], []],
    // Every pod carries its namespace's name and its cluster's: without them, only reserved identities are left.
    ['the pod namespace DoesNotExist', epSel({ matchExpressions: [{ key: POD_NS, operator: 'DoesNotExist' }] }), [], 'every'],
    ['the namespace name label DoesNotExist', epSel({ matchExpressions: [{ key: `any:${NS_LABELS}kubernetes.io/metadata.name`, operator: 'DoesNotExist' }] }), [], 'every'],
    ['the cluster label DoesNotExist, unpinned', epSel({ matchExpressions: [{ key: 'k8s:io.cilium.k8s.policy.cluster', operator: 'DoesNotExist' }, { key: POD_NS, operator: 'NotIn', values: ['acme-web'] }] }), [], 'every'],
    // Every pod carries the configured cluster name (cilium.clusterName, `default` here): another name leaves no pod.
    ['another cluster name, unpinned', epSel({ matchExpressions: [{ key: 'io.cilium.k8s.policy.cluster', operator: 'In', values: ['elsewhere'] }, { key: POD_NS, operator: 'NotIn', values: ['acme-web'] }] }), [], []],
    ['the cluster name, unpinned', epSel({ matchExpressions: [{ key: 'k8s:io.cilium.k8s.policy.cluster', operator: 'In', values: ['default'] }, { key: POD_NS, operator: 'NotIn', values: ['acme-web'] }] }), [`name -${ABSENT}|-acme-web, owner *`], []],
    ['NotIn the cluster name beside a negative reserved requirement', epSel({ matchExpressions: [{ key: 'io.cilium.k8s.policy.cluster', operator: 'NotIn', values: ['x', 'default'] }, { key: 'reserved:host', operator: 'DoesNotExist' }] }), [], 'every'],
    // Older Cilium matches every identity for the reserved "all" label.
    ['reserved:all', epSel({ matchLabels: { 'reserved:all': '' } }), ['name *, owner *'], 'every'],
    // Entities.
    ['entity cluster', { kind: 'entity', entity: 'cluster' }, ['name *, owner *'], ['health', 'host', 'ingress', 'init', 'kube-apiserver', 'remote-node', 'unmanaged']],
    ['entity all', { kind: 'entity', entity: 'All' }, ['name *, owner *'], 'every'],
    ['entity world', { kind: 'entity', entity: 'world' }, [], ['world', 'world-ipv4', 'world-ipv6']],
    ['entity host', { kind: 'entity', entity: 'host' }, [], ['host']],
    // CIDRs: the cluster's ranges hold pods of every namespace.
    ['a CIDR outside', { kind: 'cidr', cidr: '192.0.2.0/24' }, [], ['world']],
    ['a CIDR into the pod range', { kind: 'cidr', cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }, ['name *, owner *'], ['world']],
    ['a CIDR with the ranges excepted', { kind: 'cidr', cidr: '10.0.0.0/8', except: ['10.96.0.0/12', '10.244.0.0/16'] }, [], ['world']],
    // Services.
    ['a service in a namespace', { kind: 'service', namespace: 'acme-api' }, ['name acme-api, owner *'], []],
    ['a service without a namespace', { kind: 'service', namespace: '' }, ['name *, owner *'], []],
  ])('%s', (_name, peer, cells, reserved) => {
    expect(shape(peerNamespaces(peer, ctx))).toEqual({ cells, reserved, unknown: 0 });
  });

  it('an empty cilium.clusterName (a cluster mesh): pods may carry any cluster name', () => {
    const mesh = buildRuleContext('acme-web', makeView(), makeConfig({ cilium: { clusterName: '' } }));
    const other = epSel({ matchExpressions: [{ key: 'io.cilium.k8s.policy.cluster', operator: 'NotIn', values: ['default'] }, { key: POD_NS, operator: 'NotIn', values: ['acme-web'] }] });
    expect(shape(peerNamespaces(other, mesh)).cells).toEqual([`name -${ABSENT}|-acme-web, owner *`]);
    expect(shape(peerNamespaces(other, ctx)).cells).toEqual([]);
    const named = buildRuleContext('acme-web', makeView(), makeConfig({ cilium: { clusterName: 'prod-eu' } }));
    expect(shape(peerNamespaces(other, named)).cells).toEqual([`name -${ABSENT}|-acme-web, owner *`]);
  });

  it('a selector that is not a mapping cannot be read', () => {
    expect(shape(peerNamespaces(nsSel('x'), ctx)).unknown).toBe(1);
    expect(confinement(peerNamespaces(epSel(['x']), ctx), ctx).confined).toBe(false);
  });
});

describe('confinement', () => {
  const confined = (s: NamespaceSet, c = ctx) => confinement(s, c).confined;

  it.each<[string, NamespaceSet, boolean]>([
    ['nothing', NOTHING, true],
    ['the own namespace', namedNamespaces(['acme-web']), true],
    ["the tenant's namespaces, existing and future", ownedNamespaces(['acme']), true],
    ['the platform', ownedNamespaces(['platform']), true],
    ['the tenant and the platform', union(ownedNamespaces(['acme']), ownedNamespaces(['platform'])), true],
    ['a configured platform namespace by name', namedNamespaces(['kube-system']), true],
    ["another tenant's namespaces", ownedNamespaces(['globex']), false],
    // A namespace that does not exist yet could be created by anyone.
    ['a name that does not exist', namedNamespaces(['ghost']), false],
    ['a name whose owner is unknown', namedNamespaces(['flaky']), false],
    ['one union member outside', union(ownedNamespaces(['acme']), namedNamespaces(['globex-web'])), false],
  ])('%s: %s', (_name, set, expected) => {
    expect(confined(set)).toBe(expected);
  });

  it('allowSameTenantAcrossNamespaces off: only this namespace and the platform', () => {
    const strict = buildRuleContext('acme-web', makeView(), makeConfig({ allowSameTenantAcrossNamespaces: false }));
    expect(confined(ownedNamespaces(['acme']), strict)).toBe(false);
    expect(confined(namedNamespaces(['acme-api']), strict)).toBe(false);
    expect(confined(union(namedNamespaces(['acme-web']), ownedNamespaces(['platform'])), strict)).toBe(true);
  });

  it('namespacePrefix: a future name under the own prefix can only be the tenant\'s', () => {
    const prefixed = buildRuleContext('acme-web', makeView(), makeConfig({ namespacePrefix: true }));
    expect(confined(namedNamespaces(['acme-next']), prefixed)).toBe(true);
    expect(confined(namedNamespaces(['globex-next']), prefixed)).toBe(false);
  });

  it('a name that exists with an owner the selector excludes is not matched now, and the reference warns', () => {
    const set = peerNamespaces(nsSel({ matchLabels: { [TENANT_LABEL]: 'globex', 'kubernetes.io/metadata.name': 'acme-api' } }), ctx);
    expect(confinement(set, ctx)).toEqual({ confined: true, warnings: [] });
    expect(confinement(namedNamespaces(['acme-api']), ctx).warnings[0]).toMatch(/^namespace "acme-api" is named, not selected by owner/);
  });
});

describe('review() follows the model', () => {
  it.each<[string, ReturnType<typeof npInput>, string[]]>([
    // Contradictions match nothing, so they open nothing.
    ['NetworkPolicy: contradictory owner requirements', npInput({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' }, matchExpressions: [{ key: TENANT_LABEL, operator: 'NotIn', values: ['globex'] }] } }] }] }), []],
    ['NetworkPolicy: contradictory other labels', npInput({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }, { key: 'team', operator: 'NotIn', values: ['a'] }] } }] }] }), []],
    // A selector on other labels alone is still judged over every labelling a tenant could make.
    ['NetworkPolicy: another label alone', npInput({ podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }] }] }), ['SelectorUnconfined@spec.ingress[0].from[0].namespaceSelector']],
    // Cilium: no pod carries a reserved label, so another namespace beside it is never reached.
    ['Cilium: a reserved identity beside another namespace', cnpInput({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { 'reserved:host': '', [`k8s:${POD_NS}`]: 'globex-web' } }] }] } }), []],
    // A negative reserved requirement within the tenant stays within it.
    ['Cilium: a negative reserved requirement within the tenant', cnpInput({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchExpressions: [{ key: 'reserved:init', operator: 'DoesNotExist' }], matchLabels: { [`k8s:${NS_LABELS}${TENANT_LABEL}`]: 'acme' } }] }] } }), []],
    ['Cilium: a negative reserved requirement alone', cnpInput({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchExpressions: [{ key: 'reserved:init', operator: 'DoesNotExist' }] }] }] } }), ['SelectorUnconfined@spec.egress[0].toEndpoints[0]']],
    // A source no pod carries, beside another tenant's namespace: nothing is reached.
    ['Cilium: another source beside another namespace', cnpInput({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { 'container:app': 'x', [`k8s:${POD_NS}`]: 'globex-web' } }] }] } }), []],
    ['Cilium: reserved:all', cnpInput({ spec: { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { 'reserved:all': '' } }] }] } }), ['SelectorUnconfined@spec.egress[0].toEndpoints[0]']],
  ])('%s', (_name, input, expected) => {
    expect(where(review(input))).toEqual(expected);
  });
});
