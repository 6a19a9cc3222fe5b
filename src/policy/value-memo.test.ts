import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueMemo, valueHash } from './value-memo.js';

/**
 * What "the same value" means, as a text: JSON with keys in their order, and
 * no text for what JSON would blur or the memo does not hold. The memo must
 * share an answer exactly when two values have the same text here.
 */
function exactText(v: unknown, depth = 0): string | undefined {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'boolean': return String(v);
    case 'number': return Number.isFinite(v) && !Object.is(v, -0) ? String(v) : undefined;
    case 'object': break;
    default: return undefined;
  }
  if (v === null) return 'null';
  if (depth >= 8) return undefined;
  const parts: string[] = [];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const t = i in v ? exactText(v[i], depth + 1) : undefined;
      if (t === undefined) return undefined;
      parts.push(t);
    }
    return `[${parts.join(',')}]`;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  for (const [k, item] of Object.entries(v)) {
    const t = exactText(item, depth + 1);
    if (t === undefined) return undefined;
    parts.push(`${JSON.stringify(k)}:${t}`);
  }
  return `{${parts.join(',')}}`;
}

// Few distinct leaves and keys, so equal and nearly equal pairs are common; -0, NaN and undefined are never remembered.
const leaf = fc.constantFrom<unknown>('a', 'b', '', '"', 0, 1, -0, Number.NaN, true, null, undefined);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('app', 'k8s:role', 'x'), tie('v'), { maxKeys: 3 })),
})).v;

/** What the memo answers for b after a: 'a' when it shares a's answer. */
function second(memo: ValueMemo<string>, a: unknown, b: unknown): string {
  memo.remember(a, () => 'a');
  return memo.remember(b, () => 'b');
}

/** Every value that has a number collides: the comparison alone decides. */
const colliding = () => new ValueMemo<string>((v) => (valueHash(v) === undefined ? undefined : 7));

describe('ValueMemo', () => {
  it('shares an answer exactly between values with the same exact text', () => {
    fc.assert(fc.property(value, value, (a, b) => {
      const ta = exactText(a);
      const shared = ta !== undefined && ta === exactText(b);
      expect(second(new ValueMemo(), a, b)).toBe(shared ? 'a' : 'b');
      expect(second(colliding(), a, b)).toBe(shared ? 'a' : 'b');
    }), { numRuns: 3000 });
  });

  it('shares an answer between equal values, whatever object they are', () => {
    const a = { matchLabels: { app: 'web', 'k8s:role': 'db' }, matchExpressions: [{ key: 'x', operator: 'In', values: ['1', 2, true, null] }] };
    expect(second(new ValueMemo(), a, JSON.parse(JSON.stringify(a)))).toBe('a');
    expect(second(colliding(), a, JSON.parse(JSON.stringify(a)))).toBe('a');
  });

  it('tells apart what the rules can tell apart, and values that read alike as text', () => {
    const values: unknown[] = [
      { a: '1' }, { a: 1 }, { a: true }, { a: null }, { a: ['1'] }, { a: { b: '1' } }, { b: '1' },
      // Key order is what Object.entries gives the rules, and so the order of findings.
      { a: '1', b: '2' }, { b: '2', a: '1' },
      ['a'], '"a"', 'a', { 'a"': '' }, { a: '",' }, { ab: '' }, { a: 'b' }, [1, [2]], [[1], 2], {}, [],
      '\n', '\\n', '\\', '\\"', '"', { 'a\\': 'b' }, { 'a\\"': '' }, { 'a"': '\\' }, ['a","b'], ['a', 'b'], { 'a":"b': '' }, { a: 'b":"' }, { a: '","b":"c' }, { a: '', b: 'c' },
      ['cidr', '10.0.0.0/8'], ['cidr', '10.0.0.0/8', []], ['service'], ['service', null], ['service', ''],
    ];
    for (const memo of [new ValueMemo<string>(), colliding()]) {
      const answers = values.map((v, i) => memo.remember(v, () => String(i)));
      expect(answers).toEqual(values.map((_v, i) => String(i)));
    }
  });

  it('never remembers what JSON would blur or a comparison cannot hold', () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 20; i++) { const next = {}; at.x = next; at = next; }
    // eslint-disable-next-line no-sparse-arrays
    for (const v of [{ a: undefined }, { a: () => 1 }, { a: -0 }, { a: Number.NaN }, { a: Infinity }, { a: 1n }, { a: new Date(0) }, { a: new Map() }, [1, , 2], deep]) {
      expect(valueHash(v)).toBeUndefined();
      expect(second(new ValueMemo(), v, v)).toBe('b');
    }
  });

  it('computes again past a full bucket, and never answers for another value', () => {
    const memo = new ValueMemo<number>(() => 1);
    let computed = 0;
    for (let round = 0; round < 2; round++) for (let i = 0; i < 20; i++) expect(memo.remember({ i }, () => { computed++; return i; })).toBe(i);
    // The first 8 are kept; the other 12 are computed in both rounds.
    expect(computed).toBe(20 + 12);
  });

  it('has a number exactly for the values with an exact text', () => {
    fc.assert(fc.property(value, (v) => {
      expect(valueHash(v) === undefined).toBe(exactText(v) === undefined);
    }), { numRuns: 2000 });
  });
});
