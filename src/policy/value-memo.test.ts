import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoKey } from './memo-key.js';
import { ValueMemo, valueHash } from './value-memo.js';

// Few distinct leaves and keys, so equal and nearly equal pairs are common; -0, NaN and undefined have no memo key.
const leaf = fc.constantFrom<unknown>('a', 'b', '', '"', 0, 1, -0, Number.NaN, true, null, undefined);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('app', 'k8s:role', 'x'), tie('v'), { maxKeys: 3 })),
})).v;

/** What the memo answers for b after a: 'a' when it shares a's answer. */
function second(memo: ValueMemo<string>, a: unknown, b: unknown): string {
  memo.remember(a, () => 'a');
  return memo.remember(b, () => 'b');
}

describe('ValueMemo', () => {
  it('shares an answer exactly between values with the same memo key', () => {
    fc.assert(fc.property(value, value, (a, b) => {
      const ka = memoKey(a);
      const shared = ka !== undefined && ka === memoKey(b);
      expect(second(new ValueMemo(), a, b)).toBe(shared ? 'a' : 'b');
    }), { numRuns: 3000 });
  });

  it('stays exact when every value collides', () => {
    fc.assert(fc.property(value, value, (a, b) => {
      const ka = memoKey(a);
      const shared = ka !== undefined && ka === memoKey(b);
      expect(second(new ValueMemo((v) => (memoKey(v) === undefined ? undefined : 7)), a, b)).toBe(shared ? 'a' : 'b');
    }), { numRuns: 3000 });
  });

  it('tells apart key order, and values that read alike as text', () => {
    const pairs: [unknown, unknown][] = [
      [{ a: '1', b: '2' }, { b: '2', a: '1' }],
      [{ a: '1' }, { a: 1 }],
      [['a', 'b'], ['a","b']],
      [{ ab: '' }, { a: 'b' }],
      [[1, [2]], [[1], 2]],
      [{}, []],
    ];
    // With its own numbers, and with every value colliding (so the comparison decides).
    for (const [a, b] of pairs) {
      expect(second(new ValueMemo(), a, b)).toBe('b');
      expect(second(new ValueMemo(() => 7), a, b)).toBe('b');
      expect(second(new ValueMemo(() => 7), b, a)).toBe('b');
    }
    expect(second(new ValueMemo(), { matchLabels: { app: 'web' } }, JSON.parse('{"matchLabels":{"app":"web"}}'))).toBe('a');
  });

  it('computes again past a full bucket, and never answers for another value', () => {
    const memo = new ValueMemo<number>(() => 1);
    let computed = 0;
    for (let round = 0; round < 2; round++) for (let i = 0; i < 20; i++) expect(memo.remember({ i }, () => { computed++; return i; })).toBe(i);
    // The first 8 are kept; the other 12 are computed in both rounds.
    expect(computed).toBe(20 + 12);
  });

  it('has a number for what memo-key.ts keys, and none for the rest', () => {
    fc.assert(fc.property(value, (v) => {
      expect(valueHash(v) === undefined).toBe(memoKey(v) === undefined);
    }), { numRuns: 2000 });
  });
});
