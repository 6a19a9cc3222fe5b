/**
 * Self-managed certificates, the I/O part (mode `self`): keeps the CA and the
 * serving certificate in a Secret of the server's own namespace, hands the
 * serving pair to the HTTPS server, and keeps the CA bundle in the webhook
 * configurations. Every decision comes from plan.ts.
 *
 * Several replicas share one Secret: every write is a create (409 → someone
 * else won: re-read and adopt) or a replace carrying the resourceVersion that
 * was read (409 → re-read and decide again), so replicas starting together
 * converge on one certificate and never overwrite each other's.
 *
 * The loop runs at start and then every `intervalMs`: it re-reads the
 * Secret (so a replica picks up a rotation made by another), renews what is
 * due, and re-patches a caBundle that someone cleared or changed.
 */
import { createHash } from 'node:crypto';
import { apiStatus, type KubeRest } from '../kube/rest.js';
import { MUTATING_WEBHOOKS, SECRETS, VALIDATING_WEBHOOKS, collectionPath, objectPath } from '../kube/resources.js';
import { COMPONENT_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../policy/vocabulary.js';
import { bundleContains, sameBundle } from './bundle.js';
import { applyDecision, decide, decodeSecret, encodeSecret, policyProblems, type Decoded, type RotationPolicy } from './plan.js';

export const FIELD_MANAGER = 'tenant-guard';

/** A serving certificate and its key, PEM (what the HTTPS server loads). */
export interface TlsMaterial {
  cert: string;
  key: string;
}

export type WebhookKind = 'mutating' | 'validating';

export interface WebhookRef {
  kind: WebhookKind;
  name: string;
}

/** A webhook configuration as far as the rotator cares. */
export interface WebhookConfigView {
  webhooks: { name: string; caBundle: string | undefined }[];
}

/** A core/v1 Secret, as plain JSON. */
export interface SecretObject {
  apiVersion?: string;
  kind?: string;
  type?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/** The few API calls the rotator makes; kubeCertApi() implements them on the process's client. */
export interface CertApi {
  readSecret(namespace: string, name: string): Promise<SecretObject | undefined>;
  createSecret(namespace: string, body: SecretObject): Promise<SecretObject>;
  replaceSecret(namespace: string, name: string, body: SecretObject): Promise<SecretObject>;
  readWebhookConfig(ref: WebhookRef): Promise<WebhookConfigView | undefined>;
  /** Sets caBundle (base64 of the PEM) on the webhooks at the given indexes, guarded by their names. */
  patchWebhookCaBundle(ref: WebhookRef, targets: { index: number; name: string }[], caBundleB64: string): Promise<void>;
}

export interface RotatorLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

export interface RotatorOptions {
  namespace: string;
  secretName: string;
  webhooks: readonly WebhookRef[];
  policy: RotationPolicy;
  /** Time between two checks of the Secret and the webhook configurations. */
  intervalMs: number;
  log: RotatorLog;
  /** Called with each new serving pair (first load included). */
  onMaterial: (m: TlsMaterial) => void;
  /** For tests: the clock. */
  now?: () => Date;
}

const MAX_CONFLICT_RETRIES = 5;

function digest(m: TlsMaterial): string {
  return createHash('sha256').update(m.cert).update('\0').update(m.key).digest('hex');
}

function errMessage(err: unknown): string {
  // KubeApiError carries the Status message the API server sent.
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message;
  return String(err);
}

export class SelfCertRotator {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private servedDigest: string | undefined;
  private lastProblem: string | undefined = 'no serving certificate loaded from the Secret yet';
  private readonly now: () => Date;

  constructor(private readonly api: CertApi, private readonly opts: RotatorOptions) {
    const problems = policyProblems(opts.policy);
    if (problems.length > 0) throw new Error(`certificate settings: ${problems.join('; ')}`);
    this.now = opts.now ?? (() => new Date());
  }

  /** Why the server must not be ready yet; undefined once a certificate from the Secret is served. */
  notReadyReason(): string | undefined {
    return this.servedDigest === undefined ? this.lastProblem : undefined;
  }

  /** Runs the first check now and then every intervalMs, until stop(). */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.reconcile().finally(() => {
        if (this.stopped) return;
        // Until a certificate is loaded, retry sooner than the normal interval.
        const delay = this.servedDigest === undefined ? Math.min(this.opts.intervalMs, 2_000) : this.opts.intervalMs;
        this.timer = setTimeout(tick, delay);
        this.timer.unref();
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: make the Secret right, serve its certificate, publish its bundle. Never throws. */
  reconcile(): Promise<void> {
    this.running ??= this.reconcileOnce().catch((err: unknown) => {
      this.lastProblem = `certificate check failed: ${errMessage(err)}`;
      this.opts.log.warn({ err: errMessage(err), secret: `${this.opts.namespace}/${this.opts.secretName}` }, 'certificate check failed; retrying');
    }).finally(() => { this.running = undefined; });
    return this.running;
  }

  private async reconcileOnce(): Promise<void> {
    const { namespace, secretName, log } = this.opts;
    let secret: SecretObject | undefined;
    let decoded: Decoded | undefined;
    for (let attempt = 0; ; attempt++) {
      secret = await this.api.readSecret(namespace, secretName);
      decoded = secret === undefined ? undefined : decodeSecret(secret.data, secret.metadata?.annotations);
      const published = decoded?.ok === true ? await this.published(decoded.state.next?.ca.certPem) : false;
      const now = this.now();
      const decision = decide(decoded, this.opts.policy, now, published);
      if (decision.action === 'none') break;
      const state = applyDecision(decision, decoded, this.opts.policy, now);
      if (state === undefined) break;
      const { data, annotations } = encodeSecret(state);
      const body: SecretObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: {
          name: secretName,
          namespace,
          labels: { ...(secret?.metadata?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: 'webhook-certificate' },
          annotations: { ...withoutStaged(secret?.metadata?.annotations), ...annotations },
        },
        data,
      };
      try {
        if (secret === undefined) {
          secret = await this.api.createSecret(namespace, body);
        } else {
          body.metadata!.resourceVersion = secret.metadata?.resourceVersion;
          // A Secret of another type cannot be changed to kubernetes.io/tls in place.
          if (secret.type !== undefined && secret.type !== 'kubernetes.io/tls') body.type = secret.type;
          secret = await this.api.replaceSecret(namespace, secretName, body);
        }
        log.info({ secret: `${namespace}/${secretName}`, action: decision.action, reason: decision.reason }, 'certificate Secret updated');
        decoded = { ok: true, state };
        break;
      } catch (err) {
        const code = apiStatus(err);
        if ((code === 409 || code === 404) && attempt < MAX_CONFLICT_RETRIES) {
          // Another replica wrote first (or deleted it): read again and adopt what is there.
          log.info({ secret: `${namespace}/${secretName}`, action: decision.action, status: code }, 'certificate Secret changed concurrently; re-reading');
          continue;
        }
        throw err;
      }
    }
    if (decoded?.ok !== true) throw new Error('the certificate Secret is not usable');
    const { state } = decoded;
    const material: TlsMaterial = { cert: state.serving.certPem, key: state.serving.keyPem };
    const d = digest(material);
    if (d !== this.servedDigest) {
      this.opts.onMaterial(material);
      log.info({ secret: `${namespace}/${secretName}`, first: this.servedDigest === undefined }, 'serving certificate loaded from the Secret');
      this.servedDigest = d;
    }
    this.lastProblem = undefined;
    await this.publish(state.bundle);
  }

  /** Whether every webhook configuration trusts `caPem` (true when there is nothing to check). */
  private async published(caPem: string | undefined): Promise<boolean> {
    if (caPem === undefined) return true;
    for (const ref of this.opts.webhooks) {
      const cfg = await this.api.readWebhookConfig(ref);
      if (cfg === undefined) continue;
      for (const w of cfg.webhooks) {
        const pem = w.caBundle === undefined ? '' : Buffer.from(w.caBundle, 'base64').toString('utf8');
        if (!bundleContains(pem, [caPem])) return false;
      }
    }
    return true;
  }

  /** Puts the bundle into every webhook of the configured configurations where it differs. */
  private async publish(bundle: string): Promise<void> {
    const b64 = Buffer.from(bundle, 'utf8').toString('base64');
    for (const ref of this.opts.webhooks) {
      let cfg: WebhookConfigView | undefined;
      try {
        cfg = await this.api.readWebhookConfig(ref);
      } catch (err) {
        this.opts.log.warn({ webhookConfiguration: ref.name, kind: ref.kind, err: errMessage(err) }, 'cannot read the webhook configuration; retrying later');
        continue;
      }
      if (cfg === undefined) {
        this.opts.log.warn({ webhookConfiguration: ref.name, kind: ref.kind }, 'webhook configuration not found; its caBundle is set once it exists');
        continue;
      }
      const targets = cfg.webhooks
        .map((w, index) => ({ index, name: w.name, pem: w.caBundle === undefined ? '' : Buffer.from(w.caBundle, 'base64').toString('utf8') }))
        .filter((w) => w.pem === '' || !sameBundle(w.pem, bundle));
      if (targets.length === 0) continue;
      try {
        await this.api.patchWebhookCaBundle(ref, targets, b64);
        this.opts.log.info({ webhookConfiguration: ref.name, kind: ref.kind, webhooks: targets.map((t) => t.name) }, 'caBundle set');
      } catch (err) {
        this.opts.log.warn({ webhookConfiguration: ref.name, kind: ref.kind, err: errMessage(err) }, 'cannot set caBundle; retrying later');
      }
    }
  }
}

function withoutStaged(a: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(a ?? {}) };
  delete out['tenant-guard.io/next-ca-staged-at'];
  return out;
}

interface WebhookConfigObject {
  webhooks?: { name: string; clientConfig?: { caBundle?: string } }[];
}

/**
 * The CertApi over the process's client, in plain JSON. Its requests skip
 * the token bucket: serving a certificate must not wait behind a backfill,
 * and the rotator makes a handful of requests per check.
 */
export function kubeCertApi(rest: KubeRest): CertApi {
  const extra = { exempt: true, query: { fieldManager: FIELD_MANAGER } };
  const notFound = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  };
  const webhooks = (kind: WebhookKind) => (kind === 'mutating' ? MUTATING_WEBHOOKS : VALIDATING_WEBHOOKS);
  return {
    readSecret: (namespace, name) => notFound(rest.get<SecretObject>(objectPath(SECRETS, name, namespace), SECRETS.plural, true)),
    createSecret: (namespace, body) => rest.create<SecretObject>(collectionPath(SECRETS, namespace), SECRETS.plural, body, extra),
    replaceSecret: (namespace, name, body) => rest.replace<SecretObject>(objectPath(SECRETS, name, namespace), SECRETS.plural, body, extra),
    async readWebhookConfig(ref) {
      const r = webhooks(ref.kind);
      const cfg = await notFound(rest.get<WebhookConfigObject>(objectPath(r, ref.name), r.plural, true));
      if (cfg === undefined) return undefined;
      return { webhooks: (cfg.webhooks ?? []).map((w) => ({ name: w.name, caBundle: w.clientConfig?.caBundle })) };
    },
    async patchWebhookCaBundle(ref, targets, caBundleB64) {
      // `test` guards against the list having changed since it was read.
      const body = targets.flatMap((t) => [
        { op: 'test', path: `/webhooks/${t.index}/name`, value: t.name },
        { op: 'add', path: `/webhooks/${t.index}/clientConfig/caBundle`, value: caBundleB64 },
      ]);
      const r = webhooks(ref.kind);
      await rest.patch(objectPath(r, ref.name), r.plural, body, 'json', extra);
    },
  };
}
