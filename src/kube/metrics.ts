/**
 * Metrics of the process's one Kubernetes client: every request to the API
 * server, by whom ever it is made (ownership lookups, the reflectors, the
 * rotator, the baseline controller). The names keep their `controller`
 * prefix from when only the controller counted its requests.
 */
import { Counter, type Registry } from 'prom-client';
import type { RequestObserver } from './rest.js';

export interface KubeMetrics {
  apiRequests: Counter<'verb' | 'resource' | 'code'>;
  throttled: Counter;
}

export function buildKubeMetrics(registry: Registry): KubeMetrics {
  const registers = [registry];
  return {
    apiRequests: new Counter({ name: 'tenant_guard_controller_api_requests_total', help: 'Requests to the Kubernetes API by verb, resource and HTTP status (0: no answer)', labelNames: ['verb', 'resource', 'code'], registers }),
    throttled: new Counter({ name: 'tenant_guard_controller_api_throttled_total', help: 'Requests the API server answered with 429 (the client then pauses)', registers }),
  };
}

export function observeRequests(m: KubeMetrics): RequestObserver {
  return (verb, resource, status) => {
    m.apiRequests.inc({ verb, resource, code: String(status) });
    if (status === 429) m.throttled.inc();
  };
}
