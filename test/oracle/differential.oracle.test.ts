/**
 * The differential suite: adversarial policies go through the engine's
 * review() as tenant acme and through the oracle (Cilium's and apimachinery's
 * own code); any disagreement fails it. FC_RUNS sets how many policies
 * (default 100,000 in CI, 10,000 otherwise), FC_SEED the seed.
 *
 * Policies are generated in batches and sent down one oracle process, so the
 * count can be large; a disagreement is then searched again with fast-check's
 * shrinking, to print the smallest policy that shows it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciliumNetworkPolicy, networkPolicy } from './arbitraries.js';
import { Oracle, type OracleKind } from './client.js';
import { compare, describe as describeDisagreement, signature, type Disagreement } from './judge.js';
import { SUMMARY_FILE } from './summary.js';
import { MODEL, POLICY_NAMESPACE } from './world.js';

const RUNS = Number(process.env.FC_RUNS ?? (process.env.CI === 'true' ? 100_000 : 10_000));
const SEED = Number(process.env.FC_SEED ?? 20_261_201);
const BATCH = 500;
/** A quarter NetworkPolicies, the rest CiliumNetworkPolicies (whose keys have the grammar). */
const SHARE: Record<OracleKind, number> = { CiliumNetworkPolicy: 0.75, NetworkPolicy: 0.25 };
const ARBITRARY: Record<OracleKind, fc.Arbitrary<unknown>> = { CiliumNetworkPolicy: ciliumNetworkPolicy, NetworkPolicy: networkPolicy };

let oracle: Oracle;
const totals = { policies: 0, skipped: 0, vacuous: 0, disagreements: 0 };

beforeAll(async () => {
  rmSync(SUMMARY_FILE, { force: true });
  oracle = await Oracle.start(MODEL);
});

afterAll(() => {
  oracle?.stop();
  mkdirSync(path.dirname(SUMMARY_FILE), { recursive: true });
  console.log(`not compared: ${totals.skipped} NetworkPolicies the API server's validation refuses, ${totals.vacuous} refused peers that admit nothing at all`);
  writeFileSync(SUMMARY_FILE, `${totals.policies} policies, ${totals.disagreements} disagreements\n`);
});

async function shrink(kind: OracleKind, seed: number): Promise<void> {
  const result = await fc.check(fc.asyncProperty(ARBITRARY[kind], async (object) => {
    const [answer] = await oracle.ask(kind, POLICY_NAMESPACE, [object]);
    return compare(kind, object, answer!).result !== 'disagree';
  }), { seed, numRuns: BATCH });
  if (result.failed && result.counterexample !== null) {
    const [object] = result.counterexample;
    const [answer] = await oracle.ask(kind, POLICY_NAMESPACE, [object]);
    const d = compare(kind, object, answer!).disagreement;
    if (d !== undefined) console.log(`smallest counterexample (seed ${seed}, after ${result.numShrinks} shrinks):\n${describeDisagreement(d)}`);
  }
}

describe.each(Object.keys(SHARE) as OracleKind[])('%s: the engine agrees with the dataplane\'s own code', (kind) => {
  it(`on ${Math.round(RUNS * SHARE[kind])} generated policies`, async () => {
    const runs = Math.round(RUNS * SHARE[kind]);
    const seen = new Map<string, { d: Disagreement; count: number; seed: number }>();
    let disagreements = 0;
    for (let done = 0, batch = 0; done < runs; done += BATCH, batch++) {
      const seed = SEED + batch + (kind === 'NetworkPolicy' ? 1_000_000 : 0);
      const objects = fc.sample(ARBITRARY[kind], { seed, numRuns: Math.min(BATCH, runs - done) });
      const answers = await oracle.ask(kind, POLICY_NAMESPACE, objects);
      objects.forEach((object, i) => {
        totals.policies++;
        const outcome = compare(kind, object, answers[i]!);
        totals.vacuous += outcome.vacuous;
        const d = outcome.disagreement;
        if (outcome.result === 'skipped') totals.skipped++;
        else if (d !== undefined) {
          disagreements++;
          totals.disagreements++;
          const sig = signature(d);
          const entry = seen.get(sig);
          if (entry === undefined) seen.set(sig, { d, count: 1, seed });
          else entry.count++;
        }
      });
    }
    if (seen.size > 0) {
      console.log(`${kind}: ${disagreements} disagreements of ${seen.size} kinds (seed ${SEED}):`);
      for (const [sig, { d, count }] of [...seen.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 25)) {
        console.log(`\n[${count}×] ${sig}\n${describeDisagreement(d)}`);
      }
      await shrink(kind, [...seen.values()][0]!.seed);
    }
    expect(disagreements, `${disagreements} disagreements between the engine and the oracle (listed above)`).toBe(0);
  });
});
