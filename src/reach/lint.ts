/**
 * Lint over a whole input: every NetworkPolicy and CiliumNetworkPolicy
 * through the engine's lint (src/policy/lint), with what only a cluster-wide
 * view knows: the workloads of each namespace (a podSelector that matches
 * none), the DNS pods the cluster runs, the namespaces' labels, and whether
 * another policy of the namespace already gives every pod DNS.
 */
import { lintPolicy, WELL_KNOWN_DNS_SERVERS, type KnownPod, type Lint } from '../policy/index.js';
import type { Labels } from '../policy/label-selector.js';
import type { Cluster, PolicySource } from './cluster.js';
import type { Policy, Rule } from './networkpolicy.js';

export interface ReachLint {
  source: Omit<PolicySource, 'object'>;
  lint: Lint;
}

const DNS_PORT = 53;

function allowsDns(rule: Rule, protocol: 'UDP' | 'TCP'): boolean {
  if (rule.ports === undefined) return true;
  return rule.ports.some((p) => p.protocol === protocol && (p.port === undefined || (typeof p.port === 'number' && p.port <= DNS_PORT && DNS_PORT <= (p.endPort ?? p.port))));
}

/** A policy for every pod of its namespace that allows DNS on both protocols to some peer. */
function givesDns(p: Policy): boolean {
  if (p.podSelector.requirements.length > 0 || p.egress === undefined) return false;
  return p.egress.some((r) => allowsDns(r, 'UDP')) && p.egress.some((r) => allowsDns(r, 'TCP'));
}

/** The DNS pods of the input (the well-known labels in kube-system); none in the input: the well-known ones. */
function dnsServers(cluster: Cluster): readonly KnownPod[] {
  const [wellKnown] = WELL_KNOWN_DNS_SERVERS;
  const found: KnownPod[] = [];
  for (const w of cluster.workloads) {
    if (wellKnown === undefined || w.namespace !== wellKnown.namespace) continue;
    for (const s of w.shapes) if (Object.entries(wellKnown.labels).every(([k, v]) => s.labels[k] === v)) found.push({ namespace: w.namespace, labels: s.labels });
  }
  return found.length > 0 ? found : WELL_KNOWN_DNS_SERVERS;
}

export function lintCluster(cluster: Cluster): ReachLint[] {
  const podsByNamespace = new Map<string, Labels[]>();
  for (const w of cluster.workloads) {
    const list = podsByNamespace.get(w.namespace) ?? [];
    for (const s of w.shapes) list.push(s.labels);
    podsByNamespace.set(w.namespace, list);
  }
  const servers = dnsServers(cluster);
  const out: ReachLint[] = [];
  for (const src of cluster.policySources) {
    const elsewhere = cluster.policies.some((p) => p.namespace === src.namespace && p.name !== src.name && givesDns(p));
    const lints = lintPolicy({
      kind: src.kind,
      namespace: src.namespace,
      object: src.object,
      asWritten: false,
      workloads: podsByNamespace.get(src.namespace) ?? [],
      dnsServers: servers,
      namespaceLabels: (ns) => cluster.namespaces.get(ns),
      dnsAllowedElsewhere: elsewhere,
    });
    const { object: _object, ...source } = src;
    for (const lint of lints) out.push({ source, lint });
  }
  return out;
}
