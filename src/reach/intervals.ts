/**
 * Sorted, disjoint, closed intervals of integers (ports as numbers, addresses
 * as bigints). Connection sets and address sets are both built on these, so
 * union and intersection are one implementation.
 */
export type Interval<T extends number | bigint> = readonly [T, T];

function successor<T extends number | bigint>(v: T): T {
  return (typeof v === 'bigint' ? v + 1n : Number(v) + 1) as T;
}

export function normalize<T extends number | bigint>(list: readonly Interval<T>[]): Interval<T>[] {
  const sorted = [...list].filter(([a, b]) => a <= b).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: [T, T][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    // Adjacent intervals merge too: [1,5] and [6,9] are [1,9].
    if (last !== undefined && a <= successor(last[1])) {
      if (b > last[1]) last[1] = b;
    } else {
      out.push([a, b]);
    }
  }
  return out;
}

export function union<T extends number | bigint>(a: readonly Interval<T>[], b: readonly Interval<T>[]): Interval<T>[] {
  return normalize([...a, ...b]);
}

export function intersection<T extends number | bigint>(a: readonly Interval<T>[], b: readonly Interval<T>[]): Interval<T>[] {
  const out: Interval<T>[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval<T>;
    const y = b[j] as Interval<T>;
    const lo = x[0] > y[0] ? x[0] : y[0];
    const hi = x[1] < y[1] ? x[1] : y[1];
    if (lo <= hi) out.push([lo, hi]);
    if (x[1] < y[1]) i++;
    else j++;
  }
  return out;
}

export function sameIntervals<T extends number | bigint>(a: readonly Interval<T>[], b: readonly Interval<T>[]): boolean {
  return a.length === b.length && a.every((x, i) => x[0] === b[i]?.[0] && x[1] === b[i]?.[1]);
}
