import { describe, expect, it } from 'vitest';
import { fitWarnings } from './codec.js';

describe('fitWarnings', () => {
  it('passes what fits unchanged and counts what does not', () => {
    expect(fitWarnings(['a', 'b', 'a', ''])).toEqual(['a', 'b']);
    const many = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const fitted = fitWarnings(many);
    expect(fitted).toHaveLength(12);
    expect(fitted.slice(0, 11)).toEqual(many.slice(0, 11));
    expect(fitted[11]).toBe('…and 9 more warnings: run tenant-guard check on the object to see them all');
  });

  it('counts runes, not UTF-16 units, as the API server does', () => {
    const emoji = '😀'.repeat(600);
    const [w] = fitWarnings([emoji]);
    expect([...w!].length).toBe(512);
    // 300 emoji are 600 UTF-16 units but 300 runes: within the limit, unchanged.
    expect(fitWarnings(['😀'.repeat(300)])).toEqual(['😀'.repeat(300)]);
  });

  it('cuts a warning at 512 runes exactly, plain text or not', () => {
    expect(fitWarnings(['x'.repeat(512)])).toEqual(['x'.repeat(512)]);
    expect(fitWarnings(['x'.repeat(513)])).toEqual([`${'x'.repeat(511)}…`]);
    // A lone surrogate is one rune, as Go reads it (the replacement character).
    const lone = `${'x'.repeat(510)}\uD800y`;
    expect(fitWarnings([lone])).toEqual([lone]);
    // The total counts runes too: 12 warnings of 300 emoji (3,600 runes) do not fit in 3,072.
    expect(fitWarnings(Array.from({ length: 12 }, (_, i) => `${i}${'😀'.repeat(299)}`)).at(-1)).toMatch(/^…and \d+ more warnings/);
  });
});
