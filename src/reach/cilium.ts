/**
 * A CiliumNetworkPolicy read into the rules reachability evaluates (the same
 * shape as a NetworkPolicy's), each selector key through the engine's Cilium
 * grammar and namespace pin (src/policy/model):
 *
 * - endpoint selectors: pod labels become a pod selector, the pod's namespace
 *   name and namespace labels a namespace selector; a selector without either
 *   stays in the policy's namespace (the pin); a positive requirement on a
 *   reserved or foreign label selects no pod;
 * - entities: `world` (and `world-ipv4/6`) are the addresses outside, `cluster`
 *   every pod, `all` both; the other entities are no workload;
 * - `toCIDR`/`toCIDRSet` (and `from…`) are address ranges; `toPorts` are ports
 *   (protocol ANY is TCP, UDP and SCTP);
 * - a rule with ports and no peer field allows every peer; a rule with
 *   neither allows nothing; a direction with rules isolates the endpoint.
 *
 * What is read wider than Cilium enforces (it can only show more) is a note:
 * deny rules, L7 rules, fromRequires, FQDNs (as the world). What could open
 * paths that are not read (Services, node and cloud groups, CIDR groups, a
 * selector on the namespace when its labels are unknown, a direction that
 * does not isolate) is "not evaluated", which keeps isolation unproven.
 */
import { endpointRequirements, type EndpointRequirement } from '../policy/model/index.js';
import { matches, parseSelector, type Labels, type Selector } from '../policy/label-selector.js';
import { isRecord } from '../policy/report.js';
import { NAME_LABEL } from '../policy/vocabulary.js';
import { ipBlockSet } from './addresses.js';
import type { Protocol } from './connections.js';
import type { Peer, Policy, PortSpec, Rule } from './networkpolicy.js';

export interface CiliumReading {
  policies: Policy[];
  /** What could open paths and is not read: isolation is not proven while any is present. */
  unevaluated: string[];
  /** What is read wider than Cilium enforces: connections may be shown that it does not allow. */
  widened: string[];
}

type Requirement = { key: string; op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] };

const WORLD = ['world', 'world-ipv4', 'world-ipv6'];
const WORLD_CIDRS: Record<string, string[]> = { 'world': ['0.0.0.0/0', '::/0'], 'world-ipv4': ['0.0.0.0/0'], 'world-ipv6': ['::/0'] };
/** Identity labels Cilium derives from the pod spec (service account, …), which the workload's labels do not carry. */
const DERIVED_LABEL_PREFIXES = ['io.cilium.k8s.policy.', 'io.kubernetes.pod.'];
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** Peer fields whose reach is not read here, in the order Cilium documents them. */
const NOT_READ = ['toServices', 'toGroups', 'toNodes', 'fromNodes'];

function selectorOf(reqs: readonly Requirement[]): Selector | undefined {
  const r = parseSelector({ matchExpressions: reqs.map((q) => ({ key: q.key, operator: q.op, ...(q.op === 'In' || q.op === 'NotIn' ? { values: q.values } : {}) })) });
  // The only requirement parseSelector refuses here is `In` with no values: it matches nothing.
  return r.ok ? r.selector : undefined;
}

const positive = (r: EndpointRequirement) => r.op === 'In' || r.op === 'Exists';

/** An endpoint selector split into its namespace and pod requirements; undefined when it can select no pod. */
function split(sel: Record<string, unknown>, widened: Set<string>): { ns: Requirement[]; pods: Requirement[]; lifted: boolean } | undefined {
  const ns: Requirement[] = [];
  const pods: Requirement[] = [];
  let lifted = false;
  for (const r of endpointRequirements(sel)) {
    if (r.op === 'Invalid') {
      widened.add('a requirement with an unknown operator is read as no requirement');
      continue;
    }
    const q = { op: r.op, values: r.values };
    const m = r.meaning;
    if (m.kind === 'namespace-name') ns.push({ key: NAME_LABEL, ...q });
    else if (m.kind === 'namespace-label') ns.push({ key: m.label, ...q });
    else if (m.kind === 'pod-label') {
      if (DERIVED_LABEL_PREFIXES.some((p) => m.label.startsWith(p))) widened.add(`"${r.key.raw}" is derived from the pod spec and read as no requirement`);
      else pods.push({ key: m.label, ...q });
      continue;
    } else if (positive(r)) return undefined; // reserved or foreign: a pod carries no such label
    lifted = true;
  }
  return { ns, pods, lifted };
}

