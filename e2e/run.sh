#!/usr/bin/env bash
# End-to-end tests of chartsec-harden with real Helm 4 and Helm 3: plugin
# install, post-rendering, failure reporting, install-binary.sh against a local
# release server, the packaged plugin archive, and the GitOps examples.
#
#   e2e/run.sh            (Helm binaries come from scripts/install-helm.sh)
#   E2E_KEEP=1 e2e/run.sh keeps the work folder for a look afterwards
#
# Everything happens in a throwaway folder with its own HELM_* homes; the only
# server is python3's http.server on 127.0.0.1. Ends with "N passed, M failed".
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
start=$SECONDS

helm_paths=$("$root/scripts/install-helm.sh")
helm4=$(sed -n 1p <<<"$helm_paths")
helm3=$(sed -n 2p <<<"$helm_paths")

work=$(mktemp -d "${TMPDIR:-/tmp}/chartsec-e2e.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
  if [[ -d $work/gnupg ]]; then GNUPGHOME=$work/gnupg gpgconf --kill gpg-agent 2>/dev/null || true; fi
  if [[ ${E2E_KEEP:-} == 1 ]]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# One build flavour for every go build below, so Go's cache compiles the
# dependencies once.
export CGO_ENABLED=0
version=$(sed -n 's/^version:[[:space:]]*//p' "$root/plugin.yaml" | head -n 1)
goos=$(go env GOOS)
goarch=$(go env GOARCH)
chart=$root/e2e/testchart

passed=0
failed=0
skipped=0
# check NAME FUNCTION: runs FUNCTION in a subshell with errexit on; its output
# is shown only when it fails.
check() {
  local name=$1 fn=$2 log rc t0=$SECONDS
  log=$work/logs/$fn.log
  mkdir -p "$work/logs"
  set +e
  (set -e; "$fn") >"$log" 2>&1
  rc=$?
  set -e
  if [[ $rc == 0 ]]; then
    passed=$((passed + 1))
    printf 'ok   %-62s %3ss\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1))
    printf 'FAIL %-62s %3ss\n' "$name" $((SECONDS - t0))
    sed 's/^/    | /' "$log" | tail -n 40
  fi
}

# has FILE PATTERN...: FILE holds a line matching each extended regex.
has() {
  local f=$1 p
  shift
  for p in "$@"; do
    grep -Eq -- "$p" "$f" || { echo "$f: no line matches /$p/"; return 1; }
  done
}
# lacks FILE PATTERN: FILE holds no line matching the regex.
lacks() {
  if grep -Eq -- "$2" "$1"; then echo "$1: unexpected /$2/:"; grep -En -- "$2" "$1"; return 1; fi
}
# doc FILE SOURCE: the document that Helm printed under "# Source: SOURCE".
doc() {
  awk -v s="# Source: $2" '/^---/ { on = 0 } $0 == s { on = 1 } on' "$1"
}
# same_group FULL SHOWN SOURCE: `-s` printed exactly the documents filed under
# SOURCE in the full output, generated companions included.
same_group() {
  diff <(doc "$1" "$3" | grep -v '^$') <(grep -Ev '^(---)?$' "$2")
}
# fails COMMAND...: COMMAND exits non-zero (its output goes to the log).
fails() {
  if "$@"; then echo "expected failure, but succeeded: $*"; return 1; fi
}
# hardened FILE SOURCE: that document got the pod and container hardening.
hardened() {
  doc "$1" "$2" >"$work/doc.yaml"
  [[ -s $work/doc.yaml ]] || { echo "no document $2 in $1"; return 1; }
  has "$work/doc.yaml" 'runAsNonRoot: true' 'readOnlyRootFilesystem: true' 'runAsUser: 10001' \
    'allowPrivilegeEscalation: false' 'type: RuntimeDefault'
}

# h4 HOME ARGS...: Helm 4 with its own throwaway home $work/HOME. HELM_PLUGINS
# must lie in HELM_DATA_HOME: Helm 4.3.1 installs there but looks in
# HELM_PLUGINS (helm/helm#32646).
h4() {
  local home=$work/$1
  shift
  HELM_CACHE_HOME=$home/cache HELM_CONFIG_HOME=$home/config HELM_DATA_HOME=$home/data \
    HELM_PLUGINS=$home/data/plugins "$helm4" "$@"
}
# h3 HOME ARGS...: Helm 3 with its own home (never one with the v1 plugin in it:
# Helm 3 would fail to load every plugin) and the binary on PATH.
h3() {
  local home=$work/$1
  shift
  HELM_CACHE_HOME=$home/cache HELM_CONFIG_HOME=$home/config HELM_DATA_HOME=$home/data \
    HELM_PLUGINS=$home/data/plugins PATH="$work/path:$PATH" "$helm3" "$@"
}

# copy_checkout DEST: the project's files as a new clone would have them (no
# .git, no build output), also before they are committed.
copy_checkout() {
  mkdir -p "$1"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard 2>/dev/null) |
    tr '\0' '\n' | grep -Ev '^(dist|bin)/' | while IFS= read -r f; do
      if [[ -f $root/$f ]]; then
        mkdir -p "$1/$(dirname "$f")"
        cp -p "$root/$f" "$1/$f"
      fi
    done
  [[ -f $1/plugin.yaml && -f $1/main.go ]] || { echo "copy_checkout: $root is not a git checkout" >&2; return 1; }
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

echo "helm 4: $helm4"
echo "helm 3: $helm3"
echo "work:   $work"

# no_network DIR: curl and wget stand-ins in DIR that log every call and fail,
# so a test can put DIR first on PATH and prove nothing tried the network.
no_network() {
  mkdir -p "$1"
  for tool in curl wget; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/calls.log"\nexit 7\n' "$tool" "$1" >"$1/$tool"
    chmod +x "$1/$tool"
  done
  : >"$1/calls.log"
}

# --- setup ---------------------------------------------------------------
mkdir -p "$work/path"
(cd "$root" && go build -trimpath -ldflags "-X main.version=$version" -o "$work/path/chartsec-harden" .)
copy_checkout "$work/checkout"
printf 'podSecurity:\n  runAsUser: 10001\n  runAsGroup: 10001\n  fsGroup: 10001\n' >"$work/good.yaml"
printf 'not-a-setting: true\n' >"$work/bad.yaml"

# --- Helm 4 plugin from a checkout ----------------------------------------------
t_h4_install_checkout() {
  # A checkout builds itself with go build and never tries the network first
  # (curl and wget on PATH record any call).
  # A development install links the folder and its hook writes bin/ into it:
  # install from a copy, so $work/checkout stays as a clone would be.
  cp -a "$work/checkout" "$work/chartsec-harden"
  no_network "$work/nonet"
  PATH="$work/nonet:$PATH" h4 h4 plugin install "$work/chartsec-harden" 2>&1 | tee "$work/install.txt"
  [[ ! -s $work/nonet/calls.log ]] || { echo "the install tried the network:"; cat "$work/nonet/calls.log"; return 1; }
  lacks "$work/install.txt" 'downloading|Could not resolve'
  "$work/h4/data/plugins/chartsec-harden/bin/chartsec-harden" --version | tee "$work/v.txt"
  has "$work/v.txt" "^chartsec-harden $version\$"
}
t_h4_plugin_list() {
  h4 h4 plugin list | tee "$work/list.txt"
  has "$work/list.txt" "^chartsec-harden[[:space:]]+${version}[[:space:]]+postrenderer/v1"
}
t_h4_template() {
  h4 h4 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" >"$work/h4.yaml"
  hardened "$work/h4.yaml" testchart/templates/deployment.yaml
  # Helm 4 passes hooks to the post-renderer: the pre-install Job and the test Pod.
  hardened "$work/h4.yaml" testchart/templates/migrate-job.yaml
  hardened "$work/h4.yaml" testchart/templates/tests/test-connection.yaml
  has "$work/h4.yaml" '^kind: Service$'
  # Every document kept Helm's file annotation (companions grouped with their
  # workload), and Helm removed it.
  lacks "$work/h4.yaml" 'generated-by-postrender'
  lacks "$work/h4.yaml" 'postrenderer.helm.sh'
}
t_h4_show_only() {
  h4 h4 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" -s templates/deployment.yaml >"$work/h4-s.yaml"
  hardened "$work/h4-s.yaml" testchart/templates/deployment.yaml
  lacks "$work/h4-s.yaml" '^kind: (Service|Job|Pod)$'
  same_group "$work/h4.yaml" "$work/h4-s.yaml" testchart/templates/deployment.yaml
}
t_h4_bad_config_report_flag() {
  fails h4 h4 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/bad.yaml" --post-renderer-args=--report-file="$work/report-flag.txt"
  has "$work/report-flag.txt" 'error' 'not-a-setting'
}
t_h4_bad_config_report_env() {
  CHARTSEC_REPORT_FILE=$work/report-env.txt fails h4 h4 template demo "$chart" \
    --post-renderer chartsec-harden --post-renderer-args=--config="$work/bad.yaml"
  has "$work/report-env.txt" 'error' 'not-a-setting'
}
t_h4_report_on_success() {
  h4 h4 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--report-file="$work/report-ok.txt" >/dev/null
  has "$work/report-ok.txt" 'Deployment demo-testchart'
}

# helm install runs the same post-renderer: --dry-run=client needs no
# cluster (Helm 3.22's install dry run does, so only Helm 4 is tried).
t_h4_install_dry_run() {
  h4 h4 install demo "$chart" --dry-run=client --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" >"$work/h4-install.txt"
  has "$work/h4-install.txt" 'runAsUser: 10001' 'readOnlyRootFilesystem: true' 'kind: NetworkPolicy'
}

# --check gates a release: a chart that fails Pod Security Standards
# restricted fails the helm command, and the report says why; --verify
# passes the hardened output.
t_h4_check_gate() {
  fails h4 h4 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--check --post-renderer-args=--report-file="$work/check.txt"
  has "$work/check.txt" '^chartsec-harden: error Deployment demo-testchart .*fails restricted'
  h4 h4 template demo "$chart" --post-renderer chartsec-harden --post-renderer-args=--config="$work/good.yaml" \
    --post-renderer-args=--verify --post-renderer-args=--report-file="$work/verify.txt" >"$work/h4-verify.yaml"
  hardened "$work/h4-verify.yaml" testchart/templates/deployment.yaml
}

# The gate fails closed: a workload with host access fails --verify until
# an exemption names it; the report file (Helm 4 hides stderr) gives the
# snippet, which as config makes the same command pass. It ends with one
# verdict line.
t_h4_gate_host_level() {
  fails h4 h4 template demo "$chart" --set hostNetwork=true --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" --post-renderer-args=--verify \
    --post-renderer-args=--report-file="$work/gate.txt"
  has "$work/gate.txt" 'error Deployment demo-testchart .*fails baseline: host namespaces \(hostNetwork=true\)'
  [[ $(tail -n 1 "$work/gate.txt") == "chartsec-harden: FAILED --verify restricted: 1 error in 1 workload (--fail-on error); nothing was written to stdout" ]] ||
    { echo "last line: $(tail -n 1 "$work/gate.txt")"; return 1; }
  # The snippet, pasted under the config's other keys, accepts the workload.
  cp "$work/good.yaml" "$work/gate.yaml"
  sed -n 's/.*only an exemption accepts it: \(exclude: \[.*\]\) in the config.*/\1/p' "$work/gate.txt" >>"$work/gate.yaml"
  has "$work/gate.yaml" '^exclude: \[\{kind: Deployment, name: demo-testchart, controls: \[podSecurityStandards\]\}\]$'
  h4 h4 template demo "$chart" --set hostNetwork=true --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/gate.yaml" --post-renderer-args=--verify \
    --post-renderer-args=--report-file="$work/gate-ok.txt" >"$work/h4-gate.yaml"
  has "$work/h4-gate.yaml" 'hostNetwork: true'
  has "$work/gate-ok.txt" 'accepted by an exemption'
  lacks "$work/gate-ok.txt" 'FAILED'
  # --check fails the same chart (and the root hooks Helm 4 passes along),
  # with its own verdict line.
  fails h4 h4 template demo "$chart" --set hostNetwork=true --post-renderer chartsec-harden \
    --post-renderer-args=--check --post-renderer-args=--report-file="$work/gate-check.txt"
  has "$work/gate-check.txt" 'fails baseline: host namespaces'
  tail -n 1 "$work/gate-check.txt" | grep -Eq '^chartsec-harden: FAILED --check: [0-9]+ errors? in [0-9]+ workloads? \(--fail-on error\); nothing was written to stdout$'
}

# Usage errors reach the report file under Helm 4, wherever --report-file
# stands among the arguments, and before any work is done.
t_h4_usage_errors() {
  local args want n=0
  while IFS='|' read -r args want; do
    n=$((n + 1))
    local pra=() a
    for a in $args; do pra+=("--post-renderer-args=$a"); done
    fails h4 h4 template demo "$chart" --post-renderer chartsec-harden \
      --post-renderer-args=--report-file="$work/usage-first-$n.txt" "${pra[@]}"
    has "$work/usage-first-$n.txt" "$want"
    lacks "$work/usage-first-$n.txt" 'hardened'
    fails h4 h4 template demo "$chart" --post-renderer chartsec-harden \
      "${pra[@]}" --post-renderer-args=--report-file="$work/usage-last-$n.txt"
    has "$work/usage-last-$n.txt" "$want"
  done <<'UEOF'
--fail-on=critical|--fail-on: unknown severity "critical"
--report=xml|--report: unknown format "xml"
stray|unexpected argument "stray"
--check --verify|--check and --verify cannot be combined
--verify=strict|--verify: unknown level "strict"
UEOF
}

t_h4_install_git_update() {
  # "From git": a local repository stands in for the GitHub URL (a file:// URL
  # of a folder with .git is what Helm's VCS installer accepts offline).
  local repo=$work/git/chartsec-harden
  mkdir -p "$work/git"
  cp -a "$work/checkout" "$repo"
  git -C "$repo" init -q -b main
  git -C "$repo" add -A
  git -C "$repo" -c user.name=e2e -c user.email=e2e@example.invalid commit -qm release
  fails h4 h4git plugin install "file://$repo" 2>&1 | tee "$work/git.txt"
  has "$work/git.txt" 'verify=false'
  CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:$(free_port)/none h4 h4git plugin install "file://$repo" --verify=false
  [[ $("$work/h4git/data/plugins/chartsec-harden/bin/chartsec-harden" --version) == "chartsec-harden $version" ]]
  # A new version in git: helm plugin update pulls it and the update hook
  # replaces the binary, whose version no longer matches.
  sed -i.bak 's/^version: .*/version: 9.9.9/' "$repo/plugin.yaml"
  rm "$repo/plugin.yaml.bak"
  git -C "$repo" -c user.name=e2e -c user.email=e2e@example.invalid commit -qam "release 9.9.9"
  CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:$(free_port)/none h4 h4git plugin update chartsec-harden
  [[ $("$work/h4git/data/plugins/chartsec-harden/bin/chartsec-harden" --version) == "chartsec-harden 9.9.9" ]]
  h4 h4git template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" >"$work/h4git.yaml"
  hardened "$work/h4git.yaml" testchart/templates/deployment.yaml
}

# --- Helm 3: the binary on PATH --------------------------------------------------
t_h3_template() {
  h3 h3 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" >"$work/h3.yaml"
  hardened "$work/h3.yaml" testchart/templates/deployment.yaml
  has "$work/h3.yaml" '^kind: Service$' '^# Source: testchart/templates/migrate-job.yaml$'
  # Helm 3 does not pass hooks to a post-renderer: they come out as written.
  doc "$work/h3.yaml" testchart/templates/migrate-job.yaml >"$work/h3-job.yaml"
  lacks "$work/h3-job.yaml" 'runAsNonRoot'
}
t_h3_show_only() {
  h3 h3 template demo "$chart" --post-renderer chartsec-harden -s templates/deployment.yaml >"$work/h3-s.yaml"
  has "$work/h3-s.yaml" '^# Source: testchart/templates/deployment.yaml$' 'runAsNonRoot: true'
  lacks "$work/h3-s.yaml" '^kind: (Service|Job|Pod)$'
  h3 h3 template demo "$chart" --post-renderer chartsec-harden >"$work/h3-all.yaml"
  same_group "$work/h3-all.yaml" "$work/h3-s.yaml" testchart/templates/deployment.yaml
}
t_h3_check_gate() {
  fails h3 h3 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--check 2>&1 | tee "$work/h3-check.txt"
  has "$work/h3-check.txt" 'fails restricted'
}
t_h3_bad_config() {
  # Helm 3 shows the post-renderer's stderr in its error.
  fails h3 h3 template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/bad.yaml" 2>&1 | tee "$work/h3-err.txt"
  has "$work/h3-err.txt" 'not-a-setting'
}

# --- releases and install-binary.sh ----------------------------------------------
t_dist() {
  (cd "$work/checkout" && PLATFORMS="$goos/$goarch" DIST_DIR="$work/dist" scripts/dist.sh)
  local a=chartsec-harden_${version}_${goos}_$goarch.tar.gz
  (cd "$work/dist" && sha256sum -c checksums.txt)
  has "$work/dist/checksums.txt" " \*?$a\$" " \*?chartsec-harden-$version.tgz\$"
  tar -tzf "$work/dist/$a" | LC_ALL=C sort | tr '\n' ' ' | tee "$work/a.txt"
  has "$work/a.txt" '^LICENSE README.md chartsec-harden $'
  tar -tzf "$work/dist/chartsec-harden-$version.tgz" | tee "$work/p.txt"
  has "$work/p.txt" '^chartsec-harden/plugin.yaml$' '^chartsec-harden/install-binary.sh$' \
    '^chartsec-harden/README.md$' '^chartsec-harden/LICENSE$' "^chartsec-harden/bin/${goos}_$goarch/chartsec-harden\$"
  lacks "$work/p.txt" '\.git|^[^c]|^chartsec-harden/(main.go|e2e|dist)'
}
start_server() {
  # Serves $work/www on loopback only. tampered/ has the real checksums.txt but
  # a well-formed archive whose "binary" is a script that passes --version.
  mkdir -p "$work/www/good" "$work/www/tampered" "$work/evil"
  cp "$work/dist/"* "$work/www/good/"
  cp "$work/dist/"* "$work/www/tampered/"
  printf '#!/bin/sh\necho "chartsec-harden %s"\n' "$version" >"$work/evil/chartsec-harden"
  chmod +x "$work/evil/chartsec-harden"
  tar -czf "$work/www/tampered/chartsec-harden_${version}_${goos}_$goarch.tar.gz" -C "$work/evil" chartsec-harden
  port=$(free_port)
  (cd "$work/www" && exec python3 -m http.server --bind 127.0.0.1 "$port") >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/good/checksums.txt" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "http.server did not start:"; cat "$work/server.log"; return 1
}
# plugin_dir NAME [sources]: a fresh plugin folder with plugin.yaml and
# install-binary.sh, and with the Go sources when asked.
plugin_dir() {
  local d=$work/pd/$1
  rm -rf "$d"
  if [[ ${2:-} == sources ]]; then
    mkdir -p "$work/pd"
    cp -a "$work/checkout" "$d"
  else
    mkdir -p "$d"
    cp "$work/checkout/plugin.yaml" "$work/checkout/install-binary.sh" "$d/"
  fi
  echo "$d"
}
t_ib_download_good() {
  local d
  d=$(plugin_dir good)
  HELM_PLUGIN_DIR=$d CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:$port/good "$d/install-binary.sh" 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'verified'
  [[ $("$d/bin/chartsec-harden" --version) == "chartsec-harden $version" ]]
  # Nothing but bin/ was added, and no temporary folder is left.
  [[ $(cd "$d" && find . -mindepth 1 -maxdepth 1 | LC_ALL=C sort | tr '\n' ' ') == "./bin ./install-binary.sh ./plugin.yaml " ]]
}
t_ib_skip_when_installed() {
  local d=$work/pd/good
  HELM_PLUGIN_DIR=$d CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:1/unused "$d/install-binary.sh" 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'already installed'
}
t_ib_tampered_refused() {
  local d
  d=$(plugin_dir tampered sources)
  # Go and sources are there (CHARTSEC_BUILD_FROM_SOURCE=0 asks for the
  # download), yet a checksum mismatch must stop the install, not fall back.
  HELM_PLUGIN_DIR=$d CHARTSEC_BUILD_FROM_SOURCE=0 CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:$port/tampered \
    fails "$d/install-binary.sh" 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'checksum mismatch' 'Refusing'
  [[ ! -e $d/bin/chartsec-harden ]]
}
t_ib_unreachable_builds() {
  local d
  d=$(plugin_dir unreachable sources)
  HELM_PLUGIN_DIR=$d CHARTSEC_BUILD_FROM_SOURCE=0 CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:$(free_port)/none \
    "$d/install-binary.sh" 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'falling back to go build'
  [[ $("$d/bin/chartsec-harden" --version) == "chartsec-harden $version" ]]
}
t_ib_bundled_keeps_own_platform() {
  # The plugin archive bundles every platform; the installed plugin keeps
  # only its own binary, as bin/chartsec-harden.
  local d=$work/pd/bundled
  rm -rf "$d"
  mkdir -p "$d"
  tar -xzf "$work/dist/chartsec-harden-$version.tgz" -C "$d" --strip-components=1
  for p in windows_arm64/chartsec-harden.exe darwin_arm64/chartsec-harden; do
    mkdir -p "$d/bin/${p%/*}"
    printf 'another platform\n' >"$d/bin/$p"
  done
  no_network "$work/nonet-bundled"
  PATH="$work/nonet-bundled:$PATH" HELM_PLUGIN_DIR=$d "$d/install-binary.sh" 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'bundled'
  [[ $(cd "$d/bin" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ') == "./chartsec-harden " ]]
  [[ $("$d/bin/chartsec-harden" --version) == "chartsec-harden $version" ]]
  [[ ! -s $work/nonet-bundled/calls.log ]]
}
t_ib_unreachable_no_go_fails() {
  local d
  d=$(plugin_dir nogo)
  HELM_PLUGIN_DIR=$d CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:$(free_port)/none \
    fails "$d/install-binary.sh" 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'CHARTSEC_LOCAL_ARCHIVE'
  [[ ! -e $d/bin/chartsec-harden ]]
}
t_ib_local_archive() {
  local d
  d=$(plugin_dir local)
  # Run from another folder with a relative path, as Helm runs the hook in the user's folder.
  (cd "$work" && HELM_PLUGIN_DIR=$d CHARTSEC_LOCAL_ARCHIVE=www/good/chartsec-harden_${version}_${goos}_$goarch.tar.gz \
    "$d/install-binary.sh") 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'verified'
  [[ $("$d/bin/chartsec-harden" --version) == "chartsec-harden $version" ]]
  HELM_PLUGIN_DIR=$d CHARTSEC_LOCAL_ARCHIVE=$work/www/tampered/chartsec-harden_${version}_${goos}_$goarch.tar.gz \
    fails "$d/install-binary.sh" 2>&1 | tee "$work/ib.txt"
  has "$work/ib.txt" 'checksum mismatch'
}

# --- the packaged Helm 4 plugin ---------------------------------------------------
t_h4_install_tgz() {
  # No download possible: the hook must use the binary bundled in the archive.
  CHARTSEC_DOWNLOAD_URL=http://127.0.0.1:$(free_port)/none \
    h4 h4tgz plugin install "$work/dist/chartsec-harden-$version.tgz" --verify=false 2>&1 | tee "$work/tgz.txt"
  has "$work/tgz.txt" 'bundled'
  # Only this platform's binary is left in the installed plugin.
  (cd "$work/h4tgz/data/plugins/chartsec-harden" && find bin -mindepth 1) | tee "$work/tgz-bin.txt"
  [[ $(cat "$work/tgz-bin.txt") == bin/chartsec-harden ]]
  h4 h4tgz plugin list | tee "$work/list.txt"
  has "$work/list.txt" "^chartsec-harden[[:space:]]+${version}[[:space:]]+postrenderer/v1"
  h4 h4tgz template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" >"$work/h4tgz.yaml"
  hardened "$work/h4tgz.yaml" testchart/templates/deployment.yaml
}

t_h4_install_tgz_http() {
  # The documented path: the archive's URL on a release server.
  h4 h4http plugin install "http://127.0.0.1:$port/good/chartsec-harden-$version.tgz" --verify=false
  h4 h4http template demo "$chart" --post-renderer chartsec-harden \
    --post-renderer-args=--config="$work/good.yaml" >"$work/h4http.yaml"
  hardened "$work/h4http.yaml" testchart/templates/deployment.yaml
}
t_h4_signed_tgz() {
  # dist.sh SIGN_KEY=...: Helm 4 verifies the archive against its .prov and our key,
  # and refuses a modified archive.
  export GNUPGHOME=$work/gnupg
  mkdir -m 700 "$GNUPGHOME"
  printf '%s\n' '%no-protection' 'Key-Type: RSA' 'Key-Length: 2048' 'Name-Real: chartsec e2e' \
    'Name-Email: e2e@example.invalid' 'Expire-Date: 0' '%commit' | gpg --batch --gen-key 2>&1
  gpg --export >"$work/pubring.gpg"
  gpg --export-secret-keys >"$work/secring.gpg"
  (cd "$work/checkout" && PLATFORMS="$goos/$goarch" DIST_DIR="$work/dist-signed" HELM="$helm4" \
    SIGN_KEY=e2e@example.invalid SIGN_KEYRING="$work/secring.gpg" scripts/dist.sh)
  local tgz=$work/dist-signed/chartsec-harden-$version.tgz
  tar -tzf "$tgz" | tee "$work/ps.txt"
  has "$work/ps.txt" "^chartsec-harden/bin/${goos}_$goarch/chartsec-harden\$"
  lacks "$work/ps.txt" '\.git|^[^c]'
  h4 h4signed plugin install "$tgz" --keyring "$work/pubring.gpg" 2>&1 | tee "$work/signed.txt"
  has "$work/signed.txt" 'Signed by: chartsec e2e'
  h4 h4signed plugin list | tee "$work/list.txt"
  has "$work/list.txt" "^chartsec-harden[[:space:]].*[[:space:]]signed[[:space:]]"
  h4 h4signed template demo "$chart" --post-renderer chartsec-harden >"$work/h4signed.yaml"
  has "$work/h4signed.yaml" 'runAsNonRoot: true'
  # A modified archive with the original .prov is refused.
  mkdir -p "$work/evil-tgz"
  tar -xzf "$tgz" -C "$work/evil-tgz"
  printf '\n# modified\n' >>"$work/evil-tgz/chartsec-harden/install-binary.sh"
  tar -czf "$work/evil-tgz/chartsec-harden-$version.tgz" -C "$work/evil-tgz" chartsec-harden
  cp "$tgz.prov" "$work/evil-tgz/"
  fails h4 h4evil plugin install "$work/evil-tgz/chartsec-harden-$version.tgz" --keyring "$work/pubring.gpg"
  [[ ! -e $work/h4evil/data/plugins/chartsec-harden ]]
}

# --- GitOps examples -------------------------------------------------------------
t_examples() {
  PATH="$work/path:$PATH" HELM="$helm3" KUSTOMIZE="$kustomize" "$root/examples/test.sh"
  PATH="$work/path:$PATH" HELM="$helm4" KUSTOMIZE="$kustomize" "$root/examples/test.sh"
}

check "helm 4: plugin install <checkout> (go build, no network)" t_h4_install_checkout
check "helm 4: plugin list shows chartsec-harden" t_h4_plugin_list
check "helm 4: template --post-renderer hardens, hooks too" t_h4_template
check "helm 4: template -s templates/deployment.yaml" t_h4_show_only
check "helm 4: bad config fails, --report-file has the reason" t_h4_bad_config_report_flag
check "helm 4: --check fails a root chart, --verify passes it hardened" t_h4_check_gate
check "helm 4: install --dry-run=client hardens" t_h4_install_dry_run
check "helm 4: the gate fails host access until exempted, verdict in report" t_h4_gate_host_level
check "helm 4: usage errors reach --report-file, first or last" t_h4_usage_errors
check "helm 4: bad config fails, CHARTSEC_REPORT_FILE has the reason" t_h4_bad_config_report_env
check "helm 4: report file holds the summary on success" t_h4_report_on_success
check "helm 4: plugin install <git> --verify=false, then update" t_h4_install_git_update
check "helm 3: template --post-renderer (PATH) hardens" t_h3_template
check "helm 3: template -s templates/deployment.yaml" t_h3_show_only
check "helm 3: bad config fails and shows the reason" t_h3_bad_config
check "helm 3: --check fails a root chart and shows why" t_h3_check_gate
check "dist.sh: archives, checksums, plugin tgz" t_dist
if [[ -d $work/dist ]] && start_server; then
  check "install-binary.sh: download with good checksum installs" t_ib_download_good
  check "install-binary.sh: skips when the binary is there" t_ib_skip_when_installed
  check "install-binary.sh: tampered archive is refused" t_ib_tampered_refused
  check "install-binary.sh: unreachable URL falls back to go build" t_ib_unreachable_builds
  check "install-binary.sh: unreachable URL, no Go sources: fails" t_ib_unreachable_no_go_fails
  check "install-binary.sh: bundled binaries, only its own platform's kept" t_ib_bundled_keeps_own_platform
  check "install-binary.sh: CHARTSEC_LOCAL_ARCHIVE, verified" t_ib_local_archive
  check "helm 4: plugin install <tgz> --verify=false, runs" t_h4_install_tgz
  check "helm 4: plugin install <http url of tgz> --verify=false" t_h4_install_tgz_http
else
  failed=$((failed + 1))
  echo "FAIL release server: no dist output or http.server did not start"
fi
if command -v gpg >/dev/null; then
  check "dist.sh SIGN_KEY: signed tgz verifies, modified one is refused" t_h4_signed_tgz
else
  skipped=$((skipped + 1))
  echo "skip dist.sh SIGN_KEY (no gpg)"
fi
kustomize=$("$root/scripts/install-kustomize.sh")
check "examples: argocd generate and component, flux render and workflow" t_examples

# kustomize runs chartsec-harden as a KRM exec function: a ResourceList in,
# a ResourceList out, configured by the function config's spec.
t_kustomize_krm() {
  local k=$work/krm
  mkdir -p "$k"
  go build -o "$k/chartsec-harden" "$root"
  cat >"$k/deploy.yaml" <<'KEOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: example/web:1.0
        ports: [{containerPort: 8080}]
KEOF
  cat >"$k/harden.yaml" <<KEOF
apiVersion: chartsec.io/v1alpha1
kind: ChartsecHarden
metadata:
  name: harden
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: $k/chartsec-harden
spec:
  podSecurity:
    runAsUser: 4242
KEOF
  printf 'resources: [deploy.yaml]\ntransformers: [harden.yaml]\n' >"$k/kustomization.yaml"
  "$kustomize" build --enable-alpha-plugins --enable-exec "$k" >"$k/out.yaml"
  has "$k/out.yaml" 'runAsUser: 4242' 'readOnlyRootFilesystem: true' 'kind: NetworkPolicy' 'port: 8080'
  # a bad function config fails the build
  sed -i 's/runAsUser: 4242/runAsUser: 0/' "$k/harden.yaml"
  if "$kustomize" build --enable-alpha-plugins --enable-exec "$k" >"$k/bad.yaml" 2>"$k/bad.err"; then
    echo "kustomize build succeeded with runAsUser: 0"; return 1
  fi
  has "$k/bad.err" 'runAsUser: 0 is not a non-root user ID'
}
# The gate sees a ResourceList's items: --verify as the function's args
# fails a host-network Deployment (its report file says why), and the
# function config's exclude entry accepts it.
t_kustomize_krm_gate() {
  local k=$work/krm-gate
  mkdir -p "$k"
  go build -o "$k/chartsec-harden" "$root"
  sed 's/^    spec:$/    spec:\n      hostNetwork: true/' "$work/krm/deploy.yaml" >"$k/deploy.yaml"
  has "$k/deploy.yaml" 'hostNetwork: true'
  cat >"$k/harden.yaml" <<KEOF
apiVersion: chartsec.io/v1alpha1
kind: ChartsecHarden
metadata:
  name: harden
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: $k/chartsec-harden
        args: [--verify, --report-file=$k/report.txt]
spec:
  podSecurity:
    runAsUser: 4242
KEOF
  printf 'resources: [deploy.yaml]\ntransformers: [harden.yaml]\n' >"$k/kustomization.yaml"
  fails "$kustomize" build --enable-alpha-plugins --enable-exec "$k"
  has "$k/report.txt" 'error Deployment web: hardened, still fails baseline: host namespaces' 'FAILED --verify restricted: 1 error in 1 workload'
  printf '  exclude: [{kind: Deployment, name: web, controls: [podSecurityStandards]}]\n' >>"$k/harden.yaml"
  "$kustomize" build --enable-alpha-plugins --enable-exec "$k" >"$k/out.yaml"
  has "$k/out.yaml" 'hostNetwork: true' 'memory: 512Mi'
  has "$k/report.txt" 'accepted by an exemption'
}
check "kustomize: KRM exec function (ResourceList)" t_kustomize_krm
check "kustomize: --verify sees the ResourceList's items; function config exempts" t_kustomize_krm_gate

echo "e2e time: $((SECONDS - start))s"
if [[ $skipped == 0 ]]; then
  echo "$passed passed, $failed failed"
else
  echo "$passed passed, $failed failed, $skipped skipped"
fi
[[ $failed == 0 ]]
