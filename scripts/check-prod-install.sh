#!/usr/bin/env bash
# Checks the two ways tenant-guard runs without a checkout, with the pinned
# Node 24 runtime (node_modules/.bin/node of this repository):
#   1. the npm package: package.json, package-lock.json and dist/ alone in an
#      empty folder, `npm ci --omit=dev --ignore-scripts`, then its bin (the
#      bundle) and the compiled dist/cli/main.js;
#   2. the container image: the bundle alone in an empty folder (no
#      node_modules anywhere above it), started as the Dockerfile's
#      ENTRYPOINT starts it (its node flags).
# Each must:
#   - `--help` exits 0,
#   - `check` refuses examples/cross-tenant.yaml (exit 1, naming the field)
#     and allows examples/same-tenant.yaml (exit 0),
#   - `serve --tls-mode dev` answers /healthz and stops cleanly on SIGTERM;
#     run with --expose-gc (the image), it has collected its start-up garbage
#     by then (src/telemetry/startup-gc.ts, logged at debug).
# Needs `npm run build` first. Run from anywhere.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE="$REPO/node_modules/.bin/node"
log() { printf '[check-prod-install] %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

[[ -x "$NODE" ]] || fail "$NODE not found: run npm ci first"
[[ -f "$REPO/dist/cli/main.js" ]] || fail "dist/cli/main.js not found: run npm run build first"
[[ -f "$REPO/dist/bundle/tenant-guard.mjs" ]] || fail "dist/bundle/tenant-guard.mjs not found: run npm run build first"
version="$("$NODE" --version)"
[[ "$version" == v24.* ]] || fail "expected the pinned Node 24, got $version"

work="$(mktemp -d)"
# The image layout lives apart from the package install: no node_modules may be found above it.
image="$(mktemp -d)"
server_pid=
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work" "$image"
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
# checks LABEL DIR ENTRY...: the checks above, running ENTRY (node flags and a script) in DIR.
checks() {
  local label="$1" dir="$2"
  shift 2
  local entry=("$@")
  cli() { (cd "$dir" && "$NODE" "${entry[@]}" "$@"); }

  out="$(cli --help)" || fail "$label: --help exited $?"
  [[ "$out" == *"Usage: tenant-guard"* ]] || fail "$label: --help printed no usage: $out"
  log "$label: --help: ok"

  rc=0
  out="$(cli check -f "$REPO/examples/cross-tenant.yaml" --namespace acme-web --tenant acme)" || rc=$?
  [[ $rc -eq 1 ]] || fail "$label: check of examples/cross-tenant.yaml exited $rc, want 1: $out"
  [[ "$out" == *"namespaceSelector"* ]] || fail "$label: check output names no field: $out"
  log "$label: check refuses examples/cross-tenant.yaml: ok"

  rc=0
  out="$(cli check -f "$REPO/examples/same-tenant.yaml" --namespace acme-web --tenant acme)" || rc=$?
  [[ $rc -eq 0 ]] || fail "$label: check of examples/same-tenant.yaml exited $rc, want 0: $out"
  log "$label: check allows examples/same-tenant.yaml: ok"

  port="$("$NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  (cd "$dir" && exec "$NODE" "${entry[@]}" serve --tls-mode dev --host 127.0.0.1 --port "$port" --log-level debug >"$dir/serve.log" 2>&1) &
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
  [[ -n "$healthy" ]] || { cat "$dir/serve.log" >&2; fail "$label: serve did not answer /healthz"; }
  if [[ " ${entry[*]} " == *" --expose-gc "* ]]; then
    # Settled without a cluster after three quiet seconds.
    collected=
    for _ in $(seq 1 50); do
      if grep -q 'collected the start-up garbage' "$dir/serve.log"; then collected=1; break; fi
      sleep 0.2
    done
    [[ -n "$collected" ]] || { cat "$dir/serve.log" >&2; fail "$label: serve did not collect its start-up garbage within 10 s"; }
    log "$label: serve collected its start-up garbage once settled: ok"
  fi
  kill -TERM "$server_pid"
  rc=0
  wait "$server_pid" || rc=$?
  server_pid=
  [[ $rc -eq 0 ]] || { cat "$dir/serve.log" >&2; fail "$label: serve exited $rc after SIGTERM"; }
  log "$label: serve answers /healthz and stops on SIGTERM: ok"
}

bin="$(cd "$REPO" && "$NODE" -p 'require("./package.json").bin["tenant-guard"]')"
checks "package bin ($bin)" "$work" "$bin"
checks "package dist/cli/main.js" "$work" dist/cli/main.js

# The image: the bundle alone, with the ENTRYPOINT's node flags (IMAGE_NODE_FLAGS).
cp "$REPO/dist/bundle/tenant-guard.mjs" "$image/tenant-guard.mjs"
read -r -a flags <<<"$(cd "$REPO" && "$NODE" --input-type=module -e 'import { IMAGE_NODE_FLAGS } from "./scripts/cli-build-options.mjs"; console.log(IMAGE_NODE_FLAGS.join(" "))')"
grep -qF "\"/nodejs/bin/node\", $(printf '"%s", ' "${flags[@]}")\"/app/tenant-guard.mjs\"" "$REPO/Dockerfile" || fail "the Dockerfile's ENTRYPOINT does not start the bundle with ${flags[*]}"
# And with the ENV the Dockerfile sets for node (IMAGE_ENV).
read -r -a image_env <<<"$(cd "$REPO" && "$NODE" --input-type=module -e 'import { IMAGE_ENV } from "./scripts/cli-build-options.mjs"; console.log(Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`).join(" "))')"
for kv in "${image_env[@]}"; do
  grep -qE "^ENV .*(^| )${kv}( |$)" "$REPO/Dockerfile" || fail "the Dockerfile does not set ${kv} (IMAGE_ENV)"
  export "${kv?}"
done
checks "image (bundle alone, ${image_env[*]} ${flags[*]})" "$image" "${flags[@]}" tenant-guard.mjs
log "the package and the image layout work with node $version"
