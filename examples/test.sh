#!/usr/bin/env bash
# Tests the GitOps examples against e2e/testchart:
#  - Argo CD: runs the generate command of examples/argocd/plugin.yaml (read
#    from the file itself) the way the CMP server does, with Argo CD's build
#    variables and ARGOCD_ENV_* settings;
#  - Argo CD: builds examples/argocd (a kustomize Component) into a stand-in
#    Argo CD install, when kustomize is there (KUSTOMIZE=/path or on PATH);
#  - Flux: runs examples/flux/render.sh, then its --check, and the render.sh
#    command of examples/flux/github-workflow.yaml.
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

# The app folder, as the CMP server checks it out: the chart plus the app's own
# files, a CRD in crds/, a template that shows the Kubernetes version it was
# rendered for, and a kubeVersion constraint that helm's built-in default
# (v1.20 for a helm built with go install) does not meet.
cp -R "$chart" "$work/app"
printf 'podSecurity:\n  runAsUser: 10001\n' >"$work/app/chartsec.yaml"
printf 'replicaCount: 3\n' >"$work/app/values-prod.yaml"
printf 'kubeVersion: ">=1.25.0-0"\n' >>"$work/app/Chart.yaml"
mkdir -p "$work/app/crds"
cat >"$work/app/crds/widgets.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object}
EOF
cat >"$work/app/templates/kube-version.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-kube-version
data:
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
EOF

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
  has "$work/argocd.yaml" '^kind: CustomResourceDefinition$' &&
  has "$work/argocd.yaml" 'kubeVersion: "v1.31.0"' &&
  lacks "$work/argocd.yaml" '^chartsec-harden'; then
  ok "argocd: generate renders the app hardened, CRDs included, for KUBE_VERSION"
else
  fail "argocd: generate renders the app hardened, CRDs included, for KUBE_VERSION"
fi

# Argo CD before 3.3.3 gives KUBE_VERSION as major.minor; some clusters add
# build metadata; the app may name its own version.
: >"$work/err"
if argocd KUBE_VERSION=1.30 >"$work/argocd-v1.yaml" 2>>"$work/err" &&
  has "$work/argocd-v1.yaml" 'kubeVersion: "v1.30.0"' &&
  argocd KUBE_VERSION=v1.29.4+k3s1 >"$work/argocd-v2.yaml" 2>>"$work/err" &&
  has "$work/argocd-v2.yaml" 'kubeVersion: "v1.29.4"' &&
  argocd ARGOCD_ENV_KUBE_VERSION=1.32.1 >"$work/argocd-v3.yaml" 2>>"$work/err" &&
  has "$work/argocd-v3.yaml" 'kubeVersion: "v1.32.1"'; then
  ok "argocd: KUBE_VERSION as 1.30, v1.29.4+k3s1, or the app's own"
else
  fail "argocd: KUBE_VERSION as 1.30, v1.29.4+k3s1, or the app's own"
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

# The kustomize Component adds the plugin to an Argo CD that is already
# installed (a stand-in argocd-repo-server here), fetching nothing.
kustomize_bin=${KUSTOMIZE:-$(command -v kustomize || true)}
if [[ -n $kustomize_bin ]]; then
  : >"$work/err"
  mkdir -p "$work/gitops/argocd"
  cp -R "$here/argocd" "$work/gitops/chartsec-harden"
  cat >"$work/gitops/argocd/install.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector: {matchLabels: {app.kubernetes.io/name: argocd-repo-server}}
  template:
    metadata: {labels: {app.kubernetes.io/name: argocd-repo-server}}
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.3.3
      volumes:
        - name: var-files
          emptyDir: {}
        - name: plugins
          emptyDir: {}
EOF
  printf 'namespace: argocd\nresources:\n  - install.yaml\ncomponents:\n  - ../chartsec-harden\n' >"$work/gitops/argocd/kustomization.yaml"
  if lacks "$here/argocd/kustomization.yaml" '^[^#]*(https?:|github\.com)' &&
    "$kustomize_bin" build "$work/gitops/argocd" >"$work/argocd-install.yaml" 2>>"$work/err" &&
    has "$work/argocd-install.yaml" 'name: argocd-repo-server$' &&
    has "$work/argocd-install.yaml" '/var/run/argocd/argocd-cmp-server' &&
    has "$work/argocd-install.yaml" 'name: chartsec-harden$' &&
    has "$work/argocd-install.yaml" '^  name: chartsec-harden-cmp$' &&
    has "$work/argocd-install.yaml" '^  namespace: argocd$' &&
    has "$work/argocd-install.yaml" 'kind: ConfigManagementPlugin'; then
    ok "argocd: the kustomize Component adds the plugin to an installed Argo CD"
  else
    fail "argocd: the kustomize Component adds the plugin to an installed Argo CD"
  fi
