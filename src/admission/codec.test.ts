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
  });
});
