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
  const visit = (node: unknown, depth: number): void => {
    if (depth > 12 || out.size >= MAX_REFERENCED) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      // A selector or service reference holds no further references: read it, do not walk into it.
      if (key === 'namespaceSelector' && isRecord(value)) {
        for (const r of selectorRequirements(value, tenantLabel)) if (r.subject === 'name') r.values.forEach((v) => out.add(v));
        continue;
      }
      if (ENDPOINT_KEYS.has(key) && Array.isArray(value)) {
        for (const sel of value) {
          if (isRecord(sel)) for (const r of endpointNamespaceRequirements(sel, tenantLabel)) if (r.subject === 'name') r.values.forEach((v) => out.add(v));
        }
        continue;
      }
      if ((key === 'k8sService' || key === 'k8sServiceSelector') && isRecord(value)) {
        if (typeof value.namespace === 'string') out.add(value.namespace);
        continue;
      }
      visit(value, depth + 1);
    }
  };
  visit(object, 0);
  return [...out].slice(0, MAX_REFERENCED);
}
