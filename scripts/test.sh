#!/usr/bin/env bash
# The whole test suite, as CI runs it: format and vet checks, the Go tests
# (golden files, the real-chart corpus with Pod Security Standards, bad
# input, reports with SARIF schema validation), a short fuzz run, and the
# end-to-end tests with real Helm 3 and Helm 4, and the tests against a real
# control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler
# and kwok, built from the Go module proxy: e2e/cluster).
#
#   scripts/test.sh            everything
#   FUZZTIME=0 scripts/test.sh skip the fuzz runs (FUZZTIME, FUZZTIME_FAST:
#                              how many inputs FuzzRun and FuzzMeaning, and
#                              the go-yaml stand-ins run, 20000x and 30000x)
#   E2E=0 scripts/test.sh      skip the Helm end-to-end tests
#   CLUSTER=0 scripts/test.sh  skip the control-plane tests
#
# Installs what it needs on a fresh machine: the SARIF validator (npm),
# Helm 4.3.1 and 3.22.0, and the control plane (go install / go build, cached
# under ~/.cache/chartsec-ci; about 25 minutes the first time on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
  echo "gofmt would change: $unformatted"
  exit 1
fi
go vet ./...

step "SARIF validator (npm ci)"
npm ci --prefix scripts/sarif-validate --no-audit --no-fund --loglevel=error

step "go test ./..."
go test -count=1 ./...

# Fuzz budgets are counts of runs, not durations: Go 1.26's fuzzer can fail
# a duration-bound run with "context deadline exceeded" when a loaded machine
# makes a worker late at the deadline (golang/go#75804, fixed in Go 1.27).
# Minimizing a new input is bounded by a count too (it defaults to 60 s a
# time, during which no input is run).
if [[ ${FUZZTIME:-20000x} != 0 ]]; then
  step "fuzz the input path, ${FUZZTIME:-20000x}"
  go test ./harden -run '^$' -fuzz '^FuzzRun$' -fuzztime "${FUZZTIME:-20000x}" -fuzzminimizetime 100x
  step "fuzz what hardening means (FuzzMeaning), ${FUZZTIME:-20000x}"
  go test ./harden -run '^$' -fuzz '^FuzzMeaning$' -fuzztime "${FUZZTIME:-20000x}" -fuzzminimizetime 100x
  # The fast paths that stand in for go-yaml (manifest/scan.go reading,
  # manifest/emit.go writing) against go-yaml itself, and the reading of
  # YAML 1.1 numbers against Kubernetes' decoder.
  for target in FuzzScanBlock FuzzEmitFast FuzzResolve11MatchesKubernetes; do
    step "fuzz $target, ${FUZZTIME_FAST:-30000x}"
    go test ./manifest -run '^$' -fuzz "^$target\$" -fuzztime "${FUZZTIME_FAST:-30000x}" -fuzzminimizetime 100x
  done
fi

if [[ ${E2E:-1} != 0 ]]; then
  step "end-to-end with real Helm 3 and Helm 4"
  bash e2e/run.sh
fi

if [[ ${CLUSTER:-1} != 0 ]]; then
  step "control plane: build (cached) and start it, apply the corpus, Helm 3 and 4 lifecycles"
  CHARTSEC_CONTROLPLANE=$(scripts/install-controlplane.sh)
  export CHARTSEC_CONTROLPLANE
  (cd e2e/cluster && go vet ./... && go test -count=1 -timeout 30m ./...)
fi
