{{/*
The outage-safe floor as Helm templates: the same objects as
  tenant-guard floor --config <the ConfigMap's config.yaml> --namespace <release namespace>
    --exempt-user <the chart's service account user>
    --exclude-namespace kube-system --exclude-namespace <release namespace>
    [--exclude-namespace <each webhook.excludeNamespaces>]
(src/floor/generate.ts). Every expression below mirrors one there; the chart
tests render this with default and non-default values and compare it, object
by object, with the generator's output for the same configuration. After a
change to the generator, change this file until that test passes.
*/}}

{{/* A CEL string literal: backslashes and single quotes escaped. */}}
{{- define "tenant-guard.cel.str" -}}
'{{ . | replace `\` `\\` | replace `'` `\'` }}'
{{- end }}

{{/* A CEL list of string literals. */}}
{{- define "tenant-guard.cel.list" -}}
{{- $items := list }}
{{- range . }}{{ $items = append $items (include "tenant-guard.cel.str" .) }}{{ end -}}
[{{ join ", " $items }}]
{{- end }}

{{/* (list expr field): the optional list field is present and not empty. */}}
{{- define "tenant-guard.cel.nonEmpty" -}}
{{- $e := index . 0 }}{{ $f := index . 1 -}}
(has({{ $e }}.{{ $f }}) && size({{ $e }}.{{ $f }}) > 0)
{{- end }}

{{/* (list expr field var pred): every element of the optional list field satisfies pred. */}}
{{- define "tenant-guard.cel.allOf" -}}
{{- $e := index . 0 }}{{ $f := index . 1 }}{{ $v := index . 2 }}{{ $p := index . 3 -}}
(!has({{ $e }}.{{ $f }}) || {{ $e }}.{{ $f }}.all({{ $v }}, {{ $p }}))
{{- end }}

{{/* A membership name inside the parameter: % and , percent-encoded (generate.ts encodeMember). */}}
{{- define "tenant-guard.floor.encodeMember" -}}
{{- . | replace "%" "%25" | replace "," "%2C" }}
{{- end }}

{{/*
(list value groupPrefix): whether the requester belongs to the tenant named by
the CEL string expression value: explicitly (the parameter) or by the group
groupPrefix + value.
*/}}
{{- define "tenant-guard.floor.member" -}}
{{- $value := index . 0 }}
{{- $groupPrefix := index . 1 }}
{{- $entry := print "params.data[" $value "]" }}
{{- $encG := `g.replace('%', '%25').replace(',', '%2C')` }}
{{- $encU := `request.userInfo.username.replace('%', '%25').replace(',', '%2C')` }}
{{- $explicit := print "(has(params.data) && " $value " in params.data && ((has(request.userInfo.groups) && request.userInfo.groups.exists(g, " $entry `.contains(',g:' + ` $encG ` + ','))) || ` $entry `.contains(',u:' + ` $encU ` + ',')))` }}
{{- $byPrefix := "false" }}
{{- if ne $groupPrefix "" }}
{{- $byPrefix = print "(has(request.userInfo.groups) && (" (include "tenant-guard.cel.str" $groupPrefix) " + " $value ") in request.userInfo.groups)" }}
{{- end }}
{{- print "(" $explicit " || " $byPrefix ")" }}
{{- end }}

