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
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k], depth + 1)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function rulePeersCover(outer: RuleForShadow, inner: RuleForShadow, peerCovers: (a: unknown, b: unknown) => boolean, spelling: (peer: unknown) => string): boolean {
  if (outer.peers === 'all') return true;
  if (inner.peers === 'all') return false;
  const outerPeers = outer.peers;
  return inner.peers.length > 0 && inner.peers.every((b) => outerPeers.some((a) => spelling(a) === spelling(b) || peerCovers(a, b)));
}

/** For each rule covered by another (an identical pair reports only the later one). */
export function shadowLints(rules: readonly RuleForShadow[], peerCovers: (a: unknown, b: unknown) => boolean): Lint[] {
  const out: Lint[] = [];
  // Every pair of rules compares their peers: spell each peer once (this runs on the admission path).
  const spelled = new Map<unknown, string>();
  const spelling = (peer: unknown): string => {
    let s = spelled.get(peer);
    if (s === undefined) {
      s = canonical(peer);
      spelled.set(peer, s);
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
