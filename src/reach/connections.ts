/**
 * A set of connections: per protocol, the destination ports allowed. Kubernetes
 * NetworkPolicy knows TCP, UDP and SCTP on ports 1-65535. Rendered in the
 * grammar netpol-analyzer uses: `All Connections`, or `TCP 8080,9090-9092,UDP 53`.
 */
import { intersection, normalize, sameIntervals, union, type Interval } from './intervals.js';

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const MIN_PORT = 1;
export const MAX_PORT = 65535;
const FULL: Interval<number>[] = [[MIN_PORT, MAX_PORT]];

export type ConnSet = Readonly<Record<Protocol, readonly Interval<number>[]>>;

export const NO_CONNECTIONS: ConnSet = Object.freeze({ TCP: [], UDP: [], SCTP: [] });
export const ALL_CONNECTIONS: ConnSet = Object.freeze({ TCP: FULL, UDP: FULL, SCTP: FULL });

export function isProtocol(v: unknown): v is Protocol {
  return typeof v === 'string' && (PROTOCOLS as readonly string[]).includes(v);
}

export function portsOf(protocol: Protocol, ranges: readonly Interval<number>[]): ConnSet {
  return { ...NO_CONNECTIONS, [protocol]: normalize(ranges) };
}

export function unionConn(a: ConnSet, b: ConnSet): ConnSet {
  if (a === ALL_CONNECTIONS || b === ALL_CONNECTIONS) return ALL_CONNECTIONS;
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return { TCP: union(a.TCP, b.TCP), UDP: union(a.UDP, b.UDP), SCTP: union(a.SCTP, b.SCTP) };
}

export function intersectConn(a: ConnSet, b: ConnSet): ConnSet {
  if (a === ALL_CONNECTIONS) return b;
  if (b === ALL_CONNECTIONS) return a;
  return { TCP: intersection(a.TCP, b.TCP), UDP: intersection(a.UDP, b.UDP), SCTP: intersection(a.SCTP, b.SCTP) };
}

export function isEmpty(c: ConnSet): boolean {
  return c.TCP.length === 0 && c.UDP.length === 0 && c.SCTP.length === 0;
}

export function isAll(c: ConnSet): boolean {
  return c === ALL_CONNECTIONS || PROTOCOLS.every((p) => sameIntervals(c[p], FULL));
}

export function sameConn(a: ConnSet, b: ConnSet): boolean {
  return PROTOCOLS.every((p) => sameIntervals(a[p], b[p]));
}

export function connText(c: ConnSet): string {
  if (isAll(c)) return 'All Connections';
  if (isEmpty(c)) return 'No Connections';
  return PROTOCOLS.filter((p) => c[p].length > 0)
    .map((p) => `${p} ${c[p].map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(',')}`)
    .join(',');
}
