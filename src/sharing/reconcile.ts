/**
 * reconcileShares(): level-based, over every share at once. It reads the
 * caches (Exports, Imports, namespaces, the share policies that exist),
 * evaluates which shares are in force, and writes only differences:
 *
 * - each share in force gets its policies applied when absent or drifted;
 * - every share policy no share needs any more is deleted, in the same
 *   reconcile that saw the share end (Export deleted, tenant removed from
 *   `to`, expiry, a namespace changing owner): revocation never waits;
 * - each Import's and Export's status is written when it differs;
 * - a change of an Import's state is told by Events in both namespaces.
 *
 * One reconcile covers all shares, so a revocation that concerns two
 * namespaces is never half done; with the caches in memory it costs API
 * requests only for what changed.
 */
import type { Flavour, LiveObject } from '../baseline/desired.js';
import { needsWrite } from '../baseline/desired.js';
import type { EventSink, InvolvedObject } from '../kube/events.js';
import { SHARING_API_VERSION, type ExportFacts, type ImportFacts, type ShareRules } from '../policy/share.js';
import { evaluateShares, nextExpiry, type Evaluation } from './evaluate.js';
import { desiredSharePolicies, type Isolation, type SharePolicy } from './desired.js';
import { acceptedCondition, desiredExportStatus, desiredImportStatus, statusDiffers, type ExportStatus, type ImportStatus } from './status.js';

export interface ShareState {
  exports: readonly ExportFacts[];
  imports: readonly ImportFacts[];
  exportStatus(namespace: string, name: string): unknown;
  importStatus(namespace: string, name: string): unknown;
  /** The tenant owning a namespace now; undefined: no tenant (or the namespace does not exist). */
  tenantOf(namespace: string): string | undefined;
  /** Is the namespace being deleted? Nothing is written into it. */
  terminating(namespace: string): boolean;
  /** Every share policy that exists (label tenant-guard.io/share), of every kind watched. */
  sharePolicies(): readonly LiveObject[];
  flavour(): Flavour;
}

export interface ShareWriter {
  apply(policy: SharePolicy): Promise<void>;
  delete(policy: LiveObject): Promise<void>;
  importStatus(imp: ImportFacts, status: ImportStatus): Promise<void>;
  exportStatus(exp: ExportFacts, status: ExportStatus): Promise<void>;
}

export interface ShareReconcileDeps {
  state: ShareState;
  writer: ShareWriter;
  events: EventSink;
  rules: ShareRules;
  isolation: Isolation;
  now: () => number;
}

export interface ShareReconcileResult {
  applied: string[];
  deleted: string[];
  statuses: number;
  active: number;
  /** When the next Export expires (the controller reconciles again then). */
  nextExpiry: number | undefined;
}

function keyOf(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  return `${kind ?? ''}/${namespace ?? ''}/${name ?? ''}`;
}

function importRef(imp: ImportFacts): InvolvedObject {
  return { apiVersion: SHARING_API_VERSION, kind: 'Import', name: imp.name, namespace: imp.namespace, uid: imp.uid };
}

function exportRef(exp: ExportFacts): InvolvedObject {
  return { apiVersion: SHARING_API_VERSION, kind: 'Export', name: exp.name, namespace: exp.namespace, uid: exp.uid };
}

const EVENT_REASON: Record<string, string> = { Accepted: 'ShareAccepted', Revoked: 'ShareRevoked', Expired: 'ShareExpired', NotPermitted: 'ShareNotPermitted' };

/** The reason last written on an Import, if it was written for the Import as it is now (an edited Import starts afresh). */
function previousReason(state: ShareState, namespace: string, name: string, generation: number | undefined): string | undefined {
  const c = acceptedCondition(state.importStatus(namespace, name));
  if (c === undefined) return undefined;
  if (generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration !== generation) return undefined;
  return c.reason;
}

