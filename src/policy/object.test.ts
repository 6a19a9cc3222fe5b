/** The stored-object adapter: kind, namespace and name read from the object, operation-dependent object/oldObject. */
import { describe, expect, it } from 'vitest';
import { CONFIG, makeView, people } from '../../test/unit/fixtures.js';
import { storedObjectIdentity, storedObjectInput } from './object.js';

describe('storedObjectIdentity', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof storedObjectIdentity>]>([
    ['a NetworkPolicy', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'acme' } }, { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', namespace: 'acme', name: 'np' }],
    // A Namespace is cluster-scoped: named without a namespace, whatever metadata says.
    ['a Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme', namespace: 'x' } }, { group: '', version: 'v1', kind: 'Namespace', namespace: undefined, name: 'acme' }],
    // Text that is not a string is no name.
    ['no kind, odd metadata', { apiVersion: 'v1', metadata: { name: 3 } }, { group: '', version: 'v1', kind: '(no kind)', namespace: undefined, name: undefined }],
  ])('%s', (_name, object, expected) => {
    expect(storedObjectIdentity(object)).toEqual(expected);
  });
});

describe('storedObjectInput', () => {
  const obj = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'acme' } };
  const old = { ...obj, spec: {} };
  const ctx = { requester: people.alice, namespaces: makeView({}), settings: CONFIG };

  it.each([
    ['CREATE', obj, undefined],
    ['UPDATE', obj, old],
    ['DELETE', undefined, old],
  ] as const)('%s', (operation, object, oldObject) => {
    const input = storedObjectInput(obj, { ...ctx, operation, oldObject: old });
    expect(input.object).toBe(object);
    expect(input.oldObject).toBe(oldObject);
    expect(input.kind).toEqual({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' });
  });

  it('an UPDATE without the stored version compares the object with itself', () => {
    expect(storedObjectInput(obj, { ...ctx, operation: 'UPDATE' }).oldObject).toBe(obj);
  });
});
