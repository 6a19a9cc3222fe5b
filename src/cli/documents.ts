/**
 * Reading Kubernetes objects as `kubectl apply -f` does: files, folders (their
 * .yaml, .yml and .json files in name order; sub-folders only with -R), and
 * `-` for standard input. Multi-document files and `List` kinds (`kubectl
 * get -o yaml` output) are expanded into single objects. A document that
 * does not parse is an input error, reported with its file and position.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
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

export interface ReadOptions {
  /** Descend into sub-folders of a folder given with -f (kubectl's -R). */
  recursive?: boolean;
  /** Standard input, for `-f -`. */
  stdin?: () => Promise<string>;
}

/** The extensions kubectl reads from a folder. */
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

async function manifestFiles(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) files.push(...(await manifestFiles(path, true)));
    } else if (MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) {
      files.push(path);
    }
  }
  return files;
}

/** The files behind each -f argument: a file as given, a folder's manifests, `-` as is. */
export async function expandPaths(paths: readonly string[], recursive: boolean): Promise<{ ok: true; files: string[] } | { ok: false; message: string }> {
  const files: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      files.push(path);
      continue;
    }
    try {
      if ((await stat(path)).isDirectory()) {
        const inside = await manifestFiles(path, recursive);
        if (inside.length === 0) return { ok: false, message: `${path} is a folder with no .yaml, .yml or .json files${recursive ? '' : ' (-R reads sub-folders)'}` };
        files.push(...inside);
      } else {
        files.push(path);
      }
    } catch (err) {
      return { ok: false, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  }
  return { ok: true, files };
}

export async function readObjects(paths: readonly string[], options: ReadOptions = {}): Promise<ReadResult> {
  const expanded = await expandPaths(paths, options.recursive === true);
  if (!expanded.ok) return expanded;
  if (expanded.files.filter((f) => f === '-').length > 1) return { ok: false, message: 'standard input (-f -) can be read only once' };
  const all: SourcedObject[] = [];
  const sourced: SourcedFile[] = [];
  for (const file of expanded.files) {
    let text: string;
    try {
      text = file === '-' ? await (options.stdin ?? readStdin)() : await readFile(file, 'utf8');
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