export async function reconcileShares(deps: ShareReconcileDeps): Promise<ShareReconcileResult> {
  const { state, writer, events } = deps;
  const nowMs = deps.now();
  const nowIso = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const evaluation: Evaluation = evaluateShares({
    exports: state.exports,
    imports: state.imports,
    previousReason: (ns, name) => previousReason(state, ns, name, state.imports.find((i) => i.namespace === ns && i.name === name)?.generation),
    tenantOf: (ns) => state.tenantOf(ns),
    rules: deps.rules,
    nowMs,
  });
  const desired = desiredSharePolicies(evaluation.active, state.flavour(), deps.isolation);
  const live = state.sharePolicies();
  const liveByKey = new Map(live.map((l) => [keyOf(l.kind, l.metadata?.namespace, l.metadata?.name), l]));
  const result: ShareReconcileResult = { applied: [], deleted: [], statuses: 0, active: evaluation.active.length, nextExpiry: nextExpiry(state.exports, nowMs) };

  // Removals first: what ended must be gone before anything else is written.
  const wanted = new Set(desired.map((d) => keyOf(d.kind, d.metadata.namespace, d.metadata.name)));
  for (const l of live) {
    const key = keyOf(l.kind, l.metadata?.namespace, l.metadata?.name);
    if (wanted.has(key) || (l.metadata?.deletionTimestamp !== undefined && l.metadata.deletionTimestamp !== null)) continue;
    await writer.delete(l);
    result.deleted.push(key);
  }
  for (const d of desired) {
    if (state.terminating(d.metadata.namespace)) continue;
    const current = liveByKey.get(keyOf(d.kind, d.metadata.namespace, d.metadata.name));
    if (needsWrite(d, current) === undefined && current?.metadata?.deletionTimestamp == null) continue;
    await writer.apply(d);
    result.applied.push(keyOf(d.kind, d.metadata.namespace, d.metadata.name));
  }

  for (const o of evaluation.imports) {
    const imp = o.import;
    if (state.terminating(imp.namespace)) continue;
    const stored = state.importStatus(imp.namespace, imp.name);
    const status = desiredImportStatus(o, stored, nowIso);
    if (!statusDiffers(status, stored)) continue;
    await writer.importStatus(imp, status);
    result.statuses += 1;
    const before = acceptedCondition(stored)?.reason;
    if (before === o.reason) continue;
    const reason = EVENT_REASON[o.reason] ?? 'ShareChanged';
    const type = o.reason === 'Accepted' ? 'Normal' : before === 'Accepted' || o.reason === 'Revoked' || o.reason === 'Expired' ? 'Warning' : 'Normal';
    events.emit(imp.namespace, importRef(imp), type, reason, `Import ${imp.namespace}/${imp.name}: ${o.message}`);
    // The exporter hears of its share starting and ending, never of Imports that it does not serve.
    const exp = o.share?.export ?? state.exports.find((e) => e.namespace === imp.from.namespace && e.name === imp.from.export);
    if (exp !== undefined && (o.reason === 'Accepted' || before === 'Accepted') && !state.terminating(exp.namespace)) {
      events.emit(exp.namespace, exportRef(exp), type, reason, o.reason === 'Accepted'
        ? `Export ${exp.namespace}/${exp.name} is now consumed by Import ${imp.namespace}/${imp.name}`
        : `Export ${exp.namespace}/${exp.name} no longer serves Import ${imp.namespace}/${imp.name}: ${o.reason === 'Expired' ? 'the Export expired' : 'the share ended'}`);
    }
  }
  for (const o of evaluation.exports) {
    if (state.terminating(o.export.namespace)) continue;
    const stored = state.exportStatus(o.export.namespace, o.export.name);
    const status = desiredExportStatus(o, stored, nowIso);
    if (!statusDiffers(status, stored)) continue;
    await writer.exportStatus(o.export, status);
    result.statuses += 1;
  }
  return result;
}
