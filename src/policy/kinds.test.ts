/** Which kinds the engine judges. */
import { describe, expect, it } from 'vitest';
import { classify, splitApiVersion, type JudgedKind } from './kinds.js';

describe('classify', () => {
  it.each<[string, string, JudgedKind]>([
    ['', 'Namespace', 'Namespace'],
    ['networking.k8s.io', 'NetworkPolicy', 'NetworkPolicy'],
    ['cilium.io', 'CiliumNetworkPolicy', 'CiliumNetworkPolicy'],
    ['tenant-guard.io', 'Export', 'Export'],
    ['tenant-guard.io', 'Import', 'Import'],
    // Sharing kinds only in tenant-guard's own group.
    ['example.com', 'Export', 'Unjudged'],
    ['cilium.io', 'CiliumClusterwideNetworkPolicy', 'ClusterScopedPolicy'],
    ['policy.networking.k8s.io', 'AdminNetworkPolicy', 'ClusterScopedPolicy'],
    ['policy.networking.k8s.io', 'BaselineAdminNetworkPolicy', 'ClusterScopedPolicy'],
    ['policy.networking.k8s.io', 'ClusterNetworkPolicy', 'ClusterScopedPolicy'],
    ['cilium.io', 'CiliumCIDRGroup', 'ClusterScopedPolicy'],
    // Kinds that steer traffic without being a network policy.
    ['', 'Service', 'Service'],
    ['cilium.io', 'CiliumLocalRedirectPolicy', 'CiliumLocalRedirectPolicy'],
    ['cilium.io', 'CiliumEnvoyConfig', 'CiliumEnvoyConfig'],
    ['example.com', 'Service', 'Unjudged'],
    ['cilium.io', 'CiliumClusterwideEnvoyConfig', 'Unjudged'],
    // The group matters: a look-alike kind in another group is not judged.
    ['example.com', 'NetworkPolicy', 'Unjudged'],
    ['networking.k8s.io', 'Namespace', 'Unjudged'],
    ['apps', 'Deployment', 'Unjudged'],
    ['', 'Pod', 'Unjudged'],
    // Group names that are Object.prototype keys must not reach the prototype.
    ['constructor', 'NetworkPolicy', 'Unjudged'],
    ['__proto__', 'AdminNetworkPolicy', 'Unjudged'],
    ['toString', 'x', 'Unjudged'],
    ['hasOwnProperty', 'x', 'Unjudged'],
  ])('%s/%s', (group, kind, expected) => {
    expect(classify(group, kind)).toBe(expected);
  });
});

describe('splitApiVersion', () => {
  it.each<[unknown, { group: string; version: string }]>([
    ['networking.k8s.io/v1', { group: 'networking.k8s.io', version: 'v1' }],
    ['cilium.io/v2', { group: 'cilium.io', version: 'v2' }],
    // The core group has no group part.
    ['v1', { group: '', version: 'v1' }],
    [undefined, { group: '', version: '' }],
    [5, { group: '', version: '' }],
  ])('%j', (input, expected) => {
    expect(splitApiVersion(input)).toEqual(expected);
  });
});
