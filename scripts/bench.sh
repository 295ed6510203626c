#!/usr/bin/env bash
# Benchmarks chartsec-harden against the bare kyaml round trip
# (scripts/bench/roundtrip) on the same input, and against kustomize with
# equivalent JSON6902 patches when kustomize (or kubectl) is on PATH.
#
#   scripts/bench.sh [RUNS]       (default 7 runs of each, alternating)
#
# Prints, per case, the median wall time and peak RSS (GNU time) of each
# program and their ratios. Input: ../shared/corpus (or $CHARTSEC_CORPUS).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-7}
corpus=${CHARTSEC_CORPUS:-$root/../shared/corpus}
[[ -d $corpus ]] || { echo "no corpus at $corpus" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/chartsec-harden" . && go build -o "$work/roundtrip" ./scripts/bench/roundtrip)
cat "$corpus"/*.yaml > "$work/x1.yaml"
for _ in 1 2 3 4; do cat "$work/x1.yaml"; done > "$work/x4.yaml"

# measure CMD INPUT: prints "seconds kilobytes" of one run.
measure() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2>&1
  cat "$work/time"
}

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# compare NAME INPUT CMD_A... -- CMD_B...: alternate runs of A and B.
compare() {
  local name=$1 input=$2; shift 2
  local a=() b=()
  while [[ $1 != -- ]]; do a+=("$1"); shift; done; shift; b=("$@")
  : > "$work/a"; : > "$work/b"
  for _ in $(seq "$runs"); do
    measure "${a[@]}" < "$input" >> "$work/a"
    measure "${b[@]}" < "$input" >> "$work/b"
  done
  local at am bt bm
  at=$(cut -d' ' -f1 "$work/a" | median); am=$(cut -d' ' -f2 "$work/a" | median)
  bt=$(cut -d' ' -f1 "$work/b" | median); bm=$(cut -d' ' -f2 "$work/b" | median)
  awk -v n="$name" -v at="$at" -v am="$am" -v bt="$bt" -v bm="$bm" 'BEGIN {
    printf "%-34s %8.3f s %7.0f MiB | %8.3f s %7.0f MiB | time %.3fx  memory %.3fx\n", n, at, am/1024, bt, bm/1024, (bt>0?at/bt:0), (bm>0?am/bm:0) }'
}

size() { awk -v b="$(wc -c < "$1")" 'BEGIN {printf "%.1f MB", b/1e6}'; }
echo "runs: $runs each, alternating; medians. Columns: chartsec-harden | yardstick | ratios"
compare "corpus x1 ($(size "$work/x1.yaml")) vs kyaml" "$work/x1.yaml" "$work/chartsec-harden" -q -- "$work/roundtrip"
compare "corpus x4 ($(size "$work/x4.yaml")) vs kyaml" "$work/x4.yaml" "$work/chartsec-harden" -q -- "$work/roundtrip"
compare "podinfo (5 KB) vs kyaml" "$corpus/podinfo.yaml" "$work/chartsec-harden" -q -- "$work/roundtrip"

# Linearity: 4x the input should take at most 4.4x the time.
: > "$work/l1"; : > "$work/l4"
for _ in $(seq "$runs"); do
  measure "$work/chartsec-harden" -q < "$work/x1.yaml" >> "$work/l1"
  measure "$work/chartsec-harden" -q < "$work/x4.yaml" >> "$work/l4"
done
t1=$(cut -d' ' -f1 "$work/l1" | median); t4=$(cut -d' ' -f1 "$work/l4" | median)
awk -v a="$t1" -v b="$t4" 'BEGIN {printf "%-34s x1 %.3f s, x4 %.3f s: %.2fx the time for 4x the input\n", "linearity", a, b, b/a}'

kustomize=
if command -v kustomize > /dev/null; then kustomize="kustomize build"
elif command -v kubectl > /dev/null; then kustomize="kubectl kustomize"; fi
if [[ -n $kustomize ]]; then
  k=$work/kustomize; mkdir -p "$k"
  cp "$corpus/kube-prometheus-stack.yaml" "$k/render.yaml"
  cat > "$k/kustomization.yaml" <<'KEOF'
resources: [render.yaml]
patches:
- target: {kind: Deployment}
  patch: |-
    - {op: add, path: /spec/template/spec/securityContext, value: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}}
    - {op: add, path: /spec/template/spec/containers/0/securityContext, value: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}}
    - {op: add, path: /spec/template/spec/containers/0/imagePullPolicy, value: Always}
KEOF
  : > "$k/a"; : > "$k/b"
  for _ in $(seq "$runs"); do
    measure "$work/chartsec-harden" -q < "$k/render.yaml" >> "$k/a"
    /usr/bin/time -f '%e %M' -o "$work/time" $kustomize "$k" > "$k/out.yaml" 2> "$k/err" || { echo "kustomize failed: $(head -c 300 "$k/err")" >&2; exit 1; }
    cat "$work/time" >> "$k/b"
  done
  at=$(cut -d' ' -f1 "$k/a" | median); bt=$(cut -d' ' -f1 "$k/b" | median)
  awk -v at="$at" -v bt="$bt" -v k="$kustomize" 'BEGIN {printf "%-34s %8.3f s | %s %.3f s | time %.3fx\n", "kube-prometheus-stack vs kustomize", at, k, bt, at/bt}'
else
  echo "kustomize comparison skipped: neither kustomize nor kubectl is on PATH"
fi
