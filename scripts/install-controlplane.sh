#!/usr/bin/env bash
# Builds the control plane the end-to-end tests start (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok) from the Go module proxy into a
# cache that survives between runs, and prints the folder holding the binaries.
# A binary already in the cache is kept (delete the folder to rebuild).
#
# k8s.io/kubernetes cannot be `go install`ed (its go.mod replaces the k8s.io
# staging modules with local folders), so it is built inside a throwaway module
# that requires it and replaces every staging module with its released version.
# The first build takes about 20 minutes on 2 cores; the product's go.mod never
# sees any of this.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
cache=${CHARTSEC_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chartsec-ci}
dir=$cache/controlplane-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
bin=$dir/bin
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { echo "install-controlplane: $*" >&2; }

# module DIR PATH VERSION [REPLACES...]: a throwaway module in DIR requiring
# PATH at VERSION.
module() {
  local d=$1 path=$2 version=$3
  shift 3
  mkdir -p "$d"
  {
    echo "module chartsec.local/controlplane"
    echo
    echo "go $(go env GOVERSION | sed 's/^go//')"
    echo
    echo "require $path $version"
    for r in "$@"; do echo "replace $r"; done
  } >"$d/go.mod"
}

if [[ ! -x $bin/etcd ]]; then
  log "building etcd $ETCD_VERSION"
  module "$dir/src/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
  (cd "$dir/src/etcd" && go build -trimpath -o "$bin/etcd" go.etcd.io/etcd/server/v3) >&2
fi

if [[ ! -x $bin/kwok ]]; then
  log "building kwok $KWOK_VERSION"
  GOBIN=$bin go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
fi
# kwok's stage files ship in its module (kustomize/stage/...).
stages=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
mkdir -p "$dir/stages"
for s in node/fast node/heartbeat pod/fast; do
  for f in "$stages/kustomize/stage/$s"/*.yaml; do
    case $f in */kustomization.yaml) continue ;; esac
    cp "$f" "$dir/stages/$(echo "$s" | tr / -)-$(basename "$f")"
  done
done
chmod -R u+w "$dir/stages"

components=(kube-apiserver kube-controller-manager kube-scheduler)
missing=()
for c in "${components[@]}"; do [[ -x $bin/$c ]] || missing+=("$c"); done
if ((${#missing[@]})); then
  log "building ${missing[*]} $K8S_VERSION (about 20 minutes the first time on 2 cores)"
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  minor=${K8S_VERSION#v1.}
  staging=$(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/.*|\1|p' "$gomod")
  replaces=()
  for m in $staging; do replaces+=("$m => $m v0.$minor"); done
  module "$dir/src/kubernetes" k8s.io/kubernetes "$K8S_VERSION" "${replaces[@]}"
  major=${K8S_VERSION#v}
  major=${major%%.*}
  minor_only=${minor%%.*}
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor_only"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for c in "${missing[@]}"; do
    log "  go build $c"
    (cd "$dir/src/kubernetes" && go build -trimpath -ldflags "$ldflags" -o "$bin/$c" "k8s.io/kubernetes/cmd/$c") >&2
  done
fi

for c in etcd kwok "${components[@]}"; do
  [[ -x $bin/$c ]] || { log "$bin/$c is missing"; exit 1; }
done
echo "$dir"
