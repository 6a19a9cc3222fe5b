/**
 * `tenant-guard serve`: flags → config → the process (src/main.ts) with the
 * HTTPS webhook and, with --controller, the baseline controller beside it
 * on the same client, informers and registry; /metrics on the plain-HTTP
 * --metrics-port (never on the webhook's). SIGTERM stops
 * accepting, finishes in-flight requests, then exits within the grace
 * period. TLS modes: src/server/webhook.ts.
 */
import { Option, type Command } from 'commander';
import type { Logger } from 'pino';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import type { Config, TlsConfig } from '../config/schema.js';
import { StartupError, startProcess } from '../main.js';
import { intFlag, kubeconfigOption, logFormatOption, logLevelOption, UsageError, type Io, type ActionWrapper } from './args.js';
import { checkControllerConfig } from './controller.js';
import { commandLogger } from './log-output.js';

export interface ServeFlags {
  config?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  dev?: boolean | undefined;
  kubeconfig?: string | undefined;
  'log-level'?: string | undefined;
  'tls-mode'?: string | undefined;
  controller?: boolean | undefined;
  'log-format'?: string | undefined;
  'metrics-port'?: string | undefined;
}

const TLS_MODES: readonly TlsConfig['mode'][] = ['files', 'self', 'dev'];

/** commander's camelCase options, as ServeFlags. */
interface ServeOpts {
  config?: string;
  port?: string;
  host?: string;
  cert?: string;
  key?: string;
  dev?: boolean;
  kubeconfig?: string;
  logLevel?: string;
  logFormat?: string;
  tlsMode?: string;
  controller?: boolean;
  metricsPort?: string;
}

export function serveCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('serve')
    .summary('run the HTTPS admission webhook')
    .description('Run the HTTPS admission webhook (with --controller, the baseline controller in the same process). SIGTERM finishes the requests in flight, then exits 0.')
    .option('--config <file>', 'tenant-guard configuration (default: the built-in defaults)')
    .option('--port <n>', 'HTTPS port (default: server.port, 8443)')
    .option('--host <addr>', 'address to listen on (default: server.host, 0.0.0.0; 127.0.0.1 with --dev)')
    .option('--cert <file>', 'serving certificate (default: server.certFile), reloaded when it changes')
    .option('--key <file>', 'its private key (default: server.keyFile)')
    .option('--dev', 'local development: listen on 127.0.0.1, and serve a generated certificate when the files do not exist')
    .addOption(new Option('--tls-mode <mode>', 'where the serving certificate comes from (default: tls.mode)').choices(TLS_MODES))
    .addOption(kubeconfigOption())
    .option('--controller', 'run the baseline controller in the same process')
    .option('--metrics-port <n>', 'plain-HTTP port for /metrics, /healthz and /readyz, on controller.host (default: none; metrics are never served on the webhook port)')
    .addOption(logLevelOption())
    .addOption(logFormatOption())
    .action(action<ServeOpts>('serve', (o) => runServe({
      config: o.config,
      port: o.port,
      // --dev is for a laptop: nothing outside it should reach a webhook with a throwaway certificate.
      host: o.host ?? (o.dev === true ? '127.0.0.1' : undefined),
      cert: o.cert,
      key: o.key,
      dev: o.dev,
      kubeconfig: o.kubeconfig,
      'log-level': o.logLevel,
      'log-format': o.logFormat,
      'tls-mode': o.tlsMode,
      controller: o.controller,
      'metrics-port': o.metricsPort,
    }, io)));
}

function tlsMode(flags: ServeFlags, config: Config): TlsConfig['mode'] {
  const m = flags['tls-mode'] ?? config.tls.mode;
  if (!(TLS_MODES as readonly string[]).includes(m)) throw new UsageError(`--tls-mode must be one of ${TLS_MODES.join(', ')}, got "${m}"`);
  return m as TlsConfig['mode'];
}

export interface RunningServer {
  close(): Promise<void>;
  port: number;
  /** The plain-HTTP /metrics port, with --metrics-port. */
  opsPort: number | undefined;
}

/** Start the process with the webhook (and the controller with --controller); resolves once it listens. */
export async function startServer(config: Config, flags: ServeFlags, log: Logger): Promise<RunningServer> {
  const mode = tlsMode(flags, config);
  const port = intFlag(flags.port, 'port') ?? config.server.port;
  const metricsPort = intFlag(flags['metrics-port'], 'metrics-port');
  if (flags.controller === true) {
    const problems = checkControllerConfig(config);
    if (problems.length > 0) throw new UsageError(['invalid configuration:', ...problems].join('\n'));
  }
  try {
    return await startProcess(config, {
      kubeconfig: flags.kubeconfig,
      webhook: {
        mode,
        port,
        host: flags.host ?? config.server.host,
        certFile: flags.cert ?? config.server.certFile,
        keyFile: flags.key ?? config.server.keyFile,
        dev: flags.dev === true,
      },
      controller: flags.controller === true ? {} : undefined,
      ops: metricsPort === undefined ? undefined : { port: metricsPort, host: flags.host !== undefined && flags.dev === true ? flags.host : config.controller.host },
    }, log);
  } catch (err) {
    if (err instanceof StartupError) throw new UsageError(err.message);
    throw err;
  }
}

export async function runServe(values: ServeFlags, io: Io): Promise<number> {
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const log = commandLogger(values['log-level'], values['log-format'], io.isTTY);
  // --controller: the baseline controller in the same process, on the same client, informers and port.
  const server = await startServer(cfg.config, values, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down: finishing in-flight requests');
      void server.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log.info({}, 'stopped');
  return 0;
}
