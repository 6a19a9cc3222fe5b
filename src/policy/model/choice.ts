/**
 * The values one attribute of a namespace may take under a selector: a
 * finite set ("only these"), or everything but a finite set. Label selector
 * requirements on one key are ANDed, so they intersect; ABSENT stands for
 * "the label is not set", which NotIn and DoesNotExist match and In and
 * Exists do not.
 */

/** Not a valid label value (labels cannot hold parentheses), so it never collides with one. */
export const ABSENT = '(absent)';

export type Choice =
  | { readonly only: ReadonlySet<string> }
  | { readonly except: ReadonlySet<string> };

export const EVERY: Choice = { except: new Set() };

export type RequirementOp = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Invalid';

/**
 * One requirement as a choice. An operator that is not one of the four
 * constrains nothing here: the API server refuses it for a NetworkPolicy,
 * recent Cilium refuses the policy, and reading it as "anything" keeps the
 * verdict on the safe side.
 */
export function choiceOf(op: RequirementOp, values: readonly string[]): Choice {
  switch (op) {
    case 'In': return { only: new Set(values) };
    case 'NotIn': return { except: new Set(values) };
    case 'Exists': return { except: new Set([ABSENT]) };
    case 'DoesNotExist': return { only: new Set([ABSENT]) };
    case 'Invalid': return EVERY;
  }
}

export function intersect(a: Choice, b: Choice): Choice {
  if ('only' in a && 'only' in b) return { only: new Set([...a.only].filter((v) => b.only.has(v))) };
  if ('only' in a && 'except' in b) return { only: new Set([...a.only].filter((v) => !b.except.has(v))) };
  if ('except' in a && 'only' in b) return intersect(b, a);
  const ea = (a as { except: ReadonlySet<string> }).except;
  const eb = (b as { except: ReadonlySet<string> }).except;
  return { except: new Set([...ea, ...eb]) };
}

export function isEmpty(c: Choice): boolean {
  return 'only' in c && c.only.size === 0;
}

export function admits(c: Choice, value: string): boolean {
  return 'only' in c ? c.only.has(value) : !c.except.has(value);
}

/** The values of a finite choice without ABSENT, or undefined for a co-finite one. */
export function finiteValues(c: Choice): string[] | undefined {
  return 'only' in c ? [...c.only].filter((v) => v !== ABSENT) : undefined;
}
