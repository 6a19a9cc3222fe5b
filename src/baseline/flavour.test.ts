/** The Cilium flavour falls back to NetworkPolicy while CiliumNetworkPolicy is not served, and says so once. */
import { describe, expect, it } from 'vitest';
import { configFromObject } from '../config/load.js';
import type { Served } from '../kube/discovery.js';
import { BaselineFlavour } from './flavour.js';

function setup(flavour: 'cilium' | 'networkpolicy') {
  const loaded = configFromObject({ baseline: { flavour } });
  if (!loaded.ok) throw new Error('valid configuration');
  let served: Served | undefined;
  const events: string[] = [];
  const warnings: string[] = [];
  const choice = new BaselineFlavour(loaded.config, () => served, { emit: (ns, about, type, reason) => events.push(`${type} ${reason} ${about.kind} ${ns}/${about.name}`) }, { warn: (_o: object, m: string) => warnings.push(m) } as never);
  return { choice, events, warnings, serve: (cilium: boolean | undefined) => { served = cilium === undefined ? undefined : { ciliumNetworkPolicies: cilium } as Served; } };
}

describe('BaselineFlavour', () => {
  it('cilium while the CRD is served; networkpolicy before discovery and while it is not', () => {
    const { choice, serve } = setup('cilium');
    expect(choice.current()).toBe('networkpolicy');
    serve(false);
    expect(choice.current()).toBe('networkpolicy');
    serve(true);
    expect(choice.current()).toBe('cilium');
  });

  it('the fallback is said once each time it starts, as a Warning Event on the Lease', () => {
    const { choice, events, warnings, serve } = setup('cilium');
    serve(false);
    choice.note();
    choice.note();
    expect(events).toEqual(['Warning CiliumNotServed Lease tenant-guard-system/tenant-guard-controller']);
    expect(warnings).toHaveLength(1);
    serve(true);
    choice.note();
    serve(false);
    choice.note();
    expect(events).toHaveLength(2);
  });

  it('the networkpolicy flavour never falls back and never warns', () => {
    const { choice, events, serve } = setup('networkpolicy');
    serve(false);
    choice.note();
    expect(choice.current()).toBe('networkpolicy');
    expect(events).toEqual([]);
  });
});
