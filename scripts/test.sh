#!/usr/bin/env bash
# The whole test suite, as CI runs it: format and vet checks, the Go tests
# (golden files, the real-chart corpus with Pod Security Standards, bad
# input, reports with SARIF schema validation), a short fuzz run, and the
# end-to-end tests with real Helm 3 and Helm 4.
#
#   scripts/test.sh            everything
#   FUZZTIME=0 scripts/test.sh skip the fuzz run
#   E2E=0 scripts/test.sh      skip the Helm end-to-end tests
#
# Installs what it needs on a fresh machine: the SARIF validator (npm), and
# Helm 4.3.1 and 3.22.0 (go install, cached under ~/.cache/chartsec-ci).
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

if [[ ${FUZZTIME:-30s} != 0 ]]; then
  step "fuzz the input path for ${FUZZTIME:-30s}"
  go test ./harden -run '^$' -fuzz '^FuzzRun$' -fuzztime "${FUZZTIME:-30s}"
fi

if [[ ${E2E:-1} != 0 ]]; then
  step "end-to-end with real Helm 3 and Helm 4"
  bash e2e/run.sh
fi
