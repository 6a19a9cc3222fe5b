#!/usr/bin/env bash
# Builds the differential oracle (test/oracle: Cilium's and apimachinery's own
# policy code behind a JSON-lines interface) from Go modules into a cache
# folder outside the repository. A binary built from the same go.mod/go.sum
# and sources is reused.
#
#   scripts/build-oracle.sh              build if missing, print the binary's path
#   scripts/build-oracle.sh --print-path only print the binary's path
#
# Environment:
#   TG_ORACLE_CACHE    cache root (default: $HOME/.cache/tenant-guard/oracle)
#   TG_ORACLE_FORCE=1  rebuild even if the binary exists
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODDIR="$REPO/test/oracle"

log() { printf '[build-oracle] %s\n' "$*" >&2; }

# The stamp ties the cached binary to the exact dependency set and sources.
STAMP="$(cat "$MODDIR/go.mod" "$MODDIR/go.sum" "$MODDIR"/*.go | sha256sum | cut -c1-16)"
CACHE_ROOT="${TG_ORACLE_CACHE:-${HOME:-/tmp}/.cache/tenant-guard/oracle}"
BIN="$CACHE_ROOT/$STAMP/oracle"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$BIN"
  exit 0
fi

if [[ -x "$BIN" && "${TG_ORACLE_FORCE:-}" != "1" ]]; then
  log "cached ($BIN)"
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "go is not on PATH; it is needed to build the oracle"
  exit 1
fi

export CGO_ENABLED=0
export GOFLAGS="-buildvcs=false"
unset GOOS GOARCH

mkdir -p "$(dirname "$BIN")"
log "building $MODDIR ..."
start=$(date +%s)
(cd "$MODDIR" && go build -trimpath -ldflags "-s -w" -o "$BIN.tmp" .)
mv -f "$BIN.tmp" "$BIN"
log "built in $(( $(date +%s) - start ))s: $BIN"
echo "$BIN"
