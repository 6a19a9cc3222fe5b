/**
 * The violation codes: stable, documented in the README, safe to match on.
 * A runtime list (not only a type) because the configuration names them:
 * `enforcement.codes` accepts exactly these keys.
 */
export const VIOLATION_CODES = [
  'NamespaceNoTenant',
  'NamespaceTenantChoice',
  'NamespaceForeignTenant',
  'NamespacePlatformValue',
  'NamespaceLabelChanged',
  'NamespaceLabelClaimed',
  'NamespaceNotOwned',
  'NamespaceLabelMissing',
  'NamespaceName',
  'SelectorAllNamespaces',
  'SelectorOtherTenant',
  'SelectorUnconfined',
  'SelectorUnknownNamespace',
  'SelectorKeyNonCanonical',
  'CIDRProtected',
  'CIDRInvalid',
  'EntityDenied',
  'ServiceOtherTenant',
  'ServiceUnconfined',
  'ExternalIPNotAssigned',
  'LocalRedirectPolicy',
  'CIDRGroupUnknown',
  'CIDRGroupSelector',
  'OpenRule',
  'ClusterScopedPolicy',
  'ManagedPolicy',
  'OwnershipUnknown',
  'ShareNotOwner',
  'ShareDisabled',
  'ShareTenant',
  'SharePorts',
  'SharePairNotAllowed',
  'ShareLimit',
  'ShareSelf',
  'MalformedObject',
] as const;

export type ViolationCode = (typeof VIOLATION_CODES)[number];
