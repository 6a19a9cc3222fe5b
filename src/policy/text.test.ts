import { describe, expect, it } from 'vitest';
import { compareText, valueText } from './text.js';

describe('compareText', () => {
  it('orders by code unit, as sort() does, whatever the locale would say', () => {
    const words = ['b', 'a-b', 'B', 'ab', 'a', 'ä', 'a_b', 'Z', '10', '9'];
    expect([...words].sort(compareText)).toEqual([...words].sort());
    // A locale-aware order would put "B" beside "b" and "ab" before "a-b"; code units do not.
    expect(['b', 'B', 'a'].sort(compareText)).toEqual(['B', 'a', 'b']);
    expect(['ab', 'a-b'].sort(compareText)).toEqual(['a-b', 'ab']);
  });

  it('is zero only for equal text', () => {
    expect(compareText('acme', 'acme')).toBe(0);
    expect(compareText('acme', 'acme-web')).toBeLessThan(0);
    expect(compareText('acme-web', 'acme')).toBeGreaterThan(0);
  });
});

describe('valueText', () => {
  it('shortens long values and never throws on deep nesting', () => {
    expect(valueText('x'.repeat(300)).length).toBe(256);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(valueText(deep)).toBe('(a value nested too deeply to show)');
  });
});
