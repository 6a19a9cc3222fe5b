import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoKey } from './memo-key.js';

describe('memoKey', () => {
  it('gives equal JSON-like values the same key, whatever object they are', () => {
    const a = { matchLabels: { app: 'web', 'k8s:role': 'db' }, matchExpressions: [{ key: 'x', operator: 'In', values: ['1', 2, true, null] }] };
    expect(memoKey(a)).toBe(memoKey(JSON.parse(JSON.stringify(a))));
  });

  it('tells apart what the rules can tell apart', () => {
    const keys = [
      { a: '1' }, { a: 1 }, { a: true }, { a: null }, { a: ['1'] }, { a: { b: '1' } }, { b: '1' },
      // Key order is what Object.entries gives the rules, and so the order of findings.
      { a: '1', b: '2' }, { b: '2', a: '1' },
      ['a'], '"a"', 'a', { 'a"': '' }, { a: '",' },
      // A string with a quote or a backslash is written with escapes, every other one as it is.
      '\n', '\\n', '\\', '\\"', '"', { 'a\\': 'b' }, { 'a\\"': '' }, { 'a"': '\\' }, ['a","b'], ['a', 'b'], { 'a":"b': '' }, { a: 'b":"' }, { a: '","b":"c' }, { a: '', b: 'c' },
    ].map(memoKey);
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has no key for what JSON would blur or a text cannot hold', () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 20; i++) { const next = {}; at.x = next; at = next; }
    // eslint-disable-next-line no-sparse-arrays
    for (const v of [{ a: undefined }, { a: () => 1 }, { a: -0 }, { a: Number.NaN }, { a: Infinity }, { a: 1n }, { a: new Date(0) }, { a: new Map() }, [1, , 2], deep]) {
      expect(memoKey(v)).toBeUndefined();
    }
  });

  it('gives two values one key exactly when their JSON (keys in order) is the same', () => {
    // Short strings of quotes, backslashes, commas and control characters: the texts that could read alike.
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', ',', ':', '\n', '[', '{'), maxLength: 4 });
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, text, fc.constantFrom(0, 1, true, null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(text, tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(fc.property(value, value, (a, b) => {
      expect(memoKey(a) === memoKey(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
    }), { numRuns: 3000 });
  });
});
