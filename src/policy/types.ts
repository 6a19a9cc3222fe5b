/**
 * The engine's vocabulary. Everything here is plain data: the webhook, the
 * `check` CLI and the audit build a ReviewInput from their own I/O and get a
 * Verdict back, so all three give the same answer for the same object.
 */
import type { ViolationCode } from './codes.js';
import type { FieldPath } from './path.js';
import type { PolicySettings } from './settings.js';
import type { ActiveShare, ExportFacts } from './share.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface Requester {
  username: string;
  groups: readonly string[];
}

/** What is known about one namespace at decision time. */
export type NamespaceLookup =
  | { state: 'found'; labels: Readonly<Record<string, string>>; terminating?: boolean }
  | { state: 'absent' }
  /** Ownership could not be established (API unreachable, cache not synced, …). */
  | { state: 'unknown'; reason: string };

/** Read-only view of namespace ownership; the engine never fetches. */
export interface NamespaceView {
  lookup(name: string): NamespaceLookup;
}

/** What is known about one CiliumCIDRGroup (cluster-scoped, by name) at decision time. */
export type CidrGroupLookup =
  | { state: 'found'; cidrs: readonly string[] }
  | { state: 'absent' }
  /** The groups could not be read (API unreachable, cache not synced, not given to `check`, …); `fix` says how to supply them. */
  | { state: 'unknown'; reason: string; fix?: string };

/** Read-only view of the live CiliumCIDRGroups; the engine never fetches. */
export interface CidrGroupView {
  lookup(name: string): CidrGroupLookup;
}

/** One RFC 6902 operation; `path` and `from` are JSON pointers, written from segments by path.ts. */
export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** Stable codes: documented in the README, safe to match on (src/policy/codes.ts). */
export type { ViolationCode };

export interface Violation {
  code: ViolationCode;
  /** Field path in the object's own field names: `spec.ingress[0].from[1].namespaceSelector` (rendered by path.ts from the segments the rule built). */
  path: string;
  /** The same path as segments (keys and list indices), for callers that walk the object: never parse `path` back. */
  segments: FieldPath;
  /** Why it is refused. */
  message: string;
  /** What to write instead. */
  fix: string;
  /** A patch against the submitted object that removes this violation, when a safe one exists. */
  suggestion?: JsonPatchOp[];
}

/** A violation the configured enforcement admits: `warn` tells the user, `dryrun` only records it. */
export interface RelaxedViolation extends Violation {
  mode: 'warn' | 'dryrun';
}

export interface Verdict {
  /** True when no violation is in `deny` mode. */
  allowed: boolean;
  /** The violations that refuse the request (mode `deny`). */
  violations: Violation[];
  /** Violations found but admitted by the rollout mode (config `enforcement`); absent when there are none. */
  relaxed?: RelaxedViolation[];
  warnings: string[];
  /** Mutations (Namespaces only); empty when nothing changes. */
  patch: JsonPatchOp[];
}

export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  [key: string]: unknown;
}

/**
 * The shares as the webhook's cache knows them (Exports, and the shares in
 * force computed from Exports, Imports and namespace owners). The engine
 * never fetches; without a view it knows no share.
 */
export interface SharesView {
  /** False while the cache of Exports and Imports is not synced: nothing below can be trusted. */
  known: boolean;
  /** The Exports of one namespace. */
  exportsIn(namespace: string): readonly ExportFacts[];
  exportNamed(namespace: string, name: string): ExportFacts | undefined;
  /** The shares in force in which this namespace is the exporter or the importer. */
  activeIn(namespace: string): readonly ActiveShare[];
}

export interface ReviewInput {
  /** API group/version/kind of the request (from the AdmissionReview `kind`, or the object). */
  kind: { group: string; version: string; kind: string };
  operation: Operation;
  /** Namespace of the request (namespaced kinds); for Namespaces, the namespace's own name. */
  namespace?: string | undefined;
  name?: string | undefined;
  object?: unknown;
  oldObject?: unknown;
  requester: Requester;
  /**
   * Which admission phase asks. `validating` judges the object as the
   * mutating phase left it, so a Namespace still missing its owner label is
   * refused (NamespaceLabelMissing); `mutating`, or none (`check`, the
   * audit), answers with the patch that adds it.
   */
  phase?: 'mutating' | 'validating' | undefined;
  namespaces: NamespaceView;
  /** The live CiliumCIDRGroups, for `cidrGroupRef`; without it every reference is unknown (refused). */
  cidrGroups?: CidrGroupView | undefined;
  /** Exports, Imports and the shares in force; absent: none are known. */
  shares?: SharesView | undefined;
  /** The engine's own settings (policySettingsOf), never the whole process configuration. */
  settings: PolicySettings;
}
