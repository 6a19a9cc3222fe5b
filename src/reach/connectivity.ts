/**
 * Workload-to-workload (and external) connectivity under Kubernetes
 * NetworkPolicy semantics:
 * - a pod is isolated for a direction when a policy of that type selects it;
 *   an isolated pod gets only what the union of those policies' rules allows;
 * - a connection needs the source's egress and the destination's ingress;
 * - a rule without peers matches every peer, without ports every port;
 * - named ports are resolved on the destination pod's container ports;
 * - ipBlocks match external addresses only.
 * Evaluation is over distinct pod shapes (namespace, labels, ports), not pods,
 * and each distinct selector is matched once.
 */
import { addressClasses, classIn, rangeText, type AddressClass, type AddressSet } from './addresses.js';
import { ALL_CONNECTIONS, intersectConn, isEmpty, NO_CONNECTIONS, portsOf, unionConn, MAX_PORT, MIN_PORT, type ConnSet } from './connections.js';
import type { Cluster } from './cluster.js';
import type { Peer, Policy, Rule } from './networkpolicy.js';
import { labelsKey, matches, type Labels, type Selector } from '../policy/label-selector.js';
import { compareText } from '../policy/text.js';
import { workloadId, type ContainerPort } from './workloads.js';

export interface Connection {
  src: string;
  dst: string;
  conn: ConnSet;
}

interface Shape {
  namespace: string;
  labels: Labels;
  ports: readonly ContainerPort[];
  workloads: number[];
}

/** What a rule allows towards one destination (named ports need the destination's container ports). */
export function ruleConn(rule: Rule, target: readonly ContainerPort[] | undefined): ConnSet {
  if (rule.ports === undefined) return ALL_CONNECTIONS;
  let out = NO_CONNECTIONS;
  for (const p of rule.ports) {
    if (p.port === undefined) out = unionConn(out, portsOf(p.protocol, [[MIN_PORT, MAX_PORT]]));
    else if (typeof p.port === 'number') out = unionConn(out, portsOf(p.protocol, [[p.port, p.endPort ?? p.port]]));
    else {
      const named = target?.filter((c) => c.name === p.port && c.protocol === p.protocol) ?? [];
      for (const c of named) out = unionConn(out, portsOf(p.protocol, [[c.port, c.port]]));
    }
  }
  return out;
}

/** Matching of peers and policy selectors against shapes, each distinct selector once. */
class Matcher {
  private readonly cache = new Map<string, boolean[]>();
  private readonly nsCache = new Map<string, Map<string, boolean>>();

  constructor(private readonly shapes: readonly Shape[], private readonly namespaces: ReadonlyMap<string, Labels>) {}

