/**
 * The outage-safe floor: ValidatingAdmissionPolicies (CEL, evaluated inside
 * the API server) that enforce the guarantees that must hold even while the
 * webhook is down. Generated from the same Config as the webhook.
 *
 * The floor must never be stricter than the webhook, or it would refuse what
 * the webhook allows. Each check is therefore a case the webhook surely
 * refuses; where the webhook's verdict depends on something CEL cannot see
 * (another requirement in the same selector that confines it, namespace
 * ownership of named namespaces), the floor stays silent.
 *
 * Pure: config in, objects out.
 */
import type { Config } from '../config/schema.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../policy/rules/managed.js';
import { allOf, list, nonEmpty, str } from './cel.js';

export interface FloorOptions {
  /** Namespace of the parameter ConfigMap (the release namespace). */
  namespace: string;
  /** Extra exempt users, e.g. tenant-guard's own service account. */
  exemptUsers?: readonly string[];
  /** Namespaces the floor never applies to (kube-system, the release namespace), like the webhook. */
  excludedNamespaces?: readonly string[];
  /** Name prefix for every generated object. */
  prefix?: string;
}

type Obj = Record<string, unknown>;

const NAME_LABEL = 'kubernetes.io/metadata.name';
const SYSTEM_DELETERS = ['system:serviceaccount:kube-system:namespace-controller', 'system:serviceaccount:kube-system:generic-garbage-collector'];

function notAdmin(config: Config, extraUsers: readonly string[]): { name: string; expression: string } {
  const users = [...config.admins.users, ...extraUsers];
  return {
    name: 'not-an-admin',
    expression: `!(request.userInfo.username in ${list(users)} || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${list(config.admins.groups)})))`,
  };
}

function policy(name: string, spec: Obj): Obj {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels: { 'app.kubernetes.io/part-of': 'tenant-guard' } }, spec: { failurePolicy: 'Fail', ...spec } };
}

function binding(name: string, policyName: string, excluded: readonly string[], paramRef?: Obj): Obj {
  const spec: Obj = { policyName, validationActions: ['Deny'] };
  if (paramRef !== undefined) spec.paramRef = paramRef;
  if (excluded.length > 0) {
    spec.matchResources = { namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'NotIn', values: [...excluded] }] } };
  }
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels: { 'app.kubernetes.io/part-of': 'tenant-guard' } }, spec };
}

function rule(groups: string[], resources: string[], operations: string[]): Obj {
  return { apiGroups: groups, apiVersions: ['*'], resources, operations };
}

/** `tenant=value` of the parameter: "g:<group>,u:<user>,…" per explicit tenant. */
export function membershipParams(config: Config): Record<string, string> {
  const data: Record<string, string> = {};
  for (const t of config.tenants) {
    data[t.name] = [...t.groups.map((g) => `g:${g}`), ...t.users.map((u) => `u:${u}`)].join(',');
  }
  return data;
}

