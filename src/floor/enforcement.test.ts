/**
 * The floor under rollout modes: its encoding keeps exactly the codes the
 * webhook refuses everywhere, and with nothing relaxed the floor is the one
 * generated without enforcement.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../test/unit/fixtures.js';
import { VIOLATION_CODES, type ViolationCode } from '../policy/codes.js';
import { ENFORCEMENT_MODES } from '../policy/settings.js';
import { celText } from './cel.js';
import { enforced, enforcedEverywhere, floorEnforcement, floorKeeps } from './enforcement.js';
import { generateFloor } from './generate.js';

type Obj = Record<string, unknown>;
const validations = (objects: Obj[]) => objects
  .filter((o) => o.kind === 'ValidatingAdmissionPolicy')
  .flatMap((o) => ((o.spec as Obj).validations as { expression: string }[]).map((v) => v.expression));

describe('floorEnforcement', () => {
  const mode = fc.constantFrom(...ENFORCEMENT_MODES);
  const code = fc.constantFrom(...VIOLATION_CODES);
  const arbitrary = fc.record({
    default: mode,
    codes: fc.dictionary(code, mode, { maxKeys: 5 }),
    tenants: fc.dictionary(fc.constantFrom('acme', 'globex', 'initech'), mode, { maxKeys: 3 }),
  });

  it('keeps a set of codes exactly when the webhook refuses every one of them for every request', () => {
    fc.assert(fc.property(arbitrary, fc.array(code, { minLength: 1, maxLength: 4 }), (e, codes: ViolationCode[]) => {
      expect(floorKeeps(floorEnforcement(e), codes)).toBe(enforcedEverywhere(codes, e));
    }), { numRuns: 2000 });
  });

  it('is empty when nothing is relaxed, so the floor is unchanged', () => {
    const plain = generateFloor(makeConfig(), { namespace: 'tg' });
    const pinned = generateFloor(makeConfig({ enforcement: { default: 'deny', codes: { OpenRule: 'deny' }, tenants: { acme: 'deny' } } }), { namespace: 'tg' });
    expect(floorEnforcement(makeConfig().enforcement)).toBe('');
    expect(pinned).toEqual(plain);
  });

  it('relaxed codes: each validation is guarded by the codes it stands for', () => {
    const config = makeConfig({ enforcement: { codes: { OpenRule: 'warn' } } });
    const plain = validations(generateFloor(makeConfig(), { namespace: 'tg' }));
    const relaxed = validations(generateFloor(config, { namespace: 'tg' }));
    expect(relaxed).toHaveLength(plain.length);
    relaxed.forEach((expr, i) => {
      expect(expr.startsWith("!('drop:,OpenRule,'.startsWith('keep:') ?")).toBe(true);
      expect(expr.endsWith(`|| (${plain[i]!})`)).toBe(true);
    });
    // The two open-rule validations (NetworkPolicy, CiliumNetworkPolicy) are the ones whose guard names OpenRule.
    expect(relaxed.filter((e) => e.includes("contains(',OpenRule,')"))).toHaveLength(2);
  });

  it('enforced(): the CEL guard says what floorKeeps says', () => {
    const v = { expression: 'x' };
    expect(enforced('', celText, ['OpenRule'], v)).toEqual(v);
    expect(enforced('keep:,ManagedPolicy,', celText, ['ManagedPolicy', 'OpenRule'], v).expression)
      .toBe("!('keep:,ManagedPolicy,'.startsWith('keep:') ? ('keep:,ManagedPolicy,'.contains(',ManagedPolicy,') && 'keep:,ManagedPolicy,'.contains(',OpenRule,')) : !('keep:,ManagedPolicy,'.contains(',ManagedPolicy,') || 'keep:,ManagedPolicy,'.contains(',OpenRule,'))) || (x)");
  });
});
