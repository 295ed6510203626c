#!/usr/bin/env bash
# Tests the GitOps examples against e2e/testchart:
#  - Argo CD: runs the generate command of examples/argocd/plugin.yaml (read
#    from the file itself) the way the CMP server does, with Argo CD's build
#    variables and ARGOCD_ENV_* settings;
#  - Flux: runs examples/flux/render.sh, then its --check.
# Needs helm (or HELM=/path/to/helm), chartsec-harden on PATH, bash, awk.
# Ends with "N passed, M failed".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
chart=$here/../e2e/testchart
helm_bin=${HELM:-$(command -v helm)}
command -v chartsec-harden >/dev/null || { echo "examples/test.sh: chartsec-harden is not on PATH" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/chartsec-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The plugin and render.sh call plain "helm".
mkdir -p "$work/bin"
ln -s "$helm_bin" "$work/bin/helm"
export PATH=$work/bin:$PATH

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; sed 's/^/    | /' "$work/err" | tail -n 20; }
has() { grep -Eq -- "$2" "$1" || { echo "$1: no line matches /$2/" >>"$work/err"; return 1; }; }
lacks() { ! grep -Eq -- "$2" "$1" || { echo "$1: unexpected /$2/" >>"$work/err"; return 1; }; }

# The generate script: the "- |" block under generate: in plugin.yaml.
awk '
  /^  generate:/ { in_gen = 1; next }
  in_gen && /^      - \|$/ { in_block = 1; next }
  in_block && /^        / { print substr($0, 9); next }
  in_block && /^$/ { print ""; next }
  in_block { exit }
' "$here/argocd/plugin.yaml" >"$work/generate.sh"
if [[ ! -s $work/generate.sh ]]; then
  echo "examples/test.sh: no generate script found in examples/argocd/plugin.yaml" >&2
  exit 2
fi

# The app folder, as the CMP server checks it out: the chart plus the app's own files.
cp -R "$chart" "$work/app"
printf 'podSecurity:\n  runAsUser: 10001\n' >"$work/app/chartsec.yaml"
printf 'replicaCount: 3\n' >"$work/app/values-prod.yaml"

# argocd ENV...: run the generate script in the app folder with Argo CD's variables.
argocd() {
  (cd "$work/app" && env -i PATH="$PATH" HOME="$work" \
    HELM_CACHE_HOME="$work/helm/cache" HELM_CONFIG_HOME="$work/helm/config" HELM_DATA_HOME="$work/helm/data" \
    ARGOCD_APP_NAME=shop ARGOCD_APP_NAMESPACE=shop-prod KUBE_VERSION=1.31.0 \
    KUBE_API_VERSIONS=v1,apps/v1,batch/v1,policy/v1,networking.k8s.io/v1 \
    "$@" bash -c "$(cat "$work/generate.sh")")
}

: >"$work/err"
if argocd ARGOCD_ENV_CHARTSEC_CONFIG=chartsec.yaml ARGOCD_ENV_VALUES_FILES=values-prod.yaml \
  >"$work/argocd.yaml" 2>>"$work/err" &&
  has "$work/argocd.yaml" '^kind: Deployment$' &&
  has "$work/argocd.yaml" 'name: shop-testchart$' &&
  has "$work/argocd.yaml" 'replicas: 3$' &&
  has "$work/argocd.yaml" 'runAsNonRoot: true' &&
  has "$work/argocd.yaml" 'readOnlyRootFilesystem: true' &&
  has "$work/argocd.yaml" 'runAsUser: 10001' &&
  lacks "$work/argocd.yaml" '^chartsec-harden'; then
  ok "argocd: generate renders the app hardened with its config and values"
else
  fail "argocd: generate renders the app hardened with its config and values"
fi

: >"$work/err"
if argocd ARGOCD_ENV_CHARTSEC_DISABLE=resources >"$work/argocd-disable.yaml" 2>>"$work/err" &&
  has "$work/argocd-disable.yaml" 'runAsNonRoot: true' &&
  lacks "$work/argocd-disable.yaml" 'cpu: 250m'; then
  ok "argocd: ARGOCD_ENV_CHARTSEC_DISABLE switches a control off"
else
  fail "argocd: ARGOCD_ENV_CHARTSEC_DISABLE switches a control off"
fi

: >"$work/err"
if ! argocd ARGOCD_ENV_CHARTSEC_CONFIG=missing.yaml >/dev/null 2>>"$work/err" &&
  has "$work/err" 'missing.yaml'; then
  ok "argocd: a chartsec-harden error fails generate"
else
  fail "argocd: a chartsec-harden error fails generate"
fi

# A broken chart must fail generate, not hand Argo CD an empty render (pipefail).
printf '{{ fail "broken on purpose" }}\n' >"$work/app/templates/broken.yaml"
: >"$work/err"
if ! argocd >"$work/argocd-broken.yaml" 2>>"$work/err" && has "$work/err" 'broken on purpose'; then
  ok "argocd: a helm template error fails generate"
else
  fail "argocd: a helm template error fails generate"
fi
rm "$work/app/templates/broken.yaml"

: >"$work/err"
if "$here/flux/render.sh" "$chart" shop shop-prod "$work/deploy/shop" -- --kube-version 1.31.0 \
  -- --config "$work/app/chartsec.yaml" 2>>"$work/err" &&
  has "$work/deploy/shop/manifests.yaml" 'runAsUser: 10001' &&
  has "$work/deploy/shop/manifests.yaml" 'readOnlyRootFilesystem: true' &&
  has "$work/deploy/shop/kustomization.yaml" '^  - manifests.yaml$' &&
  "$here/flux/render.sh" --check "$chart" shop shop-prod "$work/deploy/shop" -- --kube-version 1.31.0 \
    -- --config "$work/app/chartsec.yaml" 2>>"$work/err"; then
  ok "flux: render.sh writes hardened manifests, --check agrees"
else
  fail "flux: render.sh writes hardened manifests, --check agrees"
fi

: >"$work/err"
printf '# edited by hand\n' >>"$work/deploy/shop/manifests.yaml"
if ! "$here/flux/render.sh" --check "$chart" shop shop-prod "$work/deploy/shop" -- --kube-version 1.31.0 \
  -- --config "$work/app/chartsec.yaml" >/dev/null 2>>"$work/err" && has "$work/err" 'stale'; then
  ok "flux: render.sh --check fails on stale output"
else
  fail "flux: render.sh --check fails on stale output"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
