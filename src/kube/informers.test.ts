/** What the shared caches keep of an object. */
import { describe, expect, it } from 'vitest';
import { slim } from './informers.js';

describe('slim', () => {
  const obj = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'a', resourceVersion: '3', labels: { x: 'y' }, annotations: { big: 'z'.repeat(1000) }, managedFields: [{ manager: 'kubectl', fieldsV1: {} }] },
    spec: { finalizers: ['kubernetes'] },
  };

  it('drops managedFields, keeps everything reconcile reads', () => {
    expect(slim(obj)).toEqual({ ...obj, metadata: { name: 'a', resourceVersion: '3', labels: { x: 'y' }, annotations: obj.metadata.annotations } });
  });

  it('drops annotations too when asked (namespaces)', () => {
    expect(slim(obj, false).metadata).toEqual({ name: 'a', resourceVersion: '3', labels: { x: 'y' } });
  });

  it('returns an object with nothing to drop as it is', () => {
    const plain = { metadata: { name: 'b' } };
    expect(slim(plain)).toBe(plain);
  });
});
