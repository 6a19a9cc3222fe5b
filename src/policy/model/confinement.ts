/**
 * The guardrail as one question over the model: is every namespace a set can
 * match, now or later, within the policy's tenant (only the policy's own
 * namespace when allowSameTenantAcrossNamespaces is off) plus the platform?
 */
import type { RuleContext } from '../context.js';
import { ABSENT, admits, finiteValues } from './choice.js';
import { judgeName } from './names.js';
import type { NamespaceCell, NamespaceSet } from './namespace-set.js';

export interface Confinement {
  confined: boolean;
  /** Names the set reaches that another tenant could hold later (see judgeName). */
  warnings: string[];
}

/** The owner-label value a namespace carries now; undefined when it does not exist or cannot be read. */
function ownerLabelNow(name: string, ctx: RuleContext): string | undefined {
  const found = ctx.view.lookup(name);
  if (found.state !== 'found') return undefined;
  return found.labels[ctx.config.tenantLabel] ?? ABSENT;
}

function cellConfined(cell: NamespaceCell, ctx: RuleContext, warnings: string[]): boolean {
  // The owner label is trustworthy (the webhook owns it): owners alone can confine, whatever the names.
  if ('only' in cell.owner && [...cell.owner.only].every((v) => ctx.allowedValues.has(v))) return true;
  // A name that may be absent stands for what cannot be named: a namespace without its name label, or
  // (Cilium) an endpoint without a namespace label, such as a pod still initialising, of any tenant.
  const names = finiteValues(cell.name);
  if (names === undefined || admits(cell.name, ABSENT)) return false;
  for (const name of names) {
    // A namespace that exists with an owner the cell does not admit is not matched now;
    // that it could change hands later is judgeName's warning, not a refusal.
    const now = ownerLabelNow(name, ctx);
    if (now !== undefined && !admits(cell.owner, now)) continue;
    const v = judgeName(name, ctx);
    if (!v.ok) return false;
    if (v.warn !== undefined) warnings.push(v.warn);
  }
  return true;
}

export function confinement(set: NamespaceSet, ctx: RuleContext): Confinement {
  const warnings: string[] = [];
  if (set.unknown.length > 0) return { confined: false, warnings };
  const confined = set.cells.every((c) => cellConfined(c, ctx, warnings));
  return { confined, warnings: confined ? warnings : [] };
}
