/**
 * `tenant-guard controller`: flags → config → the process (src/main.ts)
 * with the baseline controller alone and /metrics, /healthz and /readyz on
 * a plain-HTTP port. `serve --controller` runs the same controller beside
 * the webhook, on the webhook's port. SIGTERM: finish the reconciles in
 * progress, release the lease, exit within the grace period.
 */
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { parseSelector } from '../kube/selector.js';
import { StartupError, startProcess } from '../main.js';
import { intFlag, kubeconfigOption, logFormatOption, logLevelOption, UsageError, type Io, type ActionWrapper } from './args.js';
import { commandLogger } from './log-output.js';

interface ControllerOpts {
  config?: string;
  kubeconfig?: string;
  port?: string;
  host?: string;
  identity?: string;
  logLevel?: string;
  logFormat?: string;
}

export function controllerCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('controller')
    .summary('keep every tenant namespace\'s baseline policies in place')
    .description('Run the baseline controller on its own: every tenant namespace keeps its baseline policies; /metrics, /healthz and /readyz on a plain-HTTP port. SIGTERM finishes the reconciles in progress, releases the lease, and exits 0.')
    .option('--config <file>', 'tenant-guard configuration (default: the built-in defaults)')
    .addOption(kubeconfigOption())
    .option('--port <n>', 'plain-HTTP port for metrics and probes (default: controller.port, 8081)')
    .option('--host <addr>', 'address to listen on (default: controller.host)')
    .option('--identity <id>', 'this replica\'s name in the leader-election Lease (default: the host name and a random suffix)')
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .action(action<ControllerOpts>('controller', (o) => runController(o, io)));
}

export interface ControllerFlags {
  kubeconfig?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  identity?: string | undefined;
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

export interface RunningController {
  port: number;
  close(): Promise<void>;
}

/** The controller alone, with its plain-HTTP probes and metrics. */
export async function startControllerProcess(config: Config, flags: ControllerFlags, log: Logger): Promise<RunningController> {
  const problems = checkControllerConfig(config);
  if (problems.length > 0) throw new UsageError(['invalid configuration:', ...problems].join('\n'));
  const port = intFlag(flags.port, 'port') ?? config.controller.port;
  const host = flags.host ?? config.controller.host;
  try {
    return await startProcess(config, { kubeconfig: flags.kubeconfig, controller: { identity: flags.identity }, ops: { port, host } }, log);
  } catch (err) {
    if (err instanceof StartupError) throw new UsageError(err.message);
    throw err;
  }
}

async function runController(values: ControllerOpts, io: Io): Promise<number> {
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const log = commandLogger(values.logLevel, values.logFormat, io.isTTY);
  const running = await startControllerProcess(cfg.config, values, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down the controller');
      void running.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log.info({}, 'stopped');
  return 0;
}
