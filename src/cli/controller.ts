/**
 * `tenant-guard controller`: the baseline controller on its own, with
 * /metrics, /healthz and /readyz on a plain-HTTP port. `serve --controller`
 * runs the same thing beside the webhook (startControllerProcess).
 * SIGTERM: finish the reconciles in progress, release the lease, exit.
 */
import type { Logger } from 'pino';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { BaselineController } from '../baseline/controller.js';
import { startControllerHttp } from '../server/ops.js';
import { parseSelector } from '../kube/selector.js';
import { loadKubeConfig } from '../kube/client.js';
import { buildLogger } from '../telemetry/logger.js';
import { buildMetrics } from '../telemetry/metrics.js';
import { intFlag, parse, UsageError } from './args.js';

export const controllerOptions = {
  config: { type: 'string' },
  kubeconfig: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  identity: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export interface ControllerFlags {
  kubeconfig?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  identity?: string | undefined;
}

export interface RunningController {
  controller: BaselineController;
  port: number;
  close(): Promise<void>;
}

/**
 * What the configuration schema cannot know about the controller's settings:
 * the namespace selector as the controller will read it. (The timing rules of
 * leader election are configuration rules, src/config/rules.ts, so every
 * command refuses them.)
 */
export function checkControllerConfig(config: Config): string[] {
  const selector = parseSelector(config.controller.namespaceSelector);
  return selector.ok ? [] : [`  controller.namespaceSelector: ${selector.error}`];
}

export async function startControllerProcess(config: Config, flags: ControllerFlags, log: Logger): Promise<RunningController> {
  const problems = checkControllerConfig(config);
  if (problems.length > 0) throw new UsageError(['invalid configuration:', ...problems].join('\n'));
  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig: flags.kubeconfig });
  } catch (err) {
    throw new UsageError(`cannot load kubeconfig: ${(err as Error).message}`);
  }
  if (kc === undefined) {
    throw new UsageError('no Kubernetes API configured (no --kubeconfig, in-cluster service account, $KUBECONFIG or ~/.kube/config): the controller needs one');
  }
  if (kc.getCurrentCluster() === null) throw new UsageError('the kubeconfig has no current cluster');
  const metrics = buildMetrics();
  const controller = new BaselineController({ config, kc, log, registry: metrics.registry, identity: flags.identity });
  const port = intFlag(flags.port, 'port') ?? config.controller.port;
  const host = flags.host ?? config.controller.host;
  const http = await startControllerHttp(metrics.registry, controller, port, host);
  log.info({ host, port: http.port, paths: ['/metrics', '/healthz', '/readyz'] }, 'controller endpoints listening');
  controller.start();
  let closing: Promise<void> | undefined;
  return {
    controller,
    port: http.port,
    close: () => {
      closing ??= (async () => {
        await controller.stop();
        await http.close();
      })();
      return closing;
    },
  };
}

export async function runController(argv: string[]): Promise<number> {
  const { values } = parse(argv, controllerOptions);
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const log = buildLogger(values['log-level']);
  const running = await startControllerProcess(cfg.config, values, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down the controller');
      const grace = setTimeout(() => {
        log.error({ graceMs: cfg.config.server.shutdownGraceMs }, 'the controller did not stop within the grace period; exiting');
        process.exit(1);
      }, cfg.config.server.shutdownGraceMs);
      grace.unref();
      void running.close().then(() => {
        clearTimeout(grace);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log.info({}, 'stopped');
  return 0;
}
