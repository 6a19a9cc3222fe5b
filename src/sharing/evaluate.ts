/**
 * Which shares are in force, from every Export, every Import, the namespace
 * owners and the time: pure, so the controller, the webhook's view, the
 * audit and the tests all compute it the same way. Each Import gets one
 * outcome (the reason of its Accepted condition); each Export its current
 * importers.
 *
 * An Import that was in force and is not any more is `Revoked` (the Export
 * was deleted, the tenant was removed from `to`, a namespace changed owner,
 * its ports shrank), and stays so until it is in force again; an Export that
 * has expired makes its listed Imports `Expired`.
 */
import { judgeImport, type ActiveShare, type ExportFacts, type ImportFacts, type ShareRules } from '../policy/share.js';

export type ImportReason = 'Accepted' | 'NotPermitted' | 'Expired' | 'Revoked';

export interface ImportOutcome {
  import: ImportFacts;
  reason: ImportReason;
  message: string;
  share: ActiveShare | undefined;
}

export interface ExportOutcome {
  export: ExportFacts;
  expired: boolean;
  /** The Imports it serves now, sorted by namespace and name. */
  importers: ActiveShare[];
}

export interface Evaluation {
  imports: ImportOutcome[];
  exports: ExportOutcome[];
  active: ActiveShare[];
}

export interface EvaluationInput {
  exports: readonly ExportFacts[];
  imports: readonly ImportFacts[];
  /** The reason of each Import's Accepted condition as last written (key: namespace/name). */
  previousReason: (namespace: string, name: string) => string | undefined;
  tenantOf: (namespace: string) => string | undefined;
  rules: ShareRules;
  nowMs: number;
}

export function shareKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function byKey<T extends { namespace: string; name: string }>(a: T, b: T): number {
  return a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1;
}

export function evaluateShares(input: EvaluationInput): Evaluation {
  const exports = new Map<string, ExportFacts>();
  for (const e of input.exports) exports.set(shareKey(e.namespace, e.name), e);
  const imports: ImportOutcome[] = [];
  const active: ActiveShare[] = [];
  for (const imp of [...input.imports].sort(byKey)) {
    const j = judgeImport(imp, exports.get(shareKey(imp.from.namespace, imp.from.export)), input.tenantOf, input.rules, input.nowMs);
    if (j.state === 'active') {
      active.push(j.share);
      imports.push({ import: imp, reason: 'Accepted', message: `in force: traffic from this namespace to Export "${imp.from.export}" in namespace "${imp.from.namespace}" on ${j.share.ports.map((p) => `${p.protocol} ${p.port}${p.endPort !== p.port ? `-${p.endPort}` : ''}`).join(', ')}`, share: j.share });
      continue;
    }
    const previous = input.previousReason(imp.namespace, imp.name);
    const wasInForce = previous === 'Accepted' || previous === 'Revoked';
    // Expiry says so itself; every other end of a share that was in force is a revocation.
    const reason: ImportReason = j.state === 'Expired' ? 'Expired' : wasInForce ? 'Revoked' : 'NotPermitted';
    imports.push({ import: imp, reason, message: reason === 'Revoked' ? `the share ended: ${j.message}` : j.message, share: undefined });
  }
  const outcomes: ExportOutcome[] = [...exports.values()].sort(byKey).map((e) => ({
    export: e,
    expired: e.expiresAt !== undefined && e.expiresAt <= input.nowMs,
    importers: active.filter((s) => s.export === e),
  }));
  return { imports, exports: outcomes, active };
}

/** The next instant at which an Export expires, after now; undefined when none will. */
export function nextExpiry(exports: readonly ExportFacts[], nowMs: number): number | undefined {
  let next: number | undefined;
  for (const e of exports) {
    if (e.expiresAt !== undefined && e.expiresAt > nowMs && (next === undefined || e.expiresAt < next)) next = e.expiresAt;
  }
  return next;
}
