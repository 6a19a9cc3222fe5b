/**
 * Addresses outside the cluster, as the ipBlocks of the input cut them up.
 * An ipBlock never matches a pod (pod addresses are not known from manifests),
 * so it only ever selects external addresses. The address space is split into
 * classes of addresses that every ipBlock treats alike; each class is shown as
 * its contiguous ranges, e.g. `0.0.0.0-9.255.255.255[External]`.
 */
import { parseCidr } from '../policy/cidr.js';
import { intersection, normalize, type Interval } from './intervals.js';

export type Family = 4 | 6;
export type AddressSet = Readonly<Record<Family, readonly Interval<bigint>[]>>;

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;
export const EVERY_ADDRESS: AddressSet = Object.freeze({ 4: [[0n, V4_MAX]], 6: [[0n, V6_MAX]] });

/** `cidr` minus `except`, or a message naming what does not parse. */
export function ipBlockSet(cidr: unknown, except: readonly unknown[]): { ok: true; set: AddressSet } | { ok: false; message: string } {
  const block = parseCidr(cidr);
  if (block === undefined || typeof cidr !== 'string' || !cidr.includes('/')) return { ok: false, message: `cidr ${JSON.stringify(cidr)} is not a CIDR` };
  let ranges: Interval<bigint>[] = [[block.start, block.end]];
  for (const e of except) {
    const x = parseCidr(e);
    if (x === undefined || typeof e !== 'string' || !e.includes('/')) return { ok: false, message: `except ${JSON.stringify(e)} is not a CIDR` };
    if (x.family !== block.family) continue;
    ranges = subtract(ranges, [x.start, x.end]);
  }
  const empty: Interval<bigint>[] = [];
  return { ok: true, set: block.family === 4 ? { 4: ranges, 6: empty } : { 4: empty, 6: ranges } };
}

function subtract(ranges: readonly Interval<bigint>[], [s, e]: Interval<bigint>): Interval<bigint>[] {
  const out: Interval<bigint>[] = [];
  for (const [a, b] of ranges) {
    if (e < a || s > b) {
      out.push([a, b]);
      continue;
    }
    if (a < s) out.push([a, s - 1n]);
    if (e < b) out.push([e + 1n, b]);
  }
  return out;
}

export function overlaps(a: AddressSet, b: AddressSet): boolean {
  return intersection(a[4], b[4]).length > 0 || intersection(a[6], b[6]).length > 0;
}

/** One class of external addresses: every ipBlock contains all of it or none of it. */
export interface AddressClass {
  family: Family;
  ranges: readonly Interval<bigint>[];
}

/**
 * The classes the given blocks induce on the address space. IPv6 is only
 * considered when some block is IPv6 (manifests rarely say, and the oracle
 * this is compared with shows IPv4 only).
 */
export function addressClasses(blocks: readonly AddressSet[]): AddressClass[] {
  const out: AddressClass[] = [];
  const families: Family[] = blocks.some((b) => b[6].length > 0) ? [4, 6] : [4];
  for (const family of families) {
    const max = family === 4 ? V4_MAX : V6_MAX;
    const cuts = new Set<bigint>([0n, max + 1n]);
    for (const b of blocks) for (const [s, e] of b[family]) cuts.add(s).add(e + 1n);
    const points = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const bySignature = new Map<string, Interval<bigint>[]>();
    for (let i = 0; i + 1 < points.length; i++) {
      const start = points[i] as bigint;
      const end = (points[i + 1] as bigint) - 1n;
      const signature = blocks.map((b) => (b[family].some(([s, e]) => s <= start && end <= e) ? '1' : '0')).join('');
      const list = bySignature.get(signature) ?? [];
      list.push([start, end]);
      bySignature.set(signature, list);
    }
    for (const ranges of bySignature.values()) out.push({ family, ranges: normalize(ranges) });
  }
  return out;
}

export function classIn(c: AddressClass, set: AddressSet): boolean {
  const first = c.ranges[0];
  return first !== undefined && set[c.family].some(([s, e]) => s <= first[0] && first[1] <= e);
}

export function rangeText(family: Family, [s, e]: Interval<bigint>): string {
  return `${addressText(family, s)}-${addressText(family, e)}`;
}

function addressText(family: Family, n: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((sh) => String((n >> sh) & 0xffn)).join('.');
  const parts: string[] = [];
  for (let sh = 112n; sh >= 0n; sh -= 16n) parts.push(((n >> sh) & 0xffffn).toString(16));
  // Shorten the longest run of zero groups, as addresses are usually written.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best === -1) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}
