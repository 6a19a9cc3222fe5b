/**
 * Violations → text. Kept apart from the rules so the same data can be shown
 * by the webhook (one line per violation, as kubectl prints it), by `check`,
 * and as JSON.
 */
import type { Verdict, Violation } from './types.js';

const REASON: Record<string, string> = {
  MalformedObject: 'Invalid',
  CIDRInvalid: 'Invalid',
};

export function renderViolation(v: Violation): string {
  return `${v.path}: ${REASON[v.code] ?? 'Forbidden'}: ${v.message} (fix: ${v.fix})`;
}

export interface Subject {
  kind: string;
  namespace?: string | undefined;
  name?: string | undefined;
}

export function subjectText(s: Subject): string {
  const name = s.name ?? '(unnamed)';
  return `${s.kind} ${s.namespace !== undefined && s.namespace !== '' ? `${s.namespace}/` : ''}${name}`;
}

/** The denial message: a headline, then one line per violation. */
export function renderDenial(subject: Subject, verdict: Verdict): string {
  const n = verdict.violations.length;
  const head = `tenant-guard refused ${subjectText(subject)}: ${n} ${n === 1 ? 'violation' : 'violations'}`;
  return [head, ...verdict.violations.map((v) => `- ${renderViolation(v)}`)].join('\n');
}
