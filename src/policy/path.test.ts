/** Field paths: segments rendered as kubectl users read them and as RFC 6901 pointers, and pointers read back. */
import { describe, expect, it } from 'vitest';
import { APPEND, fieldPathText, jsonPointer, pathOfPointer, pointerToken, type Segment } from './path.js';

describe('fieldPathText', () => {
  it.each<[Segment[], string]>([
    [['spec'], 'spec'],
    [['spec', 'ingress'], 'spec.ingress'],
    [['spec', 'ingress', 3], 'spec.ingress[3]'],
    [['spec', 'ingress', 0, 'from', 1, 'namespaceSelector'], 'spec.ingress[0].from[1].namespaceSelector'],
    // Keys that are not identifiers (label keys) are quoted, as kubectl users read them.
    [['metadata', 'labels', 'tenant-guard.io/tenant'], 'metadata.labels["tenant-guard.io/tenant"]'],
    [['x', 'a b'], 'x["a b"]'],
    [['matchLabels', ':io.kubernetes.pod.namespace'], 'matchLabels[":io.kubernetes.pod.namespace"]'],
    // A quote inside a key is escaped, so the text stays one key.
    [['m', 'a"b'], 'm["a\\"b"]'],
    [['specs', 0], 'specs[0]'],
    // The object itself: a refusal about the whole object never reads as an empty path.
    [[], '(object)'],
  ])('%j → %s', (path, expected) => {
    expect(fieldPathText(path)).toBe(expected);
  });
});

describe('jsonPointer', () => {
  it.each<[Segment[], string]>([
    [['spec', 'ingress', 0, 'from'], '/spec/ingress/0/from'],
    [['metadata', 'labels', 'tenant-guard.io/tenant'], '/metadata/labels/tenant-guard.io~1tenant'],
    [['spec', 'ingress', 0, 'fromEndpoints', APPEND], '/spec/ingress/0/fromEndpoints/-'],
    [['m', ''], '/m/'],
    [[], ''],
  ])('%j → %s', (path, expected) => {
    expect(jsonPointer(path)).toBe(expected);
  });

  it.each([
    ['tenant-guard.io/tenant', 'tenant-guard.io~1tenant'],
    // ~ is escaped first, so ~1 in a key stays distinct from /.
    ['a~1/b', 'a~01~1b'],
    // A key with only one of the two characters is escaped all the same.
    ['a~b', 'a~0b'],
    ['a/b', 'a~1b'],
    ['plain', 'plain'],
  ])('pointerToken(%j) per RFC 6901', (input, expected) => {
    expect(pointerToken(input)).toBe(expected);
  });
});

describe('pathOfPointer', () => {
  it.each<Segment[]>([
    ['spec', 'ingress', 0, 'from', 1, 'namespaceSelector'],
    ['metadata', 'labels', 'tenant-guard.io/tenant'],
    ['m', 'a~1/b'],
    ['m', 'a~b'],
    ['m', '01'],
    ['m', ''],
    ['spec', 'egress', 0, 'toCIDRSet', APPEND],
    [],
  ])('reads back what jsonPointer wrote: %j', (...path) => {
    expect(pathOfPointer(jsonPointer(path))).toEqual({ ok: true, path });
  });

  it.each([
    // Display text is not a pointer: an error, never the document root.
    ['spec.ingress[0]'],
    ['metadata.labels["a/b"]'],
    ['/a/b~2'],
    ['/a/b~'],
  ])('%j is an error', (text) => {
    expect(pathOfPointer(text)).toMatchObject({ ok: false });
  });
});
