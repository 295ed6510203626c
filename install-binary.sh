#!/bin/sh
# Install hook of the chartsec-harden Helm 4 plugin: puts a working binary at
# $HELM_PLUGIN_DIR/bin/chartsec-harden. Helm runs it from the user's working
# directory, so every path here is absolute and nothing is written outside the
# plugin folder (go build, the last resort, also uses Go's own caches).
#
# Sources, first match wins:
#   1. a binary already in bin/ that reports this plugin's version: nothing to do
#   2. CHARTSEC_BUILD_FROM_SOURCE=1: go build from the plugin folder
#   3. CHARTSEC_LOCAL_ARCHIVE=FILE: a release archive on disk (checked against
#      checksums.txt beside it, if there is one)
#   4. binaries bundled in the plugin archive: bin/<os>_<arch>/; the other
#      platforms' binaries are deleted, only this one's is kept
#   5. the Go sources in the plugin folder (a checkout, a git install) and Go
#      on PATH: go build, without trying the network
#      (CHARTSEC_BUILD_FROM_SOURCE=0 skips this and downloads)
#   6. download from CHARTSEC_DOWNLOAD_URL (release archive + checksums.txt,
#      sha256 verified; a mismatch is refused).
set -eu

name=chartsec-harden
default_base_url=https://github.com/chartsec/chartsec-harden/releases/download

say() { printf '%s: %s\n' "$name install" "$*" >&2; }
die() { say "error: $*"; exit 1; }

plugin_dir=${HELM_PLUGIN_DIR:-}
if [ -z "$plugin_dir" ]; then
  plugin_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
fi
[ -f "$plugin_dir/plugin.yaml" ] || die "no plugin.yaml in $plugin_dir (HELM_PLUGIN_DIR)"

version=${CHARTSEC_VERSION:-$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}.*/\1/p' "$plugin_dir/plugin.yaml" | head -n 1)}
version=${version#v}
[ -n "$version" ] || die "cannot read version: from $plugin_dir/plugin.yaml"

detect_os() {
  case $(uname -s) in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) echo windows ;;
    *) echo unsupported ;;
  esac
}

detect_arch() {
  case $(uname -m) in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64 | armv8*) echo arm64 ;;
    *) echo unsupported ;;
  esac
}

os=$(detect_os)
arch=$(detect_arch)
exe=
[ "$os" = windows ] && exe=.exe
bin_dir=$plugin_dir/bin
target=$bin_dir/$name$exe

# has_version BINARY: the binary runs and says it is this plugin's version.
has_version() {
  [ -x "$1" ] || return 1
  out=$("$1" --version 2>/dev/null) || return 1
  got=${out##* }
  [ "${got#v}" = "$version" ]
}

# place BINARY: check that it runs, then move it into bin/ in one step.
place() {
  chmod 0755 "$1"
  "$1" --version >/dev/null 2>&1 || die "$1 does not run on this machine ($os/$arch)"
  mkdir -p "$bin_dir"
  cp "$1" "$target.new"
  chmod 0755 "$target.new"
  mv -f "$target.new" "$target"
  say "installed $("$target" --version 2>&1) at $target"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{print $1}'
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | awk '{print $NF}'
  else
    die "no sha256sum, shasum or openssl to verify the download"
  fi
}

# verify ARCHIVE CHECKSUMS: refuse unless the archive's sha256 is listed and equal.
verify() {
  file=$(basename -- "$1")
  want=$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1; exit }' "$2")
  [ -n "$want" ] || die "$file is not listed in $2: refusing to install it"
  got=$(sha256_of "$1")
  if [ "$got" != "$want" ]; then
    die "checksum mismatch for $file: expected $want, got $got. Refusing to install it."
  fi
  say "sha256 of $file verified"
}

# from_archive ARCHIVE: unpack a release archive and install its binary.
from_archive() {
  mkdir -p "$work/unpacked"
  tar -xzf "$1" -C "$work/unpacked" || die "cannot unpack $1"
  found=$(find "$work/unpacked" -type f -name "$name$exe" | head -n 1)
  [ -n "$found" ] || die "$1 holds no $name$exe"
  place "$found"
}

