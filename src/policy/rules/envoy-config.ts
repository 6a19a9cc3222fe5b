/**
 * cilium.io/v2 CiliumEnvoyConfig (namespaced). `spec.services[]` redirects
 * the traffic to a Service into an Envoy listener; `spec.backendServices[]`
 * hands a Service's backends to Envoy, which then sends traffic to them.
 * Each names a Service by name and namespace. Cilium (its getServiceName
 * for a namespaced config) defaults a missing namespace to the config's own
 * and forces `services[]` to the config's namespace whatever it says, while
 * `backendServices[].namespace` is honoured: there, another tenant's
 * namespace would let this tenant's Envoy reach that tenant's pods. Both
 * lists are judged alike, so a config never claims another tenant's
 * Service, whichever Cilium version reads it.
 */
import type { RuleContext } from '../context.js';
import { judgeName } from '../namespace-reach.js';
import { isRecord, listAt, type Report } from '../report.js';
import { valueText } from '../text.js';

const LISTS = ['services', 'backendServices'] as const;

/** The namespaces a CiliumEnvoyConfig's service references name (besides its own). */
export function envoyConfigNamespaces(obj: unknown): string[] {
  if (!isRecord(obj) || !isRecord(obj.spec)) return [];
  const out: string[] = [];
  for (const key of LISTS) {
    const list = obj.spec[key];
    if (!Array.isArray(list)) continue;
    for (const ref of list) {
      if (isRecord(ref) && typeof ref.namespace === 'string' && ref.namespace !== '') out.push(ref.namespace);
    }
  }
  return out;
}

/** judgeName's reason reads `names namespace "x", which …`: what follows the name. */
function tail(reason: string | undefined, ns: string): string {
  const head = `names namespace "${ns}"`;
  if (reason === undefined) return ', which is not a namespace of this tenant';
  return reason.startsWith(head) ? reason.slice(head.length) : `: ${reason}`;
}

export function validateEnvoyConfig(obj: Record<string, unknown>, ctx: RuleContext, report: Report): void {
  if (obj.spec === undefined || obj.spec === null) return;
  if (!isRecord(obj.spec)) {
    report.violation('MalformedObject', ['spec'], 'must be a mapping', 'write spec as a mapping with services, backendServices and resources');
    return;
  }
  for (const key of LISTS) {
    const path = ['spec', key];
    listAt(report, obj.spec, key, ['spec'])?.forEach((ref, i) => {
      const p = [...path, i];
      if (!isRecord(ref)) {
        report.violation('MalformedObject', p, 'must be a mapping with name and namespace', 'write the Service reference as {name: <service>, namespace: <namespace>}');
        return;
      }
      const ns = ref.namespace;
      // No namespace: the config's own namespace (Cilium's default).
      if (ns === undefined || ns === null || ns === '') return;
      const nsPath = [...p, 'namespace'];
      if (typeof ns !== 'string') {
        report.violation('MalformedObject', nsPath, `${valueText(ns)} is not a namespace name`, `leave namespace out for this namespace ("${ctx.namespace}")`);
        return;
      }
      const verdict = judgeName(ns, ctx);
      if (verdict.ok) {
        if (verdict.warn !== undefined) report.warnAt(nsPath, verdict.warn);
        if (key === 'services' && ns !== ctx.namespace) {
          const name = typeof ref.name === 'string' ? ref.name : valueText(ref.name);
          report.warnAt(nsPath, `Cilium redirects only Services in the config's own namespace, so this names ${ctx.namespace}/${name}, not ${ns}/${name}`);
        }
        return;
      }
      const code = verdict.code === undefined || verdict.code === 'SelectorOtherTenant' ? 'ServiceOtherTenant' : verdict.code;
      const what = key === 'services' ? 'redirects into Envoy the traffic to a Service' : 'hands Envoy the backends of a Service';
      report.violation(code, nsPath,
        `${what} in namespace "${ns}"${tail(verdict.reason, ns)}`,
        `name Services of your own tenant or the platform; leave namespace out for this namespace ("${ctx.namespace}"); for another tenant's Service, ask that tenant or the platform to publish it`);
    });
  }
}
