/**
 * Which optional kinds the API server serves (API discovery). The Cilium,
 * admin-policy and PolicyReport CRDs may be missing, or be installed later.
 */
import { backoffDelay } from './rate-limit.js';
import { apiStatus, type KubeRest } from './rest.js';
import { ADMIN_POLICIES, BASELINE_ADMIN_POLICIES, CILIUM_CLUSTER_POLICIES, CILIUM_POLICIES, CLUSTER_NETWORK_POLICIES, CLUSTER_POLICY_REPORTS, POLICY_REPORTS, discoveryPath, type ResourceType } from './resources.js';

export interface Served {
  ciliumNetworkPolicies: boolean;
  ciliumClusterwideNetworkPolicies: boolean;
  adminNetworkPolicies: boolean;
  baselineAdminNetworkPolicies: boolean;
  clusterNetworkPolicies: boolean;
  /** Both wgpolicyk8s.io/v1alpha2 kinds: PolicyReport and ClusterPolicyReport. */
  policyReports: boolean;
}

/** The resources a group/version serves; none when it is not served. */
export async function resourcesOf(rest: KubeRest, apiVersion: string): Promise<Set<string>> {
  try {
    const doc = await rest.get<{ resources?: { name?: string }[] }>(discoveryPath(apiVersion), 'discovery');
    return new Set((doc.resources ?? []).map((r) => r.name ?? ''));
  } catch (err) {
    // 404: the group/version is not served. 503: an aggregated API that is down; treat it as absent too.
    if (apiStatus(err) === 404 || apiStatus(err) === 503) return new Set();
    throw err;
  }
}

export async function discoverServed(rest: KubeRest): Promise<Served> {
  const [cilium, admin, cluster, reports] = await Promise.all([
    resourcesOf(rest, CILIUM_POLICIES.apiVersion),
    resourcesOf(rest, ADMIN_POLICIES.apiVersion),
    resourcesOf(rest, CLUSTER_NETWORK_POLICIES.apiVersion),
    resourcesOf(rest, POLICY_REPORTS.apiVersion),
  ]);
  return {
    ciliumNetworkPolicies: cilium.has(CILIUM_POLICIES.plural),
    ciliumClusterwideNetworkPolicies: cilium.has(CILIUM_CLUSTER_POLICIES.plural),
    adminNetworkPolicies: admin.has(ADMIN_POLICIES.plural),
    baselineAdminNetworkPolicies: admin.has(BASELINE_ADMIN_POLICIES.plural),
    clusterNetworkPolicies: cluster.has(CLUSTER_NETWORK_POLICIES.plural),
    policyReports: reports.has(POLICY_REPORTS.plural) && reports.has(CLUSTER_POLICY_REPORTS.plural),
  };
}

export function servedClusterPolicyTypes(s: Served): ResourceType[] {
  const out: ResourceType[] = [];
  if (s.ciliumClusterwideNetworkPolicies) out.push(CILIUM_CLUSTER_POLICIES);
  if (s.adminNetworkPolicies) out.push(ADMIN_POLICIES);
  if (s.baselineAdminNetworkPolicies) out.push(BASELINE_ADMIN_POLICIES);
  if (s.clusterNetworkPolicies) out.push(CLUSTER_NETWORK_POLICIES);
  return out;
}

interface DiscoveryLog {
  warn(o: object, msg: string): void;
}

/**
 * Discovery, again and again: every `intervalMs`, and until the first
 * success with capped backoff. `onServed` hears every successful answer and
 * the one before it.
 */
export class DiscoveryPoll {
  private served: Served | undefined;
  private failures = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly rest: KubeRest,
    private readonly intervalMs: number,
    private readonly onServed: (served: Served, before: Served | undefined) => Promise<void>,
    private readonly log: DiscoveryLog,
  ) {}

  get current(): Served | undefined {
    return this.served;
  }

  start(): void {
    void this.poll();
    this.timer(() => void this.poll(), this.intervalMs, true);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private async poll(): Promise<void> {
    let served: Served;
    try {
      served = await discoverServed(this.rest);
      this.failures = 0;
    } catch (err) {
      this.failures += 1;
      const retryInMs = backoffDelay(this.failures, 1000, 30_000);
      this.log.warn({ err: (err as Error).message, retryInMs }, 'API discovery failed; retrying');
      if (this.served === undefined && !this.stopped) this.timer(() => void this.poll(), retryInMs, false);
      return;
    }
    const before = this.served;
    this.served = served;
    await this.onServed(served, before);
  }

  private timer(fn: () => void, ms: number, repeat: boolean): void {
    const t = repeat ? setInterval(fn, ms) : setTimeout(fn, ms);
    t.unref();
    this.timers.push(t);
  }
}
