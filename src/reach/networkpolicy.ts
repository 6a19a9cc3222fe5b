/**
 * A networking.k8s.io/v1 NetworkPolicy, normalised for evaluation: selectors
 * parsed, `policyTypes` defaulted as the API server does (Ingress always,
 * Egress when egress rules are present), peers and ports resolved as far as
 * they can be without knowing the target pod (named ports wait for it).
 */
import { isRecord } from '../policy/report.js';
import { ipBlockSet, type AddressSet } from './addresses.js';
import { isProtocol, type Protocol } from './connections.js';
import { parseSelector, type Selector } from '../policy/label-selector.js';

export interface PodPeer {
  kind: 'pods';
  /** `undefined`: the policy's own namespace (a podSelector without namespaceSelector). */
  namespaces: Selector | undefined;
  pods: Selector;
  path: string;
}

export interface AddressPeer {
  kind: 'addresses';
  set: AddressSet;
  path: string;
}

export type Peer = PodPeer | AddressPeer;

export interface PortSpec {
  protocol: Protocol;
  /** A number, a container port name, or undefined for every port. */
  port: number | string | undefined;
  endPort: number | undefined;
}

export interface Rule {
  path: string;
  /** `undefined`: no `from`/`to`, every source or destination. */
  peers: readonly Peer[] | undefined;
  /** `undefined`: no `ports`, every port and protocol. */
  ports: readonly PortSpec[] | undefined;
}

export interface Policy {
  kind: 'NetworkPolicy' | 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  /** The namespace whose pods it selects (a cluster-wide policy is one Policy per namespace it selects). */
  namespace: string;
  name: string;
  podSelector: Selector;
  /** Present when the policy isolates that direction (possibly with no rules: deny all). */
  ingress: readonly Rule[] | undefined;
  egress: readonly Rule[] | undefined;
  /** false: its rules may apply (a cluster-wide policy and a namespace not yet created), so they count, but it isolates nothing. */
  isolates?: false;
  /** A policy the share controller wrote for a share in force: the Export it makes work, `namespace/name`. */
  share?: string;
}

export interface InputError {
  path: string;
  message: string;
}

export function parseNetworkPolicy(obj: Record<string, unknown>, namespace: string, name: string, errors: InputError[]): Policy | undefined {
  const before = errors.length;
  const fail = (path: string, message: string) => errors.push({ path, message });
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const sel = parseSelector(spec.podSelector);
  if (!sel.ok) fail('spec.podSelector', sel.message);
  let types: string[];
  if (spec.policyTypes === undefined || spec.policyTypes === null) {
    types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('Egress');
  } else if (Array.isArray(spec.policyTypes) && spec.policyTypes.every((t) => t === 'Ingress' || t === 'Egress')) {
    types = spec.policyTypes as string[];
  } else {
    fail('spec.policyTypes', 'must list Ingress and/or Egress');
    types = [];
  }
  const ingress = types.includes('Ingress') ? parseRules(spec.ingress, 'spec.ingress', 'from', fail) : undefined;
  const egress = types.includes('Egress') ? parseRules(spec.egress, 'spec.egress', 'to', fail) : undefined;
  if (errors.length > before || !sel.ok) return undefined;
  return { kind: 'NetworkPolicy', namespace, name, podSelector: sel.selector, ingress, egress };
}

function parseRules(raw: unknown, path: string, peerField: 'from' | 'to', fail: (path: string, message: string) => void): Rule[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    fail(path, 'must be a list of rules');
    return [];
  }
  return raw.map((r, i) => {
    const rp = `${path}[${i}]`;
    const rule = isRecord(r) ? r : {};
    if (!isRecord(r)) fail(rp, 'must be a rule (a mapping)');
    return { path: rp, peers: parsePeers(rule[peerField], `${rp}.${peerField}`, fail), ports: parsePorts(rule.ports, `${rp}.ports`, fail) };
  });
}

function parsePeers(raw: unknown, path: string, fail: (path: string, message: string) => void): Peer[] | undefined {
  // Kubernetes: an empty or missing list matches every peer.
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return undefined;
  if (!Array.isArray(raw)) {
    fail(path, 'must be a list of peers');
    return [];
  }
  const out: Peer[] = [];
  raw.forEach((p, i) => {
    const pp = `${path}[${i}]`;
    if (!isRecord(p)) return fail(pp, 'must be a peer (podSelector, namespaceSelector or ipBlock)');
    if (p.ipBlock !== undefined) {
      if (p.podSelector !== undefined || p.namespaceSelector !== undefined) return fail(pp, 'ipBlock cannot be combined with podSelector or namespaceSelector');
      const b = isRecord(p.ipBlock) ? p.ipBlock : {};
      const r = ipBlockSet(b.cidr, Array.isArray(b.except) ? b.except : []);
      if (!r.ok) return fail(`${pp}.ipBlock`, r.message);
      out.push({ kind: 'addresses', set: r.set, path: pp });
      return;
    }
    if (p.podSelector === undefined && p.namespaceSelector === undefined) return fail(pp, 'needs podSelector, namespaceSelector or ipBlock');
    const pods = parseSelector(p.podSelector);
    if (!pods.ok) return fail(`${pp}.podSelector`, pods.message);
    let namespaces: Selector | undefined;
    if (p.namespaceSelector !== undefined) {
      const ns = parseSelector(p.namespaceSelector);
      if (!ns.ok) return fail(`${pp}.namespaceSelector`, ns.message);
      namespaces = ns.selector;
    }
    out.push({ kind: 'pods', namespaces, pods: pods.selector, path: pp });
  });
  return out;
}

function parsePorts(raw: unknown, path: string, fail: (path: string, message: string) => void): PortSpec[] | undefined {
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return undefined;
  if (!Array.isArray(raw)) {
    fail(path, 'must be a list of ports');
    return [];
  }
  const out: PortSpec[] = [];
  raw.forEach((p, i) => {
    const pp = `${path}[${i}]`;
    if (!isRecord(p)) return fail(pp, 'must be a port (protocol, port, endPort)');
    const protocol = p.protocol ?? 'TCP';
    if (!isProtocol(protocol)) return fail(`${pp}.protocol`, `must be TCP, UDP or SCTP, got ${JSON.stringify(protocol)}`);
    const port = p.port;
    if (port !== undefined && port !== null && !(typeof port === 'string' && port !== '') && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
      return fail(`${pp}.port`, 'must be a port number 1-65535 or a container port name');
    }
    const endPort = p.endPort;
    if (endPort !== undefined && endPort !== null) {
      if (typeof port !== 'number') return fail(`${pp}.endPort`, 'needs a numeric port');
      if (!Number.isInteger(endPort) || (endPort as number) < port || (endPort as number) > 65535) return fail(`${pp}.endPort`, `must be a whole number from port (${port}) to 65535`);
    }
    out.push({ protocol, port: port === null ? undefined : (port as number | string | undefined), endPort: typeof endPort === 'number' ? endPort : undefined });
  });
  return out;
}
