/**
 * The composition root of a tenant-guard process:
 *
 *   config → kube (one client, one informer per resource)
 *          → webhook (ownership on the shared Namespace informer, certificates)
 *          → baseline controller (the same informers, its own policy informers)
 *            with the audit counts as its periodic job
 *
 * with one logger, one metrics registry and one HTTP listener for probes
 * and metrics: the webhook's HTTPS port when the webhook runs, otherwise a
 * plain-HTTP port (config controller.port). close() is the one shutdown
 * path: stop accepting, finish in-flight requests and reconciles, release
 * the lease, stop the watches, all within the grace period.
 */
import type { Logger } from 'pino';
import { AuditCounts, buildAuditGauges } from './audit/counts.js';
import { BaselineController } from './baseline/controller.js';
import type { Config } from './config/schema.js';
import { connectKube, loadKubeConfig, type Kube } from './kube/client.js';
import { Informers } from './kube/informers.js';
import { InformerCidrGroups } from './kube/cidr-group-cache.js';
import { ReflectedNamespaces } from './kube/namespace-cache.js';
import { UnavailableNamespaces, type NamespaceResolver } from './kube/namespace-view.js';
import { startOpsHttp, type RunningHttp } from './server/ops.js';
import { StartupError, startWebhook, type RunningWebhook, type WebhookSettings } from './server/webhook.js';
import { buildMetrics, type Metrics } from './telemetry/metrics.js';

export { StartupError };

export interface ProcessOptions {
  kubeconfig?: string | undefined;
  /** Run the webhook with these settings; undefined: no webhook. */
  webhook?: WebhookSettings | undefined;
  /** Run the baseline controller. */
  controller?: { identity?: string | undefined } | undefined;
  /** Where probes and metrics listen when there is no webhook. */
  ops?: { port: number; host: string } | undefined;
}

export interface RunningProcess {
  /** The port serving probes and metrics (the webhook's, or the plain-HTTP one). */
  port: number;
  metrics: Metrics;
  informers: Informers | undefined;
  controller: BaselineController | undefined;
  close(): Promise<void>;
}

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

  let webhook: RunningWebhook | undefined;
  let cidrGroups: InformerCidrGroups | undefined;
  let ops: RunningHttp | undefined;
  let port: number;
  if (opts.webhook !== undefined) {
    let namespaces: NamespaceResolver;
    if (kube === undefined || informers === undefined) {
      namespaces = new UnavailableNamespaces('no Kubernetes API configured (no in-cluster service account, $KUBECONFIG or ~/.kube/config)');
      log.warn({}, 'no Kubernetes API configured: Namespace decisions work; policy decisions are refused until ownership can be established');
    } else {
      namespaces = new ReflectedNamespaces(kube.rest, informers.namespaces());
      cidrGroups = new InformerCidrGroups(kube.kc, log);
      void cidrGroups.start();
    }
    const components = controller !== undefined ? () => ({ controller: { ready: controller.notReady().length === 0, reasons: controller.notReady(), ...controller.status() } }) : undefined;
    webhook = await startWebhook(opts.webhook, { config, log, metrics, namespaces, cidrGroups, kube, components });
    port = webhook.port;
  } else {
    if (controller === undefined || opts.ops === undefined) throw new StartupError('nothing to run: neither the webhook nor the controller');
    try {
      ops = await startOpsHttp(metrics.registry, controller, opts.ops.port, opts.ops.host);
    } catch (err) {
      throw new StartupError(`cannot listen on ${opts.ops.host}:${opts.ops.port}: ${(err as Error).message}`);
    }
    port = ops.port;
    log.info({ host: opts.ops.host, port, paths: ['/metrics', '/healthz', '/readyz'] }, 'controller endpoints listening');
  }
  // The controller first: its API discovery is asked before the caches list, as before they were shared.
  controller?.start();
  informers?.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const grace = setTimeout(() => {
        log.error({ graceMs: config.server.shutdownGraceMs }, 'in-flight work did not finish within the grace period; exiting');
        process.exit(1);
      }, config.server.shutdownGraceMs);
      grace.unref();
      // Admission first (the API server retries elsewhere), then the reconciles and the lease, then the watches.
      await webhook?.close();
      await controller?.stop();
      await ops?.close();
      await informers?.stop();
      await cidrGroups?.stop();
      clearTimeout(grace);
    })();
    return closing;
  };
  return { port, metrics, informers, controller, close };
}
