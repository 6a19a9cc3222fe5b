/**
 * The health gauges: the serving certificate's expiry as the certificate
 * says, and degraded components read at scrape time from the same sources
 * /readyz reads.
 */
import { X509Certificate } from 'node:crypto';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { issueCA, issueServing } from '../certs/issue.js';
import type { NamespaceResolver } from '../kube/namespace-view.js';
import { buildHealthMetrics } from './health-metrics.js';

function resolver(reason: () => string | undefined): NamespaceResolver {
  return { resolve: () => Promise.reject(new Error('not used')), degraded: reason };
}

describe('health metrics', () => {
  it('report the serving certificate\'s notAfter, and keep it when a PEM cannot be read', async () => {
    const registry = new Registry();
    const health = buildHealthMetrics(registry, { namespaces: resolver(() => undefined) });
    const ca = issueCA('test-ca', 10);
    const serving = issueServing(ca, { dnsNames: ['localhost'], ips: [], days: 3 });
    health.served(serving.certPem);
    const expiry = (await registry.getSingleMetric('tenant_guard_certificate_expiry_timestamp_seconds')!.get()).values;
    const notAfter = new Date(new X509Certificate(serving.certPem).validTo).getTime() / 1000;
    expect(expiry).toEqual([{ labels: { certificate: 'serving' }, value: notAfter }]);
    health.served('not a certificate');
    expect((await registry.getSingleMetric('tenant_guard_certificate_expiry_timestamp_seconds')!.get()).values[0]!.value).toBe(notAfter);
  });

  it('say which components fail closed, at scrape time', async () => {
    const registry = new Registry();
    let reason: string | undefined = 'cache not synced';
    buildHealthMetrics(registry, { namespaces: resolver(() => reason), cidrGroups: { degraded: () => undefined } as never });
    expect(await registry.metrics()).toMatch(/^tenant_guard_degraded\{component="namespaces"\} 1$/m);
    expect(await registry.metrics()).toMatch(/^tenant_guard_degraded\{component="cidrGroups"\} 0$/m);
    reason = undefined;
    expect(await registry.metrics()).toMatch(/^tenant_guard_degraded\{component="namespaces"\} 0$/m);
  });
});
