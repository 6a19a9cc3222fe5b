{{/* Chart name, overridable. */}}
{{- define "tenant-guard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-tenant-guard, or the release name when it contains the chart name. */}}
{{- define "tenant-guard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tenant-guard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tenant-guard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tenant-guard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tenant-guard.labels" -}}
helm.sh/chart: {{ include "tenant-guard.chart" . }}
{{ include "tenant-guard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels of the helm test pod: the release's, but not the selector's (the Deployment, Service and PDB must not count it). */}}
{{- define "tenant-guard.testLabels" -}}
helm.sh/chart: {{ include "tenant-guard.chart" . }}
app.kubernetes.io/name: {{ include "tenant-guard.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{- define "tenant-guard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tenant-guard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The username the API server gives the service account. */}}
{{- define "tenant-guard.serviceAccountUser" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "tenant-guard.serviceAccountName" .) }}
{{- end }}

{{- define "tenant-guard.secretName" -}}
{{- default (printf "%s-tls" (include "tenant-guard.fullname" .)) .Values.certificates.secretName }}
{{- end }}

{{- define "tenant-guard.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Mount directory of the configuration and of the certificate files. */}}
{{- define "tenant-guard.configDir" -}}/etc/tenant-guard{{- end }}
{{- define "tenant-guard.tlsDir" -}}/etc/tenant-guard/tls{{- end }}

{{/*
The configuration file: values.config with the parts the chart owns set on
top (listening port, certificate files or Secret, names of the webhook
configurations), and the service account added to admins.users.
*/}}
{{- define "tenant-guard.config" -}}
{{- $fullname := include "tenant-guard.fullname" . }}
{{- $cfg := deepCopy (.Values.config | default dict) }}
{{- $server := deepCopy (get $cfg "server" | default dict) }}
{{- $_ := set $server "port" (int .Values.containerPort) }}
{{- $_ := set $server "certFile" (printf "%s/tls.crt" (include "tenant-guard.tlsDir" .)) }}
{{- $_ := set $server "keyFile" (printf "%s/tls.key" (include "tenant-guard.tlsDir" .)) }}
{{- $_ := set $cfg "server" $server }}
{{- $tls := deepCopy (get $cfg "tls" | default dict) }}
{{- $_ := set $tls "mode" (ternary "self" "files" (eq .Values.certificates.mode "self")) }}
{{- if eq .Values.certificates.mode "self" }}
{{- $self := deepCopy (get $tls "self" | default dict) }}
{{- $_ := set $self "namespace" .Release.Namespace }}
{{- $_ := set $self "secretName" (include "tenant-guard.secretName" .) }}
{{- $_ := set $self "serviceName" $fullname }}
{{- $_ := set $self "mutatingWebhookConfiguration" $fullname }}
{{- $_ := set $self "validatingWebhookConfiguration" $fullname }}
{{- $_ := set $tls "self" $self }}
{{- end }}
{{- $_ := set $cfg "tls" $tls }}
{{- $admins := deepCopy (get $cfg "admins" | default dict) }}
{{- $users := concat (get $admins "users" | default list) (list (include "tenant-guard.serviceAccountUser" .)) | uniq }}
{{- $_ := set $admins "users" $users }}
{{- $_ := set $cfg "admins" $admins }}
{{- if .Values.controller.enabled }}
{{- $controller := deepCopy (get $cfg "controller" | default dict) }}
{{- $le := deepCopy (get $controller "leaderElection" | default dict) }}
{{- $_ := set $le "leaseNamespace" .Release.Namespace }}
{{- $_ := set $controller "leaderElection" $le }}
{{- $_ := set $cfg "controller" $controller }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}

{{/*
The controller's settings the chart needs, from the configuration with its
defaults filled in (tenant-guard.config.filled), as JSON: whether it elects
a leader, the Lease's name, whether it runs the audit, the flavour. Fails on
settings the chart cannot deploy. (No port: with the webhook, the
controller's metrics and probes are on the webhook's port.)
*/}}
{{- define "tenant-guard.controllerSettings" -}}
{{- $cfg := include "tenant-guard.config.filled" . | fromJson }}
{{- $leaderElection := $cfg.controller.leaderElection.enabled }}
{{- if .Values.controller.enabled }}
{{- if and (not $leaderElection) (gt (int .Values.replicaCount) 1) }}
{{- fail (printf "config.controller.leaderElection.enabled is false with replicaCount %d: every replica would write the baseline; enable leader election or run one replica" (int .Values.replicaCount)) }}
{{- end }}
{{- end }}
{{- dict
    "leaderElection" $leaderElection
    "leaseName" $cfg.controller.leaderElection.leaseName
    "audit" (gt (int $cfg.controller.auditIntervalSeconds) 0)
    "flavour" $cfg.baseline.flavour
    "reports" $cfg.reports.enabled
    "reportsLeaseName" $cfg.reports.leaseName
    | toJson }}
{{- end }}

{{/* Admin groups of the configuration (its default when unset). */}}
{{- define "tenant-guard.adminGroups" -}}
{{- (include "tenant-guard.config.filled" . | fromJson).admins.groups | toJson }}
{{- end }}

{{/* clientConfig of one webhook; $path is /mutate or /validate. */}}
{{- define "tenant-guard.clientConfig" -}}
{{- $ := index . 0 }}
{{- $path := index . 1 }}
{{- if $.Values.webhook.url }}
url: {{ printf "%s%s" (trimSuffix "/" $.Values.webhook.url) $path | quote }}
{{- else }}
service:
  name: {{ include "tenant-guard.fullname" $ }}
  namespace: {{ $.Release.Namespace }}
  path: {{ $path }}
  port: {{ $.Values.service.port }}
{{- end }}
{{- if and (eq $.Values.certificates.mode "secret") $.Values.webhook.caBundle }}
caBundle: {{ $.Values.webhook.caBundle }}
{{- end }}
{{- end }}

{{/* Fields every webhook shares. */}}
{{- define "tenant-guard.webhookBase" -}}
sideEffects: None
admissionReviewVersions: [v1]
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
matchPolicy: Equivalent
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: {{ concat (list "kube-system" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq | toJson }}
{{- end }}

{{/* The matchConditions entries that keep tenant-guard's own account and the admins out (webhook.bypassAdmins). */}}
{{- define "tenant-guard.bypassConditions" -}}
{{- if .Values.webhook.bypassAdmins }}
- name: not-tenant-guard
  expression: {{ printf "request.userInfo.username != '%s'" (include "tenant-guard.serviceAccountUser" .) | quote }}
{{- $admins := .Values.config.admins | default dict }}
{{- with ($admins.users | default list) }}
- name: not-admin-user
  expression: {{ printf "!(request.userInfo.username in %s)" (toJson .) | quote }}
{{- end }}
{{- $groups := include "tenant-guard.adminGroups" . | fromJsonArray }}
{{- with $groups }}
- name: not-admin-group
  expression: {{ printf "!has(request.userInfo.groups) || !request.userInfo.groups.exists(g, g in %s)" (toJson .) | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* The shared fields and, with webhook.bypassAdmins, the conditions that keep admins out. */}}
{{- define "tenant-guard.webhookCommon" -}}
{{ include "tenant-guard.webhookBase" . }}
{{- with include "tenant-guard.bypassConditions" . | trim }}
matchConditions:
{{- . | nindent 2 }}
{{- end }}
{{- end }}
