/**
 * Shadowed rules: a rule whose peers and ports another rule of the same
 * policy and direction already allows adds nothing, which usually means a
 * selector or a port was meant to differ. Peers are compared as written
 * (keys in any order), plus the cases where one peer plainly
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

/**
 * Whether two values are the same JSON with object keys in any order (equal
 * selectors spelled in another order compare equal). Compared in place rather
 * than by spelling both: this runs for pairs of peers of every policy
 * admitted, and most pairs differ at their first field. Values nested deeper
 * than 32 levels compare equal, as no selector is.
 */
export function sameJson(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b || depth > 32) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (isRecord(a) || isRecord(b)) {
    if (!isRecord(a) || !isRecord(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const k of keys) if (!Object.prototype.propertyIsEnumerable.call(b, k) || !sameJson(a[k], b[k], depth + 1)) return false;
    return true;
  }
  // Scalars as JSON writes them: null and undefined alike, as JSON has only null.
  return (JSON.stringify(a) ?? 'null') === (JSON.stringify(b) ?? 'null');
}

/** Whether peer `a` plainly contains peer `b` (besides being the same: {@link sameJson}). */
export type PeerCovers = (a: unknown, b: unknown) => boolean;

function rulePeersCover(outer: RuleForShadow, inner: RuleForShadow, peerCovers: PeerCovers): boolean {
  if (outer.peers === 'all') return true;
  if (inner.peers === 'all') return false;
  const outerPeers = outer.peers;
  return inner.peers.length > 0 && inner.peers.every((b) => outerPeers.some((a) => sameJson(a, b) || peerCovers(a, b)));
}

/** For each rule covered by another (an identical pair reports only the later one). */
export function shadowLints(rules: readonly RuleForShadow[], peerCovers: PeerCovers): Lint[] {
  const out: Lint[] = [];
  rules.forEach((inner, j) => {
    const by = rules.findIndex((outer, i) => {
      if (i === j) return false;
      // Ports first: comparing them is cheap, and peers are compared only for rules whose ports could shadow.
      const covers = portsCover(outer.ports, inner.ports) && rulePeersCover(outer, inner, peerCovers);
      if (!covers) return false;
      // Two rules that cover each other: the earlier one stays, the later is the shadowed one.
      const mutual = portsCover(inner.ports, outer.ports) && rulePeersCover(inner, outer, peerCovers);
      return !mutual || i < j;
    });
    const outer = rules[by];
    if (outer !== undefined) {
      out.push({ code: 'RuleShadowed', path: inner.path, message: `allows nothing that ${fieldPathText(outer.path)} does not allow already: it has no effect; check whether a selector or a port was meant to differ` });
    }
  });
  return out;
}
