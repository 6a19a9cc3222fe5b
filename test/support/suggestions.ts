/** Applying a verdict's suggestions and judging the result again (the check behind the suggestion invariant). */
import fastJsonPatch from 'fast-json-patch';
import type { Operation as PatchOperation } from 'fast-json-patch';
import type { ReviewInput, Verdict } from '../../src/policy/types.js';

type Review = (input: ReviewInput) => Verdict;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const key = (v: { code: string; path: string }) => `${v.code} @ ${v.path}`;

/** Every suggestion of the verdict applied once, in order, to a copy of the object. */
export function applySuggestions(object: Record<string, unknown>, verdict: Verdict): Record<string, unknown> {
  const seen = new Set<string>();
  let doc: Record<string, unknown> = structuredClone(object);
  for (const v of verdict.violations) {
    if (v.suggestion === undefined) continue;
    const k = JSON.stringify(v.suggestion);
    if (seen.has(k)) continue;
    seen.add(k);
    doc = fastJsonPatch.applyPatch(doc, v.suggestion as PatchOperation[], true, false).newDocument;
  }
  return doc;
}

/** Undefined when the invariant holds, else what broke it. */
export function checkSuggestions(review: Review, input: ReviewInput, verdict: Verdict): string | undefined {
  if (verdict.allowed || !verdict.violations.some((v) => v.suggestion !== undefined)) return undefined;
  if (!isRecord(input.object)) return 'a suggestion on a request without an object';
  let fixed: Record<string, unknown>;
  try {
    fixed = applySuggestions(input.object, verdict);
  } catch (err) {
    // Objects nested deeper than the JS stack cannot be copied to check here
    // (the engine itself reads them without recursion limits; review.test.ts
    // holds it to never throwing on them).
    if (err instanceof RangeError) return undefined;
    return `a suggestion does not apply: ${(err as Error).message}; violations: ${JSON.stringify(verdict.violations)}`;
  }
  const md = isRecord(fixed.metadata) ? fixed.metadata : {};
  const isNamespace = input.kind.group === '' && input.kind.kind === 'Namespace';
  const again = review({ ...input, object: fixed, name: isNamespace && typeof md.name === 'string' ? md.name : input.name });
  const expected = verdict.violations.filter((v) => v.suggestion === undefined).map(key).sort();
  const remaining = again.violations.map(key).sort();
  if (JSON.stringify(expected) !== JSON.stringify(remaining)) {
    return `after applying the suggestions, expected remaining [${expected.join('; ')}] but got [${remaining.join('; ')}] for ${JSON.stringify(input.object).slice(0, 600)}`;
  }
  return undefined;
}
