/**
 * Applying RFC 6902 patches to a parsed YAML document in place, so that
 * `check --fix` keeps the author's key order, comments and untouched fields.
 * Only the operations suggestions use are needed (add, replace, remove);
 * paths are JSON pointers relative to `base` (an object inside the document,
 * e.g. one item of a List).
 */
import { isMap, isNode, isSeq, type Document, type Node } from 'yaml';
import { APPEND, pathOfPointer, type Segment } from '../policy/path.js';
import type { JsonPatchOp } from '../policy/types.js';

export function applyPatchToDocument(doc: Document, base: readonly Segment[], ops: readonly JsonPatchOp[]): { ok: true } | { ok: false; message: string } {
  for (const op of ops) {
    const read = pathOfPointer(op.path);
    if (!read.ok) return { ok: false, message: read.message };
    const segs = [...base, ...read.path];
    const parentPath = segs.slice(0, -1);
    const last = segs[segs.length - 1];
    if (last === undefined) return { ok: false, message: `cannot apply ${op.op} at the document root` };
    const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
    switch (op.op) {
      case 'add': {
        if (isSeq(parent)) {
          const value = doc.createNode(op.value);
          if (last === APPEND) parent.items.push(value);
          else if (typeof last === 'number') parent.items.splice(last, 0, value);
          else return { ok: false, message: `${op.path}: not a list index` };
        } else if (isMap(parent)) {
          doc.setIn(segs, keepComments(doc.getIn(segs, true), doc.createNode(op.value)));
        } else {
          return { ok: false, message: `${op.path}: parent does not exist` };
        }
        break;
      }
      case 'replace':
        if (!doc.hasIn(segs)) return { ok: false, message: `${op.path}: nothing to replace` };
        doc.setIn(segs, keepComments(doc.getIn(segs, true), doc.createNode(op.value)));
        break;
      case 'remove':
        if (!doc.hasIn(segs)) return { ok: false, message: `${op.path}: nothing to remove` };
        doc.deleteIn(segs);
        break;
      default:
        return { ok: false, message: `${op.op} is not supported here` };
    }
  }
  return { ok: true };
}

/** A replaced value keeps the author's comments on it. */
function keepComments(old: unknown, next: Node): Node {
  if (isNode(old)) {
    if (old.commentBefore !== undefined && old.commentBefore !== null) next.commentBefore = old.commentBefore;
    if (old.comment !== undefined && old.comment !== null) next.comment = old.comment;
  }
  return next;
}
