#!/bin/sh
# Builds the two Helm versions the end-to-end tests run against, with go install,
# into a cache that survives between runs, and prints their paths:
#   line 1: helm 4, line 2: helm 3.
# A binary already in the cache is kept (delete the folder to rebuild).
set -eu

HELM4_VERSION=${HELM4_VERSION:-v4.3.1}
HELM3_VERSION=${HELM3_VERSION:-v3.22.0}
cache=${CHARTSEC_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chartsec-ci}

# install DIR MODULE VERSION: go install MODULE/cmd/helm@VERSION into DIR unless
# DIR/helm was already built from that module version (helm built by go install
# prints only "v4.3" as its version, so ask Go's build info instead).
install() {
  dir=$1 module=$2 want=$3
  if [ -x "$dir/helm" ] &&
    [ "$(go version -m "$dir/helm" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }')" = "$want" ]; then
    return 0
  fi
  echo "building helm $want into $dir (takes a few minutes the first time)" >&2
  mkdir -p "$dir"
  GOBIN=$dir go install "$module/cmd/helm@$want" >&2
  "$dir/helm" version --short >/dev/null
}

install "$cache/helm4" helm.sh/helm/v4 "$HELM4_VERSION"
install "$cache/helm3" helm.sh/helm/v3 "$HELM3_VERSION"
echo "$cache/helm4/helm"
echo "$cache/helm3/helm"
