/**
 * The audit as metrics: the controller's leader recomputes the finding
 * counts of `tenant-guard audit` from time to time and exports them
 * (tenant_guard_audit_findings by category), so a dashboard shows drift.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { KubeRest } from '../kube/rest.js';
import { collectAuditInput } from './collect.js';
import { auditCluster, findingCounts } from './report.js';

export interface AuditGauges {
  auditFindings: Gauge<'category'>;
  auditLastRun: Gauge;
}

export function buildAuditGauges(registry: Registry): AuditGauges {
  const registers = [registry];
  return {
    auditFindings: new Gauge({ name: 'tenant_guard_audit_findings', help: 'Findings of the last audit by category (same categories as `tenant-guard audit`)', labelNames: ['category'], registers }),
    auditLastRun: new Gauge({ name: 'tenant_guard_audit_last_run_timestamp_seconds', help: 'When the last audit finished, Unix time', registers }),
  };
}

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export class AuditCounts {
  private running = false;

  constructor(private readonly rest: KubeRest, private readonly config: Config, private readonly gauges: AuditGauges, private readonly log: Log) {}

  /** One run; a run already in progress makes this a no-op. Never throws. */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const input = await collectAuditInput(this.rest, this.config);
      const counts = findingCounts(auditCluster(input));
      for (const [category, n] of Object.entries(counts)) this.gauges.auditFindings.set({ category }, n);
      this.gauges.auditLastRun.set(Date.now() / 1000);
      this.log.info({ findings: counts }, 'audit counts updated');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'audit failed; counts not updated');
    } finally {
      this.running = false;
    }
  }
}
