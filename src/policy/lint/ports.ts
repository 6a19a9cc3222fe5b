/**
 * The ports a rule allows, read from a NetworkPolicy's `ports` or a Cilium
 * rule's `toPorts`/`fromPorts`, as spans per protocol, so DNS and shadowing
 * lints ask one question whatever the kind. Lenient: an entry that cannot be
 * read is skipped (the review refuses malformed objects, lint only warns).
 */
import { isRecord } from '../report.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP' | 'ANY';

export interface PortSpan {
  protocol: Protocol;
  from: number;
  to: number;
}

export interface RulePorts {
  /** No ports written: every port of every protocol. */
  all: boolean;
  spans: PortSpan[];
  /** Named ports: what they stand for depends on the destination pod, so they decide nothing here. */
  named: { protocol: Protocol; name: string }[];
}

const MAX_PORT = 65535;

function protocolOf(v: unknown, fallback: Protocol): Protocol | undefined {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v !== 'string') return undefined;
  const p = v.toUpperCase();
  return p === 'TCP' || p === 'UDP' || p === 'SCTP' || p === 'ANY' ? p : undefined;
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** One entry: `{protocol, port, endPort}`; a missing port (or Cilium's "0") is every port. */
function addEntry(out: RulePorts, e: Record<string, unknown>, fallback: Protocol): void {
  const protocol = protocolOf(e.protocol, fallback);
  if (protocol === undefined) return;
  const port = e.port;
  const n = numberOf(port);
  if (port === undefined || port === null || n === 0) {
    out.spans.push({ protocol, from: 1, to: MAX_PORT });
  } else if (n !== undefined) {
    const end = numberOf(e.endPort);
    out.spans.push({ protocol, from: n, to: end !== undefined && end >= n ? end : n });
  } else if (typeof port === 'string') {
    out.named.push({ protocol, name: port });
  }
}

/** A NetworkPolicy rule's `ports` (a missing protocol is TCP, as the API server sets it). */
export function networkPolicyPorts(ports: unknown): RulePorts {
  const out: RulePorts = { all: !Array.isArray(ports) || ports.length === 0, spans: [], named: [] };
  if (Array.isArray(ports)) for (const e of ports as unknown[]) if (isRecord(e)) addEntry(out, e, 'TCP');
  return out;
}

/** A Cilium rule's `toPorts`/`fromPorts`: a list of `{ports: [...]}` (a missing protocol is ANY, as Cilium reads it). */
export function ciliumPorts(toPorts: unknown): RulePorts {
  const out: RulePorts = { all: !Array.isArray(toPorts) || toPorts.length === 0, spans: [], named: [] };
  if (!Array.isArray(toPorts)) return out;
  for (const pr of toPorts as unknown[]) {
    if (!isRecord(pr)) continue;
    if (!Array.isArray(pr.ports) || pr.ports.length === 0) {
      out.spans.push({ protocol: 'ANY', from: 1, to: MAX_PORT });
      continue;
    }
    for (const e of pr.ports as unknown[]) if (isRecord(e)) addEntry(out, e, 'ANY');
  }
  return out;
}

function protocolCovers(outer: Protocol, inner: Protocol): boolean {
  return outer === 'ANY' || outer === inner;
}

/** Whether the ports allow `port` on `protocol`. */
export function allowsPort(p: RulePorts, protocol: Protocol, port: number): boolean {
  return p.all || p.spans.some((s) => protocolCovers(s.protocol, protocol) && s.from <= port && port <= s.to);
}

/** Whether the ports name `port` on `protocol` explicitly (not by allowing every port). */
export function namesPort(p: RulePorts, protocol: Protocol, port: number): boolean {
  return p.spans.some((s) => protocolCovers(s.protocol, protocol) && s.from <= port && port <= s.to && !(s.from === 1 && s.to === MAX_PORT));
}

/** Whether every port `inner` allows, `outer` allows too. */
export function portsCover(outer: RulePorts, inner: RulePorts): boolean {
  if (outer.all) return true;
  if (inner.all) return false;
  const spanCovered = (s: PortSpan) => outer.spans.some((o) => protocolCovers(o.protocol, s.protocol) && o.from <= s.from && s.to <= o.to);
  const namedCovered = (n: { protocol: Protocol; name: string }) =>
    outer.named.some((o) => protocolCovers(o.protocol, n.protocol) && o.name === n.name)
    || outer.spans.some((o) => protocolCovers(o.protocol, n.protocol) && o.from === 1 && o.to === MAX_PORT);
  return inner.spans.every(spanCovered) && inner.named.every(namedCovered);
}