  /** Shapes selected by `pods` in namespace `ns` (or in the namespaces `namespaces` selects). */
  select(ns: string | undefined, namespaces: Selector | undefined, pods: Selector): boolean[] {
    const key = `${namespaces === undefined ? `ns:${ns}` : `sel:${namespaces.key}`}|${pods.key}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      hit = this.shapes.map((s) => (namespaces === undefined ? s.namespace === ns : this.namespaceMatches(namespaces, s.namespace)) && matches(pods, s.labels));
      this.cache.set(key, hit);
    }
    return hit;
  }

  private namespaceMatches(sel: Selector, ns: string): boolean {
    let m = this.nsCache.get(sel.key);
    if (m === undefined) {
      m = new Map();
      this.nsCache.set(sel.key, m);
    }
    let v = m.get(ns);
    if (v === undefined) {
      v = matches(sel, this.namespaces.get(ns) ?? {});
      m.set(ns, v);
    }
    return v;
  }

  peer(policy: Policy, peer: Peer): boolean[] | AddressSet {
    return peer.kind === 'addresses' ? peer.set : this.select(policy.namespace, peer.namespaces, peer.pods);
  }
}

interface CompiledRule {
  rule: Rule;
  /** undefined: every peer. */
  pods: boolean[][] | undefined;
  addresses: AddressSet[];
}

function compile(policy: Policy, rules: readonly Rule[], m: Matcher): CompiledRule[] {
  return rules.map((rule) => {
    if (rule.peers === undefined) return { rule, pods: undefined, addresses: [] };
    const pods: boolean[][] = [];
    const addresses: AddressSet[] = [];
    for (const p of rule.peers) {
      const r = m.peer(policy, p);
      if (Array.isArray(r)) pods.push(r);
      else addresses.push(r);
    }
    return { rule, pods, addresses };
  });
}

/** The union of what `rules` allow between the shape/class `peer` and a destination with `target` ports. */
function allowed(rules: readonly CompiledRule[], peer: { shape: number } | { cls: AddressClass }, target: readonly ContainerPort[] | undefined): ConnSet {
  let out = NO_CONNECTIONS;
  for (const r of rules) {
    const hit = r.pods === undefined || ('shape' in peer ? r.pods.some((p) => p[peer.shape] === true) : r.addresses.some((a) => classIn(peer.cls, a)));
    if (hit) out = unionConn(out, ruleConn(r.rule, target));
  }
  return out;
}

export function connectivity(cluster: Cluster): Connection[] {
  const shapes: Shape[] = [];
  const shapeIndex = new Map<string, number>();
  cluster.workloads.forEach((w, wi) => {
    for (const s of w.shapes) {
      const key = `${w.namespace}|${labelsKey(s.labels)}|${JSON.stringify(s.ports)}`;
      let i = shapeIndex.get(key);
      if (i === undefined) {
        i = shapes.length;
        shapeIndex.set(key, i);
        shapes.push({ namespace: w.namespace, labels: s.labels, ports: s.ports, workloads: [] });
      }
      const sh = shapes[i] as Shape;
      if (!sh.workloads.includes(wi)) sh.workloads.push(wi);
    }
  });
  const m = new Matcher(shapes, cluster.namespaces);
  // Each direction is split by its own ipBlocks: sources by the ingress rules', destinations by the egress rules'.
  const blocksOf = (rules: (p: Policy) => readonly Rule[] | undefined): AddressSet[] =>
    cluster.policies.flatMap((p) => (rules(p) ?? []).flatMap((r) => (r.peers ?? []).flatMap((peer) => (peer.kind === 'addresses' ? [peer.set] : []))));
  const sources = addressClasses(blocksOf((p) => p.ingress));
  const destinations = addressClasses(blocksOf((p) => p.egress));

  const ingressOf: (CompiledRule[] | undefined)[] = shapes.map(() => undefined);
  const egressOf: (CompiledRule[] | undefined)[] = shapes.map(() => undefined);
  for (const p of cluster.policies) {
    const selected = m.select(p.namespace, undefined, p.podSelector);
    const ing = p.ingress === undefined ? undefined : compile(p, p.ingress, m);
    const eg = p.egress === undefined ? undefined : compile(p, p.egress, m);
    selected.forEach((yes, i) => {
      if (!yes) return;
      if (ing !== undefined) ingressOf[i] = [...(ingressOf[i] ?? []), ...ing];
      if (eg !== undefined) egressOf[i] = [...(egressOf[i] ?? []), ...eg];
    });
  }

  const pairs = new Map<string, ConnSet>();
  const add = (src: string, dst: string, conn: ConnSet) => {
    if (isEmpty(conn) || src === dst) return;
    const key = `${src}\u0000${dst}`;
    const prev = pairs.get(key);
    pairs.set(key, prev === undefined ? conn : unionConn(prev, conn));
  };
  const ids = cluster.workloads.map(workloadId);
  const names = (c: AddressClass) => c.ranges.map((r) => `${rangeText(c.family, r)}[External]`);
  const sourceNames = sources.map(names);
  const destinationNames = destinations.map(names);

  shapes.forEach((dst, di) => {
    const ing = ingressOf[di];
    // From outside the cluster.
    sources.forEach((cls, ci) => {
      const conn = ing === undefined ? ALL_CONNECTIONS : allowed(ing, { cls }, dst.ports);
      for (const w of dst.workloads) for (const name of sourceNames[ci] ?? []) add(name, ids[w] as string, conn);
    });
    shapes.forEach((src, si) => {
      const eg = egressOf[si];
      const out = eg === undefined ? ALL_CONNECTIONS : allowed(eg, { shape: di }, dst.ports);
      if (isEmpty(out)) return;
      const inn = ing === undefined ? ALL_CONNECTIONS : allowed(ing, { shape: si }, dst.ports);
      const conn = intersectConn(out, inn);
      for (const sw of src.workloads) for (const dw of dst.workloads) add(ids[sw] as string, ids[dw] as string, conn);
    });
  });
  // To outside the cluster: egress only (nothing outside is isolated).
  shapes.forEach((src, si) => {
    const eg = egressOf[si];
    destinations.forEach((cls, ci) => {
      const conn = eg === undefined ? ALL_CONNECTIONS : allowed(eg, { cls }, undefined);
      for (const w of src.workloads) for (const name of destinationNames[ci] ?? []) add(ids[w] as string, name, conn);
    });
  });
  return [...pairs.entries()]
    .map(([key, conn]) => {
      const [src, dst] = key.split('\u0000') as [string, string];
      return { src, dst, conn };
    })
    .sort((a, b) => compareText(lineKey(a), lineKey(b)));
}

function lineKey(c: Connection): string {
  return `${c.src} => ${c.dst}`;
}
