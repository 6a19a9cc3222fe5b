#!/usr/bin/env bash
# Checks the production install the container image makes: package.json,
# package-lock.json and dist/ alone in an empty folder, `npm ci --omit=dev
# --ignore-scripts`, then the CLI must start with the pinned Node 24 runtime
# (node_modules/.bin/node of this repository):
#   - `--help` exits 0,
#   - `check` refuses examples/cross-tenant.yaml (exit 1, naming the field)
#     and allows examples/same-tenant.yaml (exit 0),
#   - `serve --tls-mode dev` answers /healthz and stops cleanly on SIGTERM.
# Needs `npm run build` first. Run from anywhere.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE="$REPO/node_modules/.bin/node"
log() { printf '[check-prod-install] %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

[[ -x "$NODE" ]] || fail "$NODE not found: run npm ci first"
[[ -f "$REPO/dist/cli/main.js" ]] || fail "dist/cli/main.js not found: run npm run build first"
version="$("$NODE" --version)"
[[ "$version" == v24.* ]] || fail "expected the pinned Node 24, got $version"

work="$(mktemp -d)"
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cp "$REPO/package.json" "$REPO/package-lock.json" "$work/"
cp -R "$REPO/dist" "$work/dist"
log "npm ci --omit=dev --ignore-scripts in $work"
(cd "$work" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >&2

# Nothing from the development install may be there.
for dev in typescript vitest eslint supertest node; do
  [[ ! -e "$work/node_modules/$dev" ]] || fail "dev dependency $dev was installed"
done

# No cluster: the checks must not pick up a kubeconfig of this machine.
export HOME="$work" KUBECONFIG="$work/no-kubeconfig"
unset KUBERNETES_SERVICE_HOST
cli() { (cd "$work" && "$NODE" dist/cli/main.js "$@"); }

out="$(cli --help)" || fail "--help exited $?"
[[ "$out" == *"Usage: tenant-guard"* ]] || fail "--help printed no usage: $out"
log "--help: ok"

rc=0
out="$(cli check -f "$REPO/examples/cross-tenant.yaml" --namespace acme-web --tenant acme)" || rc=$?
[[ $rc -eq 1 ]] || fail "check of examples/cross-tenant.yaml exited $rc, want 1: $out"
[[ "$out" == *"namespaceSelector"* ]] || fail "check output names no field: $out"
log "check refuses examples/cross-tenant.yaml: ok"

rc=0
out="$(cli check -f "$REPO/examples/same-tenant.yaml" --namespace acme-web --tenant acme)" || rc=$?
[[ $rc -eq 0 ]] || fail "check of examples/same-tenant.yaml exited $rc, want 0: $out"
log "check allows examples/same-tenant.yaml: ok"

port="$("$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
(cd "$work" && exec "$NODE" dist/cli/main.js serve --tls-mode dev --host 127.0.0.1 --port "$port" >"$work/serve.log" 2>&1) &
server_pid=$!
healthy=
for _ in $(seq 1 100); do
  if "$NODE" -e '
    require("https").get({ host: "127.0.0.1", port: Number(process.argv[1]), path: "/healthz", rejectUnauthorized: false, timeout: 1000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1))
      .on("error", () => process.exit(1));' "$port" 2>/dev/null; then
    healthy=1
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
[[ -n "$healthy" ]] || { cat "$work/serve.log" >&2; fail "serve did not answer /healthz"; }
kill -TERM "$server_pid"
rc=0
wait "$server_pid" || rc=$?
server_pid=
[[ $rc -eq 0 ]] || { cat "$work/serve.log" >&2; fail "serve exited $rc after SIGTERM"; }
log "serve answers /healthz and stops on SIGTERM: ok"
log "production install works with node $version"
