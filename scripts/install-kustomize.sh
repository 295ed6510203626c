#!/bin/sh
# Builds kustomize (for the KRM function test and the benchmark) with go
# install into the same cache as the Helm binaries, and prints its path.
# v5.8.0: later releases need a newer Go than these machines have.
set -eu
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-v5.8.0}
dir=${CHARTSEC_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chartsec-ci}/kustomize
module=sigs.k8s.io/kustomize/kustomize/v5
if ! [ -x "$dir/kustomize" ] ||
  [ "$(go version -m "$dir/kustomize" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }')" != "$KUSTOMIZE_VERSION" ]; then
  echo "building kustomize $KUSTOMIZE_VERSION into $dir (takes a few minutes the first time)" >&2
  mkdir -p "$dir"
  GOBIN=$dir go install "$module@$KUSTOMIZE_VERSION" >&2
fi
echo "$dir/kustomize"
