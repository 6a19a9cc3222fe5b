/**
 * A NetworkPolicy namespaceSelector: a Kubernetes label selector over the
 * labels of namespaces, read with apimachinery's semantics (matchLabels and
 * matchExpressions ANDed).
 */
import { isRecord } from '../report.js';
import { valueText } from '../text.js';
import { NAME_LABEL } from '../vocabulary.js';
import { stringValues, toOp, type NamespaceRequirement } from './requirement.js';

function subjectOf(key: string, tenantLabel: string): NamespaceRequirement['subject'] {
  return key === tenantLabel ? 'tenant' : key === NAME_LABEL ? 'name' : 'other';
}

/** The selector's requirements, each classified by what it constrains; a malformed expression constrains nothing. */
export function namespaceSelectorRequirements(selector: Record<string, unknown>, tenantLabel: string): NamespaceRequirement[] {
  const reqs: NamespaceRequirement[] = [];
  const ml = selector.matchLabels;
  if (isRecord(ml)) {
    for (const [key, value] of Object.entries(ml)) {
      reqs.push({ subject: subjectOf(key, tenantLabel), key, op: 'In', values: [typeof value === 'string' ? value : valueText(value)] });
    }
  }
  const me = selector.matchExpressions;
  if (Array.isArray(me)) {
    for (const e of me as unknown[]) {
      if (!isRecord(e) || typeof e.key !== 'string') {
        reqs.push({ subject: 'other', key: '(malformed expression)', op: 'Invalid', values: [] });
        continue;
      }
      reqs.push({ subject: subjectOf(e.key, tenantLabel), key: e.key, op: toOp(e.operator), values: stringValues(e.values) });
    }
  }
  return reqs;
}

export { subjectOf as namespaceKeySubject };