/** A peer's endpoint selector; `clusterwide`: no namespace pin, as Cilium reads a CiliumClusterwideNetworkPolicy's peers. */
function endpointPeer(sel: unknown, path: string, widened: Set<string>, clusterwide: boolean): Peer | undefined {
  if (!isRecord(sel)) return undefined;
  const parts = split(sel, widened);
  if (parts === undefined) return undefined;
  const pods = selectorOf(parts.pods);
  const scoped = parts.lifted || clusterwide;
  const namespaces = scoped ? selectorOf(parts.ns) : undefined;
  if (pods === undefined || (scoped && namespaces === undefined)) return undefined;
  return { kind: 'pods', namespaces, pods, path };
}

function addressPeers(cidrs: readonly string[], except: readonly unknown[], path: string, unevaluated: Set<string>): Peer[] {
  const out: Peer[] = [];
  for (const cidr of cidrs) {
    const r = ipBlockSet(cidr, except);
    if (r.ok) out.push({ kind: 'addresses', set: r.set, path });
    else unevaluated.add(`${path}: ${r.message}`);
  }
  return out;
}

function portsOf(toPorts: unknown, path: string, widened: Set<string>): PortSpec[] | undefined {
  if (!Array.isArray(toPorts) || toPorts.length === 0) return undefined;
  const out: PortSpec[] = [];
  for (const pr of toPorts as unknown[]) {
    if (!isRecord(pr)) continue;
    if (pr.rules !== undefined && pr.rules !== null) widened.add(`${path}: L7 rules are read as their ports`);
    if (!Array.isArray(pr.ports) || pr.ports.length === 0) return undefined;
    for (const p of pr.ports as unknown[]) {
      if (!isRecord(p)) continue;
      const proto = typeof p.protocol === 'string' ? p.protocol.toUpperCase() : 'ANY';
      const protocols = proto === 'ANY' ? PROTOCOLS : PROTOCOLS.filter((x) => x === proto);
      const text = typeof p.port === 'number' ? String(p.port) : typeof p.port === 'string' ? p.port : '0';
      const number = /^\d+$/.test(text) ? Number(text) : undefined;
      const endPort = typeof p.endPort === 'number' && number !== undefined && p.endPort >= number ? p.endPort : undefined;
      const port = number === undefined ? text : number === 0 ? undefined : number;
      for (const protocol of protocols) out.push({ protocol, port, endPort: port === undefined ? undefined : endPort });
    }
  }
  return out;
}

