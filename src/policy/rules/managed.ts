/**
 * Objects labelled `app.kubernetes.io/managed-by: tenant-guard` are the
 * platform's baseline: a tenant can neither create one (a look-alike would be
 * adopted and trusted), nor change or delete one. Kubernetes' namespace and
 * garbage collectors may delete them, and so may anyone while the namespace is
 * being deleted, or namespace deletion would never finish.
 */
import { isRecord, type Report } from '../report.js';
import { removeAt } from '../suggest.js';
import type { Operation } from '../types.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../vocabulary.js';

// Re-exported for the callers that import them from here.
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE };

export function isManaged(obj: unknown): boolean {
  if (!isRecord(obj) || !isRecord(obj.metadata)) return false;
  const labels = obj.metadata.labels;
  return isRecord(labels) && labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

const path = ['metadata', 'labels', MANAGED_BY_LABEL];

export function validateManaged(operation: Operation, object: unknown, oldObject: unknown, kind: string, report: Report): void {
  const removeLabel = removeAt(path);
  if (operation === 'CREATE' && isManaged(object)) {
    report.violation('ManagedPolicy', path, `"${MANAGED_BY_VALUE}" marks the platform's own policies; tenants cannot create them`, `remove the label ${MANAGED_BY_LABEL} or set another value`, removeLabel);
  } else if (operation === 'UPDATE' && isManaged(oldObject)) {
    report.violation('ManagedPolicy', ['metadata', 'name'], `this ${kind} is managed by tenant-guard (the platform's baseline); tenants cannot change it`, `create a ${kind} of your own beside it; policies add up`);
  } else if (operation === 'UPDATE' && isManaged(object)) {
    report.violation('ManagedPolicy', path, `"${MANAGED_BY_VALUE}" marks the platform's own policies; tenants cannot set it`, `remove the label ${MANAGED_BY_LABEL}`, removeLabel);
  } else if (operation === 'DELETE' && isManaged(oldObject)) {
    report.violation('ManagedPolicy', ['metadata', 'name'], `this ${kind} is managed by tenant-guard (the platform's baseline); tenants cannot delete it`, 'ask the platform team; it is recreated if removed');
  }
}
