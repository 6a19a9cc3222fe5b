/**
 * Reading Kubernetes objects from YAML/JSON files: multi-document files and
 * `List` kinds (`kubectl get -o yaml` output) are expanded into single
 * objects. A document that does not parse is an input error, reported with
 * its file and position.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments, type Document } from 'yaml';
import { isRecord } from '../policy/report.js';

export interface SourcedObject {
  file: string;
  /** Position in the file (document index, then item index for Lists). */
  position: string;
  object: Record<string, unknown>;
  /** The parsed document it came from, and where in it (`['items', 3]` for a List item), so fixes can be written back in place. */
  document?: Document;
  base?: (string | number)[];
}

export interface SourcedFile {
  file: string;
  documents: Document[];
}

export type ReadResult = { ok: true; objects: SourcedObject[]; files: SourcedFile[] } | { ok: false; message: string };

export function objectsFromText(text: string, file: string): ReadResult {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const objects: SourcedObject[] = [];
  const list = (Array.isArray(docs) ? docs : [docs]) as Document[];
  for (let i = 0; i < list.length; i++) {
    const doc = list[i];
    if (doc === undefined) continue;
    if (doc.errors.length > 0) {
      return { ok: false, message: `${file}: document ${i + 1}: ${doc.errors[0]?.message ?? 'invalid YAML'}` };
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) return { ok: false, message: `${file}: document ${i + 1} is not a Kubernetes object (a mapping)` };
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, j) => {
        if (isRecord(item)) objects.push({ file, position: `${i + 1}.${j + 1}`, object: item, document: doc, base: ['items', j] });
      });
    } else {
      objects.push({ file, position: `${i + 1}`, object: value, document: doc, base: [] });
    }
  }
  return { ok: true, objects, files: [{ file, documents: list }] };
}

export async function readObjects(files: readonly string[]): Promise<ReadResult> {
  const all: SourcedObject[] = [];
  const sourced: SourcedFile[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    } catch (err) {
      return { ok: false, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    const r = objectsFromText(text, file);
    if (!r.ok) return r;
    all.push(...r.objects);
    sourced.push(...r.files);
  }
  return { ok: true, objects: all, files: sourced };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
