/**
 * The outage-safe floor: ValidatingAdmissionPolicies (CEL, evaluated inside
 * the API server) that enforce the guarantees that must hold even while the
 * webhook is down. Generated from the same Config as the webhook.
 *
 * The floor must never be stricter than the webhook, or it would refuse what
 * the webhook allows. Each check is therefore a case the webhook surely
 * refuses; where the webhook's verdict depends on something CEL cannot see
 * (another requirement in the same selector that confines it, namespace
 * ownership of named namespaces), the floor stays silent. Cases where the
 * two would differ and that the end-to-end tests pin down:
 *  - an UPDATE of a policy that is being deleted (only finalizers change) is
 *    not judged again by the webhook, so the floor skips it too;
 *  - a namespace whose tenant label is empty has no owner for the webhook:
 *    the label may be removed;
 *  - a Cilium endpoint selector with several tenant-label keys is confined
 *    when any one of them is the tenant's or the platform's (they are ANDed);
 *  - membership names may contain commas (LDAP DNs): the parameter encodes
 *    them (see membershipParams) instead of splitting on commas;
 *  - a missing parameter ConfigMap must not refuse anything (admins
 *    included): the rules that need it have a policy of their own whose
 *    binding allows when it is missing;
 *  - a managed policy may be deleted while its namespace terminates: the
 *    API server gives matchConditions no namespaceObject, so that check is
 *    part of the validation.
 *
 * Pure: config in, objects out. floorObjects is written against FloorInputs
 * and a CelText, so that the chart's templates are this same code run with
 * the chart's values as inputs (chart.ts); every value from the
 * configuration therefore goes through the CelText, never through string
 * methods of its own.
 */
import { CILIUM_NAMESPACE_LABELS, CILIUM_POD_NAMESPACE, CILIUM_SOURCE_ANY, CILIUM_SOURCE_K8S, MANAGED_BY_LABEL, MANAGED_BY_VALUE, NAME_LABEL, PART_OF_LABEL } from '../policy/vocabulary.js';
import { SYSTEM_DELETERS } from '../policy/tenancy.js';
import { allOf, celText, nonEmpty, type CelText } from './cel.js';
import type { ViolationCode } from '../policy/codes.js';
import { enforced } from './enforcement.js';
import { floorInputs, type FloorInputs, type FloorOptions, type FloorSettings } from './inputs.js';

export { encodeMember, externalIPRanges, floorInputs, floorSettingsOf, membershipParams, type FloorInputs, type FloorOptions, type FloorSettings } from './inputs.js';

type Obj = Record<string, unknown>;

/**
 * Only Services that set external IPs are judged, by the floor and by the
 * webhook (its matchConditions in the chart): an outage of either never
 * blocks an ordinary Service.
 */
export const EXTERNAL_IPS_SET = 'has(object.spec.externalIPs) && size(object.spec.externalIPs) > 0';

function notAdmin(s: FloorInputs, cel: CelText): { name: string; expression: string } {
  return {
    name: 'not-an-admin',
    expression: `!(request.userInfo.username in ${cel.list(s.exemptUsers)} || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${cel.list(s.exemptGroups)})))`,
  };
}

function policy(name: string, spec: Obj): Obj {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels: { [PART_OF_LABEL]: MANAGED_BY_VALUE } }, spec: { failurePolicy: 'Fail', ...spec } };
}

function binding(name: string, policyName: string, excluded: readonly string[], paramRef?: Obj): Obj {
  const spec: Obj = { policyName, validationActions: ['Deny'] };
  if (paramRef !== undefined) spec.paramRef = paramRef;
  if (excluded.length > 0) {
    spec.matchResources = { namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'NotIn', values: [...excluded] }] } };
  }
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels: { [PART_OF_LABEL]: MANAGED_BY_VALUE } }, spec };
}

function rule(groups: string[], resources: string[], operations: string[]): Obj {
  return { apiGroups: groups, apiVersions: ['*'], resources, operations };
}

/** The same encoding in CEL, for a string expression. */
function celEncode(expr: string): string {
  return `${expr}.replace('%', '%25').replace(',', '%2C')`;
}

