/**
 * The kinds that steer traffic without being a network policy: a Service
 * with external IPs (rules/external-ips.ts), a CiliumEnvoyConfig
 * (rules/envoy-config.ts) and a CiliumLocalRedirectPolicy, whose frontend
 * (an address or a Service) redirects the traffic every pod in the cluster
 * sends there, so only the platform team may manage one. Admins are not
 * judged; deleting a Service or an Envoy config only takes paths away.
 */
import { buildRuleContext, type RuleContext } from '../context.js';
import { isRecord, type Report } from '../report.js';
import type { ReviewInput } from '../types.js';
import { envoyConfigNamespaces, validateEnvoyConfig } from './envoy-config.js';
import { setsExternalIPs, validateExternalIPs } from './external-ips.js';

export type SteeringKind = 'Service' | 'CiliumLocalRedirectPolicy' | 'CiliumEnvoyConfig';

/** The refusal when the owner of the object's namespace cannot be established (fail closed). */
export function ownershipUnknown(namespace: string, reason: string, report: Report): void {
  report.violation('OwnershipUnknown', ['metadata', 'namespace'], `the owner of namespace "${namespace}" cannot be established (${reason}); tenant-guard refuses rather than guess`,
    'retry in a moment; if it persists, ask the platform team to check tenant-guard\'s access to the API server');
}

function verbOf(operation: ReviewInput['operation']): string {
  return operation === 'CREATE' ? 'create' : operation === 'DELETE' ? 'delete' : 'change';
}

/**
 * The namespaces review() will look up for one of these kinds, so the
 * webhook resolves exactly those: none when nothing is judged.
 */
export function steeringNamespaces(kind: SteeringKind, namespace: string | undefined, object: unknown): string[] {
  if (namespace === undefined || namespace === '' || kind === 'CiliumLocalRedirectPolicy') return [];
  if (kind === 'Service') return setsExternalIPs(object) ? [namespace] : [];
  return [...new Set([namespace, ...envoyConfigNamespaces(object)])];
}

export function reviewSteering(kind: SteeringKind, input: ReviewInput, report: Report): void {
  const label = input.kind.kind;
  if (kind === 'CiliumLocalRedirectPolicy') {
    report.violation('LocalRedirectPolicy', ['kind'],
      `a ${label} redirects the traffic that every pod in the cluster sends to its frontend, not only this namespace's; only the platform team may ${verbOf(input.operation)} one`,
      'to send your own workloads\' traffic elsewhere, point them at a Service in your namespace; ask the platform team for a node-local redirect');
    return;
  }
  if (input.operation === 'DELETE') return;
  const object = isRecord(input.object) ? input.object : undefined;
  const metadata = object !== undefined && isRecord(object.metadata) ? object.metadata : {};
  if (object === undefined) {
    report.violation('MalformedObject', [], `the request carries no ${label}`, 'send the object');
    return;
  }
  // An object on its way out may lose finalizers without being judged again.
  if (input.operation === 'UPDATE' && metadata.deletionTimestamp !== undefined) return;
  // A Service without external IPs steers nothing: ordinary Services are never looked at further.
  if (kind === 'Service' && !setsExternalIPs(object)) return;
  const namespace = input.namespace ?? (typeof metadata.namespace === 'string' ? metadata.namespace : undefined);
  if (namespace === undefined || namespace === '') {
    report.violation('MalformedObject', ['metadata', 'namespace'], `a ${label} must belong to a namespace`, 'set metadata.namespace (or apply with -n)');
    return;
  }
  const ctx: RuleContext = buildRuleContext(namespace, input.namespaces, input.settings);
  if (ctx.owner.kind === 'unknown') {
    ownershipUnknown(namespace, ctx.owner.reason, report);
    return;
  }
  if (kind === 'Service') validateExternalIPs(object, isRecord(input.oldObject) ? input.oldObject : undefined, ctx, report);
  else validateEnvoyConfig(object, ctx, report);
}
