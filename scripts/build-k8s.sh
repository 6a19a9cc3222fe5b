#!/usr/bin/env bash
# Builds the local development control plane binaries (kube-apiserver,
# kubectl, etcd) from the Go module in test/cluster/ into a cache folder
# outside the repository. Binaries that are already there are not rebuilt.
#
#   scripts/build-k8s.sh            build what is missing, print the bin dir
#   scripts/build-k8s.sh --print-dir  only print the bin dir
#
# Environment:
#   TG_K8S_CACHE   cache root (default: $HOME/.cache/tenant-guard/k8s)
#   TG_K8S_FORCE=1 rebuild even if the binaries exist
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODDIR="$REPO/test/cluster"

log() { printf '[build-k8s] %s\n' "$*" >&2; }

modversion() {
  # Version of a required module, read from go.mod (no network needed).
  awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }
                 $1 == "require" && $2 == m { print $3; exit }' "$MODDIR/go.mod"
}

K8S_VERSION="$(modversion k8s.io/kubernetes)"
ETCD_VERSION="$(modversion go.etcd.io/etcd/server/v3)"
if [[ -z "$K8S_VERSION" || -z "$ETCD_VERSION" ]]; then
  log "cannot read k8s.io/kubernetes / etcd versions from $MODDIR/go.mod"
  exit 1
fi

CACHE_ROOT="${TG_K8S_CACHE:-${HOME:-/tmp}/.cache/tenant-guard/k8s}"
BIN_DIR="$CACHE_ROOT/$K8S_VERSION"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$BIN_DIR"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "go is not on PATH; it is needed to build the control plane"
  exit 1
fi

# The stamp ties the cached binaries to the exact dependency set.
STAMP="$(cat "$MODDIR/go.mod" "$MODDIR/go.sum" | sha256sum | cut -c1-16)"
if [[ -f "$BIN_DIR/.stamp" && "$(cat "$BIN_DIR/.stamp")" != "$STAMP" ]]; then
  log "go.mod/go.sum changed since the cached build; rebuilding"
  rm -f "$BIN_DIR/kube-apiserver" "$BIN_DIR/kubectl" "$BIN_DIR/etcd"
fi
if [[ "${TG_K8S_FORCE:-}" == "1" ]]; then
  rm -f "$BIN_DIR/kube-apiserver" "$BIN_DIR/kubectl" "$BIN_DIR/etcd"
fi
mkdir -p "$BIN_DIR"

ver="${K8S_VERSION#v}"
major="${ver%%.*}"
minor="${ver#*.}"; minor="${minor%%.*}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
# The module proxy does not carry the source commit; allow passing it in.
git_commit="${TG_K8S_GIT_COMMIT:-unknown}"

k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$K8S_VERSION"
  k8s_ldflags+=" -X $pkg.gitMajor=$major"
  k8s_ldflags+=" -X $pkg.gitMinor=$minor"
  k8s_ldflags+=" -X $pkg.gitCommit=$git_commit"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean"
  k8s_ldflags+=" -X $pkg.buildDate=$build_date"
done

export CGO_ENABLED=0
export GOFLAGS="-buildvcs=false"
unset GOOS GOARCH

build_one() { # name package ldflags
  local name="$1" pkg="$2" ldflags="$3" start end
  if [[ -x "$BIN_DIR/$name" ]]; then
    log "$name: cached ($BIN_DIR/$name)"
    return 0
  fi
  log "$name: building $pkg ..."
  start=$(date +%s)
  (cd "$MODDIR" && go build -trimpath -ldflags "$ldflags" -o "$BIN_DIR/$name.tmp" "$pkg")
  mv -f "$BIN_DIR/$name.tmp" "$BIN_DIR/$name"
  end=$(date +%s)
  log "$name: built in $((end - start))s"
}

total_start=$(date +%s)
# kube-apiserver first: it is the longest and everything else needs it.
build_one kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build_one kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
build_one etcd go.etcd.io/etcd/server/v3 "-s -w"
echo "$STAMP" >"$BIN_DIR/.stamp"
log "done in $(( $(date +%s) - total_start ))s: kubernetes $K8S_VERSION, etcd $ETCD_VERSION in $BIN_DIR"
echo "$BIN_DIR"
