/**
 * The namespaces a review will look up, so the adapter can resolve them all
 * before calling the (synchronous, pure) engine: the policy's own namespace
 * and every namespace named by a name-based selector or a service reference.
 */
import { isRecord } from './report.js';
import { endpointNamespaceRequirements } from './rules/cilium.js';
import { selectorRequirements } from './rules/networkpolicy.js';

const ENDPOINT_KEYS = new Set(['fromEndpoints', 'toEndpoints', 'fromRequires', 'toRequires']);
/** Bounds the lookups one object can cause; names past it are judged as unknown. */
export const MAX_REFERENCED = 64;

export function referencedNamespaces(namespace: string | undefined, object: unknown, tenantLabel: string): string[] {
  const out = new Set<string>();
  if (namespace !== undefined && namespace !== '') out.add(namespace);
  const addNames = (reqs: readonly { subject: string; values: readonly string[] }[]): void => {
    for (const r of reqs) if (r.subject === 'name') for (const v of r.values) out.add(v);
  };
  // Once per request on the admission path: plain loops, no entry arrays or closures per node.
  const visit = (node: unknown, depth: number): void => {
    if (depth > 12 || out.size >= MAX_REFERENCED || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const value = record[key];
      if (typeof value !== 'object' || value === null) continue;
      // A selector or service reference holds no further references: read it, do not walk into it.
      if (key === 'namespaceSelector' && isRecord(value)) {
        addNames(selectorRequirements(value, tenantLabel));
        continue;
      }
      if (ENDPOINT_KEYS.has(key) && Array.isArray(value)) {
        for (const sel of value) if (isRecord(sel)) addNames(endpointNamespaceRequirements(sel, tenantLabel));
        continue;
      }
      if ((key === 'k8sService' || key === 'k8sServiceSelector') && isRecord(value)) {
        if (typeof value.namespace === 'string') out.add(value.namespace);
        continue;
      }
      visit(value, depth + 1);
    }
  };
  // Only the policy's rules name namespaces: metadata (managedFields, the last-applied
  // annotation) is most of what kubectl sends and holds none the engine looks up.
  if (isRecord(object)) {
    visit(object.spec, 1);
    visit(object.specs, 1);
  }
  return [...out].slice(0, MAX_REFERENCED);
}
