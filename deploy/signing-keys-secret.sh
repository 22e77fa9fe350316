#!/usr/bin/env bash
# Turn a keys folder made by `cowin-kit keys generate` into a Kubernetes Secret manifest for the
# chart's signingKeys.existingSecret. A Secret is flat, so <folder>/<file> becomes the key
# <folder>__<file>; the chart's init container folds it back. Prints YAML on stdout:
#   COWIN_KIT_KEYS_DIR=./keys cowin-kit keys generate
#   deploy/signing-keys-secret.sh ./keys cowin-kit-signing-keys | kubectl -n cowin apply -f -
# (or pipe it to kubeseal). Keep an offline copy of the folder in the ministry's vault.
set -euo pipefail
keys_dir=${1:?usage: signing-keys-secret.sh KEYS_DIR [SECRET_NAME]}
name=${2:-cowin-kit-signing-keys}
[ -f "$keys_dir/active.json" ] || { echo "$keys_dir has no active.json: run 'cowin-kit keys generate'" >&2; exit 1; }

printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n' "$name"
printf '  labels:\n    app.kubernetes.io/part-of: cowin-kit\n'
printf 'type: Opaque\ndata:\n'
(cd "$keys_dir" && find . -type f ! -name '.*' | LC_ALL=C sort) | while read -r path; do
  path=${path#./}
  case "$path" in */*/*) echo "unexpected nesting: $path" >&2; exit 1 ;; esac
  key=${path//\//__}
  [[ "$key" =~ ^[-._a-zA-Z0-9]+$ ]] || { echo "cannot name a Secret key after $path" >&2; exit 1; }
  printf '  %s: %s\n' "$key" "$(base64 -w0 <"$keys_dir/$path")"
done
