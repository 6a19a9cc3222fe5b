/**
 * Where `check` puts each object, as `kubectl apply -n` would: the -n
 * namespace, else the object's own, else "default" (Namespaces have none).
 * An object that names a namespace other than -n is an error, as kubectl
 * makes it; and with --old, each object is paired with its stored version
 * by kind, namespace and name.
 */
import { splitApiVersion } from '../policy/index.js';
import { isRecord } from '../policy/report.js';
import type { SourcedObject } from './documents.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export interface Placed {
  group: string;
  version: string;
  kind: string;
  name: string | undefined;
  /** undefined for a Namespace. */
  namespace: string | undefined;
  /** The object with metadata.namespace set where it is placed. */
  object: Record<string, unknown>;
}

export function place(object: Record<string, unknown>, namespaceFlag: string | undefined): Placed {
  const { group, version } = splitApiVersion(object.apiVersion);
  const kind = str(object.kind) ?? '(no kind)';
  const md = isRecord(object.metadata) ? object.metadata : {};
  const isNamespace = group === '' && kind === 'Namespace';
  const namespace = isNamespace ? undefined : (namespaceFlag ?? str(md.namespace) ?? 'default');
  const placed = namespace === undefined ? object : { ...object, metadata: { ...md, namespace } };
  return { group, version, kind, name: str(md.name), namespace, object: placed };
}

function label(src: SourcedObject): string {
  const p = place(src.object, undefined);
  return `${src.file}#${src.position} ${p.kind} ${p.name ?? '(no name)'}`;
}

/** Every object whose metadata.namespace is not the -n namespace, one line each. */
export function namespaceMismatches(objects: readonly SourcedObject[], namespaceFlag: string | undefined): string[] {
  if (namespaceFlag === undefined) return [];
  const problems: string[] = [];
  for (const src of objects) {
    const p = place(src.object, undefined);
    if (p.namespace === undefined) continue;
    const own = isRecord(src.object.metadata) ? str(src.object.metadata.namespace) : undefined;
    if (own !== undefined && own !== namespaceFlag) {
      problems.push(`${label(src)}: the namespace from the provided object "${own}" does not match the namespace "${namespaceFlag}" (pass --namespace ${own}, or remove metadata.namespace)`);
    }
  }
  return problems;
}

function identity(p: Placed): string {
  return JSON.stringify([p.group, p.kind, p.namespace ?? '', p.name ?? '']);
}

export type OldPairing = { ok: true; old: Record<string, unknown>[] } | { ok: false; problems: string[] };

/** For each object, its stored version from --old (same group, kind, namespace and name), in the objects' order. */
export function pairWithOld(objects: readonly SourcedObject[], old: readonly SourcedObject[], namespaceFlag: string | undefined): OldPairing {
  const byIdentity = new Map<string, SourcedObject>();
  const problems: string[] = [];
  for (const src of old) {
    const key = identity(place(src.object, namespaceFlag));
    if (byIdentity.has(key)) problems.push(`${label(src)}: appears twice in --old`);
    byIdentity.set(key, src);
  }
  const paired: Record<string, unknown>[] = [];
  for (const src of objects) {
    const p = place(src.object, namespaceFlag);
    const match = byIdentity.get(identity(p));
    if (match === undefined) {
      problems.push(`${label(src)}: no ${p.kind} ${p.namespace === undefined ? '' : `${p.namespace}/`}${p.name ?? '(no name)'} in --old to update (an UPDATE needs the stored object; check new objects without --old)`);
    } else {
      paired.push(match.object);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, old: paired };
}
