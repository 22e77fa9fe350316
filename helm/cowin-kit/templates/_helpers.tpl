{{/*
Names, labels and the pieces shared by the web Deployment, the migration Job and the SMS
delivery CronJob.
Every define is namespaced "cowin-kit." so subcharts and parents never clash.
*/}}

{{/* cowin-kit.name is the chart name, or nameOverride. */}}
{{- define "cowin-kit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* cowin-kit.fullname is "<release>-<name>" (or just the release name when it already holds the name). */}}
{{- define "cowin-kit.fullname" -}}
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

{{/* cowin-kit.chart is "<chart>-<version>" for the helm.sh/chart label. */}}
{{- define "cowin-kit.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* cowin-kit.selectorLabels identify the release's pods; stable across upgrades. */}}
{{- define "cowin-kit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cowin-kit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* cowin-kit.labels are the standard labels for every resource, then commonLabels (never in a selector). */}}
{{- define "cowin-kit.labels" -}}
helm.sh/chart: {{ include "cowin-kit.chart" . }}
{{ include "cowin-kit.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cowin-kit
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* cowin-kit.namespace: namespaceOverride, else the release's namespace (written on every resource). */}}
{{- define "cowin-kit.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{/*
cowin-kit.annotations: an "annotations:" block with commonAnnotations and the resource's own
(which win), or nothing when both are empty. Call with (dict "root" $ "extra" <map or nil>).
*/}}
{{- define "cowin-kit.annotations" -}}
{{- $all := merge (deepCopy (.extra | default dict)) (deepCopy (.root.Values.commonAnnotations | default dict)) }}
{{- with $all }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* cowin-kit.componentLabels: call with (dict "root" $ "component" "web"). */}}
{{- define "cowin-kit.componentLabels" -}}
{{ include "cowin-kit.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* cowin-kit.webSelectorLabels select the web pods only (not the migration or test pods). */}}
{{- define "cowin-kit.webSelectorLabels" -}}
{{ include "cowin-kit.selectorLabels" . }}
app.kubernetes.io/component: web
{{- end }}

{{/* cowin-kit.serviceAccountName is the web pods' ServiceAccount. */}}
{{- define "cowin-kit.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cowin-kit.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* cowin-kit.image is "repository:tag" or "repository@digest". */}}
{{- define "cowin-kit.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* cowin-kit.secretName is the chart-managed Secret (credentials given as values). */}}
{{- define "cowin-kit.secretName" -}}
{{- include "cowin-kit.fullname" . }}
{{- end }}

{{/* cowin-kit.profileMountPath is where the ministry's own profile files are mounted. */}}
{{- define "cowin-kit.profileMountPath" -}}
/etc/cowin-kit/profile
{{- end }}

{{/* cowin-kit.instanceDir is the writable instance folder (an emptyDir). */}}
{{- define "cowin-kit.instanceDir" -}}
/var/lib/cowin-kit
{{- end }}

{{/*
cowin-kit.smsDelivery is "true" when the SMS CronJob runs: smsDelivery.enabled, whatever the
backend (the http backend leaves texts to deliver; every backend leaves texts to purge).
*/}}
{{- define "cowin-kit.smsDelivery" -}}
{{- if .Values.smsDelivery.enabled }}true{{ end }}
{{- end }}

{{/* cowin-kit.hasProfileFiles is "true" when the ministry supplied its own profile files. */}}
{{/*
cowin-kit.signingKeysSecret: the Secret holding the signing keys: signingKeys.existingSecret,
else the one the pre-install Job generates (signing-keys-job.yaml). Neither: refuse to render,
since no pod could sign a certificate (and keys made inside a pod would vanish with it).
*/}}
{{- define "cowin-kit.signingKeysSecret" -}}
{{- if .Values.signingKeys.existingSecret }}{{ .Values.signingKeys.existingSecret }}
{{- else if .Values.signingKeys.generate.enabled }}{{ .Values.signingKeys.generate.secretName | default (printf "%s-signing-keys" (include "cowin-kit.fullname" .)) }}
{{- else }}{{ fail "set signingKeys.existingSecret (a Secret you created with deploy/signing-keys-secret.sh) or signingKeys.generate.enabled=true: without signing keys no certificate can be issued (docs/deploy.md, \"Signing keys\")" }}
{{- end }}
{{- end }}

{{- define "cowin-kit.hasProfileFiles" -}}
{{- if .Values.profile.files.profileYaml }}true{{ else if .Values.profile.files.areasCsv }}{{ fail "profile.files.areasCsv needs profile.files.profileYaml too (the profile names its areas file)" }}{{ else if .Values.profile.files.routineYaml }}{{ fail "profile.files.routineYaml needs profile.files.profileYaml too (routine.yaml sits beside the ministry's own profile.yaml; a shipped profile brings its own)" }}{{ end }}
{{- end }}

{{/*
cowin-kit.secretData is the chart-managed Secret's stringData: every credential given as a
value rather than through an existingSecret. The secret key is generated once and then read
back from the live Secret, so upgrades never change it.
*/}}
{{- define "cowin-kit.secretData" -}}
{{- if and (not .Values.database.existingSecret) .Values.database.url }}
database-url: {{ .Values.database.url | quote }}
{{- end }}
{{- if .Values.secretKey.value }}
{{- if not .Values.secretKey.existingSecret }}
secret-key: {{ .Values.secretKey.value | quote }}
{{- end }}
{{- else if and .Values.secretKey.generate (not .Values.secretKey.existingSecret) }}
{{- /* Trial clusters only (secretKey.generate): kept across `helm upgrade` by lookup, but a
     new key on every `helm template`. */}}
{{- $live := lookup "v1" "Secret" .Release.Namespace (include "cowin-kit.secretName" .) }}
{{- $kept := "" }}
{{- if and $live $live.data (index $live.data "secret-key") }}
{{- $kept = index $live.data "secret-key" | b64dec }}
{{- end }}
secret-key: {{ $kept | default (randAlphaNum 64) | quote }}
{{- end }}
{{- if and (not .Values.redis.existingSecret) .Values.redis.url }}
redis-url: {{ .Values.redis.url | quote }}
{{- end }}
{{- if and (not .Values.sms.existingSecret) .Values.sms.httpToken }}
sms-http-token: {{ .Values.sms.httpToken | quote }}
{{- end }}
{{- end }}

{{/*
cowin-kit.secretEnv: one env var read from the user's existingSecret or else the chart's Secret;
call with (dict "secret" <chart secret name> "name" "COWIN_KIT_X" "key" "x" "from" .Values.x).
*/}}
{{- define "cowin-kit.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .from.existingSecret | default .secret }}
      key: {{ ternary .from.existingSecretKey .key (not (empty .from.existingSecret)) }}
{{- end }}

{{/*
cowin-kit.env is the environment shared by the web pods, the migration Job and the SMS delivery
CronJob: the kit's settings as COWIN_KIT_* variables and the database URL. Call with
(dict "root" $ "component" "web"), "migration", "sms-delivery", "lottery" (the lottery
CronJob: as the SMS delivery one), "routine-due" (the routine doses refresh: as the lottery
one) or "reminders" (as the lottery one, plus the secret key: the
reminder log keeps mobiles as keyed hashes). Only web pods get Redis and signing keys, and production mode (COWIN_KIT_ENV=production: they refuse to
start with unsafe settings or a database role that can rewrite the audit log); the SMS token
goes to the web and SMS delivery pods. The migration Job connects as the schema owner (its URL
from its hook-scoped Secret, deleted once it succeeds, or existingSecretMigrationKey); the
others as the app role (database.url, from the release's Secret).
*/}}
{{- define "cowin-kit.env" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $web := eq .component "web" }}
{{- $migration := eq .component "migration" }}
{{- $keys := eq .component "signing-keys" }}
{{- $reminders := eq .component "reminders" }}
{{- if not (or $web $migration $keys $reminders (eq .component "sms-delivery") (eq .component "lottery") (eq .component "routine-due")) }}
{{- fail (printf "cowin-kit.env: unknown component %q" .component) }}
{{- end }}
{{- $secret := include "cowin-kit.secretName" $root }}
{{- $dbSecret := ternary (printf "%s-migrate" (include "cowin-kit.fullname" $root)) $secret $migration }}
- name: COWIN_KIT_PROFILE
  value: {{ ternary (include "cowin-kit.profileMountPath" $root) $v.profile.code (eq (include "cowin-kit.hasProfileFiles" $root) "true") | quote }}
- name: COWIN_KIT_INSTANCE_DIR
  value: {{ include "cowin-kit.instanceDir" $root | quote }}
{{- range $key, $value := $v.config }}
{{- if not (and (kindIs "string" $value) (empty $value)) }}
- name: {{ printf "COWIN_KIT_%s" ($key | snakecase | upper) }}
  value: {{ ternary $value (toJson $value) (kindIs "string" $value) | quote }}
{{- end }}
{{- end }}
{{- if $keys }}
- name: COWIN_KIT_KEYS_DIR
  value: /tmp/signing-keys
{{- else }}
{{- if not (or $v.database.existingSecret $v.database.url) }}
{{- fail "set database.url or database.existingSecret: without a PostgreSQL URL the kit would keep its data in the pod (SQLite) and lose it" }}
{{- end }}
{{- if and $migration (not (or $v.database.existingSecret $v.database.migrationUrl)) }}
{{- fail "set database.migrationUrl (the schema owner's URL) or database.existingSecret: migrations run as the owner, the app as database.url's role (docs/security.md)" }}
{{- end }}
{{- if $migration }}
{{ include "cowin-kit.secretEnv" (dict "secret" $dbSecret "name" "COWIN_KIT_DATABASE_URL" "key" "database-url" "from" (dict "existingSecret" $v.database.existingSecret "existingSecretKey" $v.database.existingSecretMigrationKey)) }}
{{- else }}
{{ include "cowin-kit.secretEnv" (dict "secret" $dbSecret "name" "COWIN_KIT_DATABASE_URL" "key" "database-url" "from" $v.database) }}
- name: COWIN_KIT_DB_POOL_SIZE
  value: {{ $v.database.pool.size | int | toString | quote }}
- name: COWIN_KIT_DB_MAX_OVERFLOW
  value: {{ $v.database.pool.maxOverflow | int | toString | quote }}
{{- end }}
{{- with $v.database.pooler.type }}
- name: COWIN_KIT_DATABASE_POOLER
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if $web }}
- name: COWIN_KIT_ENV
  value: "production"
{{- end }}
{{- if or $web $reminders }}
{{- if not (or $v.secretKey.existingSecret $v.secretKey.value $v.secretKey.generate) }}
{{- fail (printf "secretKey: set secretKey.existingSecret to a Secret you created holding key %q (e.g. kubectl -n %s create secret generic cowin-kit-secret-key --from-literal=%s=\"$(openssl rand -base64 48)\"), docs/deploy.md \"Secrets\". The chart no longer makes the key itself: a generated key changes on every helm template (Argo CD, Flux), signing everyone out and re-keying the identity-number hashes. For a throwaway trial cluster only, set secretKey.generate=true." $v.secretKey.existingSecretKey $root.Release.Namespace $v.secretKey.existingSecretKey) }}
{{- end }}
{{ include "cowin-kit.secretEnv" (dict "secret" $secret "name" "COWIN_KIT_SECRET_KEY" "key" "secret-key" "from" $v.secretKey) }}
{{- with $v.secretKey.existingSecret }}
{{- /* Optional in the Secret: add them there (and restart the pods) to rotate the key. */}}
- name: COWIN_KIT_SECRET_KEY_FALLBACKS
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $v.secretKey.existingSecretFallbacksKey }}
      optional: true
- name: COWIN_KIT_IDENTITY_HASH_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $v.secretKey.existingSecretIdentityHashKey }}
      optional: true
{{- end }}
{{- end }}
{{- if $web }}
{{- if or $v.redis.existingSecret $v.redis.url }}
{{ include "cowin-kit.secretEnv" (dict "secret" $secret "name" "COWIN_KIT_REDIS_URL" "key" "redis-url" "from" $v.redis) }}
{{- end }}
{{- end }}
{{- if and (not (or $migration $keys)) (or $v.sms.existingSecret $v.sms.httpToken) }}
{{ include "cowin-kit.secretEnv" (dict "secret" $secret "name" "COWIN_KIT_SMS_HTTP_TOKEN" "key" "sms-http-token" "from" $v.sms) }}
{{- end }}
{{- if $web }}
- name: COWIN_KIT_KEYS_DIR
  value: {{ $v.signingKeys.mountPath | quote }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
cowin-kit.migrationArgs: `db upgrade`, then the grants of database.appRole when it is set (a
YAML list, read back with fromYamlArray).
*/}}
{{- define "cowin-kit.migrationArgs" -}}
{{- $args := list "db" "upgrade" }}
{{- with .Values.database.appRole }}
{{- $args = concat $args (list "--app-role" .) }}
{{- end }}
{{- toYaml $args }}
{{- end }}

{{/* cowin-kit.containerSecurityContext: non-root, read-only root filesystem, no capabilities. */}}
{{- define "cowin-kit.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* cowin-kit.podSecurityContext: the pod-level part of the same rules. */}}
{{- define "cowin-kit.podSecurityContext" -}}
runAsNonRoot: true
{{- with .Values.podSecurityContext }}
{{ toYaml . }}
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* cowin-kit.writableVolumes: emptyDirs for /tmp and the instance folder (root FS is read-only). */}}
{{- define "cowin-kit.writableVolumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
- name: instance
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* cowin-kit.writableMounts mounts cowin-kit.writableVolumes. */}}
{{- define "cowin-kit.writableMounts" -}}
- name: tmp
  mountPath: /tmp
- name: instance
  mountPath: {{ include "cowin-kit.instanceDir" . }}
{{- end }}

{{/* cowin-kit.profileConfigMapData holds the ministry's own profile files. */}}
{{- define "cowin-kit.profileConfigMapData" -}}
profile.yaml: {{ .Values.profile.files.profileYaml | toJson }}
{{- with .Values.profile.files.areasCsv }}
areas.csv: {{ . | toJson }}
{{- end }}
{{- with .Values.profile.files.routineYaml }}
routine.yaml: {{ . | toJson }}
{{- end }}
{{- end }}

{{/*
cowin-kit.profileConfigMapBinary: the files its branding: section names (emblem…), base64 in
values. A ConfigMap key has no folders, so "branding/emblem.png" travels as
"branding__emblem.png" and cowin-kit.profileItems puts it back in its folder.
*/}}
{{- define "cowin-kit.profileConfigMapBinary" -}}
{{- range $name, $content := .Values.profile.files.branding }}
branding__{{ $name }}: {{ $content | quote }}
{{- end }}
{{- end }}

{{/* cowin-kit.profileConfigMapBody: data (and binaryData for branding files) of a profile ConfigMap. */}}
{{- define "cowin-kit.profileConfigMapBody" -}}
data:
  {{- include "cowin-kit.profileConfigMapData" . | nindent 2 }}
{{- with .Values.profile.files.branding }}
binaryData:
  {{- include "cowin-kit.profileConfigMapBinary" $ | nindent 2 }}
{{- end }}
{{- end }}

{{/* cowin-kit.profileItems: the profile ConfigMap's keys as files (branding files in branding/). */}}
{{- define "cowin-kit.profileItems" -}}
- key: profile.yaml
  path: profile.yaml
{{- if .Values.profile.files.areasCsv }}
- key: areas.csv
  path: areas.csv
{{- end }}
{{- if .Values.profile.files.routineYaml }}
- key: routine.yaml
  path: routine.yaml
{{- end }}
{{- range $name, $content := .Values.profile.files.branding }}
- key: branding__{{ $name }}
  path: branding/{{ $name }}
{{- end }}
{{- end }}

{{/*
cowin-kit.unfoldKeys: a Secret is flat, the keys folder is not (divoc/, hcert/, shc/, trust/,
active.json). Secret key "<folder>__<file>" becomes <folder>/<file>, written 0600 into an
in-memory emptyDir owned by the app's user. Args: the Secret's mount, the keys folder.
*/}}
{{- define "cowin-kit.unfoldKeys" -}}
import os, shutil, sys
source, target = sys.argv[1:3]
for name in sorted(os.listdir(source)):
    if name.startswith(".."):
        continue  # the Secret volume's own bookkeeping
    folder, sep, file = name.partition("__")
    path = os.path.join(target, folder, file) if sep else os.path.join(target, name)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    shutil.copyfile(os.path.join(source, name), path)
    os.chmod(path, 0o600)
    print("signing keys:", os.path.relpath(path, target))
{{- end }}

{{/*
cowin-kit.signingKeysHookAnnotations: the signing-keys Job and its RBAC run on install and on
every upgrade (a release installed without keys gets them; otherwise the Job finds the Secret
and stops), after the migration's hooks; deleted once the Job succeeds. Call with (dict "weight" "5").
*/}}
{{- define "cowin-kit.signingKeysHookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/*
cowin-kit.migrationHookAnnotations: what the migration Job reads is created just before it (a
lower hook weight) and deleted once it succeeds. Hooks run before the release's own resources
exist, so the Job cannot use the release's Secret, ConfigMap or ServiceAccount on install.
*/}}
{{- define "cowin-kit.migrationHookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: "-5"
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

{{/*
cowin-kit.commandPodSpec is the pod of a Job that runs one `cowin-kit` command and exits (the
migration, SMS delivery): the web pods' image, hardening, writable folders, profile files and
node placement, without ports or probes. Call with (dict "root" $ "component" "migration"
"container" "migrate" "args" (list "db" "upgrade") "resources" <resources>
"serviceAccountName" <name> "profileConfigMap" <name>); the environment is cowin-kit.env's
for that component.
*/}}
{{- define "cowin-kit.commandPodSpec" -}}
{{- $root := .root }}
{{- $profile := eq (include "cowin-kit.hasProfileFiles" $root) "true" -}}
restartPolicy: Never
serviceAccountName: {{ .serviceAccountName }}
automountServiceAccountToken: {{ .automountToken | default false }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
securityContext:
  {{- include "cowin-kit.podSecurityContext" $root | nindent 2 }}
containers:
  - name: {{ .container }}
    image: {{ include "cowin-kit.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    command: ["cowin-kit"]
    args:
      {{- toYaml .args | nindent 6 }}
    env:
      {{- include "cowin-kit.env" (dict "root" $root "component" .component) | trim | nindent 6 }}
    resources:
      {{- toYaml .resources | nindent 6 }}
    securityContext:
      {{- include "cowin-kit.containerSecurityContext" $root | nindent 6 }}
    volumeMounts:
      {{- include "cowin-kit.writableMounts" $root | nindent 6 }}
      {{- if $profile }}
      - name: profile
        mountPath: {{ include "cowin-kit.profileMountPath" $root }}
        readOnly: true
      {{- end }}
volumes:
  {{- include "cowin-kit.writableVolumes" $root | nindent 2 }}
  {{- if $profile }}
  - name: profile
    configMap:
      name: {{ .profileConfigMap }}
      items:
        {{- include "cowin-kit.profileItems" $root | nindent 8 }}
  {{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
cowin-kit.webWorkers: gunicorn workers per web pod, as deploy/gunicorn.conf.py counts them:
gunicorn.workers, else two per requested CPU (GUNICORN_CPUS: the request rounded up).
*/}}
{{- define "cowin-kit.webWorkers" -}}
{{- if .Values.gunicorn.workers }}{{ .Values.gunicorn.workers | int }}
{{- else }}
{{- $cpu := toString (.Values.resources.requests.cpu | default "1") }}
{{- $cores := ternary (divf (trimSuffix "m" $cpu | float64) 1000) (float64 $cpu) (hasSuffix "m" $cpu) }}
{{- mul 2 (ceil $cores | int) }}
{{- end }}
{{- end }}

{{/*
cowin-kit.connections: the most database client connections the release may open, as
"total web pods workers perWorker" (web pods at their most: autoscaling.maxReplicas or
replicaCount; each gunicorn worker's pool holds up to pool.size + pool.maxOverflow; the SMS
delivery run and the migration Job one pool each). With database.pooler.maxClientConnections
set, a total above it fails the render: at the peak the pooler would refuse connections and
requests would fail (docs/deploy.md, "Database connections").
*/}}
{{- define "cowin-kit.connections" -}}
{{- $v := .Values }}
{{- $pods := ternary $v.autoscaling.maxReplicas $v.replicaCount $v.autoscaling.enabled | int }}
{{- $workers := include "cowin-kit.webWorkers" . | int }}
{{- $perWorker := add $v.database.pool.size $v.database.pool.maxOverflow | int }}
{{- $others := add (ternary 1 0 $v.smsDelivery.enabled) (ternary 1 0 $v.migration.enabled) (ternary 1 0 $v.lotteryRun.enabled) (ternary 1 0 $v.reminders.enabled) (ternary 1 0 $v.routineDueRefresh.enabled) | int }}
{{- $total := add (mul $pods $workers $perWorker) (mul $others $perWorker) | int }}
{{- $limit := $v.database.pooler.maxClientConnections | int }}
{{- if and $limit (gt $total $limit) }}
{{- fail (printf "database connections: %d web pods x %d gunicorn workers x %d (database.pool.size %d + maxOverflow %d) + %d for the SMS delivery, lottery, reminders, routine doses refresh and migration pods = %d, above database.pooler.maxClientConnections %d: lower database.pool.size/maxOverflow (with a transaction pooler 2-5 per worker is plenty), gunicorn.workers or the replicas, or raise the pooler's max_client_conn (docs/deploy.md, \"Database connections\")" $pods $workers $perWorker ($v.database.pool.size | int) ($v.database.pool.maxOverflow | int) (mul $others $perWorker) $total $limit) }}
{{- end }}
{{- printf "%d %d %d %d" $total $pods $workers $perWorker }}
{{- end }}
