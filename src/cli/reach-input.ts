/**
 * Reading `reach` input from files and folders: every `.yaml`, `.yml` and
 * `.json` file in a folder (in name order; with -R, in its subfolders too), multi-document, with
 * `List` wrappers expanded. Items of a typed list (`PodList`, `NamespaceList`)
 * often carry no `kind`: they get the list's. In a folder, a file that holds
 * no Kubernetes objects (an output file, a values file) is skipped with a
 * note; a file named on the command line must parse.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceObject } from '../reach/cluster.js';
import { isRecord } from '../policy/report.js';
import { readObjects } from './documents.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export type InputResult = { ok: true; objects: SourceObject[]; notes: string[] } | { ok: false; message: string };

async function filesUnder(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await filesUnder(path, recursive)));
    } else if (EXTENSIONS.some((x) => e.name.endsWith(x))) {
      out.push(path);
    }
  }
  return out;
}

export async function readReachInput(paths: readonly string[], options: { recursive: boolean; stdin: () => Promise<string> }): Promise<InputResult> {
  const objects: SourceObject[] = [];
  const notes: string[] = [];
  for (const path of paths) {
    let isDir = false;
    if (path !== '-') {
      try {
        isDir = (await stat(path)).isDirectory();
      } catch (err) {
        return { ok: false, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
      }
    }
    const files = isDir ? await filesUnder(path, options.recursive) : [path];
    for (const file of files) {
      const r = await readObjects([file], { stdin: options.stdin });
      if (!r.ok) {
        if (!isDir) return r;
        notes.push(`skipped ${file}: ${r.message}`);
        continue;
      }
      for (const o of r.objects) {
        let object = o.object;
        if (object.kind === undefined && o.base?.[0] === 'items' && o.document !== undefined) {
          const listKind: unknown = o.document.get('kind');
          if (typeof listKind === 'string' && listKind.endsWith('List') && listKind !== 'List') object = { ...object, kind: listKind.slice(0, -4) };
        }
        if (isRecord(object)) objects.push({ object, where: `${o.file}#${o.position}` });
      }
    }
  }
  return { ok: true, objects, notes };
}