{{/*
The settings of the configuration the floor reads, with the configuration
schema's defaults (src/config/schema.ts) where the chart's config leaves them
out, as JSON.
*/}}
{{- define "tenant-guard.floor.settings" -}}
{{- $cfg := include "tenant-guard.config" . | fromYaml }}
{{- $key := "tenant-guard.io/tenant" }}
{{- if hasKey $cfg "tenantLabel" }}{{ $key = $cfg.tenantLabel }}{{ end }}
{{- $platformCfg := get $cfg "platform" | default dict }}
{{- $platform := "platform" }}
{{- if hasKey $platformCfg "value" }}{{ $platform = $platformCfg.value }}{{ end }}
{{- $platformNamespaces := list "default" "kube-system" "kube-public" "kube-node-lease" }}
{{- if hasKey $platformCfg "namespaces" }}{{ $platformNamespaces = $platformCfg.namespaces }}{{ end }}
{{- $groupPrefix := "tenant:" }}
{{- if hasKey $cfg "tenantGroupPrefix" }}{{ $groupPrefix = $cfg.tenantGroupPrefix }}{{ end }}
{{- $admins := get $cfg "admins" | default dict }}
{{- $adminGroups := list "system:masters" }}
{{- if hasKey $admins "groups" }}{{ $adminGroups = $admins.groups }}{{ end }}
{{- $ciliumCfg := get $cfg "cilium" | default dict }}
{{- $denied := list "all" "cluster" }}
{{- if hasKey $ciliumCfg "deniedEntities" }}{{ $denied = $ciliumCfg.deniedEntities }}{{ end }}
{{- $tenants := list }}
{{- range (get $cfg "tenants" | default list) }}
{{- $tenants = append $tenants (dict "name" .name "groups" (.groups | default list) "users" (.users | default list)) }}
{{- end }}
{{- $excluded := concat (list "kube-system" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq }}
{{- dict
    "key" $key
    "platform" $platform
    "platformNamespaces" $platformNamespaces
    "groupPrefix" $groupPrefix
    "adminUsers" (get $admins "users" | default list)
    "adminGroups" $adminGroups
    "denied" $denied
    "tenants" $tenants
    "exemptUsers" (list (include "tenant-guard.serviceAccountUser" .))
    "excluded" $excluded
    | toJson }}
{{- end }}

{{/* The floor's objects as a YAML stream: the parameter ConfigMap, the policies, their bindings. */}}
{{- define "tenant-guard.floor" -}}
{{- $s := include "tenant-guard.floor.settings" . | fromJson }}
{{- $prefix := "tenant-guard-floor" }}
{{- $paramName := print $prefix "-tenants" }}
{{- $namespace := .Release.Namespace }}
{{- $nameLabel := "kubernetes.io/metadata.name" }}
{{- $managedLabel := "app.kubernetes.io/managed-by" }}
{{- $managedValue := "tenant-guard" }}
{{- $systemDeleters := list "system:serviceaccount:kube-system:namespace-controller" "system:serviceaccount:kube-system:generic-garbage-collector" }}
{{- $partOf := dict "app.kubernetes.io/part-of" "tenant-guard" }}
{{- $key := $s.key }}
{{- $platform := $s.platform }}
{{- $qKey := include "tenant-guard.cel.str" $key }}
{{- $qPlatform := include "tenant-guard.cel.str" $platform }}
{{- $lPlatformNs := include "tenant-guard.cel.list" $s.platformNamespaces }}
{{- $users := concat $s.adminUsers $s.exemptUsers }}
{{- $exempt := dict "name" "not-an-admin" "expression" (print "!(request.userInfo.username in " (include "tenant-guard.cel.list" $users) " || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in " (include "tenant-guard.cel.list" $s.adminGroups) ")))") }}
{{- $cud := list "CREATE" "UPDATE" "DELETE" }}
{{- $cu := list "CREATE" "UPDATE" }}

{{- /* ---- Namespaces ---- */}}
{{- $label := print "object.metadata.labels[" $qKey "]" }}
{{- $oldLabel := print "oldObject.metadata.labels[" $qKey "]" }}
{{- $hasLabel := print "(has(object.metadata.labels) && " $qKey " in object.metadata.labels)" }}
{{- $oldHasLabel := print "(has(oldObject.metadata.labels) && " $qKey " in oldObject.metadata.labels)" }}
{{- $oldOwner := print "(oldObject.metadata.name in " $lPlatformNs " ? " $qPlatform " : (" $oldHasLabel " ? " $oldLabel " : ''))" }}
{{- $oldOwnerVariable := dict "name" "oldOwner" "expression" (print "request.operation == 'CREATE' ? '' : " $oldOwner) }}
{{- $nsRules := list (dict "apiGroups" (list "") "apiVersions" (list "*") "resources" (list "namespaces") "operations" $cud) }}
{{- $notYours := print "'tenant-guard floor refused Namespace ' + request.name + ': metadata.name: Forbidden: the namespace belongs to ' + (variables.oldOwner == " $qPlatform " ? 'the platform' : 'tenant ' + variables.oldOwner) + '; you cannot ' + (request.operation == 'DELETE' ? 'delete' : 'change') + ' it (fix: ask its owner or the platform team)'" }}
{{- $nsValidations := list
  (dict
    "expression" (print "request.operation != 'CREATE' || " $hasLabel)
    "messageExpression" (print "'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[" $key `]: Forbidden: the owner label is missing; tenant-guard\'s webhook sets it and is unavailable (fix: retry when tenant-guard is back, or ask the platform team)'`)
    "reason" "Forbidden")
  (dict
    "expression" (print "request.operation != 'CREATE' || !" $hasLabel " || " $label " != " $qPlatform)
    "messageExpression" (print "'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[" $key `]: Forbidden: "` $platform `" is the platform\'s value; tenants cannot claim it (fix: set it to your tenant)'`)
    "reason" "Forbidden")
  (dict
    "expression" (print "request.operation != 'UPDATE' || !" $oldHasLabel " || " $oldLabel " == '' || (" $hasLabel " && " $label " == " $oldLabel ")")
    "messageExpression" (print "'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[" $key "]: Forbidden: the owner label cannot be removed or changed (fix: keep " $key `: "' + ` $oldLabel ` + '")'`)
    "reason" "Forbidden")
  (dict
    "expression" (print "request.operation == 'CREATE' || variables.oldOwner != " $qPlatform)
    "messageExpression" $notYours
    "reason" "Forbidden")
}}
{{- $nsPolicy := dict
  "apiVersion" "admissionregistration.k8s.io/v1" "kind" "ValidatingAdmissionPolicy"
  "metadata" (dict "name" (print $prefix "-namespaces") "labels" $partOf)
  "spec" (dict
    "failurePolicy" "Fail"
    "matchConstraints" (dict "resourceRules" $nsRules)
    "matchConditions" (list $exempt)
    "variables" (list $oldOwnerVariable)
    "validations" $nsValidations)
}}
{{- $memberOfLabel := include "tenant-guard.floor.member" (list $label $s.groupPrefix) }}
{{- $memberOfOldOwner := include "tenant-guard.floor.member" (list "variables.oldOwner" $s.groupPrefix) }}
{{- $nsMembersPolicy := dict
  "apiVersion" "admissionregistration.k8s.io/v1" "kind" "ValidatingAdmissionPolicy"
  "metadata" (dict "name" (print $prefix "-namespace-tenants") "labels" $partOf)
  "spec" (dict
    "failurePolicy" "Fail"
    "paramKind" (dict "apiVersion" "v1" "kind" "ConfigMap")
    "matchConstraints" (dict "resourceRules" $nsRules)
    "matchConditions" (list $exempt)
    "variables" (list $oldOwnerVariable)
    "validations" (list
      (dict
        "expression" (print "request.operation != 'CREATE' || !" $hasLabel " || " $label " == " $qPlatform " || " $memberOfLabel)
        "messageExpression" (print "'tenant-guard floor refused Namespace ' + object.metadata.name + ': metadata.labels[" $key `]: Forbidden: "' + ` $label ` + '" is not a tenant you belong to (fix: set it to one of your tenants)'`)
        "reason" "Forbidden")
      (dict
        "expression" (print "request.operation == 'CREATE' || variables.oldOwner == '' || variables.oldOwner == " $qPlatform " || " $memberOfOldOwner)
        "messageExpression" $notYours
        "reason" "Forbidden")))
}}

{{- /* ---- NetworkPolicy ---- */}}
{{- $notBeingDeleted := dict "name" "not-being-deleted" "expression" "!(request.operation == 'UPDATE' && has(object.metadata.deletionTimestamp))" }}
{{- $nsTenant := print "(namespaceObject.metadata.name in " $lPlatformNs " ? " $qPlatform " : (has(namespaceObject.metadata.labels) && " $qKey " in namespaceObject.metadata.labels ? namespaceObject.metadata.labels[" $qKey "] : ''))" }}
{{- $sel := "p.namespaceSelector" }}
{{- $emptySel := print "((!has(" $sel ".matchLabels) || size(" $sel ".matchLabels) == 0) && (!has(" $sel ".matchExpressions) || size(" $sel ".matchExpressions) == 0))" }}
{{- $foreignSel := print "(has(" $sel ".matchLabels) && " $qKey " in " $sel ".matchLabels && !(" $sel ".matchLabels[" $qKey "] in [variables.nsTenant, " $qPlatform "]) && !(" (include "tenant-guard.cel.str" $nameLabel) " in " $sel ".matchLabels) && (!has(" $sel ".matchExpressions) || size(" $sel ".matchExpressions) == 0))" }}
{{- $npPeers := dict }}
{{- range $name, $pred := dict "empty" (print "!has(p.namespaceSelector) || !" $emptySel) "foreign" (print "!has(p.namespaceSelector) || !" $foreignSel) }}
{{- $ingress := include "tenant-guard.cel.allOf" (list "object.spec" "ingress" "r" (include "tenant-guard.cel.allOf" (list "r" "from" "p" $pred))) }}
{{- $egress := include "tenant-guard.cel.allOf" (list "object.spec" "egress" "r" (include "tenant-guard.cel.allOf" (list "r" "to" "p" $pred))) }}
{{- $_ := set $npPeers $name (print $ingress " && " $egress) }}
{{- end }}
{{- $npPolicy := dict
  "apiVersion" "admissionregistration.k8s.io/v1" "kind" "ValidatingAdmissionPolicy"
  "metadata" (dict "name" (print $prefix "-networkpolicies") "labels" $partOf)
  "spec" (dict
    "failurePolicy" "Fail"
    "matchConstraints" (dict "resourceRules" (list (dict "apiGroups" (list "networking.k8s.io") "apiVersions" (list "*") "resources" (list "networkpolicies") "operations" $cu)))
    "matchConditions" (list $exempt $notBeingDeleted)
    "variables" (list (dict "name" "nsTenant" "expression" $nsTenant))
    "validations" (list
      (dict
        "expression" $npPeers.empty
        "messageExpression" (print "'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': spec.ingress[].from[].namespaceSelector / spec.egress[].to[].namespaceSelector: Forbidden: an empty namespaceSelector selects every namespace in the cluster, including other tenants\\' (fix: matchLabels {" $key ": ' + variables.nsTenant + '} or {" $key ": " $platform "})'")
        "reason" "Forbidden")
      (dict
        "expression" $npPeers.foreign
        "messageExpression" (print "'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': namespaceSelector.matchLabels[" $key "]: Forbidden: selects namespaces of another tenant (fix: use ' + variables.nsTenant + ' or " $platform ")'")
        "reason" "Forbidden")
      (dict
        "expression" (include "tenant-guard.cel.allOf" (list "object.spec" "ingress" "r" (include "tenant-guard.cel.nonEmpty" (list "r" "from"))))
        "messageExpression" "'tenant-guard floor refused NetworkPolicy ' + object.metadata.name + ': spec.ingress[]: Forbidden: a rule without from accepts traffic from every source, every tenant included (fix: list the peers in from)'"
        "reason" "Forbidden")))
}}

{{- /* ---- CiliumNetworkPolicy ---- */}}
{{- $nsLabelKeys := list }}
{{- $nameKeys := list }}
{{- range list "k8s:" "any:" "" }}
{{- $nsLabelKeys = append $nsLabelKeys (print . "io.cilium.k8s.namespace.labels." $key) }}
{{- $nameKeys = concat $nameKeys (list (print . "io.kubernetes.pod.namespace") (print . "io.cilium.k8s.namespace.labels." $nameLabel)) }}
{{- end }}
{{- $lNsLabelKeys := include "tenant-guard.cel.list" $nsLabelKeys }}
{{- $foreignEndpoint := print "(has(sel.matchLabels) && " $lNsLabelKeys ".exists(k, k in sel.matchLabels) && " $lNsLabelKeys ".all(k, !(k in sel.matchLabels) || !(sel.matchLabels[k] in [variables.nsTenant, " $qPlatform "])) && !" (include "tenant-guard.cel.list" $nameKeys) ".exists(k, k in sel.matchLabels) && (!has(sel.matchExpressions) || size(sel.matchExpressions) == 0))" }}
{{- $denied := include "tenant-guard.cel.list" $s.denied }}
{{- $cnpChecks := dict "entities" (list) "endpoints" (list) "ports" (list) }}
{{- range $rule := list "object.spec" "s" }}
{{- $entities := print (include "tenant-guard.cel.allOf" (list $rule "ingress" "r" (include "tenant-guard.cel.allOf" (list "r" "fromEntities" "e" (print "!(e in " $denied ")"))))) " && " (include "tenant-guard.cel.allOf" (list $rule "egress" "r" (include "tenant-guard.cel.allOf" (list "r" "toEntities" "e" (print "!(e in " $denied ")"))))) }}
{{- $endpoints := list }}
{{- range list (list "ingress" "fromEndpoints") (list "ingress" "fromRequires") (list "egress" "toEndpoints") (list "egress" "toRequires") }}
{{- $endpoints = append $endpoints (include "tenant-guard.cel.allOf" (list $rule (index . 0) "r" (include "tenant-guard.cel.allOf" (list "r" (index . 1) "sel" (print "!" $foreignEndpoint))))) }}
{{- end }}
{{- $peers := list }}
{{- range list "fromEndpoints" "fromEntities" "fromCIDR" "fromCIDRSet" "fromGroups" "fromNodes" }}
{{- $peers = append $peers (include "tenant-guard.cel.nonEmpty" (list "r" .)) }}
{{- end }}
{{- $ports := include "tenant-guard.cel.allOf" (list $rule "ingress" "r" (print "!(" (include "tenant-guard.cel.nonEmpty" (list "r" "toPorts")) " || " (include "tenant-guard.cel.nonEmpty" (list "r" "icmps")) ") || " (join " || " $peers))) }}
{{- $_ := set $cnpChecks "entities" (append $cnpChecks.entities $entities) }}
{{- $_ := set $cnpChecks "endpoints" (append $cnpChecks.endpoints (join " && " $endpoints)) }}
{{- $_ := set $cnpChecks "ports" (append $cnpChecks.ports $ports) }}
{{- end }}
{{- $forRules := dict }}
{{- range $name, $preds := $cnpChecks }}
{{- $_ := set $forRules $name (print "(!has(object.spec) || " (index $preds 0) ") && (!has(object.specs) || object.specs.all(s, " (index $preds 1) "))") }}
{{- end }}
{{- $cnpPolicy := dict
  "apiVersion" "admissionregistration.k8s.io/v1" "kind" "ValidatingAdmissionPolicy"
  "metadata" (dict "name" (print $prefix "-ciliumnetworkpolicies") "labels" $partOf)
  "spec" (dict
    "failurePolicy" "Fail"
    "matchConstraints" (dict "resourceRules" (list (dict "apiGroups" (list "cilium.io") "apiVersions" (list "*") "resources" (list "ciliumnetworkpolicies") "operations" $cu)))
    "matchConditions" (list $exempt $notBeingDeleted)
    "variables" (list (dict "name" "nsTenant" "expression" $nsTenant))
    "validations" (list
      (dict
        "expression" $forRules.entities
        "messageExpression" (print "'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': fromEntities/toEntities: Forbidden: the entities " (join ", " $s.denied) " include the pods of every tenant (fix: select endpoints of your tenant instead)'")
        "reason" "Forbidden")
      (dict
        "expression" $forRules.endpoints
        "messageExpression" (print "'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': endpoint selector io.cilium.k8s.namespace.labels." $key ": Forbidden: selects endpoints of another tenant (fix: use ' + variables.nsTenant + ' or " $platform ", or leave namespace labels out)'")
        "reason" "Forbidden")
      (dict
        "expression" $forRules.ports
        "messageExpression" "'tenant-guard floor refused CiliumNetworkPolicy ' + object.metadata.name + ': ingress[]: Forbidden: a rule with ports but no from* peer accepts every endpoint of every tenant on those ports (fix: add fromEndpoints or fromCIDRSet)'"
        "reason" "Forbidden")))
}}

{{- /* ---- Cluster-wide policies ---- */}}
{{- $clusterPolicy := dict
  "apiVersion" "admissionregistration.k8s.io/v1" "kind" "ValidatingAdmissionPolicy"
  "metadata" (dict "name" (print $prefix "-cluster-policies") "labels" $partOf)
  "spec" (dict
    "failurePolicy" "Fail"
    "matchConstraints" (dict "resourceRules" (list
      (dict "apiGroups" (list "cilium.io") "apiVersions" (list "*") "resources" (list "ciliumclusterwidenetworkpolicies") "operations" $cud)
      (dict "apiGroups" (list "policy.networking.k8s.io") "apiVersions" (list "*") "resources" (list "adminnetworkpolicies" "baselineadminnetworkpolicies") "operations" $cud)))
    "matchConditions" (list $exempt)
    "validations" (list
      (dict
        "expression" "false"
        "messageExpression" "'tenant-guard floor refused ' + request.kind.kind + ' ' + request.name + ': kind: Forbidden: cluster-wide policies apply across every tenant; only the platform team may manage them (fix: write a namespaced NetworkPolicy or CiliumNetworkPolicy instead)'"
        "reason" "Forbidden")))
}}

{{- /* ---- The platform's managed policies ---- */}}
{{- $qManagedLabel := include "tenant-guard.cel.str" $managedLabel }}
{{- $managed := dict }}
{{- range list "object" "oldObject" }}
{{- $_ := set $managed . (print "(has(" . ".metadata.labels) && " $qManagedLabel " in " . ".metadata.labels && " . ".metadata.labels[" $qManagedLabel "] == " (include "tenant-guard.cel.str" $managedValue) ")") }}
{{- end }}
{{- $managedPolicy := dict
  "apiVersion" "admissionregistration.k8s.io/v1" "kind" "ValidatingAdmissionPolicy"
  "metadata" (dict "name" (print $prefix "-managed-policies") "labels" $partOf)
  "spec" (dict
    "failurePolicy" "Fail"
    "matchConstraints" (dict "resourceRules" (list
      (dict "apiGroups" (list "networking.k8s.io") "apiVersions" (list "*") "resources" (list "networkpolicies") "operations" $cud)
      (dict "apiGroups" (list "cilium.io") "apiVersions" (list "*") "resources" (list "ciliumnetworkpolicies") "operations" $cud)))
    "matchConditions" (list $exempt (dict "name" "not-a-system-deleter" "expression" (print "!(request.userInfo.username in " (include "tenant-guard.cel.list" $systemDeleters) ")")))
    "validations" (list
      (dict
        "expression" (print "(request.operation == 'DELETE' && (namespaceObject == null || has(namespaceObject.metadata.deletionTimestamp) || (has(namespaceObject.status) && has(namespaceObject.status.phase) && namespaceObject.status.phase == 'Terminating'))) || !((object != null && " $managed.object ") || (oldObject != null && " $managed.oldObject "))")
        "messageExpression" (print "'tenant-guard floor refused ' + request.kind.kind + ' ' + request.name + ': metadata.labels[" $managedLabel `]: Forbidden: policies managed by tenant-guard are the platform\'s baseline; tenants cannot create, change or delete them (fix: create a policy of your own beside it)'`)
        "reason" "Forbidden")))
}}

{{- /* ---- The parameter and the bindings ---- */}}
{{- $data := dict }}
{{- range $s.tenants }}
{{- $members := list }}
{{- range .groups }}{{ $members = append $members (print "g:" (include "tenant-guard.floor.encodeMember" .)) }}{{ end }}
{{- range .users }}{{ $members = append $members (print "u:" (include "tenant-guard.floor.encodeMember" .)) }}{{ end }}
{{- $_ := set $data .name (ternary "" (print "," (join "," $members) ",") (empty $members)) }}
{{- end }}
{{- $param := dict
  "apiVersion" "v1" "kind" "ConfigMap"
  "metadata" (dict "name" $paramName "namespace" $namespace "labels" $partOf)
  "data" $data
}}
{{- $policies := list $nsPolicy $nsMembersPolicy $npPolicy $cnpPolicy $clusterPolicy $managedPolicy }}
{{- $objects := list $param }}
{{- range $policies }}{{ $objects = append $objects . }}{{ end }}
{{- range $policies }}
{{- $spec := dict "policyName" .metadata.name "validationActions" (list "Deny") }}
{{- if eq .metadata.name $nsMembersPolicy.metadata.name }}
{{- $_ := set $spec "paramRef" (dict "name" $paramName "namespace" $namespace "parameterNotFoundAction" "Allow") }}
{{- end }}
{{- if $s.excluded }}
{{- $_ := set $spec "matchResources" (dict "namespaceSelector" (dict "matchExpressions" (list (dict "key" $nameLabel "operator" "NotIn" "values" $s.excluded)))) }}
{{- end }}
{{- $objects = append $objects (dict
  "apiVersion" "admissionregistration.k8s.io/v1" "kind" "ValidatingAdmissionPolicyBinding"
  "metadata" (dict "name" .metadata.name "labels" $partOf)
  "spec" $spec) }}
{{- end }}
{{- range $objects }}
---
{{ toYaml . }}
{{- end }}
{{- end }}
