/**
 * Selector requirements on namespaces, read from a NetworkPolicy
 * namespaceSelector or from the namespace keys of a Cilium endpoint selector,
 * and the set of namespaces they admit together (they are ANDed).
 */
import { valueText } from '../text.js';
import { choiceOf, EVERY, intersect, isEmpty, type Choice, type RequirementOp } from './choice.js';
import { cellSet, NOTHING, type NamespaceSet } from './namespace-set.js';

export type { RequirementOp };

export interface NamespaceRequirement {
  /** `tenant`: the owner label; `name`: the namespace's name; `other`: any other namespace label. */
  subject: 'tenant' | 'name' | 'other';
  /** The key as the author wrote it, for messages. */
  key: string;
  /** For `other`: the namespace label it reads (one label may be written several ways in Cilium); the key when unset. */
  label?: string;
  op: RequirementOp;
  values: string[];
}

export function toOp(op: unknown): RequirementOp {
  return op === 'In' || op === 'NotIn' || op === 'Exists' || op === 'DoesNotExist' ? op : 'Invalid';
}

export function stringValues(values: unknown): string[] {
  return Array.isArray(values) ? values.map((v) => (typeof v === 'string' ? v : valueText(v))) : [];
}

/**
 * The namespaces that satisfy every requirement. Labels other than the owner
 * label and the name are the tenant's to set, so they narrow nothing, unless
 * no labelling satisfies them (`team In [a]` with `team DoesNotExist`).
 * `extra` are further attributes to satisfy (a Cilium selector's pod labels).
 */
export function requirementsSet(reqs: readonly NamespaceRequirement[], extra: ReadonlyMap<string, Choice> = new Map()): NamespaceSet {
  let name = EVERY;
  let owner = EVERY;
  const others = new Map<string, Choice>(extra);
  for (const r of reqs) {
    const c = choiceOf(r.op, r.values);
    if (r.subject === 'tenant') owner = intersect(owner, c);
    else if (r.subject === 'name') name = intersect(name, c);
    else {
      const label = r.label ?? r.key;
      others.set(label, intersect(others.get(label) ?? EVERY, c));
    }
  }
  if ([...others.values()].some(isEmpty)) return NOTHING;
  return cellSet(name, owner);
}
