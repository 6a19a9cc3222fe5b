/**
 * Field paths as lists of segments: object keys (strings) and list indices
 * (numbers). Rules build them by appending segments and never parse text
 * back, so a path cannot silently turn into another one. They become text only
 * where they leave the engine, in one of two forms:
 *
 * - a violation or warning, as kubectl users read it (Kubernetes' own field
 *   errors): `spec.ingress[0].from[1].namespaceSelector`, with keys that are
 *   not identifiers quoted, `metadata.labels["tenant-guard.io/tenant"]`;
 * - an RFC 6902 patch, as an RFC 6901 JSON pointer: `/spec/ingress/0/from/1`.
 *
 * Patches are the one form that comes back in (a suggestion is shown and
 * applied from its patch), so a pointer can be read as segments too; text that
 * is not a pointer is an error, never the document root.
 */

export type Segment = string | number;
export type FieldPath = readonly Segment[];

/** The end of a list in an RFC 6902 `add`: appends instead of inserting. */
export const APPEND = '-';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPE_OR_SLASH = /[~/]/;
const BAD_ESCAPE = /~[^01]|~$/;
const INDEX = /^(0|[1-9]\d*)$/;

/** The path as kubectl users read it. The empty path is the object itself, `(object)`. */
export function fieldPathText(path: FieldPath): string {
  if (path.length === 0) return '(object)';
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** RFC 6901: `~` is escaped before `/`, so `~1` in a key stays distinct from `/`. */
export function pointerToken(s: Segment): string {
  if (typeof s === 'number') return String(s);
  // Most keys need no escaping; every refusal renders several pointers.
  if (!ESCAPE_OR_SLASH.test(s)) return s;
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The path as an RFC 6901 JSON pointer (the empty path is the empty pointer, the whole document). */
export function jsonPointer(path: FieldPath): string {
  let out = '';
  for (const s of path) out += `/${pointerToken(s)}`;
  return out;
}

/**
 * An RFC 6901 pointer read as segments: tokens that are array indices become
 * numbers (a pointer does not say whether `0` is an index or a key; YAML and
 * JSON documents here use it as an index when the parent is a list). Text that
 * is not a pointer (no leading `/`, or a `~` not followed by 0 or 1) is an error.
 */
export function pathOfPointer(pointer: string): { ok: true; path: Segment[] } | { ok: false; message: string } {
  if (pointer === '') return { ok: true, path: [] };
  if (!pointer.startsWith('/')) return { ok: false, message: `${JSON.stringify(pointer)} is not a JSON pointer (it must start with "/")` };
  const path: Segment[] = [];
  for (const token of pointer.slice(1).split('/')) {
    if (!token.includes('~')) {
      path.push(INDEX.test(token) ? Number(token) : token);
      continue;
    }
    if (BAD_ESCAPE.test(token)) return { ok: false, message: `${JSON.stringify(pointer)} is not a JSON pointer ("~" must be followed by 0 or 1)` };
    const s = token.replace(/~1/g, '/').replace(/~0/g, '~');
    path.push(INDEX.test(s) ? Number(s) : s);
  }
  return { ok: true, path };
}
