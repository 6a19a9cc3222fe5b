/**
 * The tenant matrix: can any pod of one tenant reach any pod of another, in
 * the namespaces that exist or in any namespace either could create later?
 * Pods are taken as the tenant could make them (any labels), so the answer
 * holds for the workloads of tomorrow too. A cell is open when some source
 * namespace lets traffic out towards a destination namespace that lets it in,
 * on a common port; the cell names the policy rules (or the missing isolation)
 * that let it through on each side.
 *
 * Work is over distinct namespace selectors (each matched once against every
 * zone) and each destination's ways in, not over pod or namespace pairs.
 */
import { ALL_CONNECTIONS, connText, intersectConn, isEmpty, MAX_PORT, MIN_PORT, NO_CONNECTIONS, portsOf, unionConn, type ConnSet, type Protocol } from './connections.js';
import { NAME_LABEL, type Cluster } from './cluster.js';
import type { Policy, Rule } from './networkpolicy.js';
import { satisfiable } from './satisfiable.js';
import { clusterwideIn } from './cilium.js';
import { someLabelsEscape } from './satisfiable.js';
import { matches, type Selector } from '../policy/label-selector.js';
import { compareText } from '../policy/text.js';
import { futureZoneName, isTenant, NOBODY, ownerParty, partyName, PLATFORM, tenantParty, zoneMatches, type Party, type Tenancy, type Zone } from './tenancy.js';

export interface PathRef {
  direction: 'ingress' | 'egress';
  namespace: string;
  /** The policy whose rule lets traffic through; undefined when the namespace is not isolated in that direction. */
  policy: string | undefined;
  /** Set for the Cilium kinds (a NetworkPolicy may have the same name). */
  kind?: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy';
  /** The rule's peer (or the rule, when it has no peers), e.g. `spec.ingress[0].from[1]`. */
  path: string | undefined;
  /** A policy the share controller wrote: the Export (`namespace/name`) whose share it makes work. */
  share?: string;
}

/** A share that explains part of a cell: the Export and the connections it opens. */
export interface CellShare {
  via: string;
  conn: ConnSet;
}

export interface Cell {
  from: Party;
  to: Party;
  /**
   * `shared`: every connection between the two goes through a share in force (the exporter's share
   * policy lets it in), listed in `shares`; `open`: some path is not explained by a share.
   */
  state: 'own' | 'isolated' | 'shared' | 'open';
  /** The shares in force that open connections between the two. */
  shares: CellShare[];
  /** The connections open between the two, over every namespace pair (named ports apart: their numbers depend on the pod). */
  conn: ConnSet;
  named: NamedPort[];
  /** The rules and missing isolations that open it (ingress side first), up to PATH_LIMIT. */
  paths: PathRef[];
  morePaths: number;
  /** Existing namespace pairs with an open path. */
  namespacePairs: number;
  /** A namespace one of them could create later would be reachable (or reach). */
  viaNewNamespaces: boolean;
  /** A few of the namespace pairs, `from -> to`. */
  examples: string[];
}

export interface Matrix {
  parties: Party[];
  cells: Cell[];
  namespaces: number;
  /** NetworkPolicies of the existing namespaces. */
  policies: number;
  /** CiliumNetworkPolicies of the existing namespaces (each object once, whatever its specs). */
  ciliumPolicies: number;
  /** CiliumClusterwideNetworkPolicies (each object once). */
  clusterwidePolicies: number;
  /** Open cells between two different tenants (a cell only shared is not open). */
  crossTenantOpen: number;
  /** Cells between two different tenants whose every connection is a share in force. */
  crossTenantShared: number;
}

const PATH_LIMIT = 20;
const EXAMPLE_LIMIT = 5;

/**
 * Zones a selector matches, as membership and as a list (to walk only those). A set, not a flag per
 * zone: a selector matches a few zones, and a flag array per distinct selector grows as namespaces
 * squared (5,000 namespaces: 29 million flags; the peak RSS of that matrix fell from 374 to 169 MB).
 */
interface ZoneSet {
  member: ReadonlySet<number>;
  list: readonly number[];
}

interface Way {
  ref: PathRef;
  conn: ConnSet;
  named: readonly NamedPort[];
  /** undefined: every zone. */
  zones: ZoneSet | undefined;
}

