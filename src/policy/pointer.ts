/**
 * Display paths (`spec.ingress[0].from[1].namespaceSelector`,
 * `metadata.labels["a/b"]`) ⇄ RFC 6901 JSON pointers and path segments, so a
 * violation's path can also address the spot a suggested patch changes.
 */
import { pointerToken } from './paths.js';

export type Segment = string | number;

/** Parse a display path into segments. Returns undefined for text that is not a path. */
export function segmentsOf(path: string): Segment[] | undefined {
  const out: Segment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      if (path[i + 1] === '"') {
        // A JSON string key, as child() writes it for keys that are not identifiers.
        let j = i + 2;
        while (j < path.length && !(path[j] === '"' && path[j - 1] !== '\\')) j++;
        try {
          out.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        } catch {
          return undefined;
        }
        i = j + 2;
        continue;
      }
      const close = path.indexOf(']', i);
      if (close === -1) return undefined;
      const n = Number(path.slice(i + 1, close));
      if (!Number.isInteger(n)) return undefined;
      out.push(n);
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}

export function pointerOf(path: string): string {
  const segs = segmentsOf(path) ?? [];
  return segs.map((s) => `/${pointerToken(String(s))}`).join('');
}

/** JSON pointer → segments (numbers for array indices, '-' kept as a string). */
export function segmentsOfPointer(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((t) => {
    const s = t.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^(0|[1-9]\d*)$/.test(s) ? Number(s) : s;
  });
}

/** Segments → display path. */
export function displayPath(segs: readonly Segment[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (s === '-') out += '[+]';
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
