/**
 * The configuration contract. Field names here are relied on by the chart, the
 * CLI, the floor generator and users' files: rename nothing without a
 * migration. Unknown keys are rejected so a typo never silently becomes a
 * default.
 */

export interface TenantEntry {
  name: string;
  groups: string[];
  users: string[];
}

export interface BaselineConfig {
  /** `networkpolicy` works on every CNI; `cilium` needs the Cilium CRDs. */
  flavour: 'networkpolicy' | 'cilium';
  isolate: { enabled: boolean; name: string };
  egress: { enabled: boolean; name: string; dns: boolean; world: boolean };
}

/** Where the serving certificate comes from; see docs/install.md. */
export interface TlsConfig {
  /** `files`: server.certFile/keyFile, reloaded on change; `self`: managed in a Secret; `dev`: generated in memory. */
  mode: 'files' | 'self' | 'dev';
  /** How often `files` mode looks for changed files. */
  reloadIntervalSeconds: number;
  self: {
    /** Namespace of the Secret; empty: the namespace of the kubeconfig context or the in-cluster service account. */
    namespace: string;
    secretName: string;
    /** The webhook Service; its DNS names go into the certificate. */
    serviceName: string;
    dnsNames: string[];
    ipAddresses: string[];
    mutatingWebhookConfiguration: string;
    validatingWebhookConfiguration: string;
    caValidityDays: number;
    certValidityDays: number;
    renewBeforeDays: number;
    checkIntervalSeconds: number;
  };
}

/** The baseline controller (`tenant-guard controller`, `serve --controller`). */
export interface ControllerConfig {
  /** Plain-HTTP listener for the controller's /metrics, /healthz and /readyz. */
  port: number;
  host: string;
  /** Client-side budget for API requests (client-node has no rate limiter): sustained rate and burst. */
  qps: number;
  burst: number;
  /** Namespaces reconciled at the same time (one key is never reconciled twice at once). */
  workers: number;
  /** Label selector (equality-based, as kubectl -l) limiting the tenant namespaces managed; empty: all. Platform namespaces are labelled regardless. */
  namespaceSelector: string;
  /** Every namespace is reconciled again from the caches this often; costs no API call when nothing drifted. 0 disables. */
  resyncSeconds: number;
  /** How often the leader recomputes the audit counts it exports as metrics (lists every policy). 0 disables. */
  auditIntervalSeconds: number;
  /** Budget for Kubernetes Events; beyond it events are dropped (and counted), never queued. */
  events: { qps: number; burst: number };
  leaderElection: {
    enabled: boolean;
    leaseName: string;
    leaseNamespace: string;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
  };
}

export interface Config {
  tenantLabel: string;
  platform: { value: string; namespaces: string[] };
  tenants: TenantEntry[];
  tenantGroupPrefix: string;
  admins: { groups: string[]; users: string[] };
  protectedCIDRs: string[];
  cilium: { deniedEntities: string[] };
  allowSameTenantAcrossNamespaces: boolean;
  allowOpenEgress: boolean;
  namespacePrefix: boolean;
  baseline: BaselineConfig;
  controller: ControllerConfig;
  server: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    certFile: string;
    keyFile: string;
    /** Above the API server's 90 s idle timeout, so it never reuses a socket we closed. */
    keepAliveTimeoutMs: number;
    /** Requests in flight past which the server sheds load with a fast 429. */
    maxInFlight: number;
    /** Milliseconds to finish in-flight requests after SIGTERM. */
    shutdownGraceMs: number;
  };
  tls: TlsConfig;
}

const stringList = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true } as const;

// A Kubernetes label key: optional DNS-subdomain prefix, then a name of up to 63 characters.
const labelKeyPattern = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
// An object name: DNS-1123 subdomain.
const dnsSubdomainPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
// A label value that can also be a namespace-name prefix: DNS-1123 label.
const tenantNamePattern = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

