/**
 * The composition root of a tenant-guard process:
 *
 *   config → kube (one client, one informer per resource)
 *          → webhook (ownership on the shared Namespace informer, certificates)
 *          → baseline controller (the same informers, its own policy informers)
 *            with the audit counts as its periodic job, and the adoption of
 *            existing namespaces under its leadership
 *          → PolicyReport controller (the same Namespace informer; config reports)
 *          → share controller (Exports and Imports on the same informers as
 *            the webhook's sharing rules; writes under the baseline's lease)
 *
 * with one logger, one metrics registry, the webhook's HTTPS port (admission
 * and probes) when the webhook runs, and a plain-HTTP port for /metrics and
 * probes (ops; config controller.port for the controller alone, `serve
 * --metrics-port` beside the webhook). Metrics are never on the webhook
 * port, which must be open to the API server from anywhere, so a
 * NetworkPolicy can keep them to the monitoring namespace. close() is the one shutdown
 * path: stop accepting, finish in-flight requests and reconciles, release
 * the lease, stop the watches, all within the grace period.
 */
import type { Logger } from 'pino';
import { AdoptionController } from './adoption/controller.js';
import { AuditCounts, buildAuditGauges } from './audit/counts.js';
import { BaselineController } from './baseline/controller.js';
import type { Config } from './config/schema.js';
import { connectKube, loadKubeConfig, type Kube } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { Informers } from './kube/informers.js';
import { ReflectedCidrGroups } from './kube/cidr-group-cache.js';
import { ReflectedNamespaces } from './kube/namespace-cache.js';
import { UnavailableNamespaces, type NamespaceResolver } from './kube/namespace-view.js';
import { ReportController } from './reports/controller.js';
import { TokenBucket } from './kube/rate-limit.js';
import { assignsNamespaces } from './policy/adoption.js';
import { startOpsHttp, type RunningHttp } from './server/ops.js';
import { StartupError, startWebhook, type RunningWebhook, type WebhookSettings } from './server/webhook.js';
import { ShareCache } from './sharing/cache.js';
import { ShareController } from './sharing/controller.js';
import { buildMetrics, type Metrics } from './telemetry/metrics.js';
import { collectWhenSettled } from './telemetry/startup-gc.js';

export { StartupError };

export interface ProcessOptions {
  kubeconfig?: string | undefined;
  /** Run the webhook with these settings; undefined: no webhook. */
  webhook?: WebhookSettings | undefined;
  /** Run the baseline controller (and the share controller under its lease). */
  controller?: { identity?: string | undefined } | undefined;
  /** Where /metrics and probes listen (plain HTTP); required without the webhook, optional beside it. */
  ops?: { port: number; host: string } | undefined;
}

export interface RunningProcess {
  /** The webhook's port, or the plain-HTTP one without the webhook. */
  port: number;
  /** The plain-HTTP port serving /metrics, when there is one. */
  opsPort: number | undefined;
  metrics: Metrics;
  informers: Informers | undefined;
  controller: BaselineController | undefined;
  shares: ShareController | undefined;
  close(): Promise<void>;
}

const mib = (bytes: number): number => Math.round(bytes / 104857.6) / 10;

function connect(config: Config, kubeconfig: string | undefined, metrics: Metrics): Kube | undefined {
  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig });
  } catch (err) {
    throw new StartupError(`cannot load kubeconfig: ${(err as Error).message}`);
  }
  if (kc === undefined) return undefined;
  if (kc.getCurrentCluster() === null) throw new StartupError('the kubeconfig has no current cluster');
  return connectKube(kc, { qps: config.controller.qps, burst: config.controller.burst, registry: metrics.registry });
}

