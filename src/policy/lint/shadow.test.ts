import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameJson } from './shadow.js';

/** The meaning sameJson stands for: JSON text with every object's keys sorted. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
  return v;
}
const spelled = (v: unknown) => JSON.stringify(sorted(v)) ?? 'null';

// Few distinct leaves and keys, so equal and nearly equal pairs are common.
const leaf = fc.constantFrom<unknown>('a', 'b', '', 0, 1, true, false, null);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('app', 'k8s:role', 'x', '"'), tie('value'), { maxKeys: 3 })),
})).value;

describe('sameJson', () => {
  it('says two values are the same exactly when their key-sorted JSON is', () => {
    fc.assert(fc.property(json, json, (a, b) => {
      expect(sameJson(a, b)).toBe(spelled(a) === spelled(b));
    }), { numRuns: 2000 });
  });

  it('ignores key order, not list order', () => {
    expect(sameJson({ matchLabels: { a: '1', b: '2' } }, { matchLabels: { b: '2', a: '1' } })).toBe(true);
    expect(sameJson({ values: ['1', '2'] }, { values: ['2', '1'] })).toBe(false);
    expect(sameJson({ a: '1' }, { a: '1', b: undefined })).toBe(false);
    expect(sameJson({ a: '1' }, { a: 1 })).toBe(false);
    expect(sameJson([], {})).toBe(false);
  });

  it('reads a copy of a value as the same value', () => {
    fc.assert(fc.property(json, (a) => {
      expect(sameJson(a, JSON.parse(JSON.stringify(a)) as unknown)).toBe(true);
    }), { numRuns: 500 });
  });
});
