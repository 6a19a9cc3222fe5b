/**
 * Prometheus metrics. One registry per process, so tests can build several
 * apps. Node's process metrics (prom-client's collectDefaultMetrics) keep
 * their standard names (process_cpu_seconds_total, process_resident_memory_bytes,
 * nodejs_eventloop_lag_seconds, …) so the dashboards and alerts written for
 * every Node service work unchanged; tenant-guard's own metrics carry the
 * tenant_guard_ prefix.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  admissions: Counter<'endpoint' | 'kind' | 'operation' | 'verdict'>;
  admissionSeconds: Histogram<'endpoint'>;
  violations: Counter<'code' | 'mode'>;
  inFlight: Gauge;
  shed: Counter;
}

export function buildMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    admissions: new Counter({ name: 'tenant_guard_admission_requests_total', help: 'Admission decisions by endpoint, kind, operation and verdict', labelNames: ['endpoint', 'kind', 'operation', 'verdict'], registers: [registry] }),
    // The API server's smallest webhook-latency bucket is 5 ms; ours start well below it.
    admissionSeconds: new Histogram({ name: 'tenant_guard_admission_duration_seconds', help: 'Time to decide one admission request', labelNames: ['endpoint'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5], registers: [registry] }),
    // Every violation found at admission, by code and by the enforcement mode that applied (deny, warn, dryrun).
    violations: new Counter({ name: 'tenant_guard_admission_violations_total', help: 'Violations found at admission, by violation code and enforcement mode', labelNames: ['code', 'mode'], registers: [registry] }),
    inFlight: new Gauge({ name: 'tenant_guard_admission_in_flight', help: 'Admission requests being decided', registers: [registry] }),
    shed: new Counter({ name: 'tenant_guard_admission_shed_total', help: 'Requests refused with 429 because too many were in flight', registers: [registry] }),
  };
}
