/**
 * Equality-based label selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`, joined
 * by commas), as kubectl -l accepts them, for controller.namespaceSelector.
 * Pure. Set-based forms (`in`, `notin`) are refused with a message rather
 * than half-understood.
 */

export type Requirement =
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'exists' | 'absent'; key: string };

export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export function parseSelector(text: string): { ok: true; requirements: Requirement[] } | { ok: false; error: string } {
  const requirements: Requirement[] = [];
  if (text.trim() === '') return { ok: true, requirements };
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (/\s(in|notin)\s*\(/.test(part) || part.includes('(')) return { ok: false, error: `"${part}": only equality-based requirements (a=b, a!=b, a, !a) are supported` };
    let m: RegExpExecArray | null;
    let req: Requirement;
    if ((m = /^([^=!]+)!=(.*)$/.exec(part)) !== null) req = { op: 'ne', key: m[1]!.trim(), value: m[2]!.trim() };
    else if ((m = /^([^=!]+)==?(.*)$/.exec(part)) !== null) req = { op: 'eq', key: m[1]!.trim(), value: m[2]!.trim() };
    else if ((m = /^!(.+)$/.exec(part)) !== null) req = { op: 'absent', key: m[1]!.trim() };
    else req = { op: 'exists', key: part };
    if (!KEY.test(req.key)) return { ok: false, error: `"${part}": "${req.key}" is not a label key` };
    if ((req.op === 'eq' || req.op === 'ne') && !VALUE.test(req.value)) return { ok: false, error: `"${part}": "${req.value}" is not a label value` };
    requirements.push(req);
  }
  return { ok: true, requirements };
}

export function matcher(requirements: readonly Requirement[]): LabelMatcher {
  return (labels) => requirements.every((r) => {
    const v = labels?.[r.key];
    switch (r.op) {
      case 'eq': return v === r.value;
      case 'ne': return v !== r.value;
      case 'exists': return v !== undefined;
      case 'absent': return v === undefined;
    }
  });
}
