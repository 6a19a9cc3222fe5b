/**
 * The one "world outside the cluster" builder, and what the API server
 * requires of what it builds: an ipBlock's except lies strictly inside its
 * cidr. With a whole address family protected, neither the engine's fixes
 * nor the baseline may write an ipBlock for that family.
 */
import { describe, expect, it } from 'vitest';
import { applySuggestions } from '../../test/support/suggestions.js';
import { cnpInput, makeConfig, npInput, people } from '../../test/unit/fixtures.js';
import { parseCidr } from './cidr.js';
import { review } from './review.js';
import { worldBlocks, type WorldBlock } from './world.js';

/** What the API server's ValidateIPBlock accepts: every except strictly inside the cidr. */
function acceptedIpBlock(b: WorldBlock): boolean {
  const cidr = parseCidr(b.cidr);
  return cidr !== undefined && b.except.every((e) => {
    const x = parseCidr(e);
    return x !== undefined && x.family === cidr.family && x.start >= cidr.start && x.end <= cidr.end && x.prefix > cidr.prefix;
  });
}

function ipBlocks(doc: unknown): WorldBlock[] {
  if (Array.isArray(doc)) return doc.flatMap(ipBlocks);
  if (typeof doc !== 'object' || doc === null) return [];
  const o = doc as Record<string, unknown>;
  return Object.entries(o).flatMap(([k, v]) => (k === 'ipBlock' ? [v as WorldBlock] : k === 'toCIDRSet' || k === 'fromCIDRSet' ? (v as WorldBlock[]) : ipBlocks(v)));
}

describe('worldBlocks', () => {
  it.each<[string, string[], boolean, WorldBlock[]]>([
    // The usual IPv4 cluster: the IPv4 world minus pods and services; IPv6 only where asked for.
    ['IPv4 ranges', ['10.244.0.0/16', '10.96.0.0/12'], false, [{ cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] }]],
    ['IPv4 ranges, IPv6 asked for', ['10.244.0.0/16'], true, [{ cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] }, { cidr: '::/0', except: [] }]],
    ['dual stack', ['10.244.0.0/16', 'fd00::/56'], false, [{ cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] }, { cidr: '::/0', except: ['fd00::/56'] }]],
    // A whole family protected: no block for it (except would equal cidr, which the API server refuses).
    ['all of IPv4 protected', ['0.0.0.0/0', 'fd00::/56'], false, [{ cidr: '::/0', except: ['fd00::/56'] }]],
    ['everything protected', ['0.0.0.0/0', '::/0'], true, []],
    // A range inside another adds nothing.
    ['nested and repeated ranges', ['10.0.0.0/8', '10.244.0.0/16', '10.0.0.0/8'], false, [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }]],
  ])('%s', (_name, cidrs, ipv6WhenUnprotected, blocks) => {
    expect(worldBlocks(cidrs, { ipv6WhenUnprotected })).toEqual(blocks);
    for (const b of blocks) expect(acceptedIpBlock(b), JSON.stringify(b)).toBe(true);
  });
});

describe('the engine\'s fixes with a whole address family protected', () => {
  const config = makeConfig({ protectedCIDRs: ['0.0.0.0/0'] });

  it('suggest no ipBlock the API server would refuse for an open egress rule', () => {
    const input = npInput({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [] }, {}] }, { config, requester: people.alice });
    const verdict = review(input);
    expect(verdict.allowed).toBe(false);
    const fixed = applySuggestions(input.object as Record<string, unknown>, verdict);
    for (const b of ipBlocks(fixed)) expect(acceptedIpBlock(b), JSON.stringify(b)).toBe(true);
    expect(verdict.violations.map((v) => v.fix).join('\n')).not.toContain('{cidr: 0.0.0.0/0, except: [0.0.0.0/0]}');
  });

  it('suggest no CIDR set for the world in Cilium policies either', () => {
    const input = cnpInput({ spec: { endpointSelector: {}, egress: [{ toEntities: ['all'] }] } }, { config, requester: people.alice });
    const verdict = review(input);
    expect(verdict.allowed).toBe(false);
    const fixed = applySuggestions(input.object as Record<string, unknown>, verdict);
    for (const b of ipBlocks(fixed)) expect(acceptedIpBlock(b), JSON.stringify(b)).toBe(true);
  });
});
