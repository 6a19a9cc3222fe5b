/**
 * One comparison: the engine's verdict for acme against the oracle's answer,
 * peer by peer. A peer must be refused exactly when it admits a namespace or
 * identity outside acme and the platform, or (Cilium) when one of its keys is
 * one Cilium rewrites, which the engine refuses by its own rule whatever the
 * key reaches. A peer that admits nothing at all is not compared: refusing a
 * selector that can never match is harmless, and the engine does not try to
 * prove selectors empty.
 */
import { policySettingsOf } from '../../src/config/schema.js';
import { fieldPathText, type FieldPath } from '../../src/policy/path.js';
import { review } from '../../src/policy/review.js';
import type { Verdict, Violation } from '../../src/policy/types.js';
import { rewrittenByGrammar } from './arbitraries.js';
import type { OracleAnswer, OracleKind, OraclePeer } from './client.js';
import { ALICE, CONFIG, insideFuture, insideNamespace, insideReserved, POLICY_NAMESPACE, VIEW } from './world.js';

const GROUPS: Record<OracleKind, string> = { CiliumNetworkPolicy: 'cilium.io', NetworkPolicy: 'networking.k8s.io' };
const VERSIONS: Record<OracleKind, string> = { CiliumNetworkPolicy: 'v2', NetworkPolicy: 'v1' };
/** The engine gets its own settings, as the webhook gives them. */
const SETTINGS = policySettingsOf(CONFIG);

export function engineVerdict(kind: OracleKind, object: unknown): Verdict {
  return review({
    kind: { group: GROUPS[kind], version: VERSIONS[kind], kind },
    operation: 'CREATE',
    namespace: POLICY_NAMESPACE,
    name: 'oracle',
    object,
    requester: ALICE,
    namespaces: VIEW,
    settings: SETTINGS,
  });
}

export type Category = 'escape' | 'rewritten key allowed' | 'over-strict' | 'unexplained refusal';

export interface Mismatch {
  category: Category;
  path: string;
  why: string;
}

export interface Disagreement {
  kind: OracleKind;
  object: unknown;
  answer: OracleAnswer;
  verdict: Verdict;
  mismatches: Mismatch[];
}

export type Outcome = { result: 'agree' | 'skipped' | 'disagree'; disagreement?: Disagreement; vacuous: number };

/**
 * A peer's path as segments. The oracle answers with text such as
 * `specs[1].ingress[0].fromEndpoints[2]` (its own wire format, built from
 * the Go field names, which are all identifiers); the engine's side needs no
 * reading: a violation carries its segments.
 */
