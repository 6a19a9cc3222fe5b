/**
 * The webhook's health as metrics, for alerts that fire before tenants
 * notice: when the serving certificate expires, and whether decisions are
 * degraded (answered, but failing closed because ownership or CIDR groups
 * cannot be read). The degraded gauge is computed at scrape time from the
 * same sources /readyz reads, so the two never disagree.
 */
import { X509Certificate } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { CidrGroupResolver } from '../kube/cidr-group-cache.js';
import type { NamespaceResolver } from '../kube/namespace-view.js';

export interface HealthSources {
  namespaces: NamespaceResolver;
  cidrGroups?: CidrGroupResolver | undefined;
}

export interface HealthMetrics {
  /** The serving certificate now served (PEM, leaf first); an unparseable one leaves the gauge as it was. */
  served(certPem: string): void;
}

export function buildHealthMetrics(registry: Registry, sources: HealthSources): HealthMetrics {
  const expiry = new Gauge({
    name: 'tenant_guard_certificate_expiry_timestamp_seconds',
    help: 'When the serving certificate the webhook presents expires, Unix time',
    labelNames: ['certificate'],
    registers: [registry],
  });
  new Gauge({
    name: 'tenant_guard_degraded',
    help: 'Whether decisions that need this component fail closed right now (1) or not (0); /readyz says why',
    labelNames: ['component'],
    registers: [registry],
    collect() {
      this.set({ component: 'namespaces' }, sources.namespaces.degraded() === undefined ? 0 : 1);
      this.set({ component: 'cidrGroups' }, sources.cidrGroups === undefined || sources.cidrGroups.degraded() === undefined ? 0 : 1);
    },
  });
  return {
    served(certPem: string) {
      try {
        // X509Certificate reads the first certificate of a PEM chain: the leaf.
        expiry.set({ certificate: 'serving' }, new Date(new X509Certificate(certPem).validTo).getTime() / 1000);
      } catch {
        // Not a certificate we can read: keep the last known value rather than invent one.
      }
    },
  };
}
