/**
 * The controller's Prometheus metrics, registered on the process's registry
 * (src/telemetry/metrics.ts), so one /metrics shows everything. Its API
 * requests are counted by the process's client (src/kube/metrics.ts).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ControllerMetrics {
  reconciles: Counter<'result'>;
  reconcileErrors: Counter<'reason'>;
  reconcileSeconds: Histogram;
  queueDepth: Gauge;
  lastFullSync: Gauge;
  writes: Counter<'kind' | 'action'>;
  leader: Gauge;
  events: Counter<'reason' | 'outcome'>;
  informerRelists: Counter<'informer'>;
  ciliumServed: Gauge;
}

export function buildControllerMetrics(registry: Registry): ControllerMetrics {
  const registers = [registry];
  return {
    reconciles: new Counter({ name: 'tenant_guard_controller_reconciles_total', help: 'Namespace reconciles by result: unchanged (nothing to write), written, skipped (not leader, namespace terminating) or error', labelNames: ['result'], registers }),
    reconcileErrors: new Counter({ name: 'tenant_guard_controller_reconcile_errors_total', help: 'Failed reconciles by reason (the HTTP reason of the API error)', labelNames: ['reason'], registers }),
    reconcileSeconds: new Histogram({ name: 'tenant_guard_controller_reconcile_duration_seconds', help: 'Time to reconcile one namespace, API writes included', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers }),
    queueDepth: new Gauge({ name: 'tenant_guard_controller_queue_depth', help: 'Namespaces waiting to be reconciled', registers }),
    lastFullSync: new Gauge({ name: 'tenant_guard_controller_last_full_sync_timestamp_seconds', help: 'When every namespace was last reconciled (backfill or periodic resync), Unix time', registers }),
    writes: new Counter({ name: 'tenant_guard_controller_writes_total', help: 'API writes by the controller, by kind and action: apply (a baseline policy created or repaired), delete (a managed policy removed), label (a platform namespace labelled)', labelNames: ['kind', 'action'], registers }),
    leader: new Gauge({ name: 'tenant_guard_controller_leader', help: '1 while this process is the leader (the only one that writes)', registers }),
    events: new Counter({ name: 'tenant_guard_controller_events_total', help: 'Kubernetes Events by reason and outcome (sent, dropped by the event budget, failed)', labelNames: ['reason', 'outcome'], registers }),
    informerRelists: new Counter({ name: 'tenant_guard_controller_informer_lists_total', help: 'Full lists per informer (start, and after a watch expired with 410 Gone)', labelNames: ['informer'], registers }),
    ciliumServed: new Gauge({ name: 'tenant_guard_controller_cilium_crd_served', help: '1 when the API server serves CiliumNetworkPolicy (cilium.io/v2)', registers }),
  };
}
