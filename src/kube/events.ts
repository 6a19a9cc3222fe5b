/**
 * Kubernetes Events (core/v1) on a namespace, so `kubectl get events -n NS`
 * tells a tenant what the platform did to their namespace. Events are best
 * effort: they have their own small budget (a backfill of thousands of
 * namespaces must not spend the controller's API budget on them), and one
 * that does not fit, or fails, is dropped and counted, never retried.
 */
import { randomBytes } from 'node:crypto';
import { HttpMethod } from '@kubernetes/client-node';
import type { TokenBucket } from './rate-limit.js';
import type { KubeRest } from './rest.js';
import { EVENTS, collectionPath } from './resources.js';

export const COMPONENT = 'tenant-guard-controller';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

export interface EventSink {
  /** `namespace` is where the Event is stored. */
  emit(namespace: string, about: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

interface Log {
  debug(o: object, msg: string): void;
}

/** Where the outcome of each Event is counted (a Prometheus counter labelled reason, outcome). */
export interface EventCounter {
  inc(labels: { reason: string; outcome: 'sent' | 'dropped' | 'failed' }): void;
}

export class EventRecorder implements EventSink {
  constructor(
    private readonly rest: KubeRest,
    private readonly budget: TokenBucket | undefined,
    private readonly instance: string,
    private readonly counted: EventCounter,
    private readonly log: Log,
  ) {}

  emit(namespace: string, about: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.budget === undefined || !this.budget.tryTake()) {
      this.counted.inc({ reason, outcome: 'dropped' });
      return;
    }
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${about.name}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: { apiVersion: about.apiVersion, kind: about.kind, name: about.name, namespace: about.namespace, uid: about.uid },
      reason,
      message,
      type,
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      reportingInstance: this.instance.slice(0, 128),
      action: reason,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    // Events are sent without a token from the main bucket: the event budget paces them.
    this.rest.request(HttpMethod.POST, collectionPath(EVENTS, namespace), { verb: 'create', resource: 'events', body, exempt: true, timeoutMs: 10_000 }).then(
      () => this.counted.inc({ reason, outcome: 'sent' }),
      (err: unknown) => {
        this.counted.inc({ reason, outcome: 'failed' });
        this.log.debug({ err: (err as Error).message, namespace, reason }, 'event not recorded');
      },
    );
  }
}