export function generateFloor(config: Config, opts: FloorOptions): Obj[] {
  const prefix = opts.prefix ?? 'tenant-guard-floor';
  const excluded = opts.excludedNamespaces ?? ['kube-system', opts.namespace];
  const exempt = notAdmin(config, opts.exemptUsers ?? []);
  const key = config.tenantLabel;
  const platform = config.platform.value;
  const paramName = `${prefix}-tenants`;

  // ---- Namespaces -------------------------------------------------------
  const label = `object.metadata.labels[${str(key)}]`;
  const hasLabel = `(has(object.metadata.labels) && ${str(key)} in object.metadata.labels)`;
  const oldHasLabel = `(has(oldObject.metadata.labels) && ${str(key)} in oldObject.metadata.labels)`;
  const explicitMember = `(has(params.data) && ${label} in params.data && params.data[${label}].split(',').exists(m, (m.startsWith('g:') && has(request.userInfo.groups) && m.substring(2) in request.userInfo.groups) || m == 'u:' + request.userInfo.username))`;
  const prefixMember = config.tenantGroupPrefix === ''
    ? 'false'
    : `(has(request.userInfo.groups) && (${str(config.tenantGroupPrefix)} + ${label}) in request.userInfo.groups)`;
  const nsPolicy = policy(`${prefix}-namespaces`, {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    matchConstraints: { resourceRules: [rule([''], ['namespaces'], ['CREATE', 'UPDATE'])] },
    matchConditions: [exempt],
    validations: [
      {
        expression: `request.operation != 'CREATE' || ${hasLabel}`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: the owner label is missing; tenant-guard\\'s webhook sets it and is unavailable (fix: retry when tenant-guard is back, or ask the platform team)'`,
        reason: 'Forbidden',
      },
      {
        expression: `request.operation != 'CREATE' || !${hasLabel} || ${label} != ${str(platform)}`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: "${platform}" is the platform\\'s value; tenants cannot claim it (fix: set it to your tenant)'`,
        reason: 'Forbidden',
      },
      {
        expression: `request.operation != 'CREATE' || !${hasLabel} || ${label} == ${str(platform)} || ${explicitMember} || ${prefixMember}`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: "' + ${label} + '" is not a tenant you belong to (fix: set it to one of your tenants)'`,
        reason: 'Forbidden',
      },
      {
        expression: `request.operation != 'UPDATE' || !${oldHasLabel} || (${hasLabel} && ${label} == oldObject.metadata.labels[${str(key)}])`,
        messageExpression: `'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[${key}]: Forbidden: the owner label cannot be removed or changed (fix: keep ${key}: "' + oldObject.metadata.labels[${str(key)}] + '")'`,
        reason: 'Forbidden',
      },
    ],
  });

  // ---- NetworkPolicy ----------------------------------------------------
  const nsTenant = `(namespaceObject.metadata.name in ${list(config.platform.namespaces)} ? ${str(platform)} : (has(namespaceObject.metadata.labels) && ${str(key)} in namespaceObject.metadata.labels ? namespaceObject.metadata.labels[${str(key)}] : ''))`;
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
    matchConditions: [exempt],
    variables: [{ name: 'nsTenant', expression: nsTenant }],
    validations: [
      {
        expression: npPeers((p) => `!has(${p}.namespaceSelector) || !${emptySel(`${p}.namespaceSelector`)}`),
        messageExpression: `'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': spec.ingress[].from[].namespaceSelector / spec.egress[].to[].namespaceSelector: Forbidden: an empty namespaceSelector selects every namespace in the cluster, including other tenants\\' (fix: matchLabels {${key}: ' + variables.nsTenant + '} or {${key}: ${platform}})'`,
        reason: 'Forbidden',
      },
      {
        expression: npPeers((p) => `!has(${p}.namespaceSelector) || !${foreignSel(`${p}.namespaceSelector`)}`),
        messageExpression: `'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': namespaceSelector.matchLabels[${key}]: Forbidden: selects namespaces of another tenant (fix: use ' + variables.nsTenant + ' or ${platform})'`,
        reason: 'Forbidden',
      },
      {
        expression: allOf('object.spec', 'ingress', 'r', nonEmpty('r', 'from')),
        messageExpression: `'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': spec.ingress[]: Forbidden: a rule without from accepts traffic from every source, every tenant included (fix: list the peers in from)'`,
        reason: 'Forbidden',
      },
    ],
  });

  // ---- CiliumNetworkPolicy ----------------------------------------------
  const nsLabelKeys = ['k8s:', 'any:', ''].map((p) => `${p}io.cilium.k8s.namespace.labels.${key}`);
  const nameKeys = ['k8s:', 'any:', ''].flatMap((p) => [`${p}io.kubernetes.pod.namespace`, `${p}io.cilium.k8s.namespace.labels.${NAME_LABEL}`]);
  const foreignEndpoint = (s: string) => `(has(${s}.matchLabels) && ${list(nsLabelKeys)}.exists(k, k in ${s}.matchLabels && !(${s}.matchLabels[k] in [variables.nsTenant, ${str(platform)}])) && !${list(nameKeys)}.exists(k, k in ${s}.matchLabels) && (!has(${s}.matchExpressions) || size(${s}.matchExpressions) == 0))`;
  const denied = list(config.cilium.deniedEntities);
  const ingressPeers = ['fromEndpoints', 'fromEntities', 'fromCIDR', 'fromCIDRSet', 'fromGroups', 'fromNodes'];
  const forRules = (pred: (rule: string) => string) => `(!has(object.spec) || ${pred('object.spec')}) && (!has(object.specs) || object.specs.all(s, ${pred('s')}))`;
  const cnpPolicy = policy(`${prefix}-ciliumnetworkpolicies`, {
    matchConstraints: { resourceRules: [rule(['cilium.io'], ['ciliumnetworkpolicies'], ['CREATE', 'UPDATE'])] },
    matchConditions: [exempt],
    variables: [{ name: 'nsTenant', expression: nsTenant }],
    validations: [
      {
        expression: forRules((s) => `${allOf(s, 'ingress', 'r', allOf('r', 'fromEntities', 'e', `!(e in ${denied})`))} && ${allOf(s, 'egress', 'r', allOf('r', 'toEntities', 'e', `!(e in ${denied})`))}`),
        messageExpression: `'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': fromEntities/toEntities: Forbidden: the entities ${config.cilium.deniedEntities.join(', ')} include the pods of every tenant (fix: select endpoints of your tenant instead)'`,
        reason: 'Forbidden',
      },
      {
        expression: forRules((s) => ['ingress:fromEndpoints', 'ingress:fromRequires', 'egress:toEndpoints', 'egress:toRequires']
          .map((d) => {
            const [dir, field] = d.split(':') as [string, string];
            return allOf(s, dir, 'r', allOf('r', field, 'sel', `!${foreignEndpoint('sel')}`));
          }).join(' && ')),
        messageExpression: `'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': endpoint selector io.cilium.k8s.namespace.labels.${key}: Forbidden: selects endpoints of another tenant (fix: use ' + variables.nsTenant + ' or ${platform}, or leave namespace labels out)'`,
        reason: 'Forbidden',
      },
      {
        expression: forRules((s) => allOf(s, 'ingress', 'r', `!(${nonEmpty('r', 'toPorts')} || ${nonEmpty('r', 'icmps')}) || ${ingressPeers.map((f) => nonEmpty('r', f)).join(' || ')}`)),
        messageExpression: `'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': ingress[]: Forbidden: a rule with ports but no from* peer accepts every endpoint of every tenant on those ports (fix: add fromEndpoints or fromCIDRSet)'`,
        reason: 'Forbidden',
      },
    ],
  });

  // ---- Cluster-wide policies -------------------------------------------
  const clusterPolicy = policy(`${prefix}-cluster-policies`, {
    matchConstraints: {
      resourceRules: [
        rule(['cilium.io'], ['ciliumclusterwidenetworkpolicies'], ['CREATE', 'UPDATE', 'DELETE']),
        rule(['policy.networking.k8s.io'], ['adminnetworkpolicies', 'baselineadminnetworkpolicies'], ['CREATE', 'UPDATE', 'DELETE']),
      ],
    },
    matchConditions: [exempt],
    validations: [{
      expression: 'false',
      messageExpression: `'tenant-guard floor refused ' + request.kind.kind + ' ' + request.name + ': kind: Forbidden: cluster-wide policies apply across every tenant; only the platform team may manage them (fix: write a namespaced NetworkPolicy or CiliumNetworkPolicy instead)'`,
      reason: 'Forbidden',
    }],
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
      { name: 'not-a-namespace-cleanup', expression: `!(request.userInfo.username in ${list(SYSTEM_DELETERS)}) && !(request.operation == 'DELETE' && namespaceObject != null && (has(namespaceObject.metadata.deletionTimestamp) || (has(namespaceObject.status) && has(namespaceObject.status.phase) && namespaceObject.status.phase == 'Terminating')))` },
    ],
    validations: [{
      expression: `!((object != null && ${managed('object')}) || (oldObject != null && ${managed('oldObject')}))`,
      messageExpression: `'tenant-guard floor refused ' + request.kind.kind + ' ' + request.name + ': metadata.labels[${MANAGED_BY_LABEL}]: Forbidden: policies managed by tenant-guard are the platform\\'s baseline; tenants cannot create, change or delete them (fix: create a policy of your own beside it)'`,
      reason: 'Forbidden',
    }],
  });

  const paramRef = { name: paramName, namespace: opts.namespace, parameterNotFoundAction: 'Deny' };
  const param = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: paramName, namespace: opts.namespace, labels: { 'app.kubernetes.io/part-of': 'tenant-guard' } },
    data: membershipParams(config),
  };
  const policies = [nsPolicy, npPolicy, cnpPolicy, clusterPolicy, managedPolicy];
  const bindings = policies.map((p) => {
    const name = (p.metadata as { name: string }).name;
    return binding(name, name, excluded, p === nsPolicy ? paramRef : undefined);
  });
  return [param, ...policies, ...bindings];
}
