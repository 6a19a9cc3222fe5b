/**
 * Policies labelled app.kubernetes.io/managed-by: tenant-guard are the
 * platform's baseline: a non-admin can't create, change or delete them, nor
 * put the label on its own policy. Kubernetes' namespace controller and
 * garbage collector may delete them, and anyone may while the namespace is
 * terminating or gone.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, expectWellFormed, makeView, npInput, people, where } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { NamespaceView, Operation, Requester, ReviewInput } from '../types.js';
import { isManaged, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './managed.js';

const MANAGED = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
const LABEL_PATH = `metadata.labels["${MANAGED_BY_LABEL}"]`;
const fineSpec = { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] };

function policy(labels: Record<string, string> | undefined, kind: 'np' | 'cnp'): Record<string, unknown> {
  const metadata = { name: 'tenant-guard-isolate', namespace: 'acme-web', ...(labels === undefined ? {} : { labels }) };
  return kind === 'np'
    ? { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec: fineSpec }
    : { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata, spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [{}] }] } };
}

function input(kind: 'np' | 'cnp', operation: Operation, object: unknown, oldObject: unknown, requester: Requester = people.alice, namespace = 'acme-web', view?: NamespaceView): ReviewInput {
  const b = kind === 'np' ? npInput(fineSpec, { operation, requester, namespace, view }) : cnpInput({}, { operation, requester, namespace, view });
  return { ...b, object, oldObject };
}

describe.each(['np', 'cnp'] as const)('managed policies (%s)', (kind) => {
  const managed = policy(MANAGED, kind);
  const own = policy({ app: 'x' }, kind);
  const kindName = kind === 'np' ? 'NetworkPolicy' : 'CiliumNetworkPolicy';

  it.each<[string, Operation, unknown, unknown, string[]]>([
    // A look-alike would be adopted and trusted as the baseline.
    ['create one', 'CREATE', managed, undefined, [`ManagedPolicy@${LABEL_PATH}`]],
    ['change one', 'UPDATE', { ...managed, spec: {} }, managed, ['ManagedPolicy@metadata.name']],
    // Removing the label is also a change to a managed policy.
    ['remove its label', 'UPDATE', own, managed, ['ManagedPolicy@metadata.name']],
    ['put the label on its own policy', 'UPDATE', managed, own, [`ManagedPolicy@${LABEL_PATH}`]],
    ['delete one', 'DELETE', undefined, managed, ['ManagedPolicy@metadata.name']],
    ['create its own', 'CREATE', own, undefined, []],
    ['change its own', 'UPDATE', own, own, []],
    ['delete its own', 'DELETE', undefined, own, []],
    // Another value of the label is not the marker.
    ['another managed-by value', 'CREATE', policy({ [MANAGED_BY_LABEL]: 'helm' }, kind), undefined, []],
  ])('a tenant may not %s (or may, when it is its own)', (_name, op, object, oldObject, expected) => {
    const v = review(input(kind, op, object, oldObject));
    expectWellFormed(v);
    expect(where(v)).toEqual(expected);
  });

  it('messages say what the label means', () => {
    const v = review(input(kind, 'CREATE', managed, undefined));
    expect(v.violations[0]).toMatchObject({
      message: `"tenant-guard" marks the platform's own policies; tenants cannot create them`,
      fix: `remove the label ${MANAGED_BY_LABEL} or set another value`,
    });
    expect(review(input(kind, 'DELETE', undefined, managed)).violations[0]).toMatchObject({
      message: `this ${kindName} is managed by tenant-guard (the platform's baseline); tenants cannot delete it`,
    });
  });

  it.each<[string, Requester, string, NamespaceView | undefined, boolean]>([
    ["Kubernetes' namespace controller", people.namespaceController, 'acme-web', undefined, true],
    ["Kubernetes' garbage collector", people.garbageCollector, 'acme-web', undefined, true],
    // Or namespace deletion would never finish.
    ['a tenant, while the namespace is terminating', people.alice, 'acme-old', undefined, true],
    ['a tenant, after the namespace is gone', people.alice, 'ghost', undefined, true],
    ['an admin', people.root, 'acme-web', undefined, true],
    ['a tenant, namespace alive', people.alice, 'acme-web', undefined, false],
    // Not known to be terminating: fail closed.
    ['a tenant, namespace state unknown', people.alice, 'flaky', undefined, false],
    ['a tenant, namespace terminating per a fresh view', people.alice, 'acme-web', makeView({ 'acme-web': { state: 'found', labels: {}, terminating: true } }), true],
  ])('DELETE of a managed policy by %s: allowed=%s', (_name, requester, namespace, view, allowed) => {
    const v = review(input(kind, 'DELETE', undefined, { ...managed, metadata: { ...(managed.metadata as object), namespace } }, requester, namespace, view));
    expectWellFormed(v);
    expect(v.allowed).toBe(allowed);
  });

  it('system deleters may only delete, not create or change', () => {
    expect(review(input(kind, 'CREATE', managed, undefined, people.namespaceController)).allowed).toBe(false);
    expect(review(input(kind, 'UPDATE', { ...managed, spec: {} }, managed, people.garbageCollector)).allowed).toBe(false);
  });

  it('admins may create, change and delete them', () => {
    for (const [op, object, oldObject] of [['CREATE', managed, undefined], ['UPDATE', managed, managed], ['DELETE', undefined, managed]] as const) {
      expect(review(input(kind, op, object, oldObject, people.root)).allowed).toBe(true);
    }
  });

  it('the managed-by refusal and the policy violations are reported together', () => {
    const bad = kind === 'np'
      ? { ...managed, spec: { ingress: [{}] } }
      : { ...managed, spec: { endpointSelector: {}, egress: [{ toEntities: ['all'] }] } };
    const v = review(input(kind, 'CREATE', bad, undefined));
    expect(where(v)).toEqual([`ManagedPolicy@${LABEL_PATH}`, kind === 'np' ? 'OpenRule@spec.ingress[0]' : 'EntityDenied@spec.egress[0].toEntities[0]']);
  });
});

describe('isManaged', () => {
  it.each<[string, unknown, boolean]>([
    ['the label', { metadata: { labels: MANAGED } }, true],
    ['another value', { metadata: { labels: { [MANAGED_BY_LABEL]: 'TENANT-GUARD' } } }, false],
    ['no labels', { metadata: {} }, false],
    ['labels a list', { metadata: { labels: [MANAGED] } }, false],
    ['metadata a string', { metadata: 'x' }, false],
    ['null', null, false],
    ['a string', 'managed', false],
  ])('%s', (_name, obj, expected) => {
    expect(isManaged(obj)).toBe(expected);
  });
});
