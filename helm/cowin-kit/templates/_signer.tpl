{{/*
The signer (docs/certificates.md, "Where keys live: backends and the signer"): the only pods
holding private signing keys. Web pods reach it at cowin-kit.signerUrl with a client
certificate from the signer's own CA (cowin-kit.signerTlsSecret).
*/}}

{{/* cowin-kit.signerName names the signer's Deployment, Service and NetworkPolicy. */}}
{{- define "cowin-kit.signerName" -}}
{{ include "cowin-kit.fullname" . }}-signer
{{- end }}

{{/* cowin-kit.signerSelectorLabels select the signer pods only. */}}
{{- define "cowin-kit.signerSelectorLabels" -}}
{{ include "cowin-kit.selectorLabels" . }}
app.kubernetes.io/component: signer
{{- end }}

{{/* cowin-kit.signerUrl is where web pods call the signer (its Service). */}}
{{- define "cowin-kit.signerUrl" -}}
https://{{ include "cowin-kit.signerName" . }}:{{ .Values.signer.port }}
{{- end }}

{{/* cowin-kit.signerTlsSecret holds ca.crt, server.crt/key and client.crt/key. */}}
{{- define "cowin-kit.signerTlsSecret" -}}
{{- .Values.signer.tls.existingSecret | default (printf "%s-tls" (include "cowin-kit.signerName" .)) }}
{{- end }}

{{/* cowin-kit.signerTlsMount is where the signer's TLS files are mounted (signer and web pods). */}}
{{- define "cowin-kit.signerTlsMount" -}}
/etc/cowin-kit/signer-tls
{{- end }}

{{/*
cowin-kit.keysBackendEnv: where the private keys are and how to open them (COWIN_KIT_KEYS_*,
COWIN_KIT_PKCS11_*), for every pod that signs or makes keys.
*/}}
{{- define "cowin-kit.keysBackendEnv" -}}
{{- $s := .Values.signer }}
- name: COWIN_KIT_KEYS_BACKEND
  value: {{ $s.keysBackend | quote }}
{{- if $s.passphrase.existingSecret }}
- name: COWIN_KIT_KEYS_PASSPHRASE
  valueFrom:
    secretKeyRef:
      name: {{ $s.passphrase.existingSecret }}
      key: {{ $s.passphrase.existingSecretKey }}
{{- end }}
{{- if eq $s.keysBackend "pkcs11" }}
{{- if not (and $s.pkcs11.module $s.pkcs11.token $s.pkcs11.existingSecret) }}
{{- fail "signer.keysBackend pkcs11 needs signer.pkcs11.module, signer.pkcs11.token and signer.pkcs11.existingSecret (the Secret holding the token's PIN)" }}
{{- end }}
- name: COWIN_KIT_PKCS11_MODULE
  value: {{ $s.pkcs11.module | quote }}
- name: COWIN_KIT_PKCS11_TOKEN
  value: {{ $s.pkcs11.token | quote }}
- name: COWIN_KIT_PKCS11_PIN
  valueFrom:
    secretKeyRef:
      name: {{ $s.pkcs11.existingSecret }}
      key: {{ $s.pkcs11.existingSecretKey }}
{{- end }}
{{- end }}

{{/* cowin-kit.signerClientEnv: what a web pod needs to sign through the signer. */}}
{{- define "cowin-kit.signerClientEnv" -}}
- name: COWIN_KIT_SIGNER_URL
  value: {{ include "cowin-kit.signerUrl" . | quote }}
- name: COWIN_KIT_SIGNER_CLIENT_CERT
  value: {{ include "cowin-kit.signerTlsMount" . }}/client.crt
- name: COWIN_KIT_SIGNER_CLIENT_KEY
  value: {{ include "cowin-kit.signerTlsMount" . }}/client.key
- name: COWIN_KIT_SIGNER_CA
  value: {{ include "cowin-kit.signerTlsMount" . }}/ca.crt
{{- end }}
