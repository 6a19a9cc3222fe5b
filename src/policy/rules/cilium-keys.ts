/**
 * Cilium selector keys that Cilium rewrites before matching (an empty
 * source, `$`, `reserved.` without `:`, an `=` inside, a `.` in the source;
 * see model/selector-key.ts). Nobody writes those on purpose, the text says
 * something other than what the dataplane does, and recent Cilium releases
 * reject the whole policy for them, so a tenant's policy is refused with its
 * own code wherever a selector is read, deny rules included. What the key
 * means is judged as well, by the rules that read the selector.
 */
import { describeRewrites, parseSelectorKey } from '../model/selector-key.js';
import type { FieldPath } from '../path.js';
import { isRecord, type Report } from '../report.js';
import { addAt, removeAt, replaceAt } from '../suggest.js';
import type { JsonPatchOp } from '../types.js';

/** Every key of one selector that Cilium reads differently from how it is written. */
export function judgeKeySpelling(selector: Record<string, unknown>, path: FieldPath, report: Report): void {
  const ml = selector.matchLabels;
  if (isRecord(ml)) {
    const canonicalOf = (raw: string) => parseSelectorKey(raw).canonical;
    for (const raw of Object.keys(ml)) {
      const k = parseSelectorKey(raw);
      if (k.rewrites.length === 0) continue;
      const value = ml[raw];
      const at = [...path, 'matchLabels', raw];
      // Renaming the key keeps the selector's meaning, unless another key already reads the same (the two would merge into one).
      const rename: JsonPatchOp[] | undefined = Object.keys(ml).some((other) => other !== raw && canonicalOf(other) === k.canonical)
        ? undefined
        : [...removeAt(at), ...addAt([...path, 'matchLabels', k.canonical], value)];
      report.violation('SelectorKeyNonCanonical', at, message(k), fix(k), rename);
    }
  }
  const me = selector.matchExpressions;
  if (Array.isArray(me)) {
    me.forEach((e, i) => {
      if (!isRecord(e) || typeof e.key !== 'string') return;
      const k = parseSelectorKey(e.key);
      if (k.rewrites.length === 0) return;
      const at = [...path, 'matchExpressions', i, 'key'];
      report.violation('SelectorKeyNonCanonical', at, message(k), fix(k), replaceAt(at, k.canonical));
    });
  }
}

function message(k: ReturnType<typeof parseSelectorKey>): string {
  return `Cilium rewrites the key ${JSON.stringify(k.raw)} before matching (${describeRewrites(k)}): it reads ${JSON.stringify(k.canonical)}; recent Cilium releases reject the whole policy instead`;
}

function fix(k: ReturnType<typeof parseSelectorKey>): string {
  return `write the key as Cilium reads it, ${JSON.stringify(k.canonical)} (source, ":", label key), or the key you meant`;
}
