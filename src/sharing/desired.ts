/**
 * The policies that make one share work, as data. For each share in force:
 *
 * - in the exporter's namespace, an ingress policy on the exported pods that
 *   admits the importer's consumer pods, in the importer's namespace only,
 *   on the shared ports;
 * - in the importer's namespace, the matching egress policy on the consumer
 *   pods.
 *
 * Each only where the baseline isolates that direction: a policy isolates
 * the pods it selects, so writing an egress policy into a namespace that is
 * open for egress would cut the consumers off from everything else (and the
 * same for ingress on the exporter's side).
 *
 * The other namespace is selected by `kubernetes.io/metadata.name` (the API
 * server sets it; a tenant cannot) or, in the Cilium flavour, by
 * `k8s:io.kubernetes.pod.namespace` (Cilium derives it from the pod). Every
 * selector written by a tenant is ANDed with that one, so nothing in an
 * Export or Import can widen the peer beyond the named namespace.
 *
 * The policies carry the managed-by label (the webhook refuses tenants'
 * changes to them) and the share label with a hash of the pair, which the
 * baseline controller leaves alone and the share controller owns.
 */
import { createHash } from 'node:crypto';
import { CILIUM_NETWORK_POLICY, NETWORK_POLICY, type BaselinePolicy, type Flavour } from '../baseline/desired.js';
import { CILIUM_POD_NAMESPACE_KEY, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAME_LABEL } from '../policy/vocabulary.js';
import { SHARE_ANNOTATION, SHARE_LABEL, type ActiveShare, type PodSelector, type PortRange } from '../policy/share.js';

export { SHARE_ANNOTATION, SHARE_LABEL };

/** Which half of the share a policy is. */
export const SHARE_ROLE_LABEL = 'tenant-guard.io/share-role';

export interface SharePolicy extends BaselinePolicy {
  metadata: BaselinePolicy['metadata'] & { annotations: Record<string, string> };
}

export function pairId(share: ActiveShare): string {
  const text = `${share.export.namespace}/${share.export.name}/${share.import.namespace}/${share.import.name}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function describePair(share: ActiveShare): string {
  return `${share.export.namespace}/${share.export.name} -> ${share.import.namespace}/${share.import.name}`;
}

function selector(s: PodSelector): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Object.keys(s.matchLabels).length > 0) out.matchLabels = { ...s.matchLabels };
  if (s.matchExpressions.length > 0) {
    out.matchExpressions = s.matchExpressions.map((e) => (e.operator === 'In' || e.operator === 'NotIn' ? { key: e.key, operator: e.operator, values: [...e.values] } : { key: e.key, operator: e.operator }));
  }
  return out;
}

/** A pod selector ANDed with "in this namespace", as a Cilium endpoint selector. */
function ciliumPeer(namespace: string, s: PodSelector): Record<string, unknown> {
  const sel = selector(s);
  return { ...sel, matchLabels: { ...(sel.matchLabels as Record<string, string> | undefined), [CILIUM_POD_NAMESPACE_KEY]: namespace } };
}

function npPorts(ports: readonly PortRange[]): Record<string, unknown>[] {
  return ports.map((p) => (p.endPort !== p.port ? { protocol: p.protocol, port: p.port, endPort: p.endPort } : { protocol: p.protocol, port: p.port }));
}

function ciliumPorts(ports: readonly PortRange[]): Record<string, unknown>[] {
  return [{ ports: ports.map((p) => (p.endPort !== p.port ? { port: String(p.port), endPort: p.endPort, protocol: p.protocol } : { port: String(p.port), protocol: p.protocol })) }];
}

function metadata(share: ActiveShare, role: 'ingress' | 'egress', namespace: string): SharePolicy['metadata'] {
  const id = pairId(share);
  return {
    name: `tenant-guard-share-${role === 'ingress' ? 'in' : 'out'}-${id}`,
    namespace,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SHARE_LABEL]: id, [SHARE_ROLE_LABEL]: role },
    annotations: { [SHARE_ANNOTATION]: describePair(share) },
  };
}

/** One half of a share: in the namespace of `role`'s side, on that side's pods, with the other side's pods as the peer. */
function sharePolicy(share: ActiveShare, role: 'ingress' | 'egress', flavour: Flavour): SharePolicy {
  const [own, other] = role === 'ingress' ? [share.export, share.import] : [share.import, share.export];
  const md = metadata(share, role, own.namespace);
  if (flavour === 'cilium') {
    const rule = { [role === 'ingress' ? 'fromEndpoints' : 'toEndpoints']: [ciliumPeer(other.namespace, other.podSelector)], toPorts: ciliumPorts(share.ports) };
    return { ...CILIUM_NETWORK_POLICY, metadata: md, spec: { endpointSelector: selector(own.podSelector), [role]: [rule] } };
  }
  const peer = { namespaceSelector: { matchLabels: { [NAME_LABEL]: other.namespace } }, podSelector: selector(other.podSelector) };
  return {
    ...NETWORK_POLICY,
    metadata: md,
    spec: {
      podSelector: selector(own.podSelector),
      policyTypes: [role === 'ingress' ? 'Ingress' : 'Egress'],
      [role]: [{ [role === 'ingress' ? 'from' : 'to']: [peer], ports: npPorts(share.ports) }],
    },
  };
}

/** Which directions the baseline isolates (config baseline.isolate.enabled, baseline.egress.enabled). */
export interface Isolation {
  ingress: boolean;
  egress: boolean;
}

/**
 * Every policy the shares in force need, in a fixed order. A direction the
 * baseline does not isolate gets no policy: there the share needs none, and
 * one would isolate the pods it selects.
 */
export function desiredSharePolicies(active: readonly ActiveShare[], flavour: Flavour, isolation: Isolation): SharePolicy[] {
  const out: SharePolicy[] = [];
  for (const s of active) {
    if (isolation.ingress) out.push(sharePolicy(s, 'ingress', flavour));
    if (isolation.egress) out.push(sharePolicy(s, 'egress', flavour));
  }
  return out;
}
