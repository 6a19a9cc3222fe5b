/**
 * Can some label set satisfy a selector, given what is fixed about it? This is
 * how a namespace that does not exist yet is judged: a tenant's new namespace
 * has the tenant label set by the webhook, a name of the tenant's choosing
 * (under its prefix with namespacePrefix) and any other labels the tenant
 * likes. Pods a tenant may create have any labels at all.
 */
import type { Requirement, Selector } from '../policy/label-selector.js';

/** What is known about one label key. */
export type KeyDomain =
  | { kind: 'fixed'; value: string }
  /** Always present; `ok` says which values are possible. */
  | { kind: 'present'; ok: (value: string) => boolean }
  | { kind: 'free' };

export function satisfiable(selector: Selector, domain: (key: string) => KeyDomain): boolean {
  const byKey = new Map<string, Requirement[]>();
  for (const r of selector.requirements) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  for (const [key, reqs] of byKey) if (!keySatisfiable(reqs, domain(key))) return false;
  return true;
}

function keySatisfiable(reqs: readonly Requirement[], d: KeyDomain): boolean {
  if (d.kind === 'fixed') {
    return reqs.every((r) => (r.op === 'In' ? r.values.includes(d.value) : r.op === 'NotIn' ? !r.values.includes(d.value) : r.op === 'Exists'));
  }
  const absentRequired = reqs.some((r) => r.op === 'DoesNotExist');
  const presentRequired = reqs.some((r) => r.op === 'In' || r.op === 'Exists');
  if (absentRequired) return !presentRequired && d.kind === 'free';
  const excluded = new Set(reqs.flatMap((r) => (r.op === 'NotIn' ? r.values : [])));
  const ins = reqs.filter((r) => r.op === 'In');
  if (ins.length > 0) {
    let candidates = [...(ins[0] as Requirement).values];
    for (const r of ins.slice(1)) candidates = candidates.filter((v) => r.values.includes(v));
    return candidates.some((v) => !excluded.has(v) && (d.kind === 'free' || d.ok(v)));
  }
  // Exists / NotIn only: a value nobody listed will do (and absence, for NotIn, where allowed).
  return true;
}

/**
 * Could a pod have labels that none of `selectors` match (so no policy of that
 * direction selects it)? Tried on a few label sets: none, every key with a value
 * no selector names, and each named value alone. Finds the usual cases; a
 * selector set that covers all label sets in a way these miss is taken as
 * leaving no pod unselected.
 */
export function someLabelsEscape(selectors: readonly Selector[], matches: (s: Selector, labels: Readonly<Record<string, string>>) => boolean): boolean {
  if (selectors.length === 0) return true;
  if (selectors.some((s) => s.requirements.length === 0)) return false;
  const keys = [...new Set(selectors.flatMap((s) => s.requirements.map((r) => r.key)))];
  const fresh = '\u0000unnamed';
  const candidates: Record<string, string>[] = [{}, Object.fromEntries(keys.map((k) => [k, fresh]))];
  for (const s of selectors) for (const r of s.requirements) for (const v of r.values) {
    candidates.push({ [r.key]: v });
    candidates.push({ ...Object.fromEntries(keys.map((k) => [k, fresh])), [r.key]: v });
  }
  return candidates.some((labels) => !selectors.some((s) => matches(s, labels)));
}
