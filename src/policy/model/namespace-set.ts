/**
 * What a peer can match, as a set of namespaces over the namespaces that
 * exist and every namespace that could exist later. A namespace is known by
 * two attributes only: its name (`kubernetes.io/metadata.name`, set by the
 * API server) and its owner label (set by the webhook). Every other label may
 * be set by the namespace's tenant, so it never narrows a set, except that a
 * selector no labelling can satisfy matches nothing.
 *
 * A set is a union of cells; a cell is "namespaces whose name is in N and
 * whose owner label is in O". That expresses what reachability and sharing
 * need: named namespaces (N finite), all namespaces of tenant X, existing and
 * future (O = {X}), the platform (O = {platform}, or N = the configured
 * platform names), any namespace (both unrestricted) and nothing (no cell).
 */
import { ABSENT, EVERY, intersect, isEmpty, type Choice } from './choice.js';

export interface NamespaceCell {
  /** The namespace's name; ABSENT stands for what has no name to judge (a Cilium endpoint without a namespace label). */
  readonly name: Choice;
  /** The value of the owner label; ABSENT for a namespace without one. */
  readonly owner: Choice;
}

export interface NamespaceSet {
  readonly cells: readonly NamespaceCell[];
  /**
   * Reserved Cilium identities the peer admits (`host`, `world`, …); `every`
   * when a negative requirement on a reserved label admits all of them.
   * They belong to no namespace.
   */
  readonly reserved: ReadonlySet<string> | 'every';
  /** Why (part of) the set cannot be read; a set with reasons is judged as reaching anywhere. */
  readonly unknown: readonly string[];
}

const NO_RESERVED: ReadonlySet<string> = new Set();

export const NOTHING: NamespaceSet = { cells: [], reserved: NO_RESERVED, unknown: [] };
export const ANY_NAMESPACE: NamespaceSet = { cells: [{ name: EVERY, owner: EVERY }], reserved: NO_RESERVED, unknown: [] };

/** These namespaces by name, whoever owns them now or later. */
export function namedNamespaces(names: readonly string[]): NamespaceSet {
  return { ...NOTHING, cells: [{ name: { only: new Set(names) }, owner: EVERY }] };
}

/** Every namespace, existing and future, whose owner label has one of these values. */
export function ownedNamespaces(owners: readonly string[]): NamespaceSet {
  return { ...NOTHING, cells: [{ name: EVERY, owner: { only: new Set(owners) } }] };
}

/** The reserved identities alone. */
export function reservedIdentities(names: readonly string[] | 'every'): NamespaceSet {
  return { ...NOTHING, reserved: names === 'every' ? 'every' : new Set(names) };
}

export function unknownSet(reason: string): NamespaceSet {
  return { ...ANY_NAMESPACE, unknown: [reason] };
}

/** One cell, or nothing when one attribute admits no value. */
export function cellSet(name: Choice, owner: Choice): NamespaceSet {
  return isEmpty(name) || isEmpty(owner) ? NOTHING : { ...NOTHING, cells: [{ name, owner }] };
}

export function union(...sets: readonly NamespaceSet[]): NamespaceSet {
  // A set is read-only, so the union of one is that set; most peers name no reserved identity, so no Set is built for them.
  if (sets.length === 1) return sets[0] as NamespaceSet;
  let every = false;
  let names: Set<string> | undefined;
  for (const s of sets) {
    if (s.reserved === 'every') {
      every = true;
      break;
    }
    for (const r of s.reserved) (names ??= new Set()).add(r);
  }
  return { cells: sets.flatMap((s) => s.cells), reserved: every ? 'every' : names ?? NO_RESERVED, unknown: sets.flatMap((s) => s.unknown) };
}

/** The part of a set inside one more constraint on the name (Cilium's pin to the policy's namespace). */
export function withName(set: NamespaceSet, name: Choice): NamespaceSet {
  return { ...set, cells: set.cells.map((c) => ({ ...c, name: intersect(c.name, name) })).filter((c) => !isEmpty(c.name)) };
}

export function isNothing(set: NamespaceSet): boolean {
  return set.cells.length === 0 && set.unknown.length === 0;
}

export { ABSENT };
