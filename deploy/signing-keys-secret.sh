#!/usr/bin/env bash
# Create the Kubernetes Secret for the chart's signingKeys.existingSecret from a keys folder made
# by `cowin-kit keys generate`, with `kubectl create secret generic --from-file` (never `kubectl
# apply` of a manifest: apply keeps the whole Secret, private keys included, in the
# kubectl.kubernetes.io/last-applied-configuration annotation, readable by anyone who can read
# the object's metadata). A Secret is flat, so <folder>/<file> becomes the key <folder>__<file>;
# the chart's init container folds it back.
#   COWIN_KIT_KEYS_DIR=./keys cowin-kit keys generate
#   deploy/signing-keys-secret.sh ./keys cowin-kit-signing-keys -n cowin
# Arguments after the name go to kubectl (e.g. -n NAMESPACE, or --dry-run=client -o yaml to pipe
# it to kubeseal). KUBECTL names another kubectl binary. Keep an offline copy of the folder as
# docs/certificates.md ("Key ceremony") says, then delete it from the workstation.
set -euo pipefail
keys_dir=${1:?usage: signing-keys-secret.sh KEYS_DIR [SECRET_NAME] [kubectl arguments...]}
name=${2:-cowin-kit-signing-keys}
shift $(( $# >= 2 ? 2 : 1 ))
[ -f "$keys_dir/active.json" ] || { echo "$keys_dir has no active.json: run 'cowin-kit keys generate'" >&2; exit 1; }

args=()
while read -r path; do
  path=${path#./}
  case "$path" in */*/*) echo "unexpected nesting: $path" >&2; exit 1 ;; esac
  key=${path//\//__}
  [[ "$key" =~ ^[-._a-zA-Z0-9]+$ ]] || { echo "cannot name a Secret key after $path" >&2; exit 1; }
  args+=("--from-file=$key=$keys_dir/$path")
done < <(cd "$keys_dir" && find . -type f ! -name '.*' ! -name '*.tmp' | LC_ALL=C sort)

exec "${KUBECTL:-kubectl}" create secret generic "$name" "${args[@]}" "$@"
