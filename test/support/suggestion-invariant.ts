/**
 * The suggestion invariant, checked on every review the unit and HTTP suites
 * make: for a refused object, applying all of its suggested patches gives an
 * object whose remaining violations are exactly the ones that had no
 * suggestion. The engine's review() is wrapped for the whole run, so every
 * refused case of every table is held to it, not a hand-picked sample.
 */
import { vi } from 'vitest';
import type * as ReviewModule from '../../src/policy/review.js';
import { checkSuggestions } from './suggestions.js';

vi.mock('../../src/policy/review.js', async (importOriginal) => {
  const original = await importOriginal<typeof ReviewModule>();
  return {
    ...original,
    review: (input: Parameters<typeof original.review>[0]) => {
      const verdict = original.review(input);
      const problem = checkSuggestions(original.review, input, verdict);
      if (problem !== undefined) throw new Error(`suggestion invariant broken: ${problem}`);
      return verdict;
    },
  };
});
