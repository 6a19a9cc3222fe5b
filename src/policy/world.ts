/**
 * "The world outside the cluster": one block per address family, the whole
 * family minus the protected ranges, as an ipBlock {cidr, except} or a
 * Cilium CIDR set. The one builder for the engine's suggestions and the
 * baseline's egress policy, so both write what the API server accepts: a
 * family whose whole space is protected gets no block (an ipBlock's except
 * must be a strict subset of its cidr), and a range inside another adds
 * nothing to except.
 */
import { parseAll, type Cidr } from './cidr.js';

export interface WorldBlock {
  cidr: string;
  except: string[];
}

export interface WorldOptions {
  /**
   * Give IPv6 a block even when no IPv6 range is protected. The baseline's
   * egress policy does (it is an allow-list: without the block, IPv6 egress
   * would be cut in a dual-stack cluster); the engine's suggestions do not,
   * so a fix for an IPv4-only configuration stays about IPv4.
   */
  ipv6WhenUnprotected: boolean;
}

export function worldBlocks(protectedCIDRs: readonly string[], opts: WorldOptions): WorldBlock[] {
  const ranges = parseAll(protectedCIDRs);
  const blocks: WorldBlock[] = [];
  for (const [family, all] of [[4, '0.0.0.0/0'], [6, '::/0']] as const) {
    const mine: Cidr[] = ranges.filter((c) => c.family === family);
    if (family === 6 && mine.length === 0 && !opts.ipv6WhenUnprotected) continue;
    if (mine.some((c) => c.prefix === 0)) continue;
    const kept = mine.filter((c, i) => !mine.some((o, j) => j !== i && o.start <= c.start && o.end >= c.end && (o.prefix < c.prefix || j < i)));
    blocks.push({ cidr: all, except: kept.map((c) => c.text) });
  }
  return blocks;
}