# fetch URL FILE: curl or wget, with retries; returns non-zero on failure.
fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 10 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --tries=3 --waitretry=2 --timeout=10 -O "$2" "$1"
  else
    say "neither curl nor wget is installed"
    return 1
  fi
}

can_build() {
  command -v go >/dev/null 2>&1 && [ -f "$plugin_dir/go.mod" ] && [ -f "$plugin_dir/main.go" ]
}

build_from_source() {
  command -v go >/dev/null 2>&1 || die "go is not on PATH: cannot build from source"
  [ -f "$plugin_dir/go.mod" ] || die "$plugin_dir holds no Go sources (go.mod): cannot build from source"
  say "building from source in $plugin_dir with $(go version)"
  mkdir -p "$bin_dir"
  (cd "$plugin_dir" && go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$target.new" .) ||
    die "go build failed"
  mv -f "$target.new" "$target"
  say "installed $("$target" --version 2>&1) at $target"
}

if [ "${CHARTSEC_BUILD_FROM_SOURCE:-}" != 1 ] && [ -z "${CHARTSEC_LOCAL_ARCHIVE:-}" ] && has_version "$target"; then
  say "$("$target" --version) already installed at $target"
  exit 0
fi

if [ "${CHARTSEC_BUILD_FROM_SOURCE:-}" = 1 ]; then
  build_from_source
  exit 0
fi

work=$(mktemp -d "$plugin_dir/.install.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

if [ -n "${CHARTSEC_LOCAL_ARCHIVE:-}" ]; then
  archive=$CHARTSEC_LOCAL_ARCHIVE
  [ -f "$archive" ] || die "CHARTSEC_LOCAL_ARCHIVE=$archive: no such file"
  sums=$(dirname -- "$archive")/checksums.txt
  if [ -f "$sums" ]; then
    verify "$archive" "$sums"
  else
    say "warning: no checksums.txt beside $archive, installing it unverified"
  fi
  from_archive "$archive"
  exit 0
fi

if [ -f "$bin_dir/${os}_$arch/$name$exe" ]; then
  say "using the binary bundled for $os/$arch"
  place "$bin_dir/${os}_$arch/$name$exe"
  # Keep only this platform's binary (bin/chartsec-harden): the archive
  # bundles all of them, six times the size.
  for d in "$bin_dir"/*_*/; do
    if [ -f "$d$name" ] || [ -f "$d$name.exe" ]; then rm -rf "$d"; fi
  done
  exit 0
fi

if [ "${CHARTSEC_BUILD_FROM_SOURCE:-}" != 0 ] && can_build; then
  say "Go sources in $plugin_dir: building them (CHARTSEC_BUILD_FROM_SOURCE=0 downloads the release binary instead)"
  build_from_source
  exit 0
fi

if [ "$os" = unsupported ] || [ "$arch" = unsupported ]; then
  die "no release binary for $(uname -s)/$(uname -m): build chartsec-harden from source (Go and a checkout) and put it at $target"
fi

base=${CHARTSEC_DOWNLOAD_URL:-$default_base_url/v$version}
base=${base%/}
file=${name}_${version}_${os}_$arch.tar.gz
say "downloading $base/$file"
if fetch "$base/$file" "$work/$file" && fetch "$base/checksums.txt" "$work/checksums.txt"; then
  verify "$work/$file" "$work/checksums.txt"
  from_archive "$work/$file"
  exit 0
fi

say "download from $base failed"
if can_build; then
  say "falling back to go build (Go sources are here)"
  build_from_source
  exit 0
fi
die "could not install $name: the download failed and there is no Go toolchain with sources to build it.
  Offline? Set CHARTSEC_LOCAL_ARCHIVE to a downloaded $file (with checksums.txt beside it),
  or CHARTSEC_DOWNLOAD_URL to a mirror, then: helm plugin uninstall $name; helm plugin install ... again"
