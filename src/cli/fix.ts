/**
 * `check --fix`: apply every suggested patch to the documents, keeping key
 * order, comments and untouched fields, then judge the result again. What
 * is still refused is listed; the command succeeds only when nothing is.
 */
import type { Config } from '../config/schema.js';
import type { NamespaceLike } from '../kube/namespace-view.js';
import type { JsonPatchOp } from '../policy/index.js';
import { isRecord } from '../policy/report.js';
import { checkObjects, type CheckOptions, type CheckResult } from './judge.js';
import type { SourcedFile, SourcedObject } from './documents.js';
import { applyPatchToDocument } from './yaml-patch.js';

export interface FixOutcome {
  /** The corrected text of each file. */
  files: { file: string; text: string }[];
  /** The verdicts of the corrected objects. */
  results: CheckResult[];
  /** Patches that could not be applied (the document changed shape under them). */
  errors: string[];
}

export function fixDocuments(objects: readonly SourcedObject[], files: readonly SourcedFile[], namespaces: readonly NamespaceLike[], opts: CheckOptions, config: Config): FixOutcome {
  const before = checkObjects(objects, namespaces, opts, config);
  const errors: string[] = [];
  objects.forEach((src, i) => {
    const verdict = before[i];
    if (verdict === undefined || verdict.allowed || src.document === undefined) return;
    // Several violations can share one suggestion (one selector, several findings): apply it once.
    const seen = new Set<string>();
    const patches: JsonPatchOp[][] = [];
    for (const v of verdict.violations) {
      if (v.suggestion === undefined) continue;
      const key = JSON.stringify(v.suggestion);
      if (seen.has(key)) continue;
      seen.add(key);
      patches.push(v.suggestion);
    }
    for (const ops of patches) {
      const r = applyPatchToDocument(src.document, src.base ?? [], ops);
      if (!r.ok) errors.push(`${src.file}#${src.position}: ${r.message}`);
    }
  });
  const fixed: SourcedObject[] = objects.map((src) => {
    if (src.document === undefined) return src;
    const node: unknown = (src.base ?? []).length === 0 ? src.document.toJS() : src.document.getIn(src.base ?? []);
    const value: unknown = isRecord(node) ? node : (node as { toJSON?: () => unknown } | undefined)?.toJSON?.();
    return isRecord(value) ? { ...src, object: value } : src;
  });
  const results = checkObjects(fixed, namespaces, opts, config);
  const texts = files.map(({ file, documents }) => ({
    file,
    text: documents.map((d, i) => {
      const t = d.toString({ lineWidth: 0 });
      return i === 0 || t.startsWith('---') ? t : `---\n${t}`;
    }).join(''),
  }));
  return { files: texts, results, errors };
}
