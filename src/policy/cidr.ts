/**
 * CIDR arithmetic for "does this block reach the cluster's own ranges?".
 * Ranges are BigInt intervals per family. An IPv6 block inside the
 * IPv4-mapped space (::ffff:0:0/96) is judged as the IPv4 block it maps to,
 * so `::ffff:10.244.0.0/112` cannot smuggle a pod range past an IPv4 rule.
 */
import ipaddr from 'ipaddr.js';

export interface Cidr {
  family: 4 | 6;
  start: bigint;
  end: bigint;
  prefix: number;
  /** The canonical text, network address masked. */
  text: string;
}

const MAPPED_V4_START = 0xffffn << 32n;
const MAPPED_V4_END = MAPPED_V4_START + 0xffffffffn;

function bytesToBig(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function bigToV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
}

function bigToV6(n: bigint): string {
  const parts: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) parts.push(Number((n >> s) & 0xffffn));
  return new ipaddr.IPv6(parts).toString();
}

function make(family: 4 | 6, addr: bigint, prefix: number): Cidr {
  const bits = family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - prefix);
  const start = (addr >> hostBits) << hostBits;
  const end = start + (1n << hostBits) - 1n;
  const text = `${family === 4 ? bigToV4(start) : bigToV6(start)}/${prefix}`;
  return { family, start, end, prefix, text };
}

/**
 * Parsing is the engine's costliest step: the protected ranges are parsed for
 * every review and policies repeat the same blocks. Results are frozen and
 * memoized by text; only texts that can be a CIDR are kept, and the memo is
 * bounded, so an object cannot make it grow.
 */
const MEMO_LIMIT = 4096;
const MEMO_KEY_MAX = 64;
const memo = new Map<string, Cidr | undefined>();

/** Parse `addr/prefix` (a bare address is a single host). Returns undefined when invalid. */
export function parseCidr(input: unknown): Cidr | undefined {
  if (typeof input !== 'string') return undefined;
  if (input.length > MEMO_KEY_MAX) return parseText(input);
  if (memo.has(input)) return memo.get(input);
  const parsed = parseText(input);
  const c = parsed === undefined ? undefined : Object.freeze(parsed);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(input, c);
  return c;
}

function parseText(input: string): Cidr | undefined {
  const s = input.trim();
  const slash = s.indexOf('/');
  const addrText = slash === -1 ? s : s.slice(0, slash);
  const prefixText = slash === -1 ? undefined : s.slice(slash + 1);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(addrText)) {
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (prefix > 32) return undefined;
    return make(4, bytesToBig(ipaddr.IPv4.parse(addrText).toByteArray()), prefix);
  }
  if (addrText.includes(':') && ipaddr.IPv6.isValid(addrText) && !addrText.includes('%')) {
    const prefix = prefixText === undefined ? 128 : Number(prefixText);
    if (prefix > 128) return undefined;
    const c = make(6, bytesToBig(ipaddr.IPv6.parse(addrText).toByteArray()), prefix);
    if (c.start >= MAPPED_V4_START && c.end <= MAPPED_V4_END) {
      return make(4, c.start - MAPPED_V4_START, prefix - 96);
    }
    return c;
  }
  return undefined;
}

/** The part of `a` that is also in `b`, or undefined. (Prefixes are nested or disjoint.) */
export function intersect(a: Cidr, b: Cidr): Cidr | undefined {
  if (a.family !== b.family) return undefined;
  if (a.end < b.start || b.end < a.start) return undefined;
  return a.prefix >= b.prefix ? a : b;
}

/** Is every address of `target` inside the union of `cover`? */
export function coveredBy(target: Cidr, cover: readonly Cidr[]): boolean {
  const ranges = cover
    .filter((c) => c.family === target.family && c.end >= target.start && c.start <= target.end)
    .map((c) => [c.start, c.end] as const)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let next = target.start;
  for (const [s, e] of ranges) {
    if (s > next) return false;
    if (e >= next) next = e + 1n;
    if (next > target.end) return true;
  }
  return next > target.end;
}

/**
 * The protected ranges that `cidr` minus `except` still reaches. Each result is
 * the overlap of the block with one protected range that the excepts do not
 * fully cover.
 */
export function reachedProtected(cidr: Cidr, except: readonly Cidr[], protectedRanges: readonly Cidr[]): Cidr[] {
  const reached: Cidr[] = [];
  for (const p of protectedRanges) {
    const overlap = intersect(cidr, p);
    if (overlap !== undefined && !coveredBy(overlap, except)) reached.push(p);
  }
  return reached;
}

export function parseAll(list: readonly string[]): Cidr[] {
  return list.map(parseCidr).filter((c): c is Cidr => c !== undefined);
}
