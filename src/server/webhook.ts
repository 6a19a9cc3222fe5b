/**
 * The webhook front-end: serving certificate (one of three TLS modes), the
 * HTTPS app, listen. Built by the composition root (src/main.ts) from the
 * process's logger, metrics registry and Kubernetes client.
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
import type { Config, TlsConfig } from '../config/schema.js';
import type { Kube } from '../kube/client.js';
import type { NamespaceResolver } from '../kube/namespace-view.js';
import type { CidrGroupResolver } from '../kube/cidr-group-cache.js';
import type { HandleDeps } from '../admission/handle.js';
import type { Metrics } from '../telemetry/metrics.js';
import { buildApp, type ServerState } from './app.js';
import { buildHealthMetrics } from './health-metrics.js';
import { loadTlsFiles, watchTlsFiles, type TlsMaterial } from './tls.js';

/** A setting the process cannot start with; the CLI shows it as a usage error. */
export class StartupError extends Error {}

export interface WebhookSettings {
  mode: TlsConfig['mode'];
  port: number;
  host: string;
  certFile: string;
  keyFile: string;
  /** --dev: a generated pair when the certificate files do not exist. */
  dev: boolean;
}

export interface WebhookDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  namespaces: NamespaceResolver;
  /** The live CiliumCIDRGroups, for cidrGroupRef (absent without a Kubernetes API: every reference is refused). */
  cidrGroups?: CidrGroupResolver | undefined;
  /** Exports and Imports for the sharing rules (absent without a Kubernetes API: no share is known). */
  shares?: HandleDeps['shares'];
  kube: Kube | undefined;
  /** What other parts of the process add to /readyz and /healthz (the baseline controller). */
  components?: ServerState['components'];
}

export interface RunningWebhook {
  port: number;
  /** Stop accepting, finish in-flight requests (answered with Connection: close). */
  close(): Promise<void>;
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

function selfRotator(config: Config, kube: Kube | undefined, log: Logger, onMaterial: (m: TlsMaterial) => void): SelfCertRotator {
  if (kube === undefined) throw new StartupError('--tls-mode self keeps the certificate in a Secret and needs a Kubernetes API (in-cluster service account, --kubeconfig, $KUBECONFIG or ~/.kube/config)');
  const self = config.tls.self;
  const namespace = self.namespace !== '' ? self.namespace : kube.namespace;
  if (namespace === undefined || namespace === '') throw new StartupError('--tls-mode self: set tls.self.namespace (the namespace of the certificate Secret); the kubeconfig context names none');
  const day = 86_400_000;
  try {
    return new SelfCertRotator(kubeCertApi(kube.rest), {
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
      onMaterial,
    });
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
}

/** Start the webhook; resolves once it listens. */
export async function startWebhook(s: WebhookSettings, deps: WebhookDeps): Promise<RunningWebhook> {
  const { config, log } = deps;
  let material: TlsMaterial;
  let fromFiles = false;
  let rotator: SelfCertRotator | undefined;
  if (s.mode === 'self') {
    rotator = selfRotator(config, deps.kube, log, (m) => setMaterial(m));
    // Served until the Secret's certificate is loaded; /readyz says not ready meanwhile.
    material = ephemeralMaterial();
  } else if (s.mode === 'dev') {
    material = await devMaterial(s.certFile, log);
  } else {
    const loaded = await loadTlsFiles(s.certFile, s.keyFile);
    if (loaded.ok) {
      material = loaded.material;
      fromFiles = true;
    } else if (s.dev) {
      material = await devMaterial(s.certFile, log);
    } else {
      throw new StartupError(`no usable serving certificate: ${loaded.message}. Create one with "tenant-guard certs --out ${dirname(s.certFile)}", point --cert/--key at yours, pass --dev for a generated one, or use --tls-mode self in a cluster`);
    }
  }

  const state: ServerState = {
    shuttingDown: false,
    notReady: () => {
      const reason = rotator?.notReadyReason();
      return reason === undefined ? [] : [reason];
    },
    degraded: () => [],
    components: deps.components,
  };
  const health = buildHealthMetrics(deps.metrics.registry, { namespaces: deps.namespaces, cidrGroups: deps.cidrGroups });
  // The throwaway certificate of self mode is not reported: it is never what the API server trusts.
  if (rotator === undefined) health.served(material.cert);
  const app = buildApp({ config, namespaces: deps.namespaces, cidrGroups: deps.cidrGroups, shares: deps.shares, metrics: deps.metrics, state, https: material, log });
  // Node's TLS server swaps certificates for new connections; open ones keep theirs.
  function setMaterial(m: TlsMaterial): void {
    (app.server as unknown as { setSecureContext(o: object): void }).setSecureContext({ ...m, minVersion: 'TLSv1.2' });
    health.served(m.cert);
  }
  rotator?.start();
  await app.listen({ port: s.port, host: s.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : s.port;
  const tlsSource = s.mode === 'self' ? `self-managed (Secret ${config.tls.self.secretName})` : fromFiles ? s.certFile : 'generated (--dev)';
  log.info({ host: s.host, port, tls: tlsSource }, 'tenant-guard webhook listening');

  const stopWatch = fromFiles
    ? watchTlsFiles(s.certFile, s.keyFile, material, setMaterial, log, config.tls.reloadIntervalSeconds * 1000)
    : () => undefined;

  return {
    port,
    close: async () => {
      state.shuttingDown = true;
      stopWatch();
      await rotator?.stop();
      await app.close();
    },
  };
}
