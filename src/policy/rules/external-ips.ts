/**
 * Service `spec.externalIPs` (CVE-2020-8554). kube-proxy and Cilium route
 * traffic for a Service's external IP to that Service from every node and
 * every pod, so a tenant Service with someone else's address intercepts
 * their traffic. Kubernetes' advice is an admission check: a non-admin may
 * only use addresses inside the ranges the configuration assigns to the
 * tenant that owns the Service's namespace (`tenants[].externalIPs`, none
 * by default). Addresses the stored Service already had are not judged again
 * on UPDATE: the platform put them there, and a tenant editing a port must not
 * be refused for them.
 */
import type { RuleContext } from '../context.js';
import { coveredBy, parseAll, parseCidr, type Cidr } from '../cidr.js';
import { isRecord, listAt, type Report } from '../report.js';
import { replaceAt } from '../suggest.js';
import { describeOwner } from '../tenancy.js';
import { valueText } from '../text.js';

const PATH = ['spec', 'externalIPs'];

/** Whether a Service object sets external IPs at all (anything but an absent or empty list). */
export function setsExternalIPs(obj: unknown): boolean {
  if (!isRecord(obj) || !isRecord(obj.spec)) return false;
  const v = obj.spec.externalIPs;
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

/** The external IPs a Service object sets; empty when none (or no spec). */
export function externalIPsOf(obj: unknown): unknown[] {
  if (!isRecord(obj) || !isRecord(obj.spec) || !Array.isArray(obj.spec.externalIPs)) return [];
  return obj.spec.externalIPs as unknown[];
}

/**
 * A plain address as the API server accepts one for externalIPs. An
 * IPv4-mapped IPv6 text is refused rather than mapped: the floor's CEL
 * `ip()` refuses it too, and nobody writes one on purpose.
 */
function parseAddress(v: unknown): Cidr | undefined {
  if (typeof v !== 'string' || v !== v.trim() || v.includes('/')) return undefined;
  const c = parseCidr(v);
  if (c === undefined || (v.includes(':') && c.family === 4)) return undefined;
  return c;
}

/** The ranges assigned to the tenant that owns the namespace; none for the platform or an unowned namespace. */
function assignedRanges(ctx: RuleContext): { texts: string[]; ranges: Cidr[] } {
  if (ctx.owner.kind !== 'tenant') return { texts: [], ranges: [] };
  const tenant = ctx.owner.tenant;
  const texts = ctx.config.tenants.find((t) => t.name === tenant)?.externalIPs ?? [];
  // An IPv6 text of an IPv4-mapped range matches no address here, as in the floor's CEL.
  return { texts: [...texts], ranges: parseAll(texts.filter((t) => !(t.includes(':') && parseCidr(t)?.family === 4))) };
}

export function validateExternalIPs(obj: Record<string, unknown>, oldObject: Record<string, unknown> | undefined, ctx: RuleContext, report: Report): void {
  if (!isRecord(obj.spec)) return;
  const list = listAt(report, obj.spec, 'externalIPs', ['spec']);
  if (list === undefined || list.length === 0) return;
  const kept = new Set(externalIPsOf(oldObject).filter((v): v is string => typeof v === 'string'));
  const { texts, ranges } = assignedRanges(ctx);
  const allowed = (v: unknown): boolean => {
    if (typeof v === 'string' && kept.has(v)) return true;
    const addr = parseAddress(v);
    return addr !== undefined && ranges.some((r) => coveredBy(addr, [r]));
  };
  // One suggestion for the whole list, the same on every violation: keep what is allowed.
  const suggestion = replaceAt(PATH, list.filter(allowed));
  const whose = ctx.owner.kind === 'tenant' ? `tenant ${ctx.owner.tenant}` : `${describeOwner(ctx.owner)} (the owner of namespace "${ctx.namespace}")`;
  const assigned = texts.length === 0 ? `no external IP range is assigned to ${whose}` : `it is outside the ranges assigned to ${whose} (${texts.join(', ')})`;
  const fix = texts.length === 0
    ? `remove it; to receive traffic from outside the cluster use a LoadBalancer Service or an Ingress, or ask the platform team to assign your tenant a range (tenants[].externalIPs)`
    : `use an address in ${texts.join(', ')}, or remove it`;
  list.forEach((v, i) => {
    if (allowed(v)) return;
    const p = [...PATH, i];
    if (parseAddress(v) === undefined) {
      report.violation('MalformedObject', p, `${valueText(v)} is not an IP address`, `write a plain address such as ${texts.length > 0 ? texts[0]!.replace(/\/\d+$/, '') : '203.0.113.10'}, or remove it`, suggestion);
      return;
    }
    report.violation('ExternalIPNotAssigned', p,
      `${String(v)}: a Service with an external IP receives the traffic every pod in the cluster sends to that address (CVE-2020-8554), and ${assigned}`,
      fix, suggestion);
  });
}
