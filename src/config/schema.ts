/**
 * The configuration contract, declared once: the JSON Schema (TypeBox) below
 * is what `load()` validates with ajv (defaults filled, unknown keys refused),
 * what the TypeScript type is inferred from, what the chart's
 * values.schema.json carries under `config`, and what the README's
 * configuration reference is generated from (`npm run generate`). Rules that
 * relate fields to each other are declared beside it in rules.ts.
 *
 * Field names are relied on by the chart, the CLI, the floor generator and
 * users' files: rename nothing without a migration. Unknown keys are
 * rejected so a typo never silently becomes a default.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DNS_LABEL_PATTERN, policySettingsProperties, withDefault, type Filled, type PolicySettings } from '../policy/settings.js';

export type { PolicySettings, TenantEntry } from '../policy/settings.js';

// An object name: DNS-1123 subdomain.
const dnsSubdomainPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  // A section's default is {}: ajv fills each of its properties with their own default.
  withDefault(Type.Object(properties, { additionalProperties: false }), {} as never, description);
const int = (min: number, max: number | undefined, value: number, description: string) =>
  withDefault(Type.Integer(max === undefined ? { minimum: min } : { minimum: min, maximum: max }), value, description);
const positive = (value: number, description: string) => withDefault(Type.Number({ exclusiveMinimum: 0 }), value, description);
const text = (value: string, description: string, pattern?: string) =>
  withDefault(Type.String(pattern === undefined ? { minLength: 1 } : { pattern }), value, description);
// An enum as plain JSON Schema `enum` (TypeBox's unions become anyOf, with worse error messages).
const oneOf = <const T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ enum: [...values] });
const names = (description: string) => withDefault(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true }), [], description);

// Equality-based label selector requirements (`a=b`, `a==b`, `a!=b`, `a`, `!a`), joined by commas; empty
// selects all. The same grammar the controller parses (src/kube/selector.ts).
const selectorKey = '([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const selectorValue = '(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?';
const requirement = `[ \\t]*(${selectorKey}[ \\t]*(!=|==?)[ \\t]*${selectorValue}|![ \\t]*${selectorKey}|${selectorKey})[ \\t]*`;
export const SELECTOR_PATTERN = `^([ \\t]*|${requirement}(,${requirement})*)$`;

const baseline = section({
  flavour: withDefault(oneOf(['networkpolicy', 'cilium']), 'networkpolicy', '`networkpolicy` works on every CNI; `cilium` (CiliumNetworkPolicy) needs the Cilium CRDs'),
  isolate: section({
    enabled: withDefault(Type.Boolean(), true, 'write the isolating policy (ingress only from the same tenant and the platform)'),
    name: text('tenant-guard-isolate', 'its name', DNS_LABEL_PATTERN),
  }, 'the policy that isolates each tenant namespace'),
  egress: section({
    enabled: withDefault(Type.Boolean(), false, 'write the egress policy'),
    name: text('tenant-guard-egress', 'its name', DNS_LABEL_PATTERN),
    dns: withDefault(Type.Boolean(), true, 'allow DNS to kube-system on UDP and TCP 53'),
    world: withDefault(Type.Boolean(), true, 'allow the world outside `protectedCIDRs`'),
  }, 'the policy that limits egress to the same tenant, the platform, DNS and the world'),
}, 'baseline policies kept in every tenant namespace ([docs/controller.md](docs/controller.md#configuration))');

const controller = section({
  port: int(0, 65535, 8081, 'plain-HTTP listener for the /metrics, /healthz and /readyz of `tenant-guard controller` (`serve` takes --metrics-port)'),
  host: text('0.0.0.0', 'its address; also the address of `serve --metrics-port`'),
  qps: positive(20, 'client-side budget for API requests (client-node has no rate limiter): sustained rate'),
  burst: int(1, undefined, 40, 'and burst'),
  workers: int(1, 256, 4, 'namespaces reconciled at the same time (one key is never reconciled twice at once)'),
  namespaceSelector: withDefault(Type.String({ pattern: SELECTOR_PATTERN }), '', 'label selector (equality-based, as kubectl -l) limiting the tenant namespaces managed; empty: all. Platform namespaces are labelled regardless'),
  resyncSeconds: int(0, undefined, 600, 'every namespace is reconciled again from the caches this often; costs no API call when nothing drifted. 0 disables'),
  auditIntervalSeconds: int(0, undefined, 900, 'how often the leader recomputes the audit counts it exports as metrics (lists every policy). 0 disables'),
  events: section({
    qps: withDefault(Type.Number({ minimum: 0 }), 5, 'budget for Kubernetes Events: sustained rate'),
    burst: int(0, undefined, 25, 'and burst; beyond it events are dropped (and counted), never queued'),
  }, 'the budget for Kubernetes Events'),
  leaderElection: section({
    enabled: withDefault(Type.Boolean(), true, 'elect one writer among the replicas with a Lease'),
    leaseName: text('tenant-guard-controller', 'the Lease', DNS_LABEL_PATTERN),
    leaseNamespace: text('tenant-guard-system', 'its namespace (the chart sets the release namespace)', DNS_LABEL_PATTERN),
    leaseDurationSeconds: int(2, undefined, 15, 'how long a lease is held without renewal'),
    renewDeadlineSeconds: int(1, undefined, 10, 'the leader gives up when it could not renew for this long; shorter than leaseDurationSeconds'),
    retryPeriodSeconds: int(1, undefined, 2, 'how often to try to acquire or renew; shorter than renewDeadlineSeconds'),
  }, 'leader election'),
}, 'the baseline controller (`tenant-guard controller`, `serve --controller`), [docs/controller.md](docs/controller.md#configuration)');

const reports = section({
  enabled: withDefault(Type.Boolean(), true, 'the controller keeps a wgpolicyk8s.io/v1alpha2 PolicyReport in every tenant namespace and a ClusterPolicyReport, once their CRDs are served'),
  name: text('tenant-guard', 'the name of each PolicyReport and of the ClusterPolicyReport', dnsSubdomainPattern),
  leaseName: text('tenant-guard-reports', 'the Lease electing the one replica that writes reports (in controller.leaderElection.leaseNamespace)', DNS_LABEL_PATTERN),
}, 'PolicyReports ([docs/controller.md](docs/controller.md#policyreports))');

const server = section({
  port: int(1, 65535, 8443, 'HTTPS listener port'),
  host: text('0.0.0.0', 'its address'),
  bodyLimitBytes: int(1024, 67108864, 6291456, 'larger bodies get 413 before parsing (6 MiB)'),
  certFile: text('certs/tls.crt', 'serving certificate (`tls.mode: files`), reloaded when the file changes'),
  keyFile: text('certs/tls.key', 'its key'),
  keepAliveTimeoutMs: int(1000, undefined, 95000, 'above the API server\'s 90 s idle timeout, so it never reuses a socket the server closed'),
  maxInFlight: int(1, undefined, 256, 'past this many requests in flight, answer 429 at once instead of queueing'),
  shutdownGraceMs: int(0, undefined, 20000, 'after SIGTERM, time to finish in-flight requests'),
}, 'the webhook\'s HTTPS server');

const tls = section({
  mode: withDefault(oneOf(['files', 'self', 'dev']), 'files',
    'where the serving certificate comes from: `files` (server.certFile/keyFile), `self` (generated, stored in a Secret, rotated, caBundle kept), `dev` (in memory); [docs/install.md](docs/install.md#certificate-modes)'),
  reloadIntervalSeconds: withDefault(Type.Number({ exclusiveMinimum: 0, maximum: 3600 }), 2, 'how often `files` mode looks for changed files'),
  self: section({
    namespace: withDefault(Type.String({ pattern: '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$' }), '', 'namespace of the Secret; empty: the namespace of the kubeconfig context or the in-cluster service account'),
    secretName: text('tenant-guard-tls', 'the Secret', dnsSubdomainPattern),
    serviceName: text('tenant-guard', 'the webhook Service; its DNS names go into the certificate', DNS_LABEL_PATTERN),
    dnsNames: names('more DNS names for the certificate'),
    ipAddresses: names('IP addresses for the certificate'),
    mutatingWebhookConfiguration: text('tenant-guard', 'whose caBundle is kept', dnsSubdomainPattern),
    validatingWebhookConfiguration: text('tenant-guard', 'whose caBundle is kept', dnsSubdomainPattern),
    caValidityDays: positive(3650, 'lifetime of the CA'),
    certValidityDays: positive(365, 'lifetime of the serving certificate'),
    renewBeforeDays: positive(30, 'renew this long before expiry'),
    checkIntervalSeconds: withDefault(Type.Number({ minimum: 1, maximum: 86400 }), 60, 'how often the Secret and the webhook configurations are checked'),
  }, 'self-managed certificates (`tls.mode: self`)'),
}, 'the serving certificate');

export const configSchema = Type.Object({
  ...policySettingsProperties,
  baseline,
  controller,
  reports,
  server,
  tls,
}, { $id: 'https://tenant-guard.io/schemas/config.json', additionalProperties: false });

/** The configuration after load(): every default filled in. */
export type Config = Filled<Static<typeof configSchema>>;
export type BaselineConfig = Config['baseline'];
export type TlsConfig = Config['tls'];
export type ControllerConfig = Config['controller'];
export type ReportsConfig = Config['reports'];

const POLICY_KEYS = Object.keys(policySettingsProperties) as (keyof PolicySettings)[];

/**
 * The engine's slice of a configuration: only its own settings, so the
 * engine never sees (or comes to depend on) the server's, the controller's or
 * the certificates' settings. Callers that review many objects take it once.
 */
export function policySettingsOf(config: Config): PolicySettings {
  return Object.freeze(Object.fromEntries(POLICY_KEYS.map((k) => [k, config[k]]))) as PolicySettings;
}
