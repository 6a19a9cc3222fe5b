/**
 * The benchmark's world and its four AdmissionReview bodies, shaped like what
 * the API server sends (kubectl apply: last-applied-configuration annotation
 * and managedFields included, since they are most of a real body's bytes).
 *
 *   np-small   a small NetworkPolicy, allowed                     → /validate
 *   cnp-large  a CiliumNetworkPolicy with specs[] (50 rules), allowed → /validate
 *   ns-create  a tenant's Namespace CREATE, mutated (owner label)   → /mutate
 *   np-denied  a NetworkPolicy refused with several violations     → /validate
 */

export const TENANT_LABEL = 'tenant-guard.io/tenant';
const NS_LABELS = `k8s:io.cilium.k8s.namespace.labels.${TENANT_LABEL}`;
const POD_NS = 'k8s:io.kubernetes.pod.namespace';

/** The configuration both the bench server and the engine benchmark use (validated by configFromObject). */
export const CONFIG = {
  tenantLabel: TENANT_LABEL,
  platform: { value: 'platform', namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'tenant-guard-system'] },
  tenants: [
    { name: 'acme', groups: ['acme-devs'], users: ['alice'] },
    { name: 'globex', groups: ['globex-devs'], users: ['bob'] },
  ],
  protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12', 'fd00:10:244::/56', 'fd00:10:96::/112'],
};

/** Namespace ownership as the StaticNamespaces resolver takes it (Namespace-like objects). */
export const NAMESPACES = [
  ['acme-web', 'acme'], ['acme-api', 'acme'], ['acme-db', 'acme'],
  ['globex-app', 'globex'], ['globex-db', 'globex'],
  ['monitoring', 'platform'], ['ingress-nginx', 'platform'],
  ['kube-system', undefined], ['default', undefined], ['tenant-guard-system', 'platform'], ['unowned', undefined],
].map(([name, tenant]) => ({
  metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...(tenant === undefined ? {} : { [TENANT_LABEL]: tenant }) } },
  status: { phase: 'Active' },
}));

const alice = { username: 'alice', uid: '5f0c1d8e-2d7a-4f51-9a3c-7b1e0c2f4a11', groups: ['acme-devs', 'system:authenticated'] };

