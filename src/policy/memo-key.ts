/**
 * A text that stands for a JSON-like value exactly, for remembering answers
 * within one review: two values get the same key only when every read the
 * rules can make of them (Object.entries order, Array.isArray, typeof, the
 * strings and numbers) gives the same result. Anything else (undefined,
 * functions, -0, NaN, class instances, holes, deep nesting) has no key, so
 * the caller just computes the answer again.
 */
const MAX_DEPTH = 8;

/**
 * A string's part of a key. Only `"` and `\` could make two texts read alike,
 * so a string without them is quoted as it is (nearly every label key and
 * value; JSON.stringify cost more than the rest of the key), and one with them
 * is written as JSON, whose escapes hold a `\` that no plain one does.
 */
const QUOTE_OR_BACKSLASH = /["\\]/;
function quoted(s: string): string {
  return QUOTE_OR_BACKSLASH.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function keyOf(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case 'string': return quoted(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return Number.isFinite(v) && !Object.is(v, -0) ? `${v}` : undefined;
    case 'object': break;
    default: return undefined;
  }
  if (v === null) return 'null';
  if (depth >= MAX_DEPTH) return undefined;
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return undefined;
      const k = keyOf(v[i], depth + 1);
      if (k === undefined) return undefined;
      out += i === 0 ? k : `,${k}`;
    }
    return `${out}]`;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  out = '{';
  let first = true;
  for (const name of Object.keys(v)) {
    const k = keyOf((v as Record<string, unknown>)[name], depth + 1);
    if (k === undefined) return undefined;
    out += `${first ? '' : ','}${quoted(name)}:${k}`;
    first = false;
  }
  return `${out}}`;
}

export function memoKey(v: unknown): string | undefined {
  return keyOf(v, 0);
}
