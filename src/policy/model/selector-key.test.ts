/**
 * Cilium's key grammar, one spelling class per row: what source and key
 * Cilium reads, the canonical spelling, which rewrites it took, and what the
 * key can match on a pod or a reserved identity.
 */
import { describe, expect, it } from 'vitest';
import { liftsNamespacePin, meaningOf, parseSelectorKey, type KeyMeaning, type KeyRewrite } from './selector-key.js';

const POD_NS = 'io.kubernetes.pod.namespace';
const NS_LABELS = 'io.cilium.k8s.namespace.labels.';

describe('parseSelectorKey', () => {
  it.each<[string, string, string, string, KeyRewrite[]]>([
    // Canonical spellings: written as read.
    ['a bare key has the any source', 'app', 'any', 'app', []],
    ['an explicit k8s source', `k8s:${POD_NS}`, 'k8s', POD_NS, []],
    ['an explicit any source', `any:${POD_NS}`, 'any', POD_NS, []],
    ['an explicit reserved source', 'reserved:host', 'reserved', 'host', []],
    ['another source is kept as written', 'container:app', 'container', 'app', []],
    ['sources are case-sensitive', `K8S:${POD_NS}`, 'K8S', POD_NS, []],
    ['the source ends at the FIRST colon; later colons belong to the key', 'k8s:a:b', 'k8s', 'a:b', []],
    ['the empty key', '', 'any', '', []],
    ['a slash in the key is no source', `${NS_LABELS}example.com/owner`, 'any', `${NS_LABELS}example.com/owner`, []],
    // An empty source means any source.
    ['a leading colon', `:${POD_NS}`, 'any', POD_NS, ['empty-source']],
    ['a leading colon before another source is not that source', `:k8s:${POD_NS}`, 'any', `k8s:${POD_NS}`, ['empty-source']],
    // `unspec` (Cilium's "no source") means any source.
    ['unspec: is any:', `unspec:${POD_NS}`, 'any', POD_NS, ['unspec-source']],
    ['unspec is case-sensitive', `Unspec:${POD_NS}`, 'Unspec', POD_NS, []],
    // `$` means reserved.
    ['$host is reserved:host', '$host', 'reserved', 'host', ['dollar-source']],
    ['$ wins over a later colon', '$k8s:app', 'reserved', 'k8s:app', ['dollar-source']],
    ['a lone $', '$', 'reserved', '', ['dollar-source']],
    // `reserved.` without a colon means reserved.
    ['reserved.init is reserved:init', 'reserved.init', 'reserved', 'init', ['reserved-prefix']],
    ['reserved. with a colon after it is an ordinary source', 'reserved.x:y', 'reserved', 'x.y', ['dotted-source']],
    // Everything from the first `=` is dropped.
    ['a value inside the key', `k8s:${POD_NS}=acme-web`, 'k8s', POD_NS, ['value-in-key']],
    ['only the first = counts', 'app=a=b', 'any', 'app', ['value-in-key']],
    ['an = right after the source', 'k8s:=x', 'k8s', '', ['value-in-key']],
    ['= inside a $ key', '$host=x', 'reserved', 'host', ['dollar-source', 'value-in-key']],
    ['= before the colon: the colon still ends the source', `k8s=x:${POD_NS}`, 'k8s=x', POD_NS, []],
    ['empty source and a value', `:${POD_NS}=x`, 'any', POD_NS, ['empty-source', 'value-in-key']],
    // A dot in the source: `<source>.<key>` is split again at its first dot.
    ['k8s.io: becomes k8s: with io. on the key', 'k8s.io:kubernetes.pod.namespace', 'k8s', POD_NS, ['dotted-source']],
    ['any.io: likewise', 'any.io:cilium.k8s.namespace.labels.team', 'any', `${NS_LABELS}team`, ['dotted-source']],
  ])('%s: %j', (_name, raw, source, key, rewrites) => {
    const k = parseSelectorKey(raw);
    expect(k).toEqual({ raw, source, key, canonical: `${source}:${key}`, rewrites });
    // The canonical spelling is a fixed point: Cilium reads it as written.
    expect(parseSelectorKey(k.canonical)).toMatchObject({ source: k.source, key: k.key, rewrites: [] });
  });
});

describe('meaningOf and the namespace pin', () => {
  it.each<[string, string, KeyMeaning, boolean]>([
    // k8s and any can match a pod's namespace identity labels.
    ['pod namespace, k8s', `k8s:${POD_NS}`, { kind: 'namespace-name' }, true],
    ['pod namespace, bare', POD_NS, { kind: 'namespace-name' }, true],
    ['pod namespace, empty source', `:${POD_NS}`, { kind: 'namespace-name' }, true],
    ['pod namespace with a value inside', `k8s:${POD_NS}=x`, { kind: 'namespace-name' }, true],
    ['pod namespace via a dotted source', 'k8s.io:kubernetes.pod.namespace', { kind: 'namespace-name' }, true],
    ['a namespace label', `any:${NS_LABELS}team`, { kind: 'namespace-label', label: 'team' }, true],
    ['a namespace label whose key has a slash', `${NS_LABELS}tenant-guard.io/tenant`, { kind: 'namespace-label', label: 'tenant-guard.io/tenant' }, true],
    // reserved names reserved identities, and lifts the pin.
    ['reserved:host', 'reserved:host', { kind: 'reserved', identity: 'host' }, true],
    ['$world', '$world', { kind: 'reserved', identity: 'world' }, true],
    ['reserved.init', 'reserved.init', { kind: 'reserved', identity: 'init' }, true],
    // Pod labels and foreign sources keep the pin.
    ['a pod label', 'k8s:app', { kind: 'pod-label', label: 'app' }, false],
    ['a key after an empty source that is not a namespace key', `:k8s:${POD_NS}`, { kind: 'pod-label', label: `k8s:${POD_NS}` }, false],
    ['another source never matches a pod', `container:${POD_NS}`, { kind: 'foreign-source' }, false],
    ['sources are case-sensitive', `K8s:${POD_NS}`, { kind: 'foreign-source' }, false],
  ])('%s: %j', (_name, raw, meaning, lifts) => {
    const m = meaningOf(parseSelectorKey(raw));
    expect(m).toEqual(meaning);
    expect(liftsNamespacePin(m)).toBe(lifts);
  });
});
