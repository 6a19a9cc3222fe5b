/**
 * Reserved identities in endpoint selectors, judged as the entities of the
 * same name: a selector that only reserved identities can satisfy (every pod
 * carries its namespace's name and its cluster's, so a DoesNotExist on one of
 * them leaves no pod) gets the verdict `fromEntities` gets for those
 * identities, under the default deniedEntities and under a stricter one.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, CONFIG, makeConfig, makeView, where } from '../../../test/unit/fixtures.js';
import { policySettingsOf } from '../../config/schema.js';
import { buildRuleContext } from '../context.js';
import { review } from '../review.js';
import { deniedIdentities, reservedIdentities, union, ANY_NAMESPACE } from './index.js';

const POD_NS = 'io.kubernetes.pod.namespace';
const NAME_KEY = 'any:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name';
const CLUSTER = 'k8s:io.cilium.k8s.policy.cluster';

const from = (selector: unknown) => cnpInput({ spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [selector] }] } });
const entities = (list: string[]) => cnpInput({ spec: { endpointSelector: {}, ingress: [{ fromEntities: list }] } });
const strict = makeConfig({ cilium: { deniedEntities: ['all', 'cluster', 'init', 'host'] } });

describe('selectors only reserved identities satisfy', () => {
  it.each<[string, unknown]>([
    ['the pod namespace DoesNotExist', { matchExpressions: [{ key: POD_NS, operator: 'DoesNotExist' }] }],
    ['the namespace name label DoesNotExist', { matchExpressions: [{ key: NAME_KEY, operator: 'DoesNotExist' }] }],
    ['the cluster label DoesNotExist beside a NotIn on the namespace', { matchExpressions: [{ key: CLUSTER, operator: 'DoesNotExist' }, { key: POD_NS, operator: 'NotIn', values: ['acme-web'] }] }],
    ['the cluster label DoesNotExist beside a NotIn on a namespace label', { matchExpressions: [{ key: CLUSTER, operator: 'DoesNotExist' }, { key: 'any:io.cilium.k8s.namespace.labels.team', operator: 'NotIn', values: ['globex'] }] }],
  ])('%s: allowed as the entities are, refused with EntityDenied when they are denied', (_name, selector) => {
    expect(where(review(from(selector)))).toEqual([]);
    expect(where(review({ ...from(selector), settings: policySettingsOf(strict) }))).toEqual(['EntityDenied@spec.ingress[0].fromEndpoints[0]', 'EntityDenied@spec.ingress[0].fromEndpoints[0]']);
  });

  it('the cluster label is the configured cluster name: another name leaves no pod, this one or a mesh (empty) leaves every pod', () => {
    const sel = { matchExpressions: [{ key: CLUSTER, operator: 'In', values: ['elsewhere'] }, { key: POD_NS, operator: 'NotIn', values: ['acme-web'] }] };
    expect(where(review(from(sel)))).toEqual([]);
    for (const clusterName of ['elsewhere', '']) {
      expect(where(review({ ...from(sel), settings: policySettingsOf(makeConfig({ cilium: { clusterName } })) }))).toEqual(['SelectorUnconfined@spec.ingress[0].fromEndpoints[0]']);
    }
  });

  it('a positive reserved requirement is judged as its entity', () => {
    const host = { matchLabels: { 'reserved:host': '' } };
    expect(where(review(from(host)))).toEqual([]);
    expect(where(review(entities(['host'])))).toEqual([]);
    const refused = review({ ...from(host), settings: policySettingsOf(strict) });
    expect(where(refused)).toEqual(['EntityDenied@spec.ingress[0].fromEndpoints[0]']);
    expect(refused.violations[0]?.message).toMatch(/reserved identity host/);
    const entity = review({ ...entities(['host']), settings: policySettingsOf(strict) });
    expect(where(entity)).toEqual(['EntityDenied@spec.ingress[0].fromEntities[0]']);
    // The model says what the entity matches: a reserved identity, not every tenant's pods.
    expect(entity.violations[0]?.message).toBe('entity "host" (reserved:host) is one cilium.deniedEntities denies to tenants');
    expect(review(entities(['cluster'])).violations[0]?.message).toBe('entity "cluster" includes the pods of every tenant');
  });
});

describe('deniedIdentities', () => {
  const ctx = (config = CONFIG) => buildRuleContext('acme-web', makeView(), config);

  it('names the reserved identities the configuration denies, by name', () => {
    expect(deniedIdentities(reservedIdentities(['host', 'world']), ctx())).toEqual([]);
    expect(deniedIdentities(reservedIdentities(['host', 'world']), ctx(strict))).toEqual(['host']);
  });

  it('"every" reserved identity includes each denied name that can be one, not the unions all and cluster', () => {
    expect(deniedIdentities(reservedIdentities('every'), ctx())).toEqual([]);
    expect(deniedIdentities(union(ANY_NAMESPACE, reservedIdentities('every')), ctx(strict))).toEqual(['host', 'init']);
  });
});