export async function startProcess(config: Config, opts: ProcessOptions, log: Logger): Promise<RunningProcess> {
  const metrics = buildMetrics();
  const kube = connect(config, opts.kubeconfig, metrics);
  if (opts.controller !== undefined && kube === undefined) {
    throw new StartupError('no Kubernetes API configured (no --kubeconfig, in-cluster service account, $KUBECONFIG or ~/.kube/config): the controller needs one');
  }
  const informers = kube !== undefined ? new Informers(kube.rest, log) : undefined;
  const controller = kube !== undefined && informers !== undefined && opts.controller !== undefined
    ? new BaselineController({
      config, rest: kube.rest, informers, log, registry: metrics.registry, identity: opts.controller.identity,
      audit: new AuditCounts(kube.rest, config, buildAuditGauges(metrics.registry), log.child({ component: 'controller' })),
    })
    : undefined;
  // One cache of Exports and Imports for the webhook's rules and the share controller.
  const shareCache = informers !== undefined ? new ShareCache(informers, config, { log: log.child({ component: 'shares' }) }) : undefined;
  const shares = kube !== undefined && informers !== undefined && shareCache !== undefined && controller !== undefined
    ? new ShareController({ config, rest: kube.rest, informers, cache: shareCache, log, registry: metrics.registry, leadership: controller, identity: controller.identity })
    : undefined;
  const notReady = (): string[] => [...(controller?.notReady() ?? []), ...(shares?.notReady() ?? [])];
  // Namespaces assigned by tenants[].namespaces are labelled by the controller's leader, with Events of their own budget.
  const events = config.controller.events;
  const adoption = kube !== undefined && informers !== undefined && controller !== undefined && assignsNamespaces(config)
    ? new AdoptionController({
      config, rest: kube.rest, namespaces: informers.namespaces(), log, leads: () => controller.status().leader === true && controller.notReady().length === 0,
      events: new EventRecorder(kube.rest, events.qps > 0 && events.burst >= 1 ? new TokenBucket(events.qps, events.burst) : undefined, controller.identity, controller.metrics.events, log),
    })
    : undefined;

  const reports = kube !== undefined && informers !== undefined && opts.controller !== undefined && config.reports.enabled
    ? new ReportController({ config, rest: kube.rest, informers, log, registry: metrics.registry, identity: opts.controller.identity, shares: shareCache })
    : undefined;

  let webhook: RunningWebhook | undefined;
  let cidrGroups: ReflectedCidrGroups | undefined;
  let ops: RunningHttp | undefined;
  let port = 0;
  if (opts.webhook !== undefined) {
    let namespaces: NamespaceResolver;
    if (kube === undefined || informers === undefined) {
      namespaces = new UnavailableNamespaces('no Kubernetes API configured (no in-cluster service account, $KUBECONFIG or ~/.kube/config)');
      log.warn({}, 'no Kubernetes API configured: Namespace decisions work; policy decisions are refused until ownership can be established');
    } else {
      namespaces = new ReflectedNamespaces(kube.rest, informers.namespaces());
      cidrGroups = new ReflectedCidrGroups(kube.rest, informers, log);
      void cidrGroups.start();
    }
    const components = controller !== undefined ? () => ({ controller: { ready: notReady().length === 0, reasons: notReady(), ...controller.status() } }) : undefined;
    webhook = await startWebhook(opts.webhook, { config, log, metrics, namespaces, cidrGroups, shares: shareCache, kube, components });
    port = webhook.port;
  } else if (controller === undefined || opts.ops === undefined) {
    throw new StartupError('nothing to run: neither the webhook nor the controller');
  }
  if (opts.ops !== undefined) {
    // Beside the webhook without the controller there is nothing else to report: its probes are on the webhook port.
    const source = controller !== undefined ? { notReady, status: () => controller.status() } : { notReady: () => [], status: () => ({}) };
    try {
      ops = await startOpsHttp(metrics.registry, source, opts.ops.port, opts.ops.host);
    } catch (err) {
      await webhook?.close();
      throw new StartupError(`cannot listen on ${opts.ops.host}:${opts.ops.port}: ${(err as Error).message}`);
    }
    log.info({ host: opts.ops.host, port: ops.port, paths: ['/metrics', '/healthz', '/readyz'] }, 'metrics and probes listening (plain HTTP)');
  }
  if (webhook === undefined && ops !== undefined) port = ops.port;
  // The controller first: its API discovery is asked before the caches list, as before they were shared.
  controller?.start();
  reports?.start();
  shares?.start();
  adoption?.start();
  informers?.start();

  // Settled: every cache listed and the controller's queue empty (a webhook alone: the Namespace cache listed).
  const startupGc = collectWhenSettled({
    settled: () => notReady().length === 0 && (informers?.namespaces().hasSynced ?? true) && (controller?.status().queue ?? 0) === 0,
    onCollected: (before, after) => log.debug({ heapUsedMiB: { before: mib(before), after: mib(after) } }, 'collected the start-up garbage'),
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const grace = setTimeout(() => {
        log.error({ graceMs: config.server.shutdownGraceMs }, 'in-flight work did not finish within the grace period; exiting');
        process.exit(1);
      }, config.server.shutdownGraceMs);
      grace.unref();
      startupGc.stop();
      // Admission first (the API server retries elsewhere), then the reconciles and the lease, then the watches.
      cidrGroups?.stop();
      await webhook?.close();
      await shares?.stop();
      await adoption?.stop();
      await controller?.stop();
      await reports?.stop();
      await ops?.close();
      await informers?.stop();
      clearTimeout(grace);
    })();
    return closing;
  };
  return { port, opsPort: ops?.port, metrics, informers, controller, shares, close };
}
