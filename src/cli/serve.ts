/**
 * `tenant-guard serve`: the HTTPS webhook. Composition root for the server:
 * config → Kubernetes client → TLS → namespace ownership source → app →
 * listen; SIGTERM stops accepting, finishes in-flight requests, then exits
 * within the grace period.
 *
 * TLS modes (--tls-mode or config tls.mode):
 *  - files (default): server.certFile/keyFile, reloaded when they change;
 *    with --dev, a generated pair when the files do not exist;
 *  - self: CA and serving certificate kept in a Secret and the CA bundle in
 *    the webhook configurations (src/certs/rotator.ts). The server listens at
 *    once with a throwaway certificate and reports not ready until the
 *    Secret's certificate is served;
 *  - dev: always a generated pair, in memory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { issueCA, issueServing, serviceDnsNames } from '../certs/issue.js';
import { kubeCertApi, SelfCertRotator } from '../certs/rotator.js';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import type { Config, TlsConfig } from '../config/schema.js';
import { loadKubeConfig } from '../kube/client.js';
import { InformerNamespaces } from '../kube/namespace-cache.js';
import { UnavailableNamespaces, type NamespaceResolver } from '../kube/namespace-view.js';
import { buildApp, type ServerState } from '../server/app.js';
import { loadTlsFiles, watchTlsFiles, type TlsMaterial } from '../server/tls.js';
import { Option, type Command } from 'commander';
import { buildMetrics } from '../telemetry/metrics.js';
import { intFlag, kubeconfigOption, logFormatOption, logLevelOption, UsageError, type Io } from './args.js';
import { startControllerProcess, type RunningController } from './controller.js';
import { commandLogger } from './log-output.js';
import type { ActionWrapper } from './program.js';

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
    }, io)));
}

function tlsMode(flags: ServeFlags, config: Config): TlsConfig['mode'] {
  const m = flags['tls-mode'] ?? config.tls.mode;
  if (!(TLS_MODES as readonly string[]).includes(m)) throw new UsageError(`--tls-mode must be one of ${TLS_MODES.join(', ')}, got "${m}"`);
  return m as TlsConfig['mode'];
}

/** An in-memory pair for localhost; nothing is written. */
function ephemeralMaterial(): TlsMaterial {
  const ca = issueCA('tenant-guard-ephemeral-ca', 1);
  const serving = issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1', '::1'], days: 1 });
  return { cert: serving.certPem, key: serving.keyPem };
}

async function devMaterial(certFile: string, log: Logger): Promise<TlsMaterial> {
  const ca = issueCA('tenant-guard-dev-ca', 30);
  const serving = issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1', '::1'], days: 30 });
  const caPath = join(dirname(certFile), 'dev-ca.crt');
  try {
    await mkdir(dirname(caPath), { recursive: true });
    await writeFile(caPath, ca.certPem);
    log.warn({ caFile: caPath }, `--dev: no certificate files; serving a generated certificate for localhost/127.0.0.1. Trust it with: curl --cacert ${caPath}`);
  } catch {
    log.warn({ caPem: ca.certPem }, '--dev: serving a generated certificate; its CA is in caPem');
  }
  return { cert: serving.certPem, key: serving.keyPem };
}

export interface RunningServer {
  close(): Promise<void>;
  port: number;
}

