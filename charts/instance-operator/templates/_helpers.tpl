{{/* The chart's name, or nameOverride. */}}
{{- define "instance-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource names: "<release>-<chart>", or just the release name when it contains the chart's. */}}
{{- define "instance-operator.fullname" -}}
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

{{/* The labels that select the operator's pods; they never change after install. */}}
{{- define "instance-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "instance-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every resource the chart creates. */}}
{{- define "instance-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "instance-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "instance-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "instance-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the replicas elect an active one through kopf peering, "" when standalone. */}}
{{- define "instance-operator.peering" -}}
{{- if or .Values.peering.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/*
The rules the operator needs on its resources, wherever it watches them: Instances (kopf watches
them and patches finalizers and its annotations), their status, Events it posts, and the
credentials Secrets it reads by name. Nothing else: kopf runs with CRD scanning off.
Secrets: `get` to read the credentials, and `patch` only to add and remove the operator's
finalizer (instance-operator.dev/in-use) on a Secret while Instances use it, so that deleting the
namespace cannot delete the credentials before the servers are deleted. Never list, watch, update
or delete: the operator reads only the Secrets its Instances name, and writes only that finalizer.
*/}}
{{- define "instance-operator.rules" -}}
- apiGroups: ["instance-operator.dev"]
  resources: ["instances"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["instance-operator.dev"]
  resources: ["instances/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "patch"]
{{- end }}

{{/*
kopf peering: it lists and watches the peering resource (all objects of the kind in the scope) and
reads and patches the one peering object by name. Argument: the resource's plural.
*/}}
{{- define "instance-operator.peeringRules" -}}
- apiGroups: ["kopf.dev"]
  resources: [{{ .resource | quote }}]
  verbs: ["list", "watch"]
- apiGroups: ["kopf.dev"]
  resources: [{{ .resource | quote }}]
  resourceNames: [{{ .name | quote }}]
  verbs: ["get", "patch"]
{{- end }}

{{/*
"true" when the deletion-protection ValidatingAdmissionPolicy is rendered: enabled, on Kubernetes
1.30 or later (admissionregistration.k8s.io/v1). By the version, not .Capabilities.APIVersions:
`helm template` knows only group/versions, no kinds, unless given --api-versions.
*/}}
{{- define "instance-operator.deletionPolicy" -}}
{{- if and .Values.deletionProtection.enabled (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version) }}true{{ end }}
{{- end }}

{{/* The deletion-protection policy's and its binding's name: cluster-scoped, so with the release's. */}}
{{- define "instance-operator.deletionPolicyName" -}}
{{ include "instance-operator.fullname" . }}-deletion-protection
{{- end }}

{{/* The operator's image: by digest when one is given (immutable), else by tag. */}}
{{- define "instance-operator.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}
