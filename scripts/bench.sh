#!/usr/bin/env bash
# Benchmarks chartsec-harden against the bare kyaml round trip
# (scripts/bench/roundtrip) on the same input, and against kustomize with
# equivalent JSON6902 patches (scripts/install-kustomize.sh builds it;
# $KUSTOMIZE, or kustomize or kubectl on PATH, are used instead if set).
#
#   scripts/bench.sh [RUNS] [N]   (default 7 runs of each, alternating;
#                                  workload streams of N and 4N, N=1000)
#
# Prints first what fresh memory costs on this machine (scripts/bench/
# firsttouch), then, per case, the median wall time, CPU time (user+system)
# and peak RSS (GNU time) of each program and their ratios. On a machine other jobs
# share, the CPU times and the ratios of one run are what to compare.
# Inputs: ../shared/corpus (or $CHARTSEC_CORPUS), and synthetic streams of
# many workloads (scripts/bench/workloads): Deployments + Services, + RBAC,
# + NetworkPolicies and PodDisruptionBudgets of their own, + Ingresses.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-7}
workloads=${2:-1000}
corpus=${CHARTSEC_CORPUS:-$root/../shared/corpus}
[[ -d $corpus ]] || { echo "no corpus at $corpus" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/chartsec-harden" . && go build -o "$work/roundtrip" ./scripts/bench/roundtrip &&
  go build -o "$work/workloads" ./scripts/bench/workloads && go build -o "$work/firsttouch" ./scripts/bench/firsttouch)
cat "$corpus"/*.yaml > "$work/x1.yaml"
for _ in 1 2 3 4; do cat "$work/x1.yaml"; done > "$work/x4.yaml"

# measure CMD: prints "seconds kilobytes cpu-seconds" of one run.
measure() {
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" > /dev/null 2>&1
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$work/time"
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
  local at am ac bt bm bc
  at=$(cut -d' ' -f1 "$work/a" | median); am=$(cut -d' ' -f2 "$work/a" | median); ac=$(cut -d' ' -f3 "$work/a" | median)
  bt=$(cut -d' ' -f1 "$work/b" | median); bm=$(cut -d' ' -f2 "$work/b" | median); bc=$(cut -d' ' -f3 "$work/b" | median)
  awk -v n="$name" -v at="$at" -v am="$am" -v ac="$ac" -v bt="$bt" -v bm="$bm" -v bc="$bc" -v bytes="$(wc -c < "$input")" 'BEGIN {
    printf "%-40s %7.2f s %6.2f cpu %5.0f MiB | %7.2f s %6.2f cpu %5.0f MiB | time %.3fx cpu %.3fx memory %.3fx (%.1fx the input)\n",
      n, at, ac, am/1024, bt, bc, bm/1024, (bt>0?at/bt:0), (bc>0?ac/bc:0), (bm>0?am/bm:0), am*1024/bytes }'
}

size() { awk -v b="$(wc -c < "$1")" 'BEGIN {printf "%.1f MB", b/1e6}'; }
"$work/firsttouch"
echo "runs: $runs each, alternating; medians. Columns: chartsec-harden wall, CPU, peak RSS | yardstick | ratios (chartsec-harden's peak RSS over the input size)"
compare "corpus x1 ($(size "$work/x1.yaml")) vs kyaml" "$work/x1.yaml" "$work/chartsec-harden" -q -- "$work/roundtrip"
compare "corpus x4 ($(size "$work/x4.yaml")) vs kyaml" "$work/x4.yaml" "$work/chartsec-harden" -q -- "$work/roundtrip"
compare "podinfo (5 KB) vs kyaml" "$corpus/podinfo.yaml" "$work/chartsec-harden" -q -- "$work/roundtrip"

# linearity NAME SMALL LARGE: the medians of chartsec-harden on an input
# and on one 4x as large, alternating; 4x the input should take at most
# 4.4x (corpus) or 4.6x (workloads) the time.
linearity() {
  : > "$work/l1"; : > "$work/l4"
  for _ in $(seq "$runs"); do
    measure "$work/chartsec-harden" -q < "$2" >> "$work/l1"
    measure "$work/chartsec-harden" -q < "$3" >> "$work/l4"
  done
  local t1 t4 c1 c4
  t1=$(cut -d' ' -f1 "$work/l1" | median); t4=$(cut -d' ' -f1 "$work/l4" | median)
  c1=$(cut -d' ' -f3 "$work/l1" | median); c4=$(cut -d' ' -f3 "$work/l4" | median)
  awk -v n="$1" -v a="$t1" -v b="$t4" -v c="$c1" -v d="$c4" 'BEGIN {
    printf "%-40s x1 %.2f s %.2f cpu, x4 %.2f s %.2f cpu: %.2fx the time, %.2fx the cpu for 4x the input\n", n, a, c, b, d, (a>0?b/a:0), (c>0?d/c:0) }'
}
linearity "linearity corpus" "$work/x1.yaml" "$work/x4.yaml"

# Many workloads: each shape at N and 4N, against the round trip at 4N.
for shape in services rbac policies ingress; do
  "$work/workloads" "$shape" "$workloads" > "$work/w1.yaml"
  "$work/workloads" "$shape" "$((4 * workloads))" > "$work/w4.yaml"
  compare "$shape x$((4 * workloads)) ($(size "$work/w4.yaml")) vs kyaml" "$work/w4.yaml" "$work/chartsec-harden" -q -- "$work/roundtrip"
  linearity "linearity $shape $workloads -> $((4 * workloads))" "$work/w1.yaml" "$work/w4.yaml"
done

kustomize=
if [[ -n ${KUSTOMIZE:-} ]]; then kustomize="$KUSTOMIZE build"
elif k=$("$root/scripts/install-kustomize.sh" 2> "$work/kustomize-build.log"); then kustomize="$k build"
elif command -v kustomize > /dev/null; then kustomize="kustomize build"
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
    /usr/bin/time -f '%e %M %U %S' -o "$work/time" $kustomize "$k" > "$k/out.yaml" 2> "$k/err" || { echo "kustomize failed: $(head -c 300 "$k/err")" >&2; exit 1; }
    awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$work/time" >> "$k/b"
  done
  at=$(cut -d' ' -f1 "$k/a" | median); bt=$(cut -d' ' -f1 "$k/b" | median)
  ac=$(cut -d' ' -f3 "$k/a" | median); bc=$(cut -d' ' -f3 "$k/b" | median)
  awk -v at="$at" -v bt="$bt" -v ac="$ac" -v bc="$bc" -v k="${kustomize##*/}" 'BEGIN {
    printf "%-40s %7.2f s %6.2f cpu | %s %.2f s %.2f cpu | time %.3fx cpu %.3fx\n", "kube-prometheus-stack vs kustomize", at, ac, k, bt, bc, at/bt, (bc>0?ac/bc:0)}'
else
  echo "kustomize comparison skipped: scripts/install-kustomize.sh failed (see its log) and neither kustomize nor kubectl is on PATH"
fi
