/**
 * A CiliumNetworkPolicy peer within a share (share-reach.ts judges it): an
 * endpoint selector of `fromEndpoints`/`toEndpoints` that names another
 * tenant's namespace, read into the share rules' terms. The namespace part is
 * the engine's model (the selector's keys as Cilium reads them); the pods are
 * the selector's pod labels (sources `k8s` and `any`), the policy's own pods
 * its `endpointSelector`; the ports are the rule's `toPorts`.
 *
 * Requirements of other sources are left out of the pod selector: they only
 * narrow what the selector matches (every requirement must hold), so leaving
 * them out can only make the selector look wider than it is, never narrower.
 * A port with protocol ANY (or none, which Cilium reads as ANY) is that port
 * on TCP, UDP and SCTP; port 0 or a port entry without ports is every port.
 */
import type { RuleContext } from './context.js';
import { endpointRequirements } from './model/endpoint-selector.js';
import { peerNamespaces } from './model/peer.js';
import { isRecord } from './report.js';
import { valueText } from './text.js';
import { shareCoverage, type Coverage, type Direction, type PeerScope } from './share-reach.js';
import type { PodSelector, PortRange, Protocol } from './share.js';
import { CILIUM_POD_NAMESPACE_KEY, CILIUM_SOURCE_ANY, CILIUM_SOURCE_K8S } from './vocabulary.js';

const WORDS = { nameKey: CILIUM_POD_NAMESPACE_KEY, local: 'the endpointSelector', remote: 'the endpoint selector\'s pod labels' };
const ALL_PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** The pod labels an endpoint selector requires; undefined when an expression cannot be read. */
export function ciliumPods(selector: unknown): PodSelector | undefined {
  if (!isRecord(selector)) return undefined;
  const out: PodSelector = { matchLabels: {}, matchExpressions: [] };
  for (const r of endpointRequirements(selector)) {
    if (r.meaning.kind !== 'pod-label' || (r.key.source !== CILIUM_SOURCE_K8S && r.key.source !== CILIUM_SOURCE_ANY)) continue;
    if (r.op === 'Invalid') return undefined;
    if (r.op === 'In' && r.values.length === 1 && !Object.hasOwn(out.matchLabels, r.meaning.label)) out.matchLabels[r.meaning.label] = r.values[0]!;
    else out.matchExpressions.push({ key: r.meaning.label, operator: r.op, values: r.values });
  }
  return out;
}

type PortsRead = { ports: PortRange[] | undefined } | { unreadable: string };

/** The ports a Cilium rule allows, as ranges per protocol; `ports: undefined` when it allows every port. */
export function ciliumPorts(rule: Record<string, unknown>): PortsRead {
  if (Array.isArray(rule.icmps) && rule.icmps.length > 0) return { unreadable: 'its ICMP types are outside every share (a share offers ports)' };
  if (!Array.isArray(rule.toPorts) || rule.toPorts.length === 0) return { ports: undefined };
  const out: PortRange[] = [];
  for (const entry of rule.toPorts as unknown[]) {
    if (!isRecord(entry) || !Array.isArray(entry.ports) || entry.ports.length === 0) return { ports: undefined };
    for (const p of entry.ports as unknown[]) {
      if (!isRecord(p)) return { unreadable: 'its toPorts must list port numbers' };
      const text = typeof p.port === 'number' ? String(p.port) : p.port;
      if (typeof text !== 'string' || !/^\d{1,5}$/.test(text)) return { unreadable: 'its toPorts must list port numbers (a named port cannot be compared with a share)' };
      const port = Number(text);
      if (port === 0) return { ports: undefined };
      if (port > 65535) return { unreadable: 'its toPorts must list port numbers' };
      const endPort = typeof p.endPort === 'number' && p.endPort > port ? Math.min(p.endPort, 65535) : port;
      const protocol = p.protocol === undefined || p.protocol === null || p.protocol === '' ? 'ANY' : p.protocol;
      const protocols = protocol === 'ANY' ? ALL_PROTOCOLS : ALL_PROTOCOLS.filter((x) => x === protocol);
      if (protocols.length === 0) return { unreadable: `protocol ${valueText(protocol)} is outside every share (a share offers TCP, UDP or SCTP ports)` };
      for (const pr of protocols) out.push({ protocol: pr, port, endPort });
    }
  }
  return { ports: out };
}

/** What one Cilium rule gives each of its endpoint selectors, for the share rules. */
export interface CiliumRuleScope {
  /** The policy's `endpointSelector` (its own pods). */
  endpointSelector: unknown;
  rule: Record<string, unknown>;
  direction: Direction;
}

function scopeOf(reading: Record<string, unknown>, r: CiliumRuleScope): PeerScope {
  const local = ciliumPods(r.endpointSelector);
  const remote = ciliumPods(reading);
  const ports = ciliumPorts(r.rule);
  const unreadable = 'unreadable' in ports ? ports.unreadable
    : local === undefined || remote === undefined ? 'its selectors must be plain label requirements' : undefined;
  return {
    local: local ?? { matchLabels: {}, matchExpressions: [] },
    remote: remote ?? { matchLabels: {}, matchExpressions: [] },
    ports: 'ports' in ports ? ports.ports : [],
    direction: r.direction,
    unreadable,
    words: WORDS,
  };
}

/**
 * Every reading of an endpoint selector (colliding keys: Cilium keeps one at
 * random) inside shares in force? Covered only when each is; otherwise the
 * first reading's answer (its fix), or undefined when no share could cover it.
 */
export function ciliumShareCoverage(readings: readonly Record<string, unknown>[], r: CiliumRuleScope, ctx: RuleContext): Coverage | undefined {
  let covered: Coverage | undefined;
  for (const reading of readings) {
    const c = shareCoverage(peerNamespaces({ kind: 'endpointSelector', selector: reading }, ctx), scopeOf(reading, r), ctx);
    if (c === undefined || !c.covered) return c;
    covered ??= c;
  }
  return covered;
}
