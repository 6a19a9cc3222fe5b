#!/usr/bin/env bash
# Writes a development CA and serving certificate into certs/ (ca.crt,
# tls.crt, tls.key) with `tenant-guard certs`, for running the webhook
# outside a cluster: `tenant-guard serve` reads certs/tls.crt and
# certs/tls.key by default and reloads them when they change.
#
#   scripts/dev-certs.sh                      localhost and 127.0.0.1
#   scripts/dev-certs.sh --dns my.host --ip 10.1.2.3   other names (replace the defaults)
#   scripts/dev-certs.sh --days 30            shorter validity
#
# Environment:
#   TG_CERTS_DIR   output folder (default: <repo>/certs)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${TG_CERTS_DIR:-$REPO/certs}"

# The project pins its Node version as a dev dependency; prefer that one.
if [[ -x "$REPO/node_modules/.bin/node" ]]; then
  PATH="$REPO/node_modules/.bin:$PATH"
fi

if [[ ! -f "$REPO/dist/cli/main.js" ]]; then
  echo "[dev-certs] dist/ not built; running npm run build" >&2
  (cd "$REPO" && npm run build >&2)
fi

names=()
for arg in "$@"; do
  case "$arg" in --dns | --dns=* | --ip | --ip=*) names=(x) ;; esac
done
defaults=()
[[ ${#names[@]} -eq 0 ]] && defaults=(--dns localhost --ip 127.0.0.1 --ip ::1)

node "$REPO/dist/cli/main.js" certs --out "$OUT" "${defaults[@]}" "$@"
echo "[dev-certs] trust $OUT/ca.crt in clients, e.g. curl --cacert $OUT/ca.crt https://127.0.0.1:8443/healthz" >&2