function peerPath(text: string): FieldPath {
  return [...text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
}

/** The value at a path of the object. */
function at(object: unknown, path: FieldPath): unknown {
  let cur: unknown = object;
  for (const s of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

function keysOf(selector: unknown): string[] {
  if (selector === null || typeof selector !== 'object') return [];
  const s = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  const keys = s.matchLabels !== null && typeof s.matchLabels === 'object' ? Object.keys(s.matchLabels) : [];
  if (Array.isArray(s.matchExpressions)) for (const e of s.matchExpressions) if (typeof (e as { key?: unknown }).key === 'string') keys.push((e as { key: string }).key);
  return keys;
}

/** Keys of the selector that Cilium reads differently from how they are written. */
function rewrittenKeys(answer: OracleAnswer, selector: unknown): string[] {
  return keysOf(selector).flatMap((text) => {
    const k = answer.keys?.find((x) => x.text === text);
    const asWritten = k === undefined || text === k.key || text === `${k.source}:${k.key}`;
    return !asWritten || rewrittenByGrammar(text) ? [`"${text}" (Cilium reads ${k === undefined ? '?' : `${k.source}:${k.key}`})`] : [];
  });
}

function outsideOf(p: OraclePeer): string[] {
  return [
    ...p.namespaces.filter((n) => !insideNamespace(n)),
    ...p.futures.filter((f) => !insideFuture(f)).map((f) => {
      const [tenant, name] = f.split('/');
      return `a new namespace "${name}" ${tenant === '' ? 'with no owner' : `of tenant ${tenant}`}`;
    }),
    ...p.reserved.filter((r) => !insideReserved(r)).map((r) => `reserved:${r}`),
  ];
}

/** Whether the violation is at the path or inside it. */
const under = (v: Violation, path: FieldPath) => path.length <= v.segments.length && path.every((s, i) => v.segments[i] === s);

export function compare(kind: OracleKind, object: unknown, answer: OracleAnswer): Outcome {
  // The API server validates a NetworkPolicy's selectors before any webhook sees it.
  if (kind === 'NetworkPolicy' && !answer.valid) return { result: 'skipped', vacuous: 0 };
  const verdict = engineVerdict(kind, object);
  const mismatches: Mismatch[] = [];
  const explained = new Set<Violation>();
  let vacuous = 0;
  for (const p of answer.peers ?? []) {
    const path = peerPath(p.path);
    const mine = verdict.violations.filter((v) => under(v, path));
    mine.forEach((v) => explained.add(v));
    if (p.deny === true) {
      // Deny rules only take access away: nothing there is a reason to refuse.
      if (mine.length > 0) mismatches.push({ category: 'over-strict', path: p.path, why: 'a deny rule\'s peer is refused' });
      continue;
    }
    const rewritten = kind === 'CiliumNetworkPolicy' ? rewrittenKeys(answer, at(object, path)) : [];
    const outside = outsideOf(p);
    const refused = mine.length > 0;
    const example = p.example === undefined ? '' : ` (e.g. ${p.example.join(' ')})`;
    if (rewritten.length > 0) {
      if (!refused) mismatches.push({ category: 'rewritten key allowed', path: p.path, why: `keys ${rewritten.join(', ')}${outside.length > 0 ? `; admits ${outside.join(', ')}${example}` : ''}` });
    } else if (outside.length > 0) {
      if (!refused) mismatches.push({ category: 'escape', path: p.path, why: `admits ${outside.join(', ')}${example}` });
    } else if (refused) {
      if (p.namespaces.length + p.futures.length + p.reserved.length === 0) vacuous++;
      else mismatches.push({ category: 'over-strict', path: p.path, why: `admits only ${[...p.namespaces, ...p.futures.map((f) => `new ${f}`), ...p.reserved.map((r) => `reserved:${r}`)].join(', ')}` });
    }
  }
  // The endpointSelector is always pinned; only a rewritten key there is a reason to refuse.
  for (const base of [['spec'], ...((object as { specs?: unknown[] }).specs ?? []).map((_, i) => ['specs', i])]) {
    const path = [...base, 'endpointSelector'];
    if (kind !== 'CiliumNetworkPolicy' || at(object, path) === undefined) continue;
    const mine = verdict.violations.filter((v) => under(v, path));
    mine.forEach((v) => explained.add(v));
    const rewritten = rewrittenKeys(answer, at(object, path));
    if (rewritten.length > 0 && mine.length === 0) mismatches.push({ category: 'rewritten key allowed', path: fieldPathText(path), why: `keys ${rewritten.join(', ')}` });
    if (rewritten.length === 0 && mine.length > 0) mismatches.push({ category: 'over-strict', path: fieldPathText(path), why: 'the endpointSelector is pinned to the policy\'s namespace' });
  }
  for (const v of verdict.violations) {
    if (!explained.has(v)) mismatches.push({ category: 'unexplained refusal', path: v.path, why: `${v.code}: ${v.message}` });
  }
  if (mismatches.length === 0) return { result: 'agree', vacuous };
  return { result: 'disagree', vacuous, disagreement: { kind, object, answer, verdict, mismatches } };
}

/** A short signature, so a report lists each kind of disagreement once. */
export function signature(d: Disagreement): string {
  const codes = [...new Set(d.verdict.violations.map((v) => v.code))].sort().join(',');
  return `${d.kind}: ${[...new Set(d.mismatches.map((m) => m.category))].sort().join(' + ')} [${codes}]`;
}

export function describe(d: Disagreement): string {
  return [
    `${d.kind}: the engine ${d.verdict.allowed ? 'allows' : 'refuses'} it`,
    `  policy: ${JSON.stringify(d.object)}`,
    ...d.mismatches.map((m) => `  ${m.category.toUpperCase()} at ${m.path}: ${m.why}`),
    ...(d.answer.valid ? [] : [`  (Cilium's agent rejects this policy: ${d.answer.error ?? ''}; its peers are read by Cilium's key encoding, pinning and matching)`]),
    ...d.verdict.violations.map((v) => `  engine: ${v.code} at ${v.path}: ${v.message}`),
  ].join('\n');
}