function readRule(rule: Record<string, unknown>, path: string, dir: 'ingress' | 'egress', out: Out): Rule | undefined {
  const [pre, ep] = dir === 'ingress' ? ['from', 'fromEndpoints'] : ['to', 'toEndpoints'];
  const peers: Peer[] = [];
  let hasPeerField = false;
  const list = (field: string): unknown[] | undefined => {
    const v = rule[field];
    if (v === undefined || v === null) return undefined;
    hasPeerField = true;
    return Array.isArray(v) ? (v as unknown[]) : [];
  };
  list(ep)?.forEach((s, i) => {
    const p = endpointPeer(s, `${path}.${ep}[${i}]`, out.widened, out.clusterwide);
    if (p !== undefined) peers.push(p);
  });
  list(`${pre}Entities`)?.forEach((e, i) => {
    const at = `${path}.${pre}Entities[${i}]`;
    if (e === 'cluster' || e === 'all') peers.push({ kind: 'pods', namespaces: selectorOf([]), pods: selectorOf([]) as Selector, path: at });
    if (e === 'all' || (typeof e === 'string' && WORLD.includes(e))) peers.push(...addressPeers(WORLD_CIDRS[e === 'all' ? 'world' : e] ?? [], [], at, out.unevaluated));
  });
  list(`${pre}CIDR`)?.forEach((c, i) => peers.push(...addressPeers([String(c)], [], `${path}.${pre}CIDR[${i}]`, out.unevaluated)));
  list(`${pre}CIDRSet`)?.forEach((c, i) => {
    const at = `${path}.${pre}CIDRSet[${i}]`;
    if (!isRecord(c)) return;
    if (c.cidrGroupRef !== undefined || c.cidrGroupSelector !== undefined) out.unevaluated.add(`${at}: CIDR groups`);
    if (typeof c.cidr === 'string') peers.push(...addressPeers([c.cidr], Array.isArray(c.except) ? c.except : [], at, out.unevaluated));
  });
  if (list('toFQDNs') !== undefined) {
    out.widened.add(`${path}.toFQDNs: read as the world`);
    peers.push(...addressPeers(WORLD_CIDRS.world ?? [], [], `${path}.toFQDNs`, out.unevaluated));
  }
  for (const field of NOT_READ) if (list(field) !== undefined) out.unevaluated.add(`${path}.${field}`);
  if (rule[`${pre}Requires`] !== undefined) out.widened.add(`${path}.${pre}Requires: not applied (it only narrows)`);
  const ports = portsOf(rule.toPorts, `${path}.toPorts`, out.widened);
  // No peer field: with ports, every peer (an L4-only rule); without, nothing.
  if (!hasPeerField) return ports === undefined && !Array.isArray(rule.toPorts) ? undefined : { path, peers: undefined, ports };
  return { path, peers, ports };
}

interface Out {
  unevaluated: Set<string>;
  widened: Set<string>;
  /** A CiliumClusterwideNetworkPolicy: peers are not pinned to a namespace. */
  clusterwide: boolean;
}

/** One spec's subject (namespace and pod requirements) and rules; undefined when it selects no pod or isolates nothing. */
interface SpecReading {
  namespaceRequirements: Requirement[];
  podSelector: Selector;
  ingress: Rule[] | undefined;
  egress: Rule[] | undefined;
}

/** `applies`: whether the subject's namespace requirements can hold, asked before the rules are read (a spec that cannot apply is not read). */
type Applies = (namespaceRequirements: Requirement[], base: string) => boolean;

function readSpec(spec: Record<string, unknown>, base: string, out: Out, applies: Applies): SpecReading | undefined {
  if (spec.nodeSelector !== undefined) {
    out.unevaluated.add(`${base}.nodeSelector: a host policy`);
    return undefined;
  }
  const parts = isRecord(spec.endpointSelector) ? split(spec.endpointSelector, out.widened) : undefined;
  if (parts === undefined || !applies(parts.ns, base)) return undefined;
  const podSelector = selectorOf(parts.pods);
  if (podSelector === undefined) return undefined;
  const direction = (dir: 'ingress' | 'egress'): Rule[] | undefined => {
    const deny = spec[`${dir}Deny`];
    if (Array.isArray(deny) && deny.length > 0) out.widened.add(`${base}.${dir}Deny: not applied (it only takes access away)`);
    const raw = spec[dir];
    if (!Array.isArray(raw) || raw.length === 0) return undefined;
    if (isRecord(spec.enableDefaultDeny) && spec.enableDefaultDeny[dir] === false) {
      out.unevaluated.add(`${base}.enableDefaultDeny.${dir}: false (its rules add to other policies' isolation)`);
      return undefined;
    }
    return (raw as unknown[]).flatMap((r, i) => {
      const rule = isRecord(r) ? readRule(r, `${base}.${dir}[${i}]`, dir, out) : undefined;
      return rule === undefined ? [] : [rule];
    });
  };
  const ingress = direction('ingress');
  const egress = direction('egress');
  if (ingress === undefined && egress === undefined) return undefined;
  return { namespaceRequirements: parts.ns, podSelector, ingress, egress };
}