function applied(obj) {
  // What `kubectl apply` stores, and the managedFields the API server adds.
  const text = JSON.stringify(obj);
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      uid: '0b3e8f5a-6c2d-4e7b-8a91-d4c3b2a1f0e9',
      resourceVersion: '48213',
      generation: 1,
      creationTimestamp: '2026-01-15T09:30:00Z',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${text}\n` },
      managedFields: [{
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: obj.apiVersion,
        time: '2026-01-15T09:30:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } }, 'f:spec': {} },
      }],
    },
  };
}

function review(uid, { group, version, kind, resource }, namespace, name, object, operation = 'CREATE') {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group, version, kind },
      resource: { group, version, resource },
      requestKind: { group, version, kind },
      requestResource: { group, version, resource },
      ...(name === undefined ? {} : { name }),
      ...(namespace === undefined ? {} : { namespace }),
      operation,
      userInfo: alice,
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions', fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
    },
  };
}

const NP = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', resource: 'networkpolicies' };
const CNP = { group: 'cilium.io', version: 'v2', kind: 'CiliumNetworkPolicy', resource: 'ciliumnetworkpolicies' };
const NS = { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces' };

const worldV4 = { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] };

const npSmall = applied({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'web', namespace: 'acme-web', labels: { app: 'web' } },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{
      from: [
        { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'platform' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } },
        { podSelector: { matchLabels: { app: 'frontend' } } },
      ],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }],
    egress: [
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { to: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'acme' } } }] },
      { to: [{ ipBlock: worldV4 }], ports: [{ protocol: 'TCP', port: 443 }] },
    ],
  },
});

/** 10 specs × (3 ingress + 2 egress) = 50 rules, every one confined to tenant acme or the platform. */
function cnpSpecs() {
  const specs = [];
  for (let s = 0; s < 10; s++) {
    const app = `svc-${s}`;
    specs.push({
      description: `traffic of ${app}`,
      endpointSelector: { matchLabels: { app } },
      ingress: [
        { fromEndpoints: [{ matchLabels: { app: `client-${s}` } }], toPorts: [{ ports: [{ port: String(8000 + s), protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: `/api/v${s}/.*` }, { method: 'POST', path: `/api/v${s}/items` }] } }] },
        { fromEndpoints: [{ matchLabels: { [NS_LABELS]: 'acme', role: 'caller' } }, { matchLabels: { [NS_LABELS]: 'platform', 'app.kubernetes.io/name': 'ingress-nginx' } }], toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] },
        { fromEndpoints: [{ matchLabels: { [POD_NS]: 'monitoring', 'app.kubernetes.io/name': 'prometheus' } }], toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }] },
      ],
      egress: [
        { toEndpoints: [{ matchLabels: { [POD_NS]: 'acme-db', app: 'postgres' } }, { matchExpressions: [{ key: NS_LABELS, operator: 'In', values: ['acme', 'platform'] }] }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] },
        { toCIDRSet: [{ cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] }, { cidr: '203.0.113.0/24' }], toFQDNs: [{ matchName: `api-${s}.example.com` }, { matchPattern: '*.example.org' }], toServices: [{ k8sService: { serviceName: `backend-${s}`, namespace: 'acme-api' } }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
      ],
    });
  }
  return specs;
}

const cnpLarge = applied({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'services', namespace: 'acme-web' },
  specs: cnpSpecs(),
});

const nsCreate = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'acme-new', labels: { team: 'payments' } },
  spec: {},
  status: { phase: 'Active' },
};

const npDenied = applied({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'too-open', namespace: 'acme-web' },
  spec: {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      { ports: [{ protocol: 'TCP', port: 80 }] },
      { from: [
        { namespaceSelector: {} },
        { namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } },
        { namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: 'NotIn', values: ['acme'] }] } },
      ] },
    ],
    egress: [
      { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'globex-db' } } }] },
    ],
  },
});

/**
 * name, endpoint, body text, and what a correct answer looks like: allowed,
 * whether a patch comes back, how many violations the refusal lists.
 */
const withBody = (b) => ({ ...b, body: JSON.stringify(b.review) });

export const BODIES = [
  { name: 'np-small', title: 'NetworkPolicy, small, allowed', path: '/validate', review: review('b1a0c3d4-0000-4000-8000-000000000001', NP, 'acme-web', 'web', npSmall), expect: { allowed: true, patch: false } },
  { name: 'cnp-large', title: 'CiliumNetworkPolicy, specs[] with 50 rules, allowed', path: '/validate', review: review('b1a0c3d4-0000-4000-8000-000000000002', CNP, 'acme-web', 'services', cnpLarge), expect: { allowed: true, patch: false } },
  { name: 'ns-create', title: 'Namespace CREATE, mutated', path: '/mutate', review: review('b1a0c3d4-0000-4000-8000-000000000003', NS, undefined, 'acme-new', nsCreate), expect: { allowed: true, patch: true } },
  { name: 'np-denied', title: 'NetworkPolicy refused, 6 violations', path: '/validate', review: review('b1a0c3d4-0000-4000-8000-000000000004', NP, 'acme-web', 'too-open', npDenied), expect: { allowed: false, violations: 6 } },
].map(withBody);

/**
 * The server's floor: np-small's object sent to /mutate, which passes every
 * kind but Namespace without judging it (src/admission/handle.ts). The answer
 * is the bare server's (allowed, no patch, no warnings), but it goes through
 * everything else tenant-guard does per request: the envelope's validation,
 * the in-flight bound, the decision line, the metrics. Its ratio to the bare
 * server is the most any body's ratio can reach with the server as it is,
 * whatever the engine costs. Only in the throughput table, without a target.
 */
export const FLOOR = withBody({
  name: 'np-pass', title: 'NetworkPolicy sent to /mutate: passed without judging (the floor)', path: '/mutate', floor: true,
  review: review('b1a0c3d4-0000-4000-8000-000000000005', NP, 'acme-web', 'web', npSmall), expect: { allowed: true, patch: false },
});

/** Check one answer against a body's expectation; returns a problem or undefined. */
export function checkAnswer(b, status, text) {
  if (status !== 200) return `HTTP ${status}`;
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'answer is not JSON';
  }
  const r = doc?.response;
  if (doc?.apiVersion !== 'admission.k8s.io/v1' || doc?.kind !== 'AdmissionReview' || r?.uid !== b.review.request.uid) return 'not an AdmissionReview for this uid';
  if (r.allowed !== b.expect.allowed) return `allowed=${r.allowed}, expected ${b.expect.allowed}: ${r.status?.message ?? ''}`;
  if (b.expect.patch === true && typeof r.patch !== 'string') return 'expected a patch';
  if (b.expect.patch === false && r.patch !== undefined) return 'unexpected patch';
  if (b.expect.violations !== undefined) {
    const lines = String(r.status?.message ?? '').split('\n').filter((l) => l.startsWith('- ')).length;
    if (lines !== b.expect.violations) return `${lines} violations listed, expected ${b.expect.violations}`;
  }
  return undefined;
}
