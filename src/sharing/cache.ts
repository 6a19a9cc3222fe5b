/**
 * Exports and Imports in memory, on the process's shared informers (one
 * watch per kind, whoever reads it): each object is read once into the
 * engine's facts (readExport/readImport) when it arrives. The webhook builds
 * its per-review SharesView from it; the share controller reads it in every
 * reconcile. An object that does not read (only possible when the CRD's
 * schema was bypassed) is kept out and logged.
 */
import type { Config } from '../config/schema.js';
import type { Informers } from '../kube/informers.js';
import { keyOf, type ChangeType, type KubeObject, type Reflector, type ReflectorLog } from '../kube/reflector.js';
import { EXPORTS, IMPORTS } from '../kube/resources.js';
import { readExport, readImport, type ExportFacts, type ImportFacts } from '../policy/share.js';
import type { NamespaceView, SharesView } from '../policy/types.js';
import { buildSharesView, type ShareObjects } from './view.js';

interface Stored<T> {
  facts: T | undefined;
  /** The stored status, for the controller's comparisons and the previous condition. */
  status: unknown;
}

type Read<T> = (o: unknown) => { ok: true; value: T } | { ok: false };

export interface ShareCacheOptions {
  log: ReflectorLog;
}

export type ShareChange = (kind: 'Export' | 'Import', type: ChangeType | 'synced') => void;

export class ShareCache {
  private readonly exports = new Map<string, Stored<ExportFacts>>();
  private readonly imports = new Map<string, Stored<ImportFacts>>();
  private readonly exportReflector: Reflector<KubeObject>;
  private readonly importReflector: Reflector<KubeObject>;
  private readonly listeners: ShareChange[] = [];
  private snapshot: ShareObjects | undefined;

  constructor(informers: Informers, private readonly config: Config, private readonly opts: ShareCacheOptions) {
    this.exportReflector = informers.of<KubeObject>(EXPORTS);
    this.importReflector = informers.of<KubeObject>(IMPORTS);
    this.exportReflector.subscribe({
      onChange: (type, obj) => this.put(this.exports, readExport, type, obj, 'Export'),
      onSynced: (store) => this.resync(this.exports, readExport, store, 'Export'),
    });
    this.importReflector.subscribe({
      onChange: (type, obj) => this.put(this.imports, readImport, type, obj, 'Import'),
      onSynced: (store) => this.resync(this.imports, readImport, store, 'Import'),
    });
  }

  /** Called after every change and (re)list of either kind (the share controller enqueues its reconcile). */
  onChange(listener: ShareChange): void {
    this.listeners.push(listener);
  }

  private put<T>(map: Map<string, Stored<T>>, read: Read<T>, type: ChangeType, obj: KubeObject, kind: 'Export' | 'Import'): void {
    const key = keyOf(obj);
    if (type === 'delete') map.delete(key);
    else {
      const r = read(obj);
      if (!r.ok) this.opts.log.warn({ kind, object: key }, 'a share object that does not read was ignored');
      map.set(key, { facts: r.ok ? r.value : undefined, status: obj.status });
    }
    this.changed(kind, type);
  }

  private resync<T>(map: Map<string, Stored<T>>, read: Read<T>, store: ReadonlyMap<string, KubeObject>, kind: 'Export' | 'Import'): void {
    map.clear();
    for (const [key, obj] of store) {
      const r = read(obj);
      map.set(key, { facts: r.ok ? r.value : undefined, status: obj.status });
    }
    this.changed(kind, 'synced');
  }

  private changed(kind: 'Export' | 'Import', type: ChangeType | 'synced'): void {
    this.snapshot = undefined;
    for (const l of this.listeners) l(kind, type);
  }

  get synced(): boolean {
    return this.exportReflector.hasSynced && this.importReflector.hasSynced;
  }

  /** Every readable Export and Import, rebuilt only after a change. */
  objects(): ShareObjects {
    this.snapshot ??= {
      synced: this.synced,
      exports: [...this.exports.values()].flatMap((s) => (s.facts === undefined ? [] : [s.facts])),
      imports: [...this.imports.values()].flatMap((s) => (s.facts === undefined ? [] : [s.facts])),
    };
    if (this.snapshot.synced !== this.synced) this.snapshot = { ...this.snapshot, synced: this.synced };
    return this.snapshot;
  }

  exportStatus(namespace: string, name: string): unknown {
    return this.exports.get(`${namespace}/${name}`)?.status;
  }

  importStatus(namespace: string, name: string): unknown {
    return this.imports.get(`${namespace}/${name}`)?.status;
  }

  /** The webhook's view for one review. */
  view(namespaces: NamespaceView): SharesView {
    return buildSharesView(this.objects(), namespaces, this.config, Date.now());
  }

  notReady(): string | undefined {
    return this.synced ? undefined : 'the cache of Exports and Imports is not synced';
  }
}
