/**
 * Shadowed rules: a rule whose peers and ports another rule of the same
 * policy and direction already allows adds nothing, which usually means a
 * selector or a port was meant to differ. Peers are compared as written
 * (after a canonical spelling), plus the cases where one peer plainly
 * contains another; anything subtler is left alone, since a lint must not
 * claim a shadow that is not there.
 */
import { fieldPathText, type FieldPath } from '../path.js';
import { isRecord } from '../report.js';
import { portsCover, type RulePorts } from './ports.js';
import type { Lint } from './types.js';

export interface RuleForShadow {
  path: FieldPath;
  ports: RulePorts;
  /** `all`: no peers written (every peer); otherwise each peer, as written. */
  peers: 'all' | readonly unknown[];
}

/** JSON with object keys sorted, so equal selectors spelled in another order compare equal. */
export function canonical(v: unknown, depth = 0): string {
  if (depth > 32) return '…';
  // Loops and concatenation rather than map/join: this runs for every peer of every policy admitted.
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + canonical(v[i], depth + 1);
    return `${out}]`;
  }
  if (isRecord(v)) {
    const keys = Object.keys(v).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${canonical(v[k], depth + 1)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Whether peer `a` plainly contains peer `b`; `spelling` is {@link canonical}, remembered for the review's objects. */
export type PeerCovers = (a: unknown, b: unknown, spelling: (v: unknown) => string) => boolean;

function rulePeersCover(outer: RuleForShadow, inner: RuleForShadow, peerCovers: PeerCovers, spelling: (peer: unknown) => string): boolean {
  if (outer.peers === 'all') return true;
  if (inner.peers === 'all') return false;
  const outerPeers = outer.peers;
  return inner.peers.length > 0 && inner.peers.every((b) => outerPeers.some((a) => spelling(a) === spelling(b) || peerCovers(a, b, spelling)));
}

/** For each rule covered by another (an identical pair reports only the later one). */
export function shadowLints(rules: readonly RuleForShadow[], peerCovers: PeerCovers): Lint[] {
  const out: Lint[] = [];
  // Every pair of rules compares their peers: spell each value once (this runs on the admission path).
  const spelled = new Map<unknown, string>();
  const spelling = (v: unknown): string => {
    let s = spelled.get(v);
    if (s === undefined) {
      s = canonical(v);
      spelled.set(v, s);
    }
    return s;
  };
  rules.forEach((inner, j) => {
    const by = rules.findIndex((outer, i) => {
      if (i === j) return false;
      // Ports first: comparing them is cheap, and peers are spelled only for rules whose ports could shadow.
      const covers = portsCover(outer.ports, inner.ports) && rulePeersCover(outer, inner, peerCovers, spelling);
      if (!covers) return false;
      // Two rules that cover each other: the earlier one stays, the later is the shadowed one.
      const mutual = portsCover(inner.ports, outer.ports) && rulePeersCover(inner, outer, peerCovers, spelling);
      return !mutual || i < j;
    });
    const outer = rules[by];
    if (outer !== undefined) {
      out.push({ code: 'RuleShadowed', path: inner.path, message: `allows nothing that ${fieldPathText(outer.path)} does not allow already: it has no effect; check whether a selector or a port was meant to differ` });
    }
  });
  return out;
}
