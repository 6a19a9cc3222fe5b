/**
 * Answers remembered per JSON-like value within one review, for what repeats
 * in a large policy: a CiliumNetworkPolicy's endpoint selectors (the same
 * ones in every spec), CIDRs with their except lists, service namespaces.
 * Two values share an answer only when every read the rules can make of them
 * gives the same result: the same keys in the same order (Object.entries
 * order is the order of findings), the same types, strings and numbers.
 * Anything JSON would blur or a comparison cannot hold (undefined, functions,
 * -0, NaN, Infinity, class instances, holes, nesting deeper than 8) is never
 * remembered, so its answer is computed every time.
 *
 * Not a text key: spelling each selector as text cost more than judging the
 * repeats saved on large policies (a 31 KB policy's 70 selectors made 6 KB
 * of key text per review). A number is computed from the value instead, and
 * a value is compared in place with the ones of that number, so a collision
 * costs a comparison, never a wrong answer. A bucket holds at most MAX_BUCKET
 * values: past that (values made to collide) answers are computed again, as
 * without a memo.
 */
const MAX_DEPTH = 8;
const MAX_BUCKET = 8;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

function mix(h: number, n: number): number {
  return Math.imul(h ^ n, FNV_PRIME);
}

function mixText(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, 0x10000);
}

/** The value's number, or undefined for a value that is never remembered. */
export function valueHash(v: unknown, h = FNV_OFFSET, depth = 0): number | undefined {
  switch (typeof v) {
    case 'string': return mixText(mix(h, 1), v);
    case 'boolean': return mix(h, v ? 2 : 3);
    case 'number': return Number.isFinite(v) && !Object.is(v, -0) ? mixText(mix(h, 4), `${v}`) : undefined;
    case 'object': break;
    default: return undefined;
  }
  if (v === null) return mix(h, 5);
  if (depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(v)) {
    let out: number | undefined = mix(h, 6);
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return undefined;
      out = valueHash(v[i], out, depth + 1);
      if (out === undefined) return undefined;
    }
    return mix(out, 7);
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  let out: number | undefined = mix(h, 8);
  for (const name of Object.keys(v)) {
    out = valueHash((v as Record<string, unknown>)[name], mixText(out, name), depth + 1);
    if (out === undefined) return undefined;
  }
  return mix(out, 9);
}

/** Whether two values that both have a number read the same: same keys in the same order, same items, same scalars. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] as string;
    if (k !== kb[i] || !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

export class ValueMemo<T> {
  private readonly buckets = new Map<number, { value: unknown; answer: T }[]>();

  /** `hash` is replaceable so tests can make every value collide. */
  constructor(private readonly hash: (v: unknown) => number | undefined = (v) => valueHash(v)) {}

  /** The answer for a value the same as `value`, computing (and keeping) it the first time. */
  remember(value: unknown, compute: () => T): T {
    const h = this.hash(value);
    if (h === undefined) return compute();
    let bucket = this.buckets.get(h);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(h, bucket);
    }
    for (const e of bucket) if (same(e.value, value)) return e.answer;
    const answer = compute();
    if (bucket.length < MAX_BUCKET) bucket.push({ value, answer });
    return answer;
  }
}
