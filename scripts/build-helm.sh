#!/usr/bin/env bash
# Builds the helm CLI from the Go module in test/helm/ into the same cache
# root as scripts/build-k8s.sh (outside the repository). An existing binary
# built from the same go.mod/go.sum is reused.
#
#   scripts/build-helm.sh             build if missing, print the helm path
#   scripts/build-helm.sh --print-path  only print the helm path
#
# Environment:
#   TG_K8S_CACHE    cache root (default: $HOME/.cache/tenant-guard/k8s)
#   TG_HELM_FORCE=1 rebuild even if the binary exists
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODDIR="$REPO/test/helm"

log() { printf '[build-helm] %s\n' "$*" >&2; }

# Version of helm, read from go.mod (no network needed).
HELM_MODULE="$(awk '$1 == "require" && $2 ~ /^helm\.sh\/helm\// { print $2; exit }
                    $1 ~ /^helm\.sh\/helm\// && $2 ~ /^v/ { print $1; exit }' "$MODDIR/go.mod")"
HELM_VERSION="$(awk -v m="$HELM_MODULE" '$1 == m && $2 ~ /^v/ { print $2; exit }
                    $1 == "require" && $2 == m { print $3; exit }' "$MODDIR/go.mod")"
if [[ -z "$HELM_MODULE" || -z "$HELM_VERSION" ]]; then
  log "cannot read the helm module and version from $MODDIR/go.mod"
  exit 1
fi

CACHE_ROOT="${TG_K8S_CACHE:-${HOME:-/tmp}/.cache/tenant-guard/k8s}"
BIN_DIR="$CACHE_ROOT/helm-$HELM_VERSION"
HELM="$BIN_DIR/helm"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$HELM"
  exit 0
fi

# The stamp ties the cached binary to the exact dependency set.
STAMP="$(cat "$MODDIR/go.mod" "$MODDIR/go.sum" | sha256sum | cut -c1-16)"
if [[ -f "$BIN_DIR/.stamp" && "$(cat "$BIN_DIR/.stamp")" != "$STAMP" ]]; then
  log "go.mod/go.sum changed since the cached build; rebuilding"
  rm -f "$HELM"
fi
if [[ "${TG_HELM_FORCE:-}" == "1" ]]; then
  rm -f "$HELM"
fi

if [[ -x "$HELM" ]]; then
  log "helm: cached ($HELM)"
  echo "$HELM"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "go is not on PATH; it is needed to build helm"
  exit 1
fi

mkdir -p "$BIN_DIR"
export CGO_ENABLED=0
export GOFLAGS="-buildvcs=false"
unset GOOS GOARCH

ldflags="-s -w -X $HELM_MODULE/internal/version.version=$HELM_VERSION"
ldflags+=" -X $HELM_MODULE/internal/version.metadata="
ldflags+=" -X $HELM_MODULE/internal/version.gitTreeState=clean"

log "helm: building $HELM_MODULE/cmd/helm $HELM_VERSION ..."
start=$(date +%s)
(cd "$MODDIR" && go build -trimpath -ldflags "$ldflags" -o "$HELM.tmp" "$HELM_MODULE/cmd/helm")
mv -f "$HELM.tmp" "$HELM"
echo "$STAMP" >"$BIN_DIR/.stamp"
log "helm: built in $(($(date +%s) - start))s: $HELM"
echo "$HELM"