/** What a rule allows towards some pod a tenant may create; a named port stays a name (the pod decides its number). */
function ruleConnAnyPod(rule: Rule): { conn: ConnSet; named: NamedPort[] } {
  if (rule.ports === undefined) return { conn: ALL_CONNECTIONS, named: [] };
  let conn = NO_CONNECTIONS;
  const named: NamedPort[] = [];
  for (const p of rule.ports) {
    if (typeof p.port === 'string') named.push({ protocol: p.protocol, name: p.port });
    else conn = unionConn(conn, portsOf(p.protocol, [p.port === undefined ? [MIN_PORT, MAX_PORT] : [p.port, p.endPort ?? p.port]]));
  }
  return { conn, named };
}

/** What both sides allow: the numbers both allow, and a named port where the other side allows some port of its protocol. */
function meet(a: { conn: ConnSet; named: readonly NamedPort[] }, b: { conn: ConnSet; named: readonly NamedPort[] }): { conn: ConnSet; named: NamedPort[] } {
  const admits = (side: { conn: ConnSet; named: readonly NamedPort[] }, n: NamedPort) => side.conn[n.protocol].length > 0 || side.named.some((m) => m.protocol === n.protocol && m.name === n.name);
  const named = [...a.named.filter((n) => admits(b, n)), ...b.named.filter((n) => admits(a, n))];
  return { conn: intersectConn(a.conn, b.conn), named: uniqueNamed(named) };
}

/** Appends to the list under `key`, in place: copying the list for every item would be quadratic in a namespace's policies. */
function appendTo<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

function uniqueNamed(list: readonly NamedPort[]): NamedPort[] {
  const seen = new Map<string, NamedPort>();
  for (const n of list) seen.set(`${n.protocol}/${n.name}`, n);
  return [...seen.values()].sort((x, y) => compareText(`${x.protocol}/${x.name}`, `${y.protocol}/${y.name}`));
}

export interface NamedPort {
  protocol: Protocol;
  name: string;
}

/** `TCP 53,UDP 53` or `TCP 8080 and named ports TCP/http`. */
export function cellConnText(c: { conn: ConnSet; named: readonly NamedPort[] }): string {
  const names = c.named.map((n) => `${n.protocol}/${n.name}`).join(',');
  if (isEmpty(c.conn)) return `named ${c.named.length === 1 ? 'port' : 'ports'} ${names}`;
  return c.named.length === 0 ? connText(c.conn) : `${connText(c.conn)} and named ${c.named.length === 1 ? 'port' : 'ports'} ${names}`;
}

function kindOf(p: Policy): { kind?: 'CiliumNetworkPolicy' | 'CiliumClusterwideNetworkPolicy'; share?: string } {
  return { ...(p.kind === 'NetworkPolicy' ? {} : { kind: p.kind }), ...(p.share === undefined ? {} : { share: p.share }) };
}