else
  echo "skip argocd: the kustomize Component (no kustomize; KUSTOMIZE=/path)"
fi

# Argo CD installed another way: README.md's kubectl patch, run locally on the
# stand-in install, keeps Argo CD's container and adds the sidecar.
if command -v kubectl >/dev/null; then
  : >"$work/err"
  mkdir -p "$work/gitops/argocd"
  [[ -f $work/gitops/argocd/install.yaml ]] || printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: argocd-repo-server}\nspec:\n  template:\n    spec:\n      containers: [{name: argocd-repo-server, image: quay.io/argoproj/argocd:v3.3.3}]\n' >"$work/gitops/argocd/install.yaml"
  if has "$here/argocd/README.md" 'kubectl -n argocd patch deployment argocd-repo-server --patch-file repo-server-patch.yaml' &&
    kubectl patch --local -f "$work/gitops/argocd/install.yaml" --patch-file "$here/argocd/repo-server-patch.yaml" -o yaml \
      >"$work/argocd-patched.yaml" 2>>"$work/err" &&
    has "$work/argocd-patched.yaml" 'name: argocd-repo-server$' &&
    has "$work/argocd-patched.yaml" '^        name: chartsec-harden$' &&
    has "$work/argocd-patched.yaml" 'name: chartsec-harden-cmp$'; then
    ok "argocd: kubectl patch adds the sidecar to an installed argocd-repo-server"
  else
    fail "argocd: kubectl patch adds the sidecar to an installed argocd-repo-server"
  fi
else
  echo "skip argocd: kubectl patch (no kubectl)"
fi

: >"$work/err"
if "$here/flux/render.sh" "$chart" shop shop-prod "$work/deploy/shop" -- --kube-version 1.31.0 \
  -- --config "$work/app/chartsec.yaml" 2>>"$work/err" &&
  has "$work/deploy/shop/manifests.yaml" 'runAsUser: 10001' &&
  has "$work/deploy/shop/manifests.yaml" 'readOnlyRootFilesystem: true' &&
  lacks "$work/deploy/shop/manifests.yaml" 'helm.sh/hook"?: test' &&
  has "$work/deploy/shop/manifests.yaml" 'name: shop-testchart-migrate$' &&
  has "$work/err" 'hooks kept as ordinary objects' &&
  has "$work/err" 'Job shop-testchart-migrate: pre-install' &&
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

: >"$work/err"
if "$here/flux/render.sh" "$chart" shop shop-prod "$work/deploy/nohooks" -- --kube-version 1.31.0 --no-hooks 2>>"$work/err" &&
  lacks "$work/deploy/nohooks/manifests.yaml" 'helm.sh/hook' &&
  has "$work/deploy/nohooks/manifests.yaml" '^kind: Deployment$' &&
  lacks "$work/err" 'hooks kept'; then
  ok "flux: render.sh -- --no-hooks leaves every hook out"
else
  fail "flux: render.sh -- --no-hooks leaves every hook out"
fi

# The workflow's render.sh command, run in a repository laid out as it
# expects, against a chart that needs Kubernetes >= 1.25.
: >"$work/err"
repo=$work/repo
mkdir -p "$repo/charts" "$repo/examples"
cp -R "$work/app" "$repo/charts/shop"
cp "$work/app/chartsec.yaml" "$repo/chartsec.yaml"
cp -R "$here/flux" "$repo/examples/flux"
workflow_cmd=$(sed -n 's/^ *- run: \(examples\/flux\/render\.sh --check .*\)$/\1/p' "$here/flux/github-workflow.yaml")
if [[ -n $workflow_cmd && $workflow_cmd == *--kube-version* ]] &&
  (cd "$repo" && eval "${workflow_cmd/--check /}") 2>>"$work/err" &&
  (cd "$repo" && eval "$workflow_cmd") 2>>"$work/err" &&
  has "$repo/deploy/shop/manifests.yaml" 'kubeVersion: "v1.31.0"'; then
  ok "flux: the workflow's render.sh --check passes --kube-version and agrees"
else
  echo "workflow command: ${workflow_cmd:-none found}" >>"$work/err"
  fail "flux: the workflow's render.sh --check passes --kube-version and agrees"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
