/**
 * Reading Kubernetes objects from YAML/JSON files: multi-document files and
 * `List` kinds (`kubectl get -o yaml` output) are expanded into single
 * objects. A document that does not parse is an input error, reported with
 * its file and position.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

export interface SourcedObject {
  file: string;
  /** Position in the file (document index, then item index for Lists). */
  position: string;
  object: Record<string, unknown>;
}

export type ReadResult = { ok: true; objects: SourcedObject[] } | { ok: false; message: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function objectsFromText(text: string, file: string): ReadResult {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const objects: SourcedObject[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
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
        if (isRecord(item)) objects.push({ file, position: `${i + 1}.${j + 1}`, object: item });
      });
    } else {
      objects.push({ file, position: `${i + 1}`, object: value });
    }
  }
  return { ok: true, objects };
}

export async function readObjects(files: readonly string[]): Promise<ReadResult> {
  const all: SourcedObject[] = [];
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
  }
  return { ok: true, objects: all };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
