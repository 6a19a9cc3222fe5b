/** The "what to write instead" texts, kept in one place so every rule says it the same way. */
import type { RuleContext } from './context.js';
import { ciliumNamespaceLabelKey } from './vocabulary.js';
import { worldBlocks as world, type WorldBlock } from './world.js';

function kv(key: string, value: string): string {
  return `{${JSON.stringify(key)}: ${JSON.stringify(value)}}`;
}

/** How to reach allowed namespaces with a NetworkPolicy namespaceSelector. */
export function namespaceSelectorFix(ctx: RuleContext): string {
  const { config } = ctx;
  const platform = `platform services with matchLabels ${kv(config.tenantLabel, config.platform.value)}`;
  if (ctx.tenant !== undefined && ctx.tenant !== config.platform.value && config.allowSameTenantAcrossNamespaces) {
    return `select your tenant's namespaces with namespaceSelector.matchLabels ${kv(config.tenantLabel, ctx.tenant)}, ${platform}, or drop namespaceSelector to stay in this namespace`;
  }
  return `drop namespaceSelector to stay in this namespace, or select ${platform}`;
}

/** The same for Cilium endpoint selectors, which carry namespace labels as endpoint labels. */
export function ciliumSelectorFix(ctx: RuleContext): string {
  const { config } = ctx;
  const key = ciliumNamespaceLabelKey(config.tenantLabel);
  const platform = `platform endpoints with matchLabels ${kv(key, config.platform.value)}`;
  if (ctx.tenant !== undefined && ctx.tenant !== config.platform.value && config.allowSameTenantAcrossNamespaces) {
    return `leave namespace labels out to stay in this namespace, select your tenant with matchLabels ${kv(key, ctx.tenant)}, or ${platform}`;
  }
  return `leave namespace labels out to stay in this namespace, or select ${platform}`;
}

/** The world outside the cluster, written as ipBlocks/CIDR sets that except the protected ranges (world.ts). */
export function worldBlocks(ctx: RuleContext): WorldBlock[] {
  return world(ctx.config.protectedCIDRs, { ipv6WhenUnprotected: false });
}

export function worldText(ctx: RuleContext, field: 'ipBlock' | 'CIDRSet'): string {
  const blocks = worldBlocks(ctx);
  if (blocks.length === 0) return 'nothing: every address is a protected range';
  return blocks
    .map((b) => `${field === 'ipBlock' ? 'ipBlock: ' : ''}{cidr: ${b.cidr}, except: [${b.except.join(', ')}]}`)
    .join(' and ');
}

export function cidrFix(ctx: RuleContext, field: 'ipBlock' | 'CIDRSet'): string {
  return `add the cluster's ranges (${ctx.config.protectedCIDRs.join(', ')}) to except, or for the outside world use ${worldText(ctx, field)}; reach pods through selectors, not addresses`;
}

export function openRuleFix(ctx: RuleContext, direction: 'ingress' | 'egress', flavour: 'networkpolicy' | 'cilium'): string {
  const { config } = ctx;
  const tenant = ctx.tenant !== undefined && ctx.tenant !== config.platform.value ? ctx.tenant : undefined;
  const peers = direction === 'ingress' ? (flavour === 'cilium' ? 'fromEndpoints/fromCIDRSet' : 'from') : (flavour === 'cilium' ? 'toEndpoints/toCIDRSet' : 'to');
  const field = flavour === 'cilium' ? 'CIDRSet' : 'ipBlock';
  const sel = flavour === 'cilium'
    ? (v: string) => `an endpoint selector ${kv(ciliumNamespaceLabelKey(config.tenantLabel), v)}`
    : (v: string) => `namespaceSelector.matchLabels ${kv(config.tenantLabel, v)}`;
  const parts = [
    `${direction === 'ingress' ? 'from outside the cluster' : 'to outside the cluster'}: ${worldText(ctx, field)}`,
  ];
  if (tenant !== undefined) parts.push(`${direction === 'ingress' ? 'from' : 'to'} your tenant: ${sel(tenant)}`);
  parts.push(`${direction === 'ingress' ? 'from' : 'to'} the platform (ingress controllers, monitoring, DNS): ${sel(config.platform.value)}`);
  return `list the peers in ${peers}: ${parts.join('; ')}`;
}

/** Appended to a fix when the author named another tenant outright, so no patch can keep the intent. */
export function noSafeChange(code: string): string {
  if (code !== 'SelectorOtherTenant' && code !== 'SelectorUnknownNamespace' && code !== 'ServiceOtherTenant') return '';
  return '; no automatic change keeps this intent: to reach another tenant, ask that tenant to expose the service through the platform, or ask the platform team';
}
