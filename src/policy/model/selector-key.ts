/**
 * Cilium's reading of an endpoint-selector key. Cilium does not match a key
 * as text: it parses `[source:]key[=value]` first (`pkg/labels`:
 * `parseSource`, `GetExtendedKeyFrom`, `ParseSelectLabel`), and the CRD
 * validates only values, so the API server stores any spelling:
 *
 * - the source is the text before the FIRST `:`; an empty source (a key that
 *   starts with `:`) or no `:` at all means `any`;
 * - the source `unspec` (Cilium's name for "no source") also means `any`;
 * - a key that starts with `$` has the source `reserved` (`$host` is
 *   `reserved:host`); a key without `:` that starts with `reserved.` has the
 *   source `reserved` too;
 * - everything from the first `=` on is dropped from the key;
 * - the selector keeps the key as `<source>.<key>` (the "extended key") and
 *   splits it again at the first `.`, so a source with a `.` in it moves text
 *   between source and key (`k8s.io:kubernetes.pod.namespace` is
 *   `k8s:io.kubernetes.pod.namespace`).
 *
 * Recent Cilium releases validate keys before parsing (`IsValidCiliumLabelKey`)
 * and reject the whole policy on such a spelling, older ones act on the
 * rewritten key; tenant-guard judges the rewritten key (the reading that
 * reaches furthest) and refuses the spelling itself for tenants.
 */
import { CILIUM_NAMESPACE_LABELS, CILIUM_POD_NAMESPACE, CILIUM_SOURCE_ANY, CILIUM_SOURCE_K8S, CILIUM_SOURCE_RESERVED, CILIUM_SOURCE_UNSPEC } from '../vocabulary.js';

/** Why Cilium reads a key differently from how it is written. */
export type KeyRewrite = 'empty-source' | 'unspec-source' | 'dollar-source' | 'reserved-prefix' | 'value-in-key' | 'dotted-source';

export interface SelectorKey {
  /** The key as written. */
  readonly raw: string;
  /** The label source Cilium matches (`any` when none is written). */
  readonly source: string;
  /** The label key Cilium matches, without source or value. */
  readonly key: string;
  /** `source:key`: the spelling that means the same without any rewriting. */
  readonly canonical: string;
  /** How the written text differs from what Cilium reads; empty for a canonical spelling. */
  readonly rewrites: readonly KeyRewrite[];
}

const RESERVED_PREFIX = `${CILIUM_SOURCE_RESERVED}.`;

/** Keys repeat across selectors and reviews; parsing is pure, so answers are kept (bounded, then started afresh). */
const parsed = new Map<string, SelectorKey>();
const MAX_PARSED = 4096;

export function parseSelectorKey(raw: string): SelectorKey {
  const hit = parsed.get(raw);
  if (hit !== undefined) return hit;
  const k = parse(raw);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(raw, k);
  return k;
}

function parse(raw: string): SelectorKey {
  const rewrites: KeyRewrite[] = [];
  let source: string;
  let rest: string;
  const colon = raw.indexOf(':');
  if (raw.startsWith('$')) {
    rewrites.push('dollar-source');
    source = CILIUM_SOURCE_RESERVED;
    rest = raw.slice(1);
  } else if (colon < 0) {
    if (raw.startsWith(RESERVED_PREFIX)) {
      rewrites.push('reserved-prefix');
      source = CILIUM_SOURCE_RESERVED;
      rest = raw.slice(RESERVED_PREFIX.length);
    } else {
      source = CILIUM_SOURCE_ANY;
      rest = raw;
    }
  } else {
    source = raw.slice(0, colon);
    rest = raw.slice(colon + 1);
    if (source === '') {
      rewrites.push('empty-source');
      source = CILIUM_SOURCE_ANY;
    } else if (source === CILIUM_SOURCE_UNSPEC) {
      rewrites.push('unspec-source');
      source = CILIUM_SOURCE_ANY;
    }
  }
  const eq = rest.indexOf('=');
  if (eq >= 0) {
    rewrites.push('value-in-key');
    rest = rest.slice(0, eq);
  }
  const dot = source.indexOf('.');
  if (dot >= 0) {
    // The extended key `<source>.<key>` is split again at its first dot.
    rewrites.push('dotted-source');
    rest = `${source.slice(dot + 1)}.${rest}`;
    source = source.slice(0, dot);
  }
  return Object.freeze({ raw, source, key: rest, canonical: `${source}:${rest}`, rewrites: Object.freeze(rewrites) });
}

/** What a parsed key can match on a pod's or a reserved identity's labels. */
export type KeyMeaning =
  /** The pod's namespace name (`io.kubernetes.pod.namespace`). */
  | { kind: 'namespace-name' }
  /** A label of the pod's namespace (`io.cilium.k8s.namespace.labels.<label>`). */
  | { kind: 'namespace-label'; label: string }
  /** A label of the pod itself. */
  | { kind: 'pod-label'; label: string }
  /** A reserved identity (`reserved:host`, `reserved:world`, …). */
  | { kind: 'reserved'; identity: string }
  /** A source that pod identities never carry: it matches no pod. */
  | { kind: 'foreign-source' };

/**
 * Pods carry `k8s` labels, so `k8s` and `any` can match their namespace
 * labels; `reserved` names reserved identities; every other source selects
 * nothing on pods.
 */
export function meaningOf(k: SelectorKey): KeyMeaning {
  // A parsed key is kept (parseSelectorKey), and so is its meaning: every rule reads it again.
  let m = meanings.get(k);
  if (m === undefined) {
    m = Object.freeze(meaning(k));
    meanings.set(k, m);
  }
  return m;
}

const meanings = new WeakMap<SelectorKey, KeyMeaning>();

function meaning(k: SelectorKey): KeyMeaning {
  if (k.source === CILIUM_SOURCE_RESERVED) return { kind: 'reserved', identity: k.key };
  if (k.source !== CILIUM_SOURCE_K8S && k.source !== CILIUM_SOURCE_ANY) return { kind: 'foreign-source' };
  if (k.key === CILIUM_POD_NAMESPACE) return { kind: 'namespace-name' };
  if (k.key.startsWith(CILIUM_NAMESPACE_LABELS)) return { kind: 'namespace-label', label: k.key.slice(CILIUM_NAMESPACE_LABELS.length) };
  return { kind: 'pod-label', label: k.key };
}

/**
 * Whether a key lifts the pin that a namespaced policy puts on its endpoint
 * selectors (`pkg/k8s/apis/cilium.io/utils`: `getEndpointSelector`): a
 * selector keeps only the policy's namespace unless it names the namespace
 * (name or labels) or a reserved label.
 */
export function liftsNamespacePin(m: KeyMeaning): boolean {
  return m.kind === 'namespace-name' || m.kind === 'namespace-label' || m.kind === 'reserved';
}

const REWRITE_TEXT: Record<KeyRewrite, string> = {
  'empty-source': 'an empty source before ":" means any source',
  'unspec-source': 'the source "unspec" means any source',
  'dollar-source': 'a leading "$" means the reserved source',
  'reserved-prefix': 'a key without ":" that starts with "reserved." has the reserved source',
  'value-in-key': 'everything from the first "=" is dropped',
  'dotted-source': 'a source with "." is joined to the key and split again at its first "."',
};

/** The rewrites, as one clause for a message. */
export function describeRewrites(k: SelectorKey): string {
  return k.rewrites.map((r) => REWRITE_TEXT[r]).join('; ');
}
