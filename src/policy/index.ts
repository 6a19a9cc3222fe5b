/** The public surface of the pure policy engine. */
export { review } from './review.js';
export { renderDenial, renderRelaxed, renderSuggestion, renderViolation, subjectText, type Subject } from './render.js';
export { classify, splitApiVersion, type JudgedKind } from './kinds.js';
export { storedObjectIdentity, storedObjectInput, type StoredObjectContext } from './object.js';
export { referencedNamespaces } from './references.js';
export { isManaged } from './rules/managed.js';
export { CILIUM_NAMESPACE_LABELS, CILIUM_POD_NAMESPACE, ciliumNamespaceLabelKey, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAME_LABEL } from './vocabulary.js';
export { parseSelectorKey, type SelectorKey } from './model/selector-key.js';
export { steeringNamespaces } from './rules/steering.js';
export { isAdmin, membershipOf, ownerFromLabels, serviceAccountNamespace, tenantsOf } from './tenancy.js';
export { applyEnforcement, deniedEverywhere, enforcementMode, relaxesAnything } from './enforcement.js';
export { VIOLATION_CODES } from './codes.js';
export type { EnforcementMode } from './settings.js';
export type { RelaxedViolation } from './types.js';
export * from './share.js';
export type { CidrGroupLookup, CidrGroupView, JsonPatchOp, NamespaceLookup, NamespaceView, Operation, Requester, ReviewInput, SharesView, Verdict, Violation, ViolationCode } from './types.js';
export { lintObject, lintPolicy, renderLint, WELL_KNOWN_DNS_SERVERS, type KnownPod, type Lint, type LintCode, type LintInput, type LintOptions } from './lint/index.js';
export { fieldPathText, type FieldPath } from './path.js';
