/**
 * DNS lints over a policy's egress rules, whatever the kind: a pod whose
 * egress is isolated resolves names only through a rule that allows port 53,
 * on UDP and on TCP (answers too large for UDP, and some resolvers, use TCP),
 * to pods that are DNS servers.
 */
import type { FieldPath } from '../path.js';
import { allowsPort, namesPort, type RulePorts } from './ports.js';
import type { KnownPod, Lint, LintInput } from './types.js';

const DNS_PORT = 53;

/** The cluster DNS as kube-dns and CoreDNS deployments label it. */
export const WELL_KNOWN_DNS_SERVERS: readonly KnownPod[] = [{ namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }];

export interface EgressRuleView {
  /** The rule's path (`spec.egress[1]`). */
  path: FieldPath;
  /** The path of its ports field (`spec.egress[1].ports`, `…toPorts`). */
  portsPath: FieldPath;
  /** The path of its peers (`spec.egress[1].to`, `…toEndpoints`). */
  peersPath: FieldPath;
  ports: RulePorts;
  /** Whether some peer of the rule matches one of the DNS servers; undefined when that cannot be told (addresses, entities, unknown labels). */
  reachesServer: (servers: readonly KnownPod[]) => boolean | undefined;
}

export function dnsServersOf(input: LintInput): readonly KnownPod[] {
  return input.dnsServers !== undefined && input.dnsServers.length > 0 ? input.dnsServers : WELL_KNOWN_DNS_SERVERS;
}

function describeServers(servers: readonly KnownPod[]): string {
  const first = servers[0];
  if (first === undefined) return 'the DNS pods';
  const labels = Object.entries(first.labels).map(([k, v]) => `${k}=${v}`).join(',');
  return `the DNS pods (${labels === '' ? 'any pod' : labels} in ${first.namespace})`;
}

export function dnsLints(rules: readonly EgressRuleView[], egressIsolated: boolean, input: LintInput, egressPath: FieldPath): Lint[] {
  const out: Lint[] = [];
  const servers = dnsServersOf(input);
  for (const r of rules) {
    const forDns = namesPort(r.ports, 'UDP', DNS_PORT) || namesPort(r.ports, 'TCP', DNS_PORT);
    if (forDns && r.reachesServer(servers) === false) {
      out.push({ code: 'DNSNoServer', path: r.peersPath, message: `allows port 53 only to peers that match none of ${describeServers(servers)}: name lookups through the cluster DNS stay blocked; select those pods and their namespace` });
    }
  }
  if (!egressIsolated || input.dnsAllowedElsewhere === true) return out;
  // A named port may stand for 53 on the destination: then the rules decide nothing here.
  if (rules.some((r) => r.ports.named.length > 0)) return out;
  const udp = rules.some((r) => allowsPort(r.ports, 'UDP', DNS_PORT));
  const tcp = rules.some((r) => allowsPort(r.ports, 'TCP', DNS_PORT));
  if (!udp && !tcp) {
    out.push({ code: 'EgressWithoutDNS', path: egressPath, message: 'egress is isolated and no rule allows DNS (port 53): the selected pods cannot resolve names unless another policy allows it; allow UDP and TCP 53 to the DNS pods in kube-system' });
  } else if (udp !== tcp) {
    const [has, lacks] = udp ? ['UDP', 'TCP'] : ['TCP', 'UDP'];
    const at = rules.find((r) => namesPort(r.ports, has as 'UDP' | 'TCP', DNS_PORT));
    out.push({ code: 'DNSOneProtocol', path: at?.portsPath ?? egressPath, message: `DNS is allowed on ${has} 53 but not on ${lacks} 53: lookups that fall back to ${lacks} (large answers, some resolvers) fail; allow both protocols` });
  }
  return out;
}
