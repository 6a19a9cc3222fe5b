/**
 * Collects every finding of one review; rules never stop at the first. In
 * "warn" mode (Cilium deny rules, which only take access away) a violation is
 * recorded as a warning instead.
 */
import { fieldPathText, type FieldPath } from './path.js';
import { isRecord } from './record.js';
import type { JsonPatchOp, Violation, ViolationCode } from './types.js';

export class Report {
  readonly violations: Violation[] = [];
  readonly warnings: string[] = [];
  /** The warnings already recorded: a list lookup made one review of a long list quadratic (seconds for a few MB). */
  private readonly seen = new Set<string>();

  constructor(private readonly mode: 'deny' | 'warn' = 'deny', private readonly parent?: Report) {}

  /** A violation at a field path; the path becomes text here, where the violation leaves the rules. */
  violation(code: ViolationCode, path: FieldPath, message: string, fix: string, suggestion?: JsonPatchOp[]): void {
    if (this.mode === 'warn') {
      this.warnAt(path, `${message} (in a deny rule this only takes access away; fix: ${fix})`);
      return;
    }
    const v: Violation = { code, path: fieldPathText(path), segments: [...path], message, fix };
    if (suggestion !== undefined && suggestion.length > 0) v.suggestion = suggestion;
    (this.parent ?? this).violations.push(v);
  }

  /** A warning about one field: `<path>: <text>`. */
  warnAt(path: FieldPath, text: string): void {
    this.warn(`${fieldPathText(path)}: ${text}`);
  }

  /** Several warnings about one field: the path is spelled once (a selector repeated in a large policy replays its warnings at each place). */
  warnAllAt(path: FieldPath, texts: Iterable<string>): void {
    let at: string | undefined;
    for (const text of texts) {
      at ??= fieldPathText(path);
      this.warn(`${at}: ${text}`);
    }
  }

  warn(text: string): void {
    const target = this.parent ?? this;
    if (target.seen.has(text)) return;
    target.seen.add(text);
    target.warnings.push(text);
  }

  /** A view that records violations as warnings into the same report. */
  asWarnings(): Report {
    return new Report('warn', this.parent ?? this);
  }
}

export { isRecord };

/**
 * A list field `key` of `parent` (whose own path is `parentPath`): undefined/null → undefined; non-list →
 * reported as malformed. The field's path is built only for that report: rules read many lists per rule.
 */
export function listAt(report: Report, parent: Record<string, unknown>, key: string, parentPath: FieldPath): unknown[] | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    report.violation('MalformedObject', [...parentPath, key], `must be a list, found ${typeof v}`, 'write it as a YAML list');
    return undefined;
  }
  return v as unknown[];
}