function eachSpec(obj: Record<string, unknown>, out: Out, applies: Applies): SpecReading[] {
  const read: SpecReading[] = [];
  const add = (r: SpecReading | undefined) => { if (r !== undefined) read.push(r); };
  if (isRecord(obj.spec)) add(readSpec(obj.spec, 'spec', out, applies));
  if (Array.isArray(obj.specs)) (obj.specs as unknown[]).forEach((s, i) => { if (isRecord(s)) add(readSpec(s, `specs[${i}]`, out, applies)); });
  return read;
}

/** `namespaceLabels`: the labels of the policy's namespace, when known. */
export function parseCiliumNetworkPolicy(obj: Record<string, unknown>, namespace: string, name: string, namespaceLabels: Labels | undefined): CiliumReading {
  const out: Out = { unevaluated: new Set(), widened: new Set(), clusterwide: false };
  // The endpointSelector stays in the policy's namespace; requirements on that namespace's labels must hold too.
  const applies: Applies = (reqs, base) => {
    if (reqs.length === 0) return true;
    if (namespaceLabels === undefined) {
      out.unevaluated.add(`${base}.endpointSelector: names the namespace, whose labels are not known`);
      return false;
    }
    const nsSel = selectorOf(reqs);
    return nsSel !== undefined && matches(nsSel, namespaceLabels);
  };
  const policies: Policy[] = eachSpec(obj, out, applies).map((r) => ({ kind: 'CiliumNetworkPolicy', namespace, name, podSelector: r.podSelector, ingress: r.ingress, egress: r.egress }));
  return { policies, unevaluated: [...out.unevaluated], widened: [...out.widened] };
}

/** A CiliumClusterwideNetworkPolicy's spec: the namespaces whose pods it selects, and what it allows them. */
export interface ClusterwideSpec {
  name: string;
  /** Requirements on the namespace's name and labels; no requirement: every namespace. */
  namespaces: Selector;
  podSelector: Selector;
  ingress: readonly Rule[] | undefined;
  egress: readonly Rule[] | undefined;
}

export interface ClusterwideReading {
  specs: ClusterwideSpec[];
  unevaluated: string[];
  widened: string[];
}

/**
 * A CiliumClusterwideNetworkPolicy: as a CiliumNetworkPolicy, but its
 * endpointSelector may select pods of any namespace (by the namespace's name or
 * labels), and its peers without a namespace requirement select pods of every
 * namespace (Cilium pins them to "some namespace", not to one).
 */
export function parseCiliumClusterwidePolicy(obj: Record<string, unknown>, name: string): ClusterwideReading {
  const out: Out = { unevaluated: new Set(), widened: new Set(), clusterwide: true };
  const specs: ClusterwideSpec[] = [];
  for (const r of eachSpec(obj, out, () => true)) {
    const namespaces = selectorOf(r.namespaceRequirements);
    if (namespaces !== undefined) specs.push({ name, namespaces, podSelector: r.podSelector, ingress: r.ingress, egress: r.egress });
  }
  return { specs, unevaluated: [...out.unevaluated], widened: [...out.widened] };
}

/** The spec as the policy of one namespace it selects; `isolates` false where it only may apply (a namespace not yet created). */
export function clusterwideIn(spec: ClusterwideSpec, namespace: string, isolates = true): Policy {
  return { kind: 'CiliumClusterwideNetworkPolicy', namespace, name: spec.name, podSelector: spec.podSelector, ingress: spec.ingress, egress: spec.egress, ...(isolates ? {} : { isolates: false }) };
}