export const configSchema = {
  $id: 'https://tenant-guard.io/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    tenantLabel: { type: 'string', pattern: labelKeyPattern, default: 'tenant-guard.io/tenant' },
    platform: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        value: { type: 'string', pattern: tenantNamePattern, default: 'platform' },
        namespaces: { ...stringList, default: ['default', 'kube-system', 'kube-public', 'kube-node-lease'] },
      },
    },
    tenants: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: tenantNamePattern },
          groups: { ...stringList, default: [] },
          users: { ...stringList, default: [] },
        },
      },
    },
    tenantGroupPrefix: { type: 'string', default: 'tenant:' },
    admins: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        groups: { ...stringList, default: ['system:masters'] },
        users: { ...stringList, default: [] },
      },
    },
    protectedCIDRs: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: ['10.244.0.0/16', '10.96.0.0/12'],
    },
    cilium: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        deniedEntities: { ...stringList, default: ['all', 'cluster'] },
      },
    },
    allowSameTenantAcrossNamespaces: { type: 'boolean', default: true },
    allowOpenEgress: { type: 'boolean', default: false },
    namespacePrefix: { type: 'boolean', default: false },
    baseline: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        flavour: { enum: ['networkpolicy', 'cilium'], default: 'networkpolicy' },
        isolate: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { type: 'boolean', default: true },
            name: { type: 'string', pattern: tenantNamePattern, default: 'tenant-guard-isolate' },
          },
        },
        egress: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { type: 'boolean', default: false },
            name: { type: 'string', pattern: tenantNamePattern, default: 'tenant-guard-egress' },
            dns: { type: 'boolean', default: true },
            world: { type: 'boolean', default: true },
          },
        },
      },
    },
    controller: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8081 },
        host: { type: 'string', minLength: 1, default: '0.0.0.0' },
        qps: { type: 'number', exclusiveMinimum: 0, default: 20 },
        burst: { type: 'integer', minimum: 1, default: 40 },
        workers: { type: 'integer', minimum: 1, maximum: 256, default: 4 },
        namespaceSelector: { type: 'string', default: '' },
        resyncSeconds: { type: 'integer', minimum: 0, default: 600 },
        auditIntervalSeconds: { type: 'integer', minimum: 0, default: 900 },
        events: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            qps: { type: 'number', minimum: 0, default: 5 },
            burst: { type: 'integer', minimum: 0, default: 25 },
          },
        },
        leaderElection: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { type: 'boolean', default: true },
            leaseName: { type: 'string', pattern: tenantNamePattern, default: 'tenant-guard-controller' },
            leaseNamespace: { type: 'string', pattern: tenantNamePattern, default: 'tenant-guard-system' },
            leaseDurationSeconds: { type: 'integer', minimum: 2, default: 15 },
            renewDeadlineSeconds: { type: 'integer', minimum: 1, default: 10 },
            retryPeriodSeconds: { type: 'integer', minimum: 1, default: 2 },
          },
        },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 8443 },
        host: { type: 'string', minLength: 1, default: '0.0.0.0' },
        bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 67108864, default: 6291456 },
        certFile: { type: 'string', minLength: 1, default: 'certs/tls.crt' },
        keyFile: { type: 'string', minLength: 1, default: 'certs/tls.key' },
        keepAliveTimeoutMs: { type: 'integer', minimum: 1000, default: 95000 },
        maxInFlight: { type: 'integer', minimum: 1, default: 256 },
        shutdownGraceMs: { type: 'integer', minimum: 0, default: 20000 },
      },
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        mode: { enum: ['files', 'self', 'dev'], default: 'files' },
        reloadIntervalSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600, default: 2 },
        self: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            namespace: { type: 'string', pattern: '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$', default: '' },
            secretName: { type: 'string', pattern: dnsSubdomainPattern, default: 'tenant-guard-tls' },
            serviceName: { type: 'string', pattern: tenantNamePattern, default: 'tenant-guard' },
            dnsNames: { ...stringList, default: [] },
            ipAddresses: { ...stringList, default: [] },
            mutatingWebhookConfiguration: { type: 'string', pattern: dnsSubdomainPattern, default: 'tenant-guard' },
            validatingWebhookConfiguration: { type: 'string', pattern: dnsSubdomainPattern, default: 'tenant-guard' },
            caValidityDays: { type: 'number', exclusiveMinimum: 0, default: 3650 },
            certValidityDays: { type: 'number', exclusiveMinimum: 0, default: 365 },
            renewBeforeDays: { type: 'number', exclusiveMinimum: 0, default: 30 },
            checkIntervalSeconds: { type: 'number', minimum: 1, maximum: 86400, default: 60 },
          },
        },
      },
    },
  },
} as const;
