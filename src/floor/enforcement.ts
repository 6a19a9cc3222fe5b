/**
 * The floor follows the rollout modes (config `enforcement`): a validation
 * holds only while every code it stands for is refused for every request
 * (deniedEverywhere in src/policy/enforcement.ts); otherwise it is left out.
 *
 * Left out, not bound with `validationActions: [Warn, Audit]`, because:
 *  - the floor must never be stricter than the webhook, and it cannot tell
 *    which tenants a request concerns as the webhook does (the requester's
 *    tenants, the owner of a namespace the request does not name): a code
 *    relaxed for one tenant is therefore left out for every request;
 *  - while the webhook is up, a Warn binding would print every warning a
 *    second time (the floor's and the webhook's), and would make `dryrun`,
 *    which is silent, loud;
 *  - a binding applies to a whole policy, and the floor's policies each hold
 *    several codes;
 *  - the floor is there for outages, and during one a relaxed code is
 *    admitted anyway, as the webhook would admit it. Pin the codes that must
 *    hold during an outage with `codes: {X: deny}`.
 *
 * The choice is one string the chart computes the same way (chart.ts):
 * `''` when nothing is relaxed (the floor as without enforcement), `keep:,A,B,`
 * when the default or a tenant is relaxed (only the pinned codes hold),
 * `drop:,X,Y,` when only some codes are relaxed.
 */
import { deniedEverywhere } from '../policy/enforcement.js';
import type { ViolationCode } from '../policy/codes.js';
import type { PolicySettings } from '../policy/settings.js';
import type { CelText } from './cel.js';

type Enforcement = PolicySettings['enforcement'];

const sortedCodes = (e: Enforcement, pick: (m: string) => boolean) =>
  Object.entries(e.codes).filter(([, m]) => m !== undefined && pick(m)).map(([c]) => c).sort();

export function floorEnforcement(e: Enforcement): string {
  const baseRelaxed = e.default !== 'deny' || Object.values(e.tenants).some((m) => m !== 'deny');
  if (baseRelaxed) return `keep:,${sortedCodes(e, (m) => m === 'deny').join(',')},`;
  const relaxed = sortedCodes(e, (m) => m !== 'deny');
  return relaxed.length === 0 ? '' : `drop:,${relaxed.join(',')},`;
}

/** What floorEnforcement's string says about a set of codes, in TypeScript (the tests hold it to deniedEverywhere). */
export function floorKeeps(encoded: string, codes: readonly ViolationCode[]): boolean {
  if (encoded === '') return true;
  const has = (c: string) => encoded.includes(`,${c},`);
  return encoded.startsWith('keep:') ? codes.every(has) : !codes.some(has);
}

/** Whether the webhook refuses every one of these codes for every request: the floor keeps them. */
export function enforcedEverywhere(codes: readonly ViolationCode[], e: Enforcement): boolean {
  return codes.every((c) => deniedEverywhere(c, e));
}

interface Validation { expression: string; [key: string]: unknown }

/**
 * The validation, holding only while floorKeeps(encoding, codes): the same
 * test in CEL over the encoding, a constant the API server folds. With
 * nothing relaxed, the expression is left exactly as it was.
 */
export function enforced(encoding: string, cel: CelText, codes: readonly ViolationCode[], v: Validation): Validation {
  const e = cel.str(encoding);
  const has = (c: string) => `${e}.contains(',${c},')`;
  const keeps = `(${e}.startsWith('keep:') ? (${codes.map(has).join(' && ')}) : !(${codes.map(has).join(' || ')}))`;
  return { ...v, expression: cel.ifNonEmpty(encoding, `!${keeps} || (${v.expression})`, v.expression) };
}
