/**
 * Entities are refused by the model's answer, not by their names: an entity
 * is refused when what it matches reaches pods outside the tenant and the
 * platform, or a reserved identity cilium.deniedEntities denies. Where that
 * and a lookup of the name in deniedEntities could differ (a list without a
 * union, a denied `world` and its dual-stack identities, an empty list), the
 * model decides; where they agree, the verdict and the message are the same.
 */
import { describe, expect, it } from 'vitest';
import { cnpInput, expectWellFormed, makeConfig, where } from '../../../test/unit/fixtures.js';
import { review } from '../review.js';
import type { Verdict } from '../types.js';

const from = (entities: unknown[], deniedEntities?: string[]): Verdict => {
  const config = deniedEntities === undefined ? undefined : makeConfig({ cilium: { deniedEntities } });
  const v = review(cnpInput({ spec: { endpointSelector: {}, ingress: [{ fromEntities: entities }] } }, config === undefined ? {} : { config }));
  expectWellFormed(v);
  return v;
};
const at = (...indexes: number[]) => indexes.map((i) => `EntityDenied@spec.ingress[0].fromEntities[${i}]`);

describe('entities, judged by what they match', () => {
  it.each<[string, string[] | undefined, string[], string[]]>([
    // Where a lookup by name agrees with the model: the defaults.
    ['defaults: the unions', undefined, ['cluster', 'all', 'world', 'host'], at(0, 1)],
    ['defaults: every identity entity', undefined, ['host', 'remote-node', 'kube-apiserver', 'ingress', 'health', 'init', 'unmanaged', 'world', 'world-ipv4', 'world-ipv6', 'none'], []],
    ['a denied identity', ['all', 'cluster', 'host'], ['host', 'init'], at(0)],
    // Where they differ: every tenant's pods are refused whatever the list says.
    ['a list without cluster', ['all'], ['cluster'], at(0)],
    ['a list without all', ['cluster'], ['all'], at(0)],
    ['an empty list', [], ['all', 'cluster', 'host'], at(0, 1)],
    // Denying world denies what world stands for in a dual-stack cluster.
    ['world denied: its IPv4 and IPv6 halves', ['all', 'cluster', 'world'], ['world-ipv4', 'world-ipv6', 'world', 'host'], at(0, 1, 2)],
    // Denying one half does not deny the other; world itself includes the denied half.
    ['world-ipv6 denied', ['all', 'cluster', 'world-ipv6'], ['world-ipv4', 'world'], at(1)],
  ])('%s', (_name, denied, entities, expected) => {
    expect(where(from(entities, denied))).toEqual(expected);
  });

  it('the message says what the model found', () => {
    const [all] = from(['all'], []).violations;
    expect(all?.message).toContain('entity "all" includes the pods of every tenant');
    const [world] = from(['world'], ['all', 'cluster', 'world-ipv6']).violations;
    expect(world?.message).toContain('entity "world" (reserved:world-ipv6) is one cilium.deniedEntities denies to tenants');
  });

  it('the suggestion drops only the refused entities', () => {
    const v = from(['cluster', 'world', 'host'], ['all']);
    const replace = v.violations[0]?.suggestion?.find((op) => op.path === '/spec/ingress/0/fromEntities');
    expect(replace).toMatchObject({ op: 'replace', value: ['world', 'host'] });
  });
});
