/**
 * The engine's view of the shares for one review (a SharesView), from the
 * Exports and Imports a cache holds and the namespaces resolved for that
 * review: a share counts as in force only when both owners, as resolved now,
 * agree with it (a namespace that could not be resolved puts no share in
 * force).
 */
import type { Config } from '../config/schema.js';
import type { ExportFacts, ImportFacts } from '../policy/share.js';
import { ownerOf } from '../policy/tenancy.js';
import type { NamespaceView, SharesView } from '../policy/types.js';
import { evaluateShares, shareKey } from './evaluate.js';

export interface ShareObjects {
  /** False until the cache has listed both kinds. */
  synced: boolean;
  exports: readonly ExportFacts[];
  imports: readonly ImportFacts[];
}

export function buildSharesView(objects: ShareObjects, namespaces: NamespaceView, config: Config, nowMs: number): SharesView {
  const byNamespace = new Map<string, ExportFacts[]>();
  const byKey = new Map<string, ExportFacts>();
  for (const e of objects.exports) {
    byKey.set(shareKey(e.namespace, e.name), e);
    const list = byNamespace.get(e.namespace) ?? [];
    list.push(e);
    byNamespace.set(e.namespace, list);
  }
  const tenantOf = (ns: string): string | undefined => {
    const o = ownerOf(ns, namespaces, config);
    return o.kind === 'tenant' ? o.tenant : undefined;
  };
  return {
    known: objects.synced,
    exportsIn: (ns) => byNamespace.get(ns) ?? [],
    exportNamed: (ns, name) => byKey.get(shareKey(ns, name)),
    activeIn: (ns) => {
      // Only the shares this namespace takes part in are evaluated, with the owners this review resolved.
      const exports = objects.exports.filter((e) => e.namespace === ns);
      const imports = objects.imports.filter((i) => i.namespace === ns || i.from.namespace === ns);
      const wanted = new Set(imports.map((i) => shareKey(i.from.namespace, i.from.export)));
      for (const k of wanted) {
        const e = byKey.get(k);
        if (e !== undefined && !exports.includes(e)) exports.push(e);
      }
      return evaluateShares({ exports, imports, previousReason: () => undefined, tenantOf, rules: config.sharing, nowMs }).active;
    },
  };
}
