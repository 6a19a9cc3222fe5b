/**
 * Cilium stores a selector's matchLabels under encoded keys
 * (`EndpointSelector.Sanitize` → `NewESFromK8sLabelSelector` with the `any:`
 * prefix → `NewSourceEncodedLabelKey`): a key without a source gets `any:`,
 * an empty source becomes `any`, `$x` becomes `reserved:x`. Two keys that
 * encode alike (`app` and `any:app`, `:app`) land in one map entry while
 * Cilium ranges over a Go map, so which value survives is chosen at random
 * each time the policy is parsed. A selector with such keys is judged in
 * every reading.
 */
import { CILIUM_SOURCE_ANY, CILIUM_SOURCE_RESERVED } from '../vocabulary.js';

/** The key text Cilium stores a matchLabels key under. */
export function encodedKey(raw: string): string {
  if (raw.startsWith('$')) return `${CILIUM_SOURCE_RESERVED}:${raw.slice(1)}`;
  const colon = raw.indexOf(':');
  if (colon < 0) return `${CILIUM_SOURCE_ANY}:${raw}`;
  if (colon === 0) return `${CILIUM_SOURCE_ANY}:${raw.slice(1)}`;
  return raw;
}

/** Readings beyond which a selector is judged on the first ones only (nobody writes that many colliding keys). */
const MAX_READINGS = 64;

/**
 * Every selector Cilium may end up with: one per choice of the surviving key
 * in each group of matchLabels keys that encode alike. Just the selector
 * itself when no keys collide.
 */
export function selectorReadings(selector: Record<string, unknown>): Record<string, unknown>[] {
  const labels = selector.matchLabels;
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return [selector];
  const groups = new Map<string, string[]>();
  for (const key of Object.keys(labels)) {
    const enc = encodedKey(key);
    groups.set(enc, [...(groups.get(enc) ?? []), key]);
  }
  let readings: Record<string, unknown>[] = [selector];
  for (const keys of groups.values()) {
    if (keys.length < 2) continue;
    readings = readings.flatMap((r) => keys.map((keep) => ({
      ...r,
      matchLabels: Object.fromEntries(Object.entries(r.matchLabels as Record<string, unknown>).filter(([k]) => k === keep || !keys.includes(k))),
    }))).slice(0, MAX_READINGS);
  }
  return readings;
}
