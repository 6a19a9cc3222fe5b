/**
 * A stored object (a document from a file, an object listed from the API)
 * as engine input: its kind from apiVersion and kind, its namespace and name
 * from metadata. The one adapter for every front-end that judges objects
 * that are not in an AdmissionReview (`check`, the audit), so they read an
 * object the same way.
 */
import { splitApiVersion } from './kinds.js';
import { isRecord } from './report.js';
import type { PolicySettings } from './settings.js';
import type { CidrGroupView, NamespaceView, Operation, Requester, ReviewInput } from './types.js';

export interface StoredObjectContext {
  operation: Operation;
  requester: Requester;
  namespaces: NamespaceView;
  settings: PolicySettings;
  /** For UPDATE and DELETE: the version the change replaces (without it, the object itself). */
  oldObject?: Record<string, unknown> | undefined;
  /** The CiliumCIDRGroups a cidrGroupRef is judged against (without it, every reference is unknown). */
  cidrGroups?: CidrGroupView | undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The kind, namespace and name of a stored object; a Namespace is named without a namespace. */
export function storedObjectIdentity(object: Record<string, unknown>): { group: string; version: string; kind: string; namespace: string | undefined; name: string | undefined } {
  const { group, version } = splitApiVersion(object.apiVersion);
  const kind = text(object.kind) ?? '(no kind)';
  const md = isRecord(object.metadata) ? object.metadata : {};
  const namespace = group === '' && kind === 'Namespace' ? undefined : text(md.namespace);
  return { group, version, kind, namespace, name: text(md.name) };
}

/** The review of a stored object, as the webhook would see the request that writes (or deletes) it. */
export function storedObjectInput(object: Record<string, unknown>, ctx: StoredObjectContext): ReviewInput {
  const id = storedObjectIdentity(object);
  return {
    kind: { group: id.group, version: id.version, kind: id.kind },
    operation: ctx.operation,
    namespace: id.namespace,
    name: id.name,
    object: ctx.operation === 'DELETE' ? undefined : object,
    oldObject: ctx.operation === 'CREATE' ? undefined : (ctx.oldObject ?? object),
    requester: ctx.requester,
    namespaces: ctx.namespaces,
    settings: ctx.settings,
    ...(ctx.cidrGroups === undefined ? {} : { cidrGroups: ctx.cidrGroups }),
  };
}
