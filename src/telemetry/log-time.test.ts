import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeField } from './log-time.js';

const iso = (t: number) => `,"time":"${new Date(t).toISOString()}"`;

describe('timeField', () => {
  it('writes what toISOString writes, at any millisecond', () => {
    fc.assert(fc.property(fc.integer({ min: -62_198_755_200_000, max: 300_000_000_000_000 }), (t) => {
      expect(timeField(t)).toBe(iso(t));
    }), { numRuns: 5000 });
  });

  it('stays right across second boundaries and back', () => {
    const base = Date.UTC(2026, 11, 31, 23, 59, 59);
    for (const t of [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base + 1001, base - 1, base]) {
      expect(timeField(t)).toBe(iso(t));
    }
  });
});