/** Start the server; resolves once it listens. Used by the CLI and by tests that need a real process-like server. */
export async function startServer(config: Config, flags: ServeFlags, log: Logger, extra?: { onShutdown?: () => Promise<void> }): Promise<RunningServer> {
  const mode = tlsMode(flags, config);
  const certFile = flags.cert ?? config.server.certFile;
  const keyFile = flags.key ?? config.server.keyFile;

  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig: flags.kubeconfig });
  } catch (err) {
    throw new UsageError(`cannot load kubeconfig: ${(err as Error).message}`);
  }

  let material: TlsMaterial;
  let fromFiles = false;
  let rotator: SelfCertRotator | undefined;
  if (mode === 'self') {
    if (kc === undefined) throw new UsageError('--tls-mode self keeps the certificate in a Secret and needs a Kubernetes API (in-cluster service account, --kubeconfig, $KUBECONFIG or ~/.kube/config)');
    const self = config.tls.self;
    const namespace = self.namespace !== '' ? self.namespace : kc.getContextObject(kc.getCurrentContext())?.namespace;
    if (namespace === undefined || namespace === '') throw new UsageError('--tls-mode self: set tls.self.namespace (the namespace of the certificate Secret); the kubeconfig context names none');
    const day = 86_400_000;
    try {
      rotator = new SelfCertRotator(kubeCertApi(kc), {
        namespace,
        secretName: self.secretName,
        webhooks: [
          { kind: 'mutating', name: self.mutatingWebhookConfiguration },
          { kind: 'validating', name: self.validatingWebhookConfiguration },
        ],
        policy: {
          dnsNames: [...serviceDnsNames(self.serviceName, namespace), ...self.dnsNames],
          ips: self.ipAddresses,
          caValidityMs: self.caValidityDays * day,
          certValidityMs: self.certValidityDays * day,
          renewBeforeMs: self.renewBeforeDays * day,
          // A staged CA waits two checks in the published bundle before it signs.
          caOverlapMs: 2 * self.checkIntervalSeconds * 1000,
        },
        intervalMs: self.checkIntervalSeconds * 1000,
        log,
        onMaterial: (m) => setMaterial(m),
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    // Served until the Secret's certificate is loaded; /readyz says not ready meanwhile.
    material = ephemeralMaterial();
  } else if (mode === 'dev') {
    material = await devMaterial(certFile, log);
  } else {
    const loaded = await loadTlsFiles(certFile, keyFile);
    if (loaded.ok) {
      material = loaded.material;
      fromFiles = true;
    } else if (flags.dev === true) {
      material = await devMaterial(certFile, log);
    } else {
      throw new UsageError(`no usable serving certificate: ${loaded.message}. Create one with "tenant-guard certs --out ${dirname(certFile)}", point --cert/--key at yours, pass --dev for a generated one, or use --tls-mode self in a cluster`);
    }
  }

  let namespaces: NamespaceResolver;
  let informer: InformerNamespaces | undefined;
  if (kc === undefined) {
    namespaces = new UnavailableNamespaces('no Kubernetes API configured (no in-cluster service account, $KUBECONFIG or ~/.kube/config)');
    log.warn({}, 'no Kubernetes API configured: Namespace decisions work; policy decisions are refused until ownership can be established');
  } else {
    informer = new InformerNamespaces(kc, log);
    namespaces = informer;
    void informer.start();
  }

  const state: ServerState = {
    shuttingDown: false,
    notReady: () => {
      const reason = rotator?.notReadyReason();
      return reason === undefined ? [] : [reason];
    },
    degraded: () => [],
  };
  const metrics = buildMetrics();
  const app = buildApp({ config, namespaces, metrics, state, https: material, log });
  // Node's TLS server swaps certificates for new connections; open ones keep theirs.
  function setMaterial(m: TlsMaterial): void {
    (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({ ...m, minVersion: 'TLSv1.2' });
  }
  rotator?.start();
  const port = intFlag(flags.port, 'port') ?? config.server.port;
  const host = flags.host ?? config.server.host;
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const tlsSource = mode === 'self' ? `self-managed (Secret ${config.tls.self.secretName})` : fromFiles ? certFile : 'generated (--dev)';
  log.info({ host, port: boundPort, tls: tlsSource }, 'tenant-guard webhook listening');

  const stopWatch = fromFiles
    ? watchTlsFiles(certFile, keyFile, material, setMaterial, log, config.tls.reloadIntervalSeconds * 1000)
    : () => undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.shuttingDown = true;
      stopWatch();
      await rotator?.stop();
      const grace = setTimeout(() => {
        log.error({ graceMs: config.server.shutdownGraceMs }, 'in-flight requests did not finish within the grace period; exiting');
        process.exit(1);
      }, config.server.shutdownGraceMs);
      grace.unref();
      await app.close();
      await extra?.onShutdown?.();
      await informer?.stop();
      clearTimeout(grace);
    })();
    return closing;
  };
  return { close, port: boundPort };
}

export async function runServe(values: ServeFlags, io: Io): Promise<number> {
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const log = commandLogger(values['log-level'], values['log-format'], io.isTTY);
  // --controller: the baseline controller in the same process (its metrics on controller.port).
  let controller: RunningController | undefined;
  const server = await startServer(cfg.config, values, log, { onShutdown: async () => controller?.close() });
  if (values.controller === true) {
    try {
      controller = await startControllerProcess(cfg.config, { kubeconfig: values.kubeconfig }, log);
    } catch (err) {
      await server.close();
      throw err;
    }
  }
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