export function tenantMatrix(cluster: Cluster, tenancy: Tenancy, only?: ReadonlySet<string>): Matrix {
  const existing = new Set(cluster.namespaces.keys());
  const byNamespace = new Map<string, Policy[]>();
  for (const p of cluster.policies) appendTo(byNamespace, p.namespace, p);

  const zones: Zone[] = [];
  const tenants = new Set(tenancy.tenants);
  for (const [name, labels] of [...cluster.namespaces.entries()].sort(([a], [b]) => compareText(a, b))) {
    if (only !== undefined && !only.has(name)) continue;
    const party = ownerParty(name, labels, tenancy);
    if (isTenant(party)) tenants.add(party.slice('tenant:'.length));
    zones.push({ name, party, labels, policies: byNamespace.get(name) ?? [] });
  }
  for (const t of [...tenants].sort()) {
    const name = futureZoneName(t);
    const zone: Zone = { name, party: tenantParty(t), labels: undefined, policies: tenancy.newNamespacePolicies(t, name) };
    // A cluster-wide policy may select a namespace the tenant creates later (its labels are the tenant's choice):
    // its rules count there, its isolation does not.
    const mayApply = cluster.clusterwide.filter((c) => zoneMatches(c.namespaces, zone, existing, tenancy)).map((c) => clusterwideIn(c, name, false));
    zones.push(mayApply.length === 0 ? zone : { ...zone, policies: [...zone.policies, ...mayApply] });
  }

  // A selector with `In` on the name or the tenant label can only match the zones it names (and tenants' new namespaces):
  // only those are tried, so name selectors (usually one per namespace) cost their names, not every zone.
  const byName = new Map<string, number[]>();
  const byTenantValue = new Map<string, number[]>();
  const future: number[] = [];
  zones.forEach((z, i) => {
    if (z.labels === undefined) {
      future.push(i);
      return;
    }
    appendTo(byName, z.name, i);
    const v = z.labels[tenancy.tenantLabel];
    if (v !== undefined) appendTo(byTenantValue, v, i);
  });
  const futureOf = new Map(future.map((i) => [partyName((zones[i] as Zone).party), i]));
  const candidates = (sel: Selector): Iterable<number> => {
    const byNameReq = sel.requirements.find((q) => q.key === NAME_LABEL && q.op === 'In');
    if (byNameReq !== undefined) {
      // A new namespace can only take a name that is free (the exact check is zoneMatches').
      const free = byNameReq.values.some((v) => !existing.has(v));
      return [...byNameReq.values.flatMap((v) => byName.get(v) ?? []), ...(free ? future : [])];
    }
    const byTenantReq = sel.requirements.find((q) => q.key === tenancy.tenantLabel && q.op === 'In');
    if (byTenantReq !== undefined) {
      return byTenantReq.values.flatMap((v) => [...(byTenantValue.get(v) ?? []), ...(futureOf.has(v) ? [futureOf.get(v) as number] : [])]);
    }
    return zones.keys();
  };
  const selectorZones = new Map<string, ZoneSet>();
  const zonesOf = (sel: Selector): ZoneSet => {
    let z = selectorZones.get(sel.key);
    if (z === undefined) {
      const member = new Set<number>();
      const list: number[] = [];
      for (const i of candidates(sel)) {
        if (zoneMatches(sel, zones[i] as Zone, existing, tenancy)) {
          member.add(i);
          list.push(i);
        }
      }
      z = { member, list: list.sort((a, b) => a - b) };
      selectorZones.set(sel.key, z);
    }
    return z;
  };
  const podsSatisfiable = new Map<string, boolean>();
  const anyPods = (sel: Selector) => {
    let v = podsSatisfiable.get(sel.key);
    if (v === undefined) {
      v = satisfiable(sel, () => ({ kind: 'free' }));
      podsSatisfiable.set(sel.key, v);
    }
    return v;
  };

  const waysOf = (zone: Zone, direction: 'ingress' | 'egress'): Way[] => {
    const policies = zone.policies.filter((p) => p[direction] !== undefined && anyPods(p.podSelector));
    const ways: Way[] = [];
    if (someLabelsEscape(policies.filter((p) => p.isolates !== false).map((p) => p.podSelector), matches)) {
      ways.push({ ref: { direction, namespace: zone.name, policy: undefined, path: undefined }, conn: ALL_CONNECTIONS, named: [], zones: undefined });
    }
    for (const p of policies) {
      for (const rule of p[direction] ?? []) {
        const { conn, named } = ruleConnAnyPod(rule);
        if (isEmpty(conn) && named.length === 0) continue;
        if (rule.peers === undefined) {
          ways.push({ ref: { direction, namespace: zone.name, policy: p.name, ...kindOf(p), path: rule.path }, conn, named, zones: undefined });
          continue;
        }
        for (const peer of rule.peers) {
          // An ipBlock reaches no pod; a podSelector alone stays in the policy's own namespace.
          if (peer.kind !== 'pods' || peer.namespaces === undefined || !anyPods(peer.pods)) continue;
          ways.push({ ref: { direction, namespace: zone.name, policy: p.name, ...kindOf(p), path: peer.path }, conn, named, zones: zonesOf(peer.namespaces) });
        }
      }
    }
    return ways;
  };

  const ingress = zones.map((z) => waysOf(z, 'ingress'));
  const egress = zones.map((z) => waysOf(z, 'egress'));

  const parties = [...[...tenants].sort().map(tenantParty)];
  if (zones.some((z) => z.party === PLATFORM)) parties.push(PLATFORM);
  if (zones.some((z) => z.party === NOBODY)) parties.push(NOBODY);
  const cellOf = new Map<string, Cell>();
  for (const from of parties) {
    for (const to of parties) {
      cellOf.set(`${from}\u0000${to}`, { from, to, state: from === to ? 'own' : 'isolated', shares: [], conn: NO_CONNECTIONS, named: [], paths: [], morePaths: 0, namespacePairs: 0, viaNewNamespaces: false, examples: [] });
    }
  }
  // Each way has one PathRef object: seen by identity, no key text per pair.
  const partyIndex = zones.map((z) => parties.indexOf(z.party));
  const cellGrid = parties.flatMap((from) => parties.map((to) => cellOf.get(`${from}\u0000${to}`) as Cell));
  const seenPaths = new Map<Cell, Set<PathRef>>();
  const seenPairs = new Set<number>();
  // Cells with a connection no share explains: open whatever else goes through shares.
  const unexplained = new Set<Cell>();
  const addShare = (cell: Cell, via: string, conn: ConnSet) => {
    const known = cell.shares.find((x) => x.via === via);
    if (known === undefined) cell.shares.push({ via, conn });
    else known.conn = unionConn(known.conn, conn);
  };
  const addPath = (cell: Cell, ref: PathRef) => {
    let seen = seenPaths.get(cell);
    if (seen === undefined) {
      seen = new Set();
      seenPaths.set(cell, seen);
    }
    if (seen.has(ref)) return;
    seen.add(ref);
    if (cell.paths.length < PATH_LIMIT) cell.paths.push(ref);
    else cell.morePaths++;
  };

  zones.forEach((dst, di) => {
    for (const wayIn of ingress[di] ?? []) {
      for (const si of wayIn.zones?.list ?? zones.keys()) {
        const src = zones[si] as Zone;
        if (src.party === dst.party) continue;
        for (const wayOut of egress[si] ?? []) {
          if (wayOut.zones !== undefined && !wayOut.zones.member.has(di)) continue;
          const both = wayIn.named.length === 0 && wayOut.named.length === 0 ? { conn: intersectConn(wayIn.conn, wayOut.conn), named: wayIn.named } : meet(wayIn, wayOut);
          if (isEmpty(both.conn) && both.named.length === 0) continue;
          const cell = cellGrid[(partyIndex[si] as number) * parties.length + (partyIndex[di] as number)] as Cell;
          cell.state = 'open';
          // The exporter's share policy lets it in: the share's ports, its consumer pods, the importer's namespace by name.
          // Named ports are never part of a share (its ports are numbers).
          if (wayIn.ref.share !== undefined && both.named.length === 0) addShare(cell, wayIn.ref.share, both.conn);
          else unexplained.add(cell);
          cell.conn = unionConn(cell.conn, both.conn);
          if (both.named.length > 0) cell.named = uniqueNamed([...cell.named, ...both.named]);
          addPath(cell, wayIn.ref);
          addPath(cell, wayOut.ref);
          if (src.labels === undefined || dst.labels === undefined) cell.viaNewNamespaces = true;
          else {
            const pair = si * zones.length + di;
            if (!seenPairs.has(pair)) {
              seenPairs.add(pair);
              cell.namespacePairs++;
              if (cell.examples.length < EXAMPLE_LIMIT) cell.examples.push(`${src.name} -> ${dst.name}`);
            }
          }
        }
      }
    }
  });
  for (const cell of cellOf.values()) {
    cell.paths.sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'ingress' ? -1 : 1));
    cell.shares.sort((a, b) => (a.via < b.via ? -1 : a.via > b.via ? 1 : 0));
    if (cell.state === 'open' && !unexplained.has(cell)) cell.state = 'shared';
  }
  const cells = [...cellOf.values()];
  return {
    parties,
    cells,
    namespaces: zones.filter((z) => z.labels !== undefined).length,
    policies: zones.reduce((n, z) => n + (z.labels !== undefined ? z.policies.filter((p) => p.kind === 'NetworkPolicy').length : 0), 0),
    ciliumPolicies: zones.reduce((n, z) => n + (z.labels !== undefined ? new Set(z.policies.filter((p) => p.kind === 'CiliumNetworkPolicy').map((p) => p.name)).size : 0), 0),
    clusterwidePolicies: new Set(cluster.clusterwide.map((c) => c.name)).size,
    crossTenantOpen: cells.filter((c) => c.state === 'open' && isTenant(c.from) && isTenant(c.to)).length,
    crossTenantShared: cells.filter((c) => c.state === 'shared' && isTenant(c.from) && isTenant(c.to)).length,
  };
}
