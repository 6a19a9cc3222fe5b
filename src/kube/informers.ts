/**
 * The process's informers: one Reflector per resource (and label selector),
 * shared by everyone who reads it, so the webhook's namespace ownership and
 * the baseline controller watch Namespaces once. Consumers subscribe();
 * the composition root starts and stops them.
 */
import type { ReflectorLog } from './reflector.js';
import { Reflector, type KubeObject } from './reflector.js';
import type { KubeRest } from './rest.js';
import { NAMESPACES, collectionPath, type ResourceType } from './resources.js';

/** A Namespace as the caches keep it. */
export interface CachedNamespace extends KubeObject {
  metadata?: KubeObject['metadata'] & { deletionTimestamp?: string };
  status?: { phase?: string };
}

/**
 * What the caches keep of an object: everything but managedFields (the
 * field-ownership tree server-side apply maintains, often bigger than the
 * object itself) and, when asked, annotations. No consumer reads them.
 */
export function slim<T extends KubeObject>(obj: T, keepAnnotations = true): T {
  const md = obj.metadata;
  if (md === undefined || (md.managedFields === undefined && (keepAnnotations || md.annotations === undefined))) return obj;
  const { managedFields: _mf, annotations, ...rest } = md;
  return { ...obj, metadata: keepAnnotations && annotations !== undefined ? { ...rest, annotations } : rest };
}

export interface InformerOptions {
  labelSelector?: string | undefined;
  keepAnnotations?: boolean;
}

export class Informers {
  private readonly made = new Map<string, Reflector<KubeObject>>();
  private started = false;

  constructor(private readonly rest: KubeRest, private readonly log: ReflectorLog) {}

  /** The one reflector of `resource` with this selector, made on first use (and started if the others are). */
  of<T extends KubeObject>(resource: ResourceType, opts: InformerOptions = {}): Reflector<T> {
    const key = `${resource.apiVersion}/${resource.plural}?${opts.labelSelector ?? ''}`;
    let r = this.made.get(key);
    if (r === undefined) {
      const keep = opts.keepAnnotations ?? true;
      r = new Reflector<KubeObject>(this.rest, {
        name: resource.plural,
        path: collectionPath(resource),
        labelSelector: opts.labelSelector,
        log: this.log,
        transform: (obj) => slim(obj, keep),
      });
      this.made.set(key, r);
      if (this.started) r.start();
    }
    return r as unknown as Reflector<T>;
  }

  /** Every Namespace, without annotations. */
  namespaces(): Reflector<CachedNamespace> {
    return this.of<CachedNamespace>(NAMESPACES, { keepAnnotations: false });
  }

  /** Stops and forgets the reflector (its resource is no longer served). */
  async drop(resource: ResourceType, opts: InformerOptions = {}): Promise<void> {
    const key = `${resource.apiVersion}/${resource.plural}?${opts.labelSelector ?? ''}`;
    const r = this.made.get(key);
    if (r === undefined) return;
    this.made.delete(key);
    await r.stop();
  }

  /** The number of reflectors (one watch each). */
  get size(): number {
    return this.made.size;
  }

  start(): void {
    this.started = true;
    for (const r of this.made.values()) r.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.made.values()].map((r) => r.stop()));
  }
}
