#!/bin/sh
# Builds a release into $DIST_DIR (default dist/):
#   chartsec-harden_<version>_<os>_<arch>.tar.gz  binary + README.md + LICENSE, per platform
#   chartsec-harden-<version>.tgz                 Helm 4 plugin, chartsec-harden/ at its top,
#                                                 with every platform's binary in bin/<os>_<arch>/
#   checksums.txt                                 sha256 of all of the above
#
#   VERSION    default: version: in plugin.yaml (strict semver, no leading v)
#   PLATFORMS  default: "linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"
#   DIST_DIR   default: dist (emptied first)
#   SIGN_KEY   sign the plugin archive with this PGP key (name or email), writing
#              chartsec-harden-<version>.tgz.prov, with Helm 4's `helm plugin package`:
#              HELM (default helm, must be Helm 4), SIGN_KEYRING (secret keyring in
#              the legacy format, default ~/.gnupg/secring.gpg; `gpg --export-secret-keys`
#              writes one), SIGN_PASSPHRASE_FILE (for a key with a passphrase)
#
# The plugin archive is packed from a fresh staging folder holding only the
# plugin's files, never from the checkout (which may hold .git or old builds).
set -eu

name=chartsec-harden
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"

version=${VERSION:-$(sed -n 's/^version:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}.*/\1/p' plugin.yaml | head -n 1)}
version=${version#v}
platforms=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}
dist=${DIST_DIR:-dist}

case $version in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "dist: VERSION '$version' is not semver (Helm 4 refuses the plugin)" >&2; exit 1 ;;
esac
for f in README.md LICENSE plugin.yaml install-binary.sh go.mod main.go; do
  [ -f "$f" ] || { echo "dist: $root/$f is missing" >&2; exit 1; }
done

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# Same bytes for the same inputs: fixed order, owner and time where GNU tar allows.
tar_flags=
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  tar_flags="--sort=name --owner=0 --group=0 --numeric-owner --mtime=@${SOURCE_DATE_EPOCH:-0}"
fi

rm -rf "$dist"
mkdir -p "$dist"
dist=$(CDPATH='' cd -- "$dist" && pwd)
stage=$dist/.stage
plugin_stage=$stage/plugin/$name
mkdir -p "$plugin_stage/bin"
cp plugin.yaml install-binary.sh README.md LICENSE "$plugin_stage/"
chmod 0755 "$plugin_stage/install-binary.sh"
# The archive's version is the one being built.
sed "s/^version:.*/version: $version/" plugin.yaml >"$plugin_stage/plugin.yaml"

for p in $platforms; do
  os=${p%/*}
  arch=${p#*/}
  exe=
  [ "$os" = windows ] && exe=.exe
  echo "dist: building $os/$arch" >&2
  dir=$stage/${name}_${version}_${os}_$arch
  mkdir -p "$dir"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch \
    go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$dir/$name$exe" .
  cp README.md LICENSE "$dir/"
  # shellcheck disable=SC2086 # tar_flags is a list of flags
  (cd "$dir" && tar $tar_flags -czf "$dist/${name}_${version}_${os}_$arch.tar.gz" "$name$exe" README.md LICENSE)
  mkdir -p "$plugin_stage/bin/${os}_$arch"
  cp "$dir/$name$exe" "$plugin_stage/bin/${os}_$arch/"
done

if [ -n "${SIGN_KEY:-}" ]; then
  set -- --sign --key "$SIGN_KEY" --keyring "${SIGN_KEYRING:-$HOME/.gnupg/secring.gpg}"
  if [ -n "${SIGN_PASSPHRASE_FILE:-}" ]; then set -- "$@" --passphrase-file "$SIGN_PASSPHRASE_FILE"; fi
  "${HELM:-helm}" plugin package "$@" -d "$dist" "$plugin_stage" >&2
  [ -f "$dist/$name-$version.tgz.prov" ] || { echo "dist: helm plugin package wrote no $name-$version.tgz.prov" >&2; exit 1; }
else
  # shellcheck disable=SC2086
  (cd "$stage/plugin" && tar $tar_flags -czf "$dist/$name-$version.tgz" "$name")
fi
rm -rf "$stage"

(cd "$dist" && sha256 -- *.tar.gz *.tgz >checksums.txt)
echo "dist: wrote $dist:" >&2
(cd "$dist" && ls -l) >&2
