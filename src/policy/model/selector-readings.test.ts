/** matchLabels keys that Cilium stores under one encoded key, and the selectors it may end up with. */
import { describe, expect, it } from 'vitest';
import { encodedKey, selectorReadings } from './selector-readings.js';

describe('encodedKey', () => {
  it.each([
    ['app', 'any:app'],
    [':app', 'any:app'],
    ['any:app', 'any:app'],
    ['k8s:app', 'k8s:app'],
    ['$host', 'reserved:host'],
    ['reserved:host', 'reserved:host'],
    ['k8s:app=x', 'k8s:app=x'],
  ])('%s is stored as %s', (raw, enc) => {
    expect(encodedKey(raw)).toBe(enc);
  });
});

describe('selectorReadings', () => {
  it('a selector without colliding keys has one reading: itself', () => {
    const sel = { matchLabels: { app: 'web', 'k8s:app': 'db' }, matchExpressions: [{ key: 'any:app', operator: 'Exists' }] };
    expect(selectorReadings(sel)).toEqual([sel]);
  });

  it('keys that encode alike give one reading per surviving key', () => {
    const sel = { matchLabels: { 'io.cilium.k8s.namespace.labels.t': 'acme', 'any:io.cilium.k8s.namespace.labels.t': 'globex', app: 'web' } };
    expect(selectorReadings(sel)).toEqual([
      { matchLabels: { 'io.cilium.k8s.namespace.labels.t': 'acme', app: 'web' } },
      { matchLabels: { 'any:io.cilium.k8s.namespace.labels.t': 'globex', app: 'web' } },
    ]);
  });

  it('two groups multiply', () => {
    const sel = { matchLabels: { a: '1', ':a': '2', $h: '3', 'reserved:h': '4' } };
    expect(selectorReadings(sel)).toHaveLength(4);
  });
});
