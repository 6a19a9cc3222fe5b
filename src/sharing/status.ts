/**
 * The status the controller writes on Exports and Imports, as data. One
 * condition, `Accepted`, whose reason says the state: `Accepted` (in force),
 * `NotPermitted`, `Expired` or `Revoked` on an Import; `Accepted` or
 * `Expired` on an Export, which also lists its current importers. A
 * condition keeps its lastTransitionTime while its status and reason stay the
 * same, so a status that did not change is never written again.
 */
import { jsonEqual } from '../baseline/desired.js';
import { isRecord } from '../policy/report.js';
import type { ExportOutcome, ImportOutcome } from './evaluate.js';

export const ACCEPTED = 'Accepted';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ImportStatus {
  observedGeneration?: number;
  conditions: Condition[];
}

export interface ExportStatus {
  observedGeneration?: number;
  importerCount: number;
  importers: { namespace: string; import: string; tenant: string }[];
  conditions: Condition[];
}

/** The Accepted condition of a stored object's status, if it has one. */
export function acceptedCondition(status: unknown): Condition | undefined {
  if (!isRecord(status) || !Array.isArray(status.conditions)) return undefined;
  const c: unknown = status.conditions.find((x: unknown) => isRecord(x) && x.type === ACCEPTED);
  return isRecord(c) && typeof c.reason === 'string' && typeof c.status === 'string' ? (c as unknown as Condition) : undefined;
}

function condition(status: Condition['status'], reason: string, message: string, generation: number | undefined, previous: Condition | undefined, nowIso: string): Condition {
  const same = previous !== undefined && previous.status === status && previous.reason === reason;
  const c: Condition = { type: ACCEPTED, status, reason, message, lastTransitionTime: same ? previous.lastTransitionTime : nowIso };
  if (generation !== undefined) c.observedGeneration = generation;
  return c;
}

export function desiredImportStatus(o: ImportOutcome, liveStatus: unknown, nowIso: string): ImportStatus {
  const gen = o.import.generation;
  const c = condition(o.reason === 'Accepted' ? 'True' : 'False', o.reason, o.message, gen, acceptedCondition(liveStatus), nowIso);
  return gen !== undefined ? { observedGeneration: gen, conditions: [c] } : { conditions: [c] };
}

export function desiredExportStatus(o: ExportOutcome, liveStatus: unknown, nowIso: string): ExportStatus {
  const gen = o.export.generation;
  const n = o.importers.length;
  const c = o.expired
    ? condition('False', 'Expired', `expired at ${new Date(o.export.expiresAt ?? 0).toISOString()}; no Import is served`, gen, acceptedCondition(liveStatus), nowIso)
    : condition('True', ACCEPTED, n === 0 ? 'offered; no Import consumes it yet' : `offered; consumed by ${n} Import${n === 1 ? '' : 's'}`, gen, acceptedCondition(liveStatus), nowIso);
  const status: ExportStatus = {
    importerCount: n,
    importers: o.importers.map((s) => ({ namespace: s.import.namespace, import: s.import.name, tenant: s.importerTenant })),
    conditions: [c],
  };
  return gen !== undefined ? { observedGeneration: gen, ...status } : status;
}

/** Does the stored status differ from the desired one? */
export function statusDiffers(desired: ImportStatus | ExportStatus, liveStatus: unknown): boolean {
  return !jsonEqual(desired, liveStatus ?? {});
}
