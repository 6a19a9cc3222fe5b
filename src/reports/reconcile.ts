/**
 * One report key, level-based: compare the desired report with the stored
 * one and write only a difference (server-side apply), or delete a stored
 * report nobody should have any more. What the API server adds (uid,
 * resourceVersion, managedFields, timestamps, other managers' labels) is
 * ignored, so a report that says what it should costs no write: at steady
 * state the controller writes nothing.
 */
import { jsonEqual } from '../baseline/desired.js';
import type { PolicyReport } from './desired.js';

/** A report as the API returns it. */
export interface StoredReport {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; [k: string]: unknown };
  summary?: unknown;
  results?: unknown;
  [k: string]: unknown;
}

export interface ReportWriter {
  apply(report: PolicyReport): Promise<void>;
  delete(stored: StoredReport): Promise<void>;
}

export type ReportOutcome = 'written' | 'deleted' | 'unchanged';

/** Why `stored` must be rewritten to become `desired`; undefined when it already is. */
export function reportNeedsWrite(desired: PolicyReport, stored: StoredReport | undefined): 'absent' | 'labels' | 'results' | undefined {
  if (stored === undefined) return 'absent';
  const labels = stored.metadata?.labels ?? {};
  if (Object.entries(desired.metadata.labels).some(([k, v]) => labels[k] !== v)) return 'labels';
  // An empty list may come back absent: the two say the same.
  const results = stored.results ?? [];
  if (!jsonEqual(desired.summary, stored.summary) || !jsonEqual(desired.results, results)) return 'results';
  return undefined;
}

/** Converge one key: `desired` undefined means no report should exist there. */
export async function reconcileReport(desired: PolicyReport | undefined, stored: StoredReport | undefined, writer: ReportWriter): Promise<ReportOutcome> {
  if (desired === undefined) {
    if (stored === undefined) return 'unchanged';
    await writer.delete(stored);
    return 'deleted';
  }
  if (reportNeedsWrite(desired, stored) === undefined) return 'unchanged';
  await writer.apply(desired);
  return 'written';
}
