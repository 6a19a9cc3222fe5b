/**
 * Violations → text. Kept apart from the rules so the same data can be shown
 * by the webhook (one line per violation, as kubectl prints it), by `check`,
 * and as JSON.
 */
import { APPEND, fieldPathText, pathOfPointer } from './path.js';
import { valueText } from './text.js';

/**
 * A refusal travels back through the API server to a terminal: past this many
 * violations the rest are counted, not listed (a generated policy can carry
 * thousands, and a message of megabytes helps nobody). `check` lists them all.
 */
export const MAX_RENDERED_VIOLATIONS = 50;

/** Long enough for a selector or a rule's peers; a suggestion that does not fit is cut with an ellipsis. */
const MAX_SUGGESTION_VALUE = 1024;
import type { JsonPatchOp, RelaxedViolation, Verdict, Violation } from './types.js';

const REASON: Record<string, string> = {
  MalformedObject: 'Invalid',
  CIDRInvalid: 'Invalid',
};

export function renderViolation(v: Violation): string {
  return `${v.path}: ${REASON[v.code] ?? 'Forbidden'}: ${v.message} (fix: ${v.fix})`;
}

/**
 * A violation admitted in `warn` mode, as the one line kubectl prints after
 * `Warning:`: the code first, so a truncated line still says what it is.
 */
export function renderRelaxed(v: RelaxedViolation): string {
  return `tenant-guard ${v.mode} ${v.code}: ${v.path}: ${v.message} (fix: ${v.fix})`;
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

/** A suggested patch as one short line, in the object's field names. */
export function renderSuggestion(ops: readonly JsonPatchOp[]): string {
  return ops.map((op) => {
    const read = pathOfPointer(op.path);
    // The engine writes every pointer from segments; one that does not read is shown as it is, never as the root.
    if (!read.ok) return `${op.op} ${op.path}`;
    const appends = op.op === 'add' && read.path.at(-1) === APPEND;
    const where = fieldPathText(appends ? read.path.slice(0, -1) : read.path);
    if (op.op === 'remove') return `remove ${where}`;
    if (op.op === 'add' || op.op === 'replace') return `${appends ? 'append to' : 'set'} ${where} = ${valueText(op.value, MAX_SUGGESTION_VALUE)}`;
    return `${op.op} ${where}`;
  }).join('; ');
}

/** The denial message: a headline, then one line per violation, each followed by its suggested change when there is one. */
export function renderDenial(subject: Subject, verdict: Verdict): string {
  const n = verdict.violations.length;
  const head = `tenant-guard refused ${subjectText(subject)}: ${n} ${n === 1 ? 'violation' : 'violations'}`;
  const lines = [head];
  for (const v of verdict.violations.slice(0, MAX_RENDERED_VIOLATIONS)) {
    lines.push(`- ${renderViolation(v)}`);
    if (v.suggestion !== undefined) lines.push(`  suggested change: ${renderSuggestion(v.suggestion)}`);
  }
  if (n > MAX_RENDERED_VIOLATIONS) {
    lines.push(`- … and ${n - MAX_RENDERED_VIOLATIONS} more; run \`tenant-guard check -f FILE\` to see them all`);
  }
  return lines.join('\n');
}
