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
import type { Cluster } from './cluster.js';
import type { Policy, Rule } from './networkpolicy.js';
import { satisfiable } from './satisfiable.js';
import { someLabelsEscape } from './satisfiable.js';
import { matches, type Selector } from './selector.js';
import { futureZoneName, isTenant, NOBODY, ownerParty, PLATFORM, tenantParty, zoneMatches, type Party, type Tenancy, type Zone } from './tenancy.js';

export interface PathRef {
  direction: 'ingress' | 'egress';
  namespace: string;
  /** The policy whose rule lets traffic through; undefined when the namespace is not isolated in that direction. */
  policy: string | undefined;
  /** The rule's peer (or the rule, when it has no peers), e.g. `spec.ingress[0].from[1]`. */
  path: string | undefined;
}

export interface Cell {
  from: Party;
  to: Party;
  state: 'own' | 'isolated' | 'open';
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
  policies: number;
  /** Open cells between two different tenants. */
  crossTenantOpen: number;
}

const PATH_LIMIT = 20;
const EXAMPLE_LIMIT = 5;

interface Way {
  ref: PathRef;
  conn: ConnSet;
  named: readonly NamedPort[];
  /** undefined: every zone. */
  zones: readonly boolean[] | undefined;
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

function uniqueNamed(list: readonly NamedPort[]): NamedPort[] {
  const seen = new Map<string, NamedPort>();
  for (const n of list) seen.set(`${n.protocol}/${n.name}`, n);
  return [...seen.values()].sort((x, y) => (`${x.protocol}/${x.name}` < `${y.protocol}/${y.name}` ? -1 : 1));
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

export function tenantMatrix(cluster: Cluster, tenancy: Tenancy, only?: ReadonlySet<string>): Matrix {
  const existing = new Set(cluster.namespaces.keys());
  const byNamespace = new Map<string, Policy[]>();
  for (const p of cluster.policies) byNamespace.set(p.namespace, [...(byNamespace.get(p.namespace) ?? []), p]);

  const zones: Zone[] = [];
  const tenants = new Set(tenancy.tenants);
  for (const [name, labels] of [...cluster.namespaces.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (only !== undefined && !only.has(name)) continue;
    const party = ownerParty(name, labels, tenancy);
    if (isTenant(party)) tenants.add(party.slice('tenant:'.length));
    zones.push({ name, party, labels, policies: byNamespace.get(name) ?? [] });
  }
  for (const t of [...tenants].sort()) {
    const name = futureZoneName(t);
    zones.push({ name, party: tenantParty(t), labels: undefined, policies: tenancy.newNamespacePolicies(t, name) });
  }

  const selectorZones = new Map<string, boolean[]>();
  const zonesOf = (sel: Selector): boolean[] => {
    let z = selectorZones.get(sel.key);
    if (z === undefined) {
      z = zones.map((zone) => zoneMatches(sel, zone, existing, tenancy));
      selectorZones.set(sel.key, z);
    }
    return z;
  };
  const anyPods = (sel: Selector) => satisfiable(sel, () => ({ kind: 'free' }));

  const waysOf = (zone: Zone, direction: 'ingress' | 'egress'): Way[] => {
    const policies = zone.policies.filter((p) => p[direction] !== undefined && anyPods(p.podSelector));
    const ways: Way[] = [];
    if (someLabelsEscape(policies.map((p) => p.podSelector), matches)) {
      ways.push({ ref: { direction, namespace: zone.name, policy: undefined, path: undefined }, conn: ALL_CONNECTIONS, named: [], zones: undefined });
    }
    for (const p of policies) {
      for (const rule of p[direction] ?? []) {
        const { conn, named } = ruleConnAnyPod(rule);
        if (isEmpty(conn) && named.length === 0) continue;
        if (rule.peers === undefined) {
          ways.push({ ref: { direction, namespace: zone.name, policy: p.name, path: rule.path }, conn, named, zones: undefined });
          continue;
        }
        for (const peer of rule.peers) {
          // An ipBlock reaches no pod; a podSelector alone stays in the policy's own namespace.
          if (peer.kind !== 'pods' || peer.namespaces === undefined || !anyPods(peer.pods)) continue;
          ways.push({ ref: { direction, namespace: zone.name, policy: p.name, path: peer.path }, conn, named, zones: zonesOf(peer.namespaces) });
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
      cellOf.set(`${from}\u0000${to}`, { from, to, state: from === to ? 'own' : 'isolated', conn: NO_CONNECTIONS, named: [], paths: [], morePaths: 0, namespacePairs: 0, viaNewNamespaces: false, examples: [] });
    }
  }
  const seenPaths = new Map<Cell, Set<string>>();
  const seenPairs = new Set<string>();
  const addPath = (cell: Cell, ref: PathRef) => {
    const key = `${ref.direction}|${ref.namespace}|${ref.policy ?? ''}|${ref.path ?? ''}`;
    let seen = seenPaths.get(cell);
    if (seen === undefined) {
      seen = new Set();
      seenPaths.set(cell, seen);
    }
    if (seen.has(key)) return;
    seen.add(key);
    if (cell.paths.length < PATH_LIMIT) cell.paths.push(ref);
    else cell.morePaths++;
  };

  zones.forEach((dst, di) => {
    for (const wayIn of ingress[di] ?? []) {
      zones.forEach((src, si) => {
        if (src.party === dst.party) return;
        if (wayIn.zones !== undefined && wayIn.zones[si] !== true) return;
        for (const wayOut of egress[si] ?? []) {
          if (wayOut.zones !== undefined && wayOut.zones[di] !== true) continue;
          const both = meet(wayIn, wayOut);
          if (isEmpty(both.conn) && both.named.length === 0) continue;
          const cell = cellOf.get(`${src.party}\u0000${dst.party}`) as Cell;
          cell.state = 'open';
          cell.conn = unionConn(cell.conn, both.conn);
          if (both.named.length > 0) cell.named = uniqueNamed([...cell.named, ...both.named]);
          addPath(cell, wayIn.ref);
          addPath(cell, wayOut.ref);
          if (src.labels === undefined || dst.labels === undefined) cell.viaNewNamespaces = true;
          else {
            const pair = `${src.name}\u0000${dst.name}`;
            if (!seenPairs.has(pair)) {
              seenPairs.add(pair);
              cell.namespacePairs++;
              if (cell.examples.length < EXAMPLE_LIMIT) cell.examples.push(`${src.name} -> ${dst.name}`);
            }
          }
        }
      });
    }
  });
  for (const cell of cellOf.values()) cell.paths.sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'ingress' ? -1 : 1));
  const cells = [...cellOf.values()];
  return {
    parties,
    cells,
    namespaces: zones.filter((z) => z.labels !== undefined).length,
    policies: zones.reduce((n, z) => n + (z.labels !== undefined ? z.policies.length : 0), 0),
    crossTenantOpen: cells.filter((c) => c.state === 'open' && isTenant(c.from) && isTenant(c.to)).length,
  };
}
