/**
 * `tenant-guard serve`: the HTTPS webhook. Composition root for the server:
 * config → TLS → namespace ownership source → app → listen; SIGTERM stops
 * accepting, finishes in-flight requests, then exits within the grace period.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { issueCA, issueServing } from '../certs/issue.js';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { loadKubeConfig } from '../kube/client.js';
import { InformerNamespaces } from '../kube/namespace-cache.js';
import { UnavailableNamespaces, type NamespaceResolver } from '../kube/namespace-view.js';
import { buildApp, type ServerState } from '../server/app.js';
import { loadTlsFiles, watchTlsFiles, type TlsMaterial } from '../server/tls.js';
import { buildLogger } from '../telemetry/logger.js';
import { buildMetrics } from '../telemetry/metrics.js';
import { intFlag, parse, UsageError } from './args.js';

export interface ServeFlags {
  config?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  dev?: boolean | undefined;
  kubeconfig?: string | undefined;
  'log-level'?: string | undefined;
}

export const serveOptions = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  dev: { type: 'boolean' },
  kubeconfig: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

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
  const certFile = flags.cert ?? config.server.certFile;
  const keyFile = flags.key ?? config.server.keyFile;
  const loaded = await loadTlsFiles(certFile, keyFile);
  let material: TlsMaterial;
  let fromFiles = false;
  if (loaded.ok) {
    material = loaded.material;
    fromFiles = true;
  } else if (flags.dev === true) {
    material = await devMaterial(certFile, log);
  } else {
    throw new UsageError(`no usable serving certificate: ${loaded.message}. Create one with "tenant-guard certs --out ${dirname(certFile)}", point --cert/--key at yours, or pass --dev for a generated one`);
  }

  let namespaces: NamespaceResolver;
  let informer: InformerNamespaces | undefined;
  let kc;
  try {
    kc = loadKubeConfig({ kubeconfig: flags.kubeconfig });
  } catch (err) {
    throw new UsageError(`cannot load kubeconfig: ${(err as Error).message}`);
  }
  if (kc === undefined) {
    namespaces = new UnavailableNamespaces('no Kubernetes API configured (no in-cluster service account, $KUBECONFIG or ~/.kube/config)');
    log.warn({}, 'no Kubernetes API configured: Namespace decisions work; policy decisions are refused until ownership can be established');
  } else {
    informer = new InformerNamespaces(kc, log);
    namespaces = informer;
    void informer.start();
  }

  const state: ServerState = { shuttingDown: false, notReady: () => [], degraded: () => [] };
  const metrics = buildMetrics();
  const app = buildApp({ config, namespaces, metrics, state, https: material, log });
  const port = intFlag(flags.port, 'port') ?? config.server.port;
  const host = flags.host ?? config.server.host;
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  log.info({ host, port: boundPort, tls: fromFiles ? certFile : 'generated (--dev)' }, 'tenant-guard webhook listening');

  const stopWatch = fromFiles
    ? watchTlsFiles(certFile, keyFile, material, (m) => {
      (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({ ...m, minVersion: 'TLSv1.2' });
    }, log)
    : () => undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.shuttingDown = true;
      stopWatch();
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

export async function runServe(argv: string[]): Promise<number> {
  const { values } = parse(argv, serveOptions);
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const log = buildLogger(values['log-level']);
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