/** The floor of one installation: only its floor settings (floorSettingsOf), never the whole configuration. */
export function generateFloor(config: FloorSettings, opts: FloorOptions): Obj[] {
  return floorObjects(floorInputs(config, opts), celText, opts.prefix);
}

export function floorObjects(s: FloorInputs, cel: CelText, prefix = 'tenant-guard-floor'): Obj[] {
  const { str, list } = cel;
  const excluded = s.excludedNamespaces;
  const exempt = notAdmin(s, cel);
  const key = s.tenantLabel;
  const platform = s.platformValue;
  const paramName = `${prefix}-tenants`;
  // Each validation names the codes it stands for: the webhook's own, and on CREATE the codes it reports
  // first and stops at (NamespaceNoTenant, NamespaceName), which then hide it. It holds only while the
  // webhook refuses them all, everywhere.
  const guard = (codes: readonly ViolationCode[], v: { expression: string; [key: string]: unknown }) => enforced(s.enforcement, cel, codes, v);

  // ---- Namespaces -------------------------------------------------------
  const label = `object.metadata.labels[${str(key)}]`;
  const oldLabel = `oldObject.metadata.labels[${str(key)}]`;
  const hasLabel = `(has(object.metadata.labels) && ${str(key)} in object.metadata.labels)`;
  const oldHasLabel = `(has(oldObject.metadata.labels) && ${str(key)} in oldObject.metadata.labels)`;
  // Whether the requester belongs to the tenant named by `value` (a CEL string), as the webhook decides it:
  // explicitly (config tenants, from the parameter) or by the group tenantGroupPrefix + value.
  const member = (value: string) => {
    const entry = `params.data[${value}]`;
    const explicit = `(has(params.data) && ${value} in params.data && ((has(request.userInfo.groups) && request.userInfo.groups.exists(g, ${entry}.contains(',g:' + ${celEncode('g')} + ','))) || ${entry}.contains(',u:' + ${celEncode('request.userInfo.username')} + ',')))`;
    const byPrefix = cel.ifNonEmpty(s.tenantGroupPrefix,
      `(has(request.userInfo.groups) && (${str(s.tenantGroupPrefix)} + ${value}) in request.userInfo.groups)`, 'false');
    // A service account's tenant is the owner of its namespace, which CEL cannot look up for a Namespace
    // request: under serviceAccounts own-namespace the floor leaves service accounts to the webhook.
    const bySa = cel.ifNonEmpty(s.serviceAccountMembers, "request.userInfo.username.startsWith('system:serviceaccount:')", 'false');
    return `(${explicit} || ${byPrefix} || ${bySa})`;
  };
  // The owner of the namespace before the request, as the webhook reads it: platform by configured name or by
  // the platform value, else the tenant of a non-empty label, else nobody ('').
  const oldOwner = `(oldObject.metadata.name in ${list(s.platformNamespaces)} ? ${str(platform)} : (${oldHasLabel} ? ${oldLabel} : ''))`;
  const oldOwnerVariable = { name: 'oldOwner', expression: `request.operation == 'CREATE' ? '' : ${oldOwner}` };
  const nsRules = [rule([''], ['namespaces'], ['CREATE', 'UPDATE', 'DELETE'])];
  const notYours = `'tenant-guard floor refused Namespace ' + request.name + ': metadata.name: Forbidden: the namespace belongs to ' + (variables.oldOwner == ${str(platform)} ? 'the platform' : 'tenant ' + variables.oldOwner) + '; you cannot ' + (request.operation == 'DELETE' ? 'delete' : 'change') + ' it (fix: ask its owner or the platform team)'`;
  // Rules that need no parameter.
  const nsPolicy = policy(`${prefix}-namespaces`, {
    matchConstraints: { resourceRules: nsRules },
    matchConditions: [exempt],
    variables: [oldOwnerVariable],
    validations: [
      guard(['NamespaceLabelMissing', 'NamespaceNoTenant', 'NamespaceTenantChoice', 'NamespaceName'], {
        expression: `request.operation != 'CREATE' || ${hasLabel}`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: the owner label is missing; tenant-guard\\'s webhook sets it and is unavailable (fix: retry when tenant-guard is back, or ask the platform team)'`,
        reason: 'Forbidden',
      }),
      guard(['NamespaceNoTenant', 'NamespaceName', 'NamespacePlatformValue'], {
        expression: `request.operation != 'CREATE' || !${hasLabel} || ${label} != ${str(platform)}`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: "${platform}" is the platform\\'s value; tenants cannot claim it (fix: set it to your tenant)'`,
        reason: 'Forbidden',
      }),
      guard(['NamespaceLabelChanged', 'NamespacePlatformValue', 'NamespaceNotOwned'], {
        // An empty value is no owner for the webhook; it may go.
        expression: `request.operation != 'UPDATE' || !${oldHasLabel} || ${oldLabel} == '' || (${hasLabel} && ${label} == ${oldLabel})`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: the owner label cannot be removed or changed (fix: keep ${key}: "' + ${oldLabel} + '")'`,
        reason: 'Forbidden',
      }),
      guard(['NamespaceNotOwned'], {
        // The platform's namespaces are the platform's.
        expression: `request.operation == 'CREATE' || variables.oldOwner != ${str(platform)}`,
        messageExpression: notYours,
        reason: 'Forbidden',
      }),
    ],
  });
  // Rules that need tenant membership, with the explicit tenants as the parameter. The API server
  // refuses every matched request, admins' included, when a Deny binding finds no parameter (it looks
  // it up before matchConditions): so a missing parameter allows, and only these rules go silent.
  const nsMembersPolicy = policy(`${prefix}-namespace-tenants`, {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    matchConstraints: { resourceRules: nsRules },
    matchConditions: [exempt],
    variables: [oldOwnerVariable],
    validations: [
      guard(['NamespaceNoTenant', 'NamespaceName', 'NamespaceForeignTenant'], {
        expression: `request.operation != 'CREATE' || !${hasLabel} || ${label} == ${str(platform)} || ${member(label)}`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: "' + ${label} + '" is not a tenant you belong to (fix: set it to one of your tenants)'`,
        reason: 'Forbidden',
      }),
      guard(['NamespaceNotOwned'], {
        // Only the owning tenant changes or deletes a namespace.
        expression: `request.operation == 'CREATE' || variables.oldOwner == '' || variables.oldOwner == ${str(platform)} || ${member('variables.oldOwner')}`,
        messageExpression: notYours,
        reason: 'Forbidden',
      }),
    ],
  });

  // ---- NetworkPolicy ----------------------------------------------------
  // Like the webhook, an UPDATE of a policy on its way out (finalizers) is not judged again.
  const notBeingDeleted = { name: 'not-being-deleted', expression: "!(request.operation == 'UPDATE' && has(object.metadata.deletionTimestamp))" };
  const nsTenant = `(namespaceObject.metadata.name in ${list(s.platformNamespaces)} ? ${str(platform)} : (has(namespaceObject.metadata.labels) && ${str(key)} in namespaceObject.metadata.labels ? namespaceObject.metadata.labels[${str(key)}] : ''))`;
  const emptySel = (s: string) => `((!has(${s}.matchLabels) || size(${s}.matchLabels) == 0) && (!has(${s}.matchExpressions) || size(${s}.matchExpressions) == 0))`;
  // Foreign tenant value in matchLabels, and nothing else in the selector that could confine it.
  const foreignSel = (s: string) => `(has(${s}.matchLabels) && ${str(key)} in ${s}.matchLabels && !(${s}.matchLabels[${str(key)}] in [variables.nsTenant, ${str(platform)}]) && !(${str(NAME_LABEL)} in ${s}.matchLabels) && (!has(${s}.matchExpressions) || size(${s}.matchExpressions) == 0))`;
  const npPeers = (pred: (p: string) => string) => ['ingress:from', 'egress:to']
    .map((d) => {
      const [dir, peers] = d.split(':') as [string, string];
      return allOf('object.spec', dir, 'r', allOf('r', peers, 'p', pred('p')));
    }).join(' && ');
  const npPolicy = policy(`${prefix}-networkpolicies`, {
    matchConstraints: { resourceRules: [rule(['networking.k8s.io'], ['networkpolicies'], ['CREATE', 'UPDATE'])] },
    matchConditions: [exempt, notBeingDeleted],
    variables: [{ name: 'nsTenant', expression: nsTenant }],
    validations: [
      guard(['SelectorAllNamespaces'], {
        expression: npPeers((p) => `!has(${p}.namespaceSelector) || !${emptySel(`${p}.namespaceSelector`)}`),
        messageExpression: `'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': spec.ingress[].from[].namespaceSelector / spec.egress[].to[].namespaceSelector: Forbidden: an empty namespaceSelector selects every namespace in the cluster, including other tenants\\' (fix: matchLabels {${key}: ' + variables.nsTenant + '} or {${key}: ${platform}})'`,
        reason: 'Forbidden',
      }),
      guard(['SelectorOtherTenant'], {
        expression: npPeers((p) => `!has(${p}.namespaceSelector) || !${foreignSel(`${p}.namespaceSelector`)}`),
        messageExpression: `'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': namespaceSelector.matchLabels[${key}]: Forbidden: selects namespaces of another tenant (fix: use ' + variables.nsTenant + ' or ${platform})'`,
        reason: 'Forbidden',
      }),
      guard(['OpenRule'], {
        expression: allOf('object.spec', 'ingress', 'r', nonEmpty('r', 'from')),
        messageExpression: `'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': spec.ingress[]: Forbidden: a rule without from accepts traffic from every source, every tenant included (fix: list the peers in from)'`,
        reason: 'Forbidden',
      }),
    ],
  });

  // ---- CiliumNetworkPolicy ----------------------------------------------
  // Every spelling of the namespace keys Cilium reads alike: with the k8s or any source, or with none.
  const sources = [`${CILIUM_SOURCE_K8S}:`, `${CILIUM_SOURCE_ANY}:`, ''];
  const nsLabelKeys = sources.map((p) => `${p}${CILIUM_NAMESPACE_LABELS}${key}`);
  const nameKeys = sources.flatMap((p) => [`${p}${CILIUM_POD_NAMESPACE}`, `${p}${CILIUM_NAMESPACE_LABELS}${NAME_LABEL}`]);
  // A tenant-label key is present and every one present names a foreign tenant (they are ANDed: one
  // allowed value confines the selector), no name key confines it, and no expression could.
  const foreignEndpoint = (s: string) => `(has(${s}.matchLabels) && ${list(nsLabelKeys)}.exists(k, k in ${s}.matchLabels) && ${list(nsLabelKeys)}.all(k, !(k in ${s}.matchLabels) || !(${s}.matchLabels[k] in [variables.nsTenant, ${str(platform)}])) && !${list(nameKeys)}.exists(k, k in ${s}.matchLabels) && (!has(${s}.matchExpressions) || size(${s}.matchExpressions) == 0))`;
  const denied = list(s.deniedEntities);
  const ingressPeers = ['fromEndpoints', 'fromEntities', 'fromCIDR', 'fromCIDRSet', 'fromGroups', 'fromNodes'];
  const forRules = (pred: (rule: string) => string) => `(!has(object.spec) || ${pred('object.spec')}) && (!has(object.specs) || object.specs.all(s, ${pred('s')}))`;
  const cnpPolicy = policy(`${prefix}-ciliumnetworkpolicies`, {
    matchConstraints: { resourceRules: [rule(['cilium.io'], ['ciliumnetworkpolicies'], ['CREATE', 'UPDATE'])] },
    matchConditions: [exempt, notBeingDeleted],
    variables: [{ name: 'nsTenant', expression: nsTenant }],
    validations: [
      guard(['EntityDenied'], {
        expression: forRules((s) => `${allOf(s, 'ingress', 'r', allOf('r', 'fromEntities', 'e', `!(e in ${denied})`))} && ${allOf(s, 'egress', 'r', allOf('r', 'toEntities', 'e', `!(e in ${denied})`))}`),
        messageExpression: `'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': fromEntities/toEntities: Forbidden: the entities ${cel.inner(cel.joined(s.deniedEntities))} include the pods of every tenant (fix: select endpoints of your tenant instead)'`,
        reason: 'Forbidden',
      }),
      guard(['SelectorOtherTenant'], {
        expression: forRules((s) => ['ingress:fromEndpoints', 'ingress:fromRequires', 'egress:toEndpoints', 'egress:toRequires']
          .map((d) => {
            const [dir, field] = d.split(':') as [string, string];
            return allOf(s, dir, 'r', allOf('r', field, 'sel', `!${foreignEndpoint('sel')}`));
          }).join(' && ')),
        messageExpression: `'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': endpoint selector ${CILIUM_NAMESPACE_LABELS}${key}: Forbidden: selects endpoints of another tenant (fix: use ' + variables.nsTenant + ' or ${platform}, or leave namespace labels out)'`,
        reason: 'Forbidden',
      }),
      guard(['OpenRule'], {
        expression: forRules((s) => allOf(s, 'ingress', 'r', `!(${nonEmpty('r', 'toPorts')} || ${nonEmpty('r', 'icmps')}) || ${ingressPeers.map((f) => nonEmpty('r', f)).join(' || ')}`)),
        messageExpression: `'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': ingress[]: Forbidden: a rule with ports but no from* peer accepts every endpoint of every tenant on those ports (fix: add fromEndpoints or fromCIDRSet)'`,
        reason: 'Forbidden',
      }),
    ],
  });

  // ---- Service external IPs (CVE-2020-8554) ----------------------------
  // The ranges of the namespace's owner (externalIPRanges). Addresses the stored Service already had are
  // kept, as the webhook keeps them.
  const ranges = s.externalIPRanges;
  const svcPolicy = policy(`${prefix}-service-external-ips`, {
    matchConstraints: { resourceRules: [rule([''], ['services'], ['CREATE', 'UPDATE'])] },
    matchConditions: [exempt, notBeingDeleted, { name: 'sets-external-ips', expression: EXTERNAL_IPS_SET }],
    variables: [{ name: 'nsTenant', expression: nsTenant }, { name: 'ranges', expression: ranges }],
    validations: [guard(['ExternalIPNotAssigned'], {
      expression: "object.spec.externalIPs.all(a, (oldObject != null && has(oldObject.spec.externalIPs) && a in oldObject.spec.externalIPs) || (isIP(a) && variables.ranges.exists(c, cidr(c).containsIP(a))))",
      messageExpression: `'tenant-guard floor refused Service ' + object.metadata.name + ': spec.externalIPs: Forbidden: a Service with an external IP receives the traffic every pod in the cluster sends to that address (CVE-2020-8554), and ' + (size(variables.ranges) == 0 ? 'no external IP range is assigned to the owner of this namespace' : 'an address is outside the ranges assigned to tenant ' + variables.nsTenant + ' (' + variables.ranges.join(', ') + ')') + ' (fix: remove it, or ask the platform team to assign your tenant a range)'`,
      reason: 'Forbidden',
    })],
  });

  // ---- Cluster-wide policies -------------------------------------------
  const clusterPolicy = policy(`${prefix}-cluster-policies`, {
    matchConstraints: {
      resourceRules: [
        rule(['cilium.io'], ['ciliumclusterwidenetworkpolicies'], ['CREATE', 'UPDATE', 'DELETE']),
        rule(['policy.networking.k8s.io'], ['adminnetworkpolicies', 'baselineadminnetworkpolicies', 'clusternetworkpolicies'], ['CREATE', 'UPDATE', 'DELETE']),
      ],
    },
    matchConditions: [exempt],
    validations: [guard(['ClusterScopedPolicy'], {
      expression: 'false',
      messageExpression: `'tenant-guard floor refused ' + request.kind.kind + ' ' + request.name + ': kind: Forbidden: cluster-wide policies apply across every tenant; only the platform team may manage them (fix: write a namespaced NetworkPolicy or CiliumNetworkPolicy instead)'`,
      reason: 'Forbidden',
    })],
  });

  // ---- Kinds that steer every tenant's traffic --------------------------
  // A CiliumLocalRedirectPolicy redirects what every pod sends to its frontend; a CiliumCIDRGroup changes
  // what every cidrGroupRef naming it reaches. The webhook refuses both to tenants, whatever they hold.
  const steeringPolicy = policy(`${prefix}-traffic-steering`, {
    matchConstraints: {
      resourceRules: [rule(['cilium.io'], ['ciliumlocalredirectpolicies', 'ciliumcidrgroups'], ['CREATE', 'UPDATE', 'DELETE'])],
    },
    matchConditions: [exempt],
    // The webhook's codes: ClusterScopedPolicy for a CiliumCIDRGroup, LocalRedirectPolicy for the other.
    validations: [guard(['ClusterScopedPolicy', 'LocalRedirectPolicy'], {
      expression: 'false',
      messageExpression: `'tenant-guard floor refused ' + request.kind.kind + ' ' + request.name + ': kind: Forbidden: ' + (request.kind.kind == 'CiliumCIDRGroup'
        ? 'a CiliumCIDRGroup changes which addresses every policy that names it in cidrGroupRef reaches, in every tenant; only the platform team may manage one (fix: write the addresses with cidr and except in your own CiliumNetworkPolicy, or ask the platform team for a group)'
        : 'a CiliumLocalRedirectPolicy redirects the traffic that every pod in the cluster sends to its frontend; only the platform team may manage one (fix: point your own workloads at a Service in your namespace, or ask the platform team for a node-local redirect)')`,
      reason: 'Forbidden',
    })],
  });

  // ---- The platform's managed policies --------------------------------
  const managed = (o: string) => `(has(${o}.metadata.labels) && ${str(MANAGED_BY_LABEL)} in ${o}.metadata.labels && ${o}.metadata.labels[${str(MANAGED_BY_LABEL)}] == ${str(MANAGED_BY_VALUE)})`;
  const managedPolicy = policy(`${prefix}-managed-policies`, {
    matchConstraints: {
      resourceRules: [
        rule(['networking.k8s.io'], ['networkpolicies'], ['CREATE', 'UPDATE', 'DELETE']),
        rule(['cilium.io'], ['ciliumnetworkpolicies'], ['CREATE', 'UPDATE', 'DELETE']),
      ],
    },
    matchConditions: [
      exempt,
      { name: 'not-a-system-deleter', expression: `!(request.userInfo.username in ${list(SYSTEM_DELETERS)})` },
    ],
    validations: [guard(['ManagedPolicy'], {
      // Anyone may delete them while their namespace is being deleted (or is gone), or deleting it would hang.
      // (This is a validation, not a matchCondition: matchConditions see namespaceObject as null.)
      expression: `(request.operation == 'DELETE' && (namespaceObject == null || has(namespaceObject.metadata.deletionTimestamp) || (has(namespaceObject.status) && has(namespaceObject.status.phase) && namespaceObject.status.phase == 'Terminating'))) || !((object != null && ${managed('object')}) || (oldObject != null && ${managed('oldObject')}))`,
      messageExpression: `'tenant-guard floor refused ' + request.kind.kind + ' ' + request.name + ': metadata.labels[${MANAGED_BY_LABEL}]: Forbidden: policies managed by tenant-guard are the platform\\'s baseline; tenants cannot create, change or delete them (fix: create a policy of your own beside it)'`,
      reason: 'Forbidden',
    })],
  });

  const paramRef = { name: paramName, namespace: s.namespace, parameterNotFoundAction: 'Allow' };
  const param = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: paramName, namespace: s.namespace, labels: { [PART_OF_LABEL]: MANAGED_BY_VALUE } },
    data: s.params,
  };
  const policies = [nsPolicy, nsMembersPolicy, npPolicy, cnpPolicy, svcPolicy, clusterPolicy, steeringPolicy, managedPolicy];
  const bindings = policies.map((p) => {
    const name = (p.metadata as { name: string }).name;
    return binding(name, name, excluded, p === nsMembersPolicy ? paramRef : undefined);
  });
  return [param, ...policies, ...bindings];
}
