/**
 * Kubernetes label selectors (`matchLabels` and `matchExpressions`, ANDed),
 * parsed once into requirements. Parsing returns a message instead of
 * throwing, so a bad selector is reported with its field path.
 */
import { isRecord } from './report.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  op: Operator;
  values: readonly string[];
}

export interface Selector {
  requirements: readonly Requirement[];
  /** A canonical text: equal selectors have equal keys (used to evaluate each distinct selector once). */
  key: string;
}

export type Labels = Readonly<Record<string, string>>;

export const EVERYTHING: Selector = { requirements: [], key: '{}' };

export function parseSelector(raw: unknown): { ok: true; selector: Selector } | { ok: false; message: string } {
  if (raw === undefined || raw === null) return { ok: true, selector: EVERYTHING };
  if (!isRecord(raw)) return { ok: false, message: 'must be a label selector (matchLabels, matchExpressions)' };
  const reqs: Requirement[] = [];
  if (raw.matchLabels !== undefined && raw.matchLabels !== null) {
    if (!isRecord(raw.matchLabels)) return { ok: false, message: 'matchLabels must be a mapping of label keys to values' };
    for (const [key, value] of Object.entries(raw.matchLabels)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return { ok: false, message: `matchLabels.${key} must be a string` };
      reqs.push({ key, op: 'In', values: [String(value)] });
    }
  }
  if (raw.matchExpressions !== undefined && raw.matchExpressions !== null) {
    if (!Array.isArray(raw.matchExpressions)) return { ok: false, message: 'matchExpressions must be a list' };
    for (const [i, e] of raw.matchExpressions.entries()) {
      if (!isRecord(e) || typeof e.key !== 'string') return { ok: false, message: `matchExpressions[${i}] needs a key` };
      const op = e.operator;
      if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
        return { ok: false, message: `matchExpressions[${i}].operator must be In, NotIn, Exists or DoesNotExist, got ${JSON.stringify(op)}` };
      }
      const values = Array.isArray(e.values) ? e.values.map(String) : [];
      if ((op === 'In' || op === 'NotIn') && values.length === 0) return { ok: false, message: `matchExpressions[${i}]: ${op} needs at least one value` };
      if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) return { ok: false, message: `matchExpressions[${i}]: ${op} takes no values` };
      reqs.push({ key: e.key, op, values: [...new Set(values)].sort() });
    }
  }
  const sorted = reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.op < b.op ? -1 : a.op > b.op ? 1 : 0));
  return { ok: true, selector: { requirements: sorted, key: JSON.stringify(sorted.map((r) => [r.key, r.op, r.values])) } };
}

export function matches(selector: Selector, labels: Labels): boolean {
  for (const r of selector.requirements) {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'In':
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A canonical text for a label set (label signatures: pods with equal labels are evaluated once). */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}
