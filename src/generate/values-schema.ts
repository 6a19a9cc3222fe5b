/**
 * The chart's values.schema.json (written by `npm run generate`): the
 * chart's own values, and `config` validated by the very schema
 * `tenant-guard serve` uses (src/config/schema.ts), so a value the server
 * would refuse fails at `helm install` instead of in a crash-looping pod.
 * What JSON Schema cannot say (the rules of src/config/rules.ts) fails the
 * render instead (_config.tpl, tenant-guard.config.check). `global` is
 * accepted, whatever it holds, so the chart can be a subchart.
 */
import { configSchema } from '../config/schema.js';

function withoutId(schema: object): object {
  const { $id: _id, ...rest } = structuredClone(schema) as { $id?: string };
  return rest;
}

const str = { type: 'string' };
const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', additionalProperties: false, properties, ...extra });
const map = { type: 'object', additionalProperties: { type: 'string' } };
const anyObj = { type: 'object' };
const k8sName = { type: 'string', pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$', maxLength: 52 };

/** The chart's values.schema.json, as an object. */
export const valuesSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'tenant-guard chart values',
  ...obj({
    replicaCount: { type: 'integer', minimum: 1 },
    image: obj({
      repository: { type: 'string', minLength: 1 },
      tag: str,
      digest: { type: 'string', pattern: '^(sha256:[a-f0-9]{64})?$' },
      pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    }),
    imagePullSecrets: { type: 'array', items: obj({ name: { type: 'string', minLength: 1 } }, { required: ['name'] }) },
    nameOverride: k8sName,
    fullnameOverride: k8sName,
    serviceAccount: obj({ create: { type: 'boolean' }, name: str, annotations: map }),
    certificates: obj({
      mode: { enum: ['self', 'certManager', 'secret'] },
      secretName: str,
      certManager: obj({
        issuerRef: obj({ name: { type: 'string', minLength: 1 }, kind: { enum: ['Issuer', 'ClusterIssuer'] }, group: str }),
        duration: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(h|m|s))+$' },
        renewBefore: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(h|m|s))+$' },
      }),
    }),
    webhook: obj({
      url: { type: 'string', pattern: '^(https://.+)?$' },
      caBundle: { type: 'string', pattern: '^[A-Za-z0-9+/=]*$' },
      timeoutSeconds: { type: 'integer', minimum: 1, maximum: 30 },
      failurePolicy: obj({ namespaces: { enum: ['Fail', 'Ignore'] }, policies: { enum: ['Fail', 'Ignore'] } }),
      excludeNamespaces: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      bypassAdmins: { type: 'boolean' },
      annotations: map,
      labels: map,
    }),
    controller: obj({ enabled: { type: 'boolean' } }),
    floor: obj({ enabled: { type: 'boolean' } }),
    containerPort: { type: 'integer', minimum: 1025, maximum: 65535 },
    metricsPort: { type: 'integer', minimum: 1025, maximum: 65535 },
    service: obj({ port: { type: 'integer', minimum: 1, maximum: 65535 } }),
    logLevel: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] },
    resources: anyObj,
    affinity: anyObj,
    topologySpreadConstraints: { type: 'array' },
    nodeSelector: map,
    tolerations: { type: 'array' },
    priorityClassName: str,
    criticalPodsQuota: obj({ enabled: { type: 'boolean' }, pods: { type: 'integer', minimum: 0 } }),
    hostNetwork: { type: 'boolean' },
    dnsPolicy: { enum: ['', 'ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] },
    extraArgs: { type: 'array', items: { type: 'string' } },
    extraEnv: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } },
    podDisruptionBudget: obj({ enabled: { type: 'boolean' }, minAvailable: { type: ['integer', 'string'] } }),
    preStopSleepSeconds: { type: 'integer', minimum: 0 },
    terminationGracePeriodSeconds: { type: 'integer', minimum: 1 },
    podAnnotations: map,
    podLabels: map,
    serviceMonitor: obj({ enabled: { type: 'boolean' }, interval: str, labels: map }),
    networkPolicy: obj({
      enabled: { type: 'boolean' },
      ingressFrom: { type: 'array', items: anyObj },
      monitoring: obj({ namespace: { type: 'string', pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$', maxLength: 63 }, podLabels: map }),
    }),
    prometheusRule: obj({ enabled: { type: 'boolean' }, for: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' }, labels: map }),
    dashboard: obj({ enabled: { type: 'boolean' }, label: { type: 'string', minLength: 1 }, labelValue: str, namespace: str, annotations: map }),
    policyReports: obj({ installCRDs: { type: 'boolean' } }),
    cleanup: obj({ enabled: { type: 'boolean' } }),
    config: withoutId(configSchema),
    // Helm passes a parent chart's global values to every subchart.
    global: anyObj,
  }),
};

/** The file's text: two-space JSON with a final newline. */
export function valuesSchemaText(): string {
  return `${JSON.stringify(valuesSchema, null, 2)}\n`;
}
