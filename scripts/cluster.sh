#!/usr/bin/env bash
# A real, local Kubernetes control plane (etcd + kube-apiserver, no nodes)
# with the tenant-guard admission webhook registered, for development and
# end-to-end tests. Everything listens on 127.0.0.1 only.
#
#   scripts/cluster.sh up             build binaries if needed, start everything
#                                     (with the control plane already up and only
#                                     the webhook stopped: start the webhook)
#   scripts/cluster.sh down           stop everything, remove the state folder
#   scripts/cluster.sh env            print the env file (eval "$(scripts/cluster.sh env)")
#   scripts/cluster.sh status         show what is running; exit 0 when all is
#                                     healthy, 3 when only the webhook is not, else 1
#   scripts/cluster.sh webhook-stop   stop the webhook process only; its
#                                     configurations stay registered, so the API
#                                     server sees an unreachable webhook
#   scripts/cluster.sh webhook-start  start it again (same port, certificate and
#                                     command; TG_WEBHOOK_CONFIG, when set, replaces
#                                     its config file) and wait until it answers
#
# After `up`: <state>/bin/kubectl is the built kubectl, <state>/kubeconfig/<user>
# a kubeconfig per test user. The tenant users' contexts default to a namespace
# of their tenant (alice: acme-web, bob: globex-web, carol: initech-web), so
#   <state>/bin/kubectl --kubeconfig <state>/kubeconfig/alice create namespace acme-web
#   <state>/bin/kubectl --kubeconfig <state>/kubeconfig/alice apply -f examples/cross-tenant.yaml
# works without -n.
#
# Environment:
#   TG_CLUSTER_DIR   state folder (default: <repo>/.cluster)
#   TG_SHARED_DIR    folder holding crds/ (default: <repo>/../shared)
#   TG_K8S_CACHE     binary cache root, see scripts/build-k8s.sh
#   TG_WEBHOOK_CMD   command that starts the webhook (run with bash -c, in the
#                    repo root); it gets TG_WEBHOOK_PORT, TG_WEBHOOK_CERT,
#                    TG_WEBHOOK_KEY, TG_WEBHOOK_CA, TG_WEBHOOK_CONFIG,
#                    TG_WEBHOOK_CERT_DIR and TG_WEBHOOK_KUBECONFIG (the
#                    webhook's own identity, see below). Default: the real
#                    webhook (node dist/cli/main.js serve ...) if it is built,
#                    else test/cluster/trivial-webhook.mjs.
#   TG_WEBHOOK_CONFIG  webhook config file (default: test/cluster/config.yaml)
#   TG_UP_TIMEOUT    seconds to wait for each component (default: 120)
#   TG_LOCK_TIMEOUT  seconds to wait for another up/down on the same state
#                    folder to finish (default: 1800, covers a cold build)
#
# The webhook runs as its own user, system:serviceaccount:tenant-guard-system:tenant-guard
# (a static token standing in for the chart's ServiceAccount), in no admin
# group, allowed only to get/list/watch Namespaces
# (test/cluster/manifests/webhook-rbac.yaml): that is all it needs to know who
# owns a namespace.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${TG_CLUSTER_DIR:-$REPO/.cluster}"
SHARED="${TG_SHARED_DIR:-$(cd "$REPO/.." && pwd)/shared}"
MANIFESTS="$REPO/test/cluster/manifests"
TIMEOUT="${TG_UP_TIMEOUT:-120}"
USERS=(admin alice bob carol mallory)
WEBHOOK_USER="system:serviceaccount:tenant-guard-system:tenant-guard"
# Serialises up/down/webhook-start/webhook-stop on one state folder (several
# test runs may share it). Kept outside the state folder, which down removes.
LOCK_FILE="${TMPDIR:-/tmp}/tenant-guard-cluster-$(printf '%s' "$STATE" | sha256sum | cut -c1-16).lock"

# The project pins its Node version as a dev dependency; prefer that one.
if [[ -x "$REPO/node_modules/.bin/node" ]]; then
  PATH="$REPO/node_modules/.bin:$PATH"
  export PATH
fi

# Nothing here talks to anything but 127.0.0.1.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY all_proxy ALL_PROXY

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pid_alive() { # pidfile
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# Starts a daemon under setsid (its own process group), detached from our stdio, and records
# its pid. Usage: start_daemon name logfile cmd...
start_daemon() {
  local name="$1" logfile="$2"
  shift 2
  # (fd 9 is the lock: the daemon must not keep holding it.)
  setsid "$@" </dev/null >"$logfile" 2>&1 9>&- &
  echo $! >"$STATE/pids/$name.pid"
}

# Takes the state folder's lock for the rest of this script.
lock_state() {
  exec 9>"$LOCK_FILE"
  if ! flock -w "${TG_LOCK_TIMEOUT:-1800}" 9; then
    die "another scripts/cluster.sh has held $LOCK_FILE for ${TG_LOCK_TIMEOUT:-1800}s"
  fi
}

stop_daemon() { # name
  local pidfile="$STATE/pids/$1.pid" pid i
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    # The daemon leads its own process group (setsid): signal that group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$1 did not stop in 10s, killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

free_ports() { # count: prints that many distinct free TCP ports on 127.0.0.1
  node -e '
    const net = require("net");
    const n = Number(process.argv[1]);
    const servers = [];
    const ports = [];
    const next = () => {
      if (ports.length === n) { console.log(ports.join(" ")); servers.forEach((s) => s.close()); return; }
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => { servers.push(s); ports.push(s.address().port); next(); });
    };
    next();' "$1"
}

# Waits until the command succeeds. If WAIT_DAEMON names a daemon, stops
# waiting as soon as that daemon has exited.
wait_for() { # description timeout-seconds command...
  local what="$1" limit="$2" start
  shift 2
  start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if [[ -n "${WAIT_DAEMON:-}" ]] && ! pid_alive "$STATE/pids/$WAIT_DAEMON.pid"; then
      log "$WAIT_DAEMON exited while waiting for $what"
      return 1
    fi
    if (($(date +%s) - start >= limit)); then
      log "timed out after ${limit}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
  log "$what: ready after $(($(date +%s) - start))s"
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

https_ok() { # url cafile
  node -e '
    const https = require("https");
    const fs = require("fs");
    const req = https.get(process.argv[1], { ca: fs.readFileSync(process.argv[2]), timeout: 2000 }, (res) => {
      res.resume();
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => process.exit(1));' "$1" "$2"
}

# tenant-guard's /readyz answers 200 with "status": "degraded" until its
# namespace cache is synced; only "ok" means policy decisions can be made.
webhook_synced() { # url cafile
  node -e '
    const https = require("https");
    const fs = require("fs");
    const req = https.get(process.argv[1], { ca: fs.readFileSync(process.argv[2]), timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (c) => { body += c; });
      res.on("end", () => {
        try { process.exit(res.statusCode === 200 && JSON.parse(body).status === "ok" ? 0 : 1); } catch { process.exit(1); }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => process.exit(1));' "$1" "$2"
}

# ---------------------------------------------------------------- pki

gen_pki() {
  local pki="$STATE/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/CN=tenant-guard-dev-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  sign_server_cert "$pki/apiserver" "kube-apiserver" \
    "IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

sign_server_cert() { # path-prefix CN SANs
  local pki="$STATE/pki" ext
  ext="$(mktemp)"
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$3" >"$ext"
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$2" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  openssl x509 -req -sha256 -days 365 -in "$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -extfile "$ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$ext"
}

# --------------------------------------------------------- kubeconfigs

# A kubeconfig for one token. Usage: write_kubeconfig file name token [namespace]
write_kubeconfig() {
  local file="$1" name="$2" token="$3" namespace="${4:-}" ca_data
  ca_data="$(base64 -w0 <"$STATE/pki/ca.crt")"
  {
    cat <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: tenant-guard-dev
    cluster:
      server: $API_URL
      certificate-authority-data: $ca_data
users:
  - name: $name
    user:
      token: $token
contexts:
  - name: $name@tenant-guard-dev
    context:
      cluster: tenant-guard-dev
      user: $name
EOF
    if [[ -n "$namespace" ]]; then
      printf '      namespace: %s\n' "$namespace"
    fi
    printf 'current-context: %s@tenant-guard-dev\n' "$name"
  } >"$file"
  chmod 600 "$file"
}

write_tokens_and_kubeconfigs() {
  local tokens="$STATE/pki/tokens.csv" user token groups namespace
  mkdir -p "$STATE/kubeconfig"
  : >"$tokens"
  chmod 600 "$tokens"
  for user in "${USERS[@]}"; do
    # The tenant users' default namespace is one of their tenant's, as a
    # platform would hand it out (see examples/ and the README).
    case "$user" in
      admin) groups="system:masters" namespace="" ;;
      alice) groups="acme-devs" namespace="acme-web" ;;
      bob) groups="globex-devs" namespace="globex-web" ;;
      carol) groups="tenant:initech" namespace="initech-web" ;;
      mallory) groups="" namespace="" ;;
    esac
    token="$(openssl rand -hex 24)"
    # token,user,uid[,"group1,group2"]
    if [[ -n "$groups" ]]; then
      printf '%s,%s,%s,"%s"\n' "$token" "$user" "uid-$user" "$groups" >>"$tokens"
    else
      printf '%s,%s,%s\n' "$token" "$user" "uid-$user" >>"$tokens"
    fi
    write_kubeconfig "$STATE/kubeconfig/$user" "$user" "$token" "$namespace"
  done
  # The webhook's own identity: the username and groups its ServiceAccount
  # would have in a real cluster, but a static token (no token controller here).
  token="$(openssl rand -hex 24)"
  printf '%s,%s,%s,"%s"\n' "$token" "$WEBHOOK_USER" "uid-tenant-guard" \
    "system:serviceaccounts,system:serviceaccounts:tenant-guard-system" >>"$tokens"
  write_kubeconfig "$STATE/kubeconfig/tenant-guard" "tenant-guard" "$token"
}

write_env() {
  local f="$STATE/env" user upper
  {
    echo "# Written by scripts/cluster.sh up; load with: eval \"\$(scripts/cluster.sh env)\""
    printf 'export TG_CLUSTER_DIR=%q\n' "$STATE"
    printf 'export TG_K8S_BIN_DIR=%q\n' "$BIN_DIR"
    printf 'export TG_KUBECTL=%q\n' "$BIN_DIR/kubectl"
    printf 'export TG_APISERVER_URL=%q\n' "$API_URL"
    printf 'export TG_APISERVER_PORT=%q\n' "$API_PORT"
    printf 'export TG_ETCD_PORT=%q\n' "$ETCD_PORT"
    printf 'export TG_WEBHOOK_PORT=%q\n' "$WEBHOOK_PORT"
    printf 'export TG_WEBHOOK_URL=%q\n' "https://127.0.0.1:$WEBHOOK_PORT"
    printf 'export TG_WEBHOOK_KIND=%q\n' "$WEBHOOK_KIND"
    printf 'export TG_CA_FILE=%q\n' "$STATE/pki/ca.crt"
    printf 'export TG_E2E_KUBECONFIG_DIR=%q\n' "$STATE/kubeconfig"
    printf 'export TG_WEBHOOK_KUBECONFIG=%q\n' "$STATE/kubeconfig/tenant-guard"
    printf 'export TG_WEBHOOK_USER=%q\n' "$WEBHOOK_USER"
    for user in "${USERS[@]}"; do
      upper="$(tr '[:lower:]' '[:upper:]' <<<"$user")"
      printf 'export KUBECONFIG_%s=%q\n' "$upper" "$STATE/kubeconfig/$user"
    done
  } >"$f"
}

# ------------------------------------------------------------- webhook

# Exports what the webhook command gets (see the header).
webhook_env() {
  local certdir="$STATE/webhook/certs"
  export TG_WEBHOOK_PORT="$WEBHOOK_PORT" TG_WEBHOOK_CERT="$certdir/tls.crt" \
    TG_WEBHOOK_KEY="$certdir/tls.key" TG_WEBHOOK_CA="$certdir/ca.crt" \
    TG_WEBHOOK_CONFIG="${TG_WEBHOOK_CONFIG:-$REPO/test/cluster/config.yaml}" TG_WEBHOOK_CERT_DIR="$certdir" \
    TG_WEBHOOK_KUBECONFIG="$STATE/kubeconfig/tenant-guard"
}

# Chooses the webhook command and writes certificate and command into
# $STATE/webhook, so that webhook-start can run the same one again.
prepare_webhook() {
  local certdir="$STATE/webhook/certs" cmd
  mkdir -p "$certdir"
  cp "$STATE/pki/ca.crt" "$certdir/ca.crt"
  sign_server_cert "$certdir/tls" "tenant-guard-webhook" "IP:127.0.0.1,DNS:localhost"
  webhook_env
  if [[ -n "${TG_WEBHOOK_CMD:-}" ]]; then
    WEBHOOK_KIND=custom
    cmd="$TG_WEBHOOK_CMD"
  elif [[ -f "$REPO/dist/cli/main.js" ]]; then
    WEBHOOK_KIND=tenant-guard
    cmd='node dist/cli/main.js serve --config "$TG_WEBHOOK_CONFIG" --port "$TG_WEBHOOK_PORT" --cert "$TG_WEBHOOK_CERT" --key "$TG_WEBHOOK_KEY" --kubeconfig "$TG_WEBHOOK_KUBECONFIG"'
  else
    WEBHOOK_KIND=trivial
    log "dist/cli/main.js not built: using the trivial test webhook (test/cluster/trivial-webhook.mjs)"
    cmd='node test/cluster/trivial-webhook.mjs --port "$TG_WEBHOOK_PORT" --cert "$TG_WEBHOOK_CERT" --key "$TG_WEBHOOK_KEY"'
  fi
  printf '%s\n' "$cmd" >"$STATE/webhook/cmd"
  printf '%s\n' "$WEBHOOK_KIND" >"$STATE/webhook/kind"
  printf '%s\n' "$TG_WEBHOOK_CONFIG" >"$STATE/webhook/config"
}

# Starts the command prepared by prepare_webhook and waits until it is healthy
# (and, for tenant-guard, until its namespace cache is synced).
launch_webhook() {
  local certdir="$STATE/webhook/certs" cmd
  cmd="$(cat "$STATE/webhook/cmd")"
  WEBHOOK_KIND="$(cat "$STATE/webhook/kind")"
  TG_WEBHOOK_CONFIG="$(cat "$STATE/webhook/config")"
  webhook_env
  log "starting webhook ($WEBHOOK_KIND) on 127.0.0.1:$WEBHOOK_PORT"
  (cd "$REPO" && start_daemon webhook "$STATE/logs/webhook.log" bash -c "exec $cmd")
  if ! WAIT_DAEMON=webhook wait_for "webhook /healthz" "$TIMEOUT" https_ok "https://127.0.0.1:$WEBHOOK_PORT/healthz" "$certdir/ca.crt"; then
    tail -n 30 "$STATE/logs/webhook.log" >&2 || true
    return 1
  fi
  if [[ "$WEBHOOK_KIND" == tenant-guard ]] &&
    ! WAIT_DAEMON=webhook wait_for "webhook namespace cache (/readyz ok)" "$TIMEOUT" webhook_synced "https://127.0.0.1:$WEBHOOK_PORT/readyz" "$certdir/ca.crt"; then
    tail -n 30 "$STATE/logs/webhook.log" >&2 || true
    return 1
  fi
}

register_webhook() {
  local ca_bundle
  ca_bundle="$(base64 -w0 <"$STATE/pki/ca.crt")"
  sed -e "s|@WEBHOOK_URL@|https://127.0.0.1:$WEBHOOK_PORT|g" -e "s|@CA_BUNDLE@|$ca_bundle|g" \
    "$MANIFESTS/webhooks.yaml.tmpl" >"$STATE/webhooks.yaml"
  kc admin apply -f "$STATE/webhooks.yaml" >/dev/null
}

WEBHOOK_DENIED='admission webhook "validate.tenant-guard.io" denied the request'

probe_policy() { # namespaceSelector (flow style)
  kc alice create --dry-run=server -f - 2>&1 <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: tenant-guard-probe
  namespace: default
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: $1
EOF
}

# The configurations take effect asynchronously: wait until the webhook
# really answers, i.e. it denies a probe policy and labels a probe namespace.
# The probe admits every namespace; when an outage-safe floor
# (ValidatingAdmissionPolicies, evaluated before webhooks) refuses it first, a
# second probe selects by a label the floor does not judge but the webhook
# refuses.
probe_validating() {
  local out
  out="$(probe_policy '{}')" || true
  if [[ "$out" == *ValidatingAdmissionPolicy* ]]; then
    out="$(probe_policy '{matchLabels: {tenant-guard.io/probe: "true"}}')" || true
  fi
  [[ "$out" == *"$WEBHOOK_DENIED"* ]]
}

# Counts as answered when the namespace comes back with a label besides the
# API server's own kubernetes.io/metadata.name (the tenant label, whatever
# the config calls it), or when the request got as far as the validating
# webhook and was refused there (a real policy may refuse the probe's name;
# mutation runs before validation).
probe_mutating() {
  local out
  out="$(kc alice create namespace acme-tenant-guard-probe --dry-run=server \
    -o 'go-template={{range $k, $v := .metadata.labels}}{{$k}}{{"\n"}}{{end}}' 2>&1)" || {
    [[ "$out" == *"$WEBHOOK_DENIED"* ]]
    return
  }
  [[ -n "$out" ]] && grep -qv '^kubernetes\.io/metadata\.name$' <<<"$out"
}

wait_webhook_answering() {
  wait_for "validating webhook answering" "$TIMEOUT" probe_validating
  wait_for "mutating webhook answering" "$TIMEOUT" probe_mutating
}

# ------------------------------------------------------------ commands

kc() { # user kubectl-args...
  local user="$1"
  shift
  "$BIN_DIR/kubectl" --kubeconfig "$STATE/kubeconfig/$user" --request-timeout=30s "$@"
}

is_up() {
  control_plane_up && pid_alive "$STATE/pids/webhook.pid"
}

control_plane_up() {
  pid_alive "$STATE/pids/etcd.pid" && pid_alive "$STATE/pids/kube-apiserver.pid" && [[ -f "$STATE/env" ]]
}

# Reads ports and paths of the running cluster from its env file.
load_env() {
  [[ -f "$STATE/env" ]] || die "no cluster state in $STATE: run 'scripts/cluster.sh up' first"
  # shellcheck disable=SC1091
  source "$STATE/env"
  BIN_DIR="$TG_K8S_BIN_DIR"
  API_URL="$TG_APISERVER_URL"
  WEBHOOK_PORT="$TG_WEBHOOK_PORT"
}

cmd_up() {
  lock_state
  if is_up; then
    log "already up (state in $STATE); 'scripts/cluster.sh down' to stop"
    return 0
  fi
  if control_plane_up && [[ -f "$STATE/webhook/cmd" ]]; then
    # Never tear down a control plane that others may be using just because
    # the webhook was stopped (scripts/cluster.sh webhook-stop).
    log "control plane is up, the webhook is not: starting the webhook"
    start_webhook_again
    return
  fi
  if [[ -d "$STATE" ]]; then
    log "cleaning up a partial previous run"
    down_unlocked
  fi
  command -v openssl >/dev/null || die "openssl is required"
  command -v node >/dev/null || die "node is required"
  [[ -d "$SHARED/crds" ]] || die "CRD folder not found: $SHARED/crds (set TG_SHARED_DIR)"

  local t0
  t0=$(date +%s)
  BIN_DIR="$(bash "$REPO/scripts/build-k8s.sh")"
  mkdir -p "$STATE"/{pids,logs,etcd,bin}
  # Owner token of whoever asked for this start (see test/e2e/global-setup.ts).
  if [[ -n "${TG_CLUSTER_OWNER:-}" ]]; then
    printf '%s\n' "$TG_CLUSTER_OWNER" >"$STATE/owner"
  fi
  ln -sfn "$BIN_DIR/kubectl" "$STATE/bin/kubectl"
  read -r ETCD_PORT ETCD_PEER_PORT API_PORT WEBHOOK_PORT <<<"$(free_ports 4)"
  API_URL="https://127.0.0.1:$API_PORT"
  WEBHOOK_KIND=none
  # If anything below fails, do not leave half a cluster running.
  UP_DONE=
  trap 'if [[ -z "$UP_DONE" ]]; then log "up failed; logs in $STATE/logs"; stop_all; fi' EXIT

  gen_pki
  write_tokens_and_kubeconfigs

  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  start_daemon etcd "$STATE/logs/etcd.log" "$BIN_DIR/etcd" \
    --name=tenant-guard-dev \
    --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="tenant-guard-dev=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync=true \
    --log-level=warn
  if ! WAIT_DAEMON=etcd wait_for "etcd" "$TIMEOUT" tcp_open "$ETCD_PORT"; then
    tail -n 30 "$STATE/logs/etcd.log" >&2 || true
    false
  fi

  log "starting kube-apiserver on $API_URL"
  # ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since 1.30)
  # is served and enforced by default; the outage-safe floor relies on it.
  start_daemon kube-apiserver "$STATE/logs/kube-apiserver.log" "$BIN_DIR/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --secure-port="$API_PORT" \
    --tls-cert-file="$STATE/pki/apiserver.crt" \
    --tls-private-key-file="$STATE/pki/apiserver.key" \
    --client-ca-file="$STATE/pki/ca.crt" \
    --token-auth-file="$STATE/pki/tokens.csv" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NamespaceLifecycle,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy \
    --disable-admission-plugins=ServiceAccount \
    --service-account-key-file="$STATE/pki/sa.pub" \
    --service-account-signing-key-file="$STATE/pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.96.0.0/12 \
    --allow-privileged=true \
    --profiling=false \
    --v=1
  if ! WAIT_DAEMON=kube-apiserver wait_for "kube-apiserver /readyz" "$TIMEOUT" kc admin get --raw=/readyz; then
    tail -n 30 "$STATE/logs/kube-apiserver.log" >&2 || true
    false
  fi

  log "applying tenant RBAC, the webhook's RBAC and CRDs"
  kc admin apply -f "$MANIFESTS/tenant-rbac.yaml" >/dev/null
  kc admin create namespace tenant-guard-system >/dev/null
  kc admin apply -f "$MANIFESTS/webhook-rbac.yaml" >/dev/null
  local crd out
  for crd in ciliumnetworkpolicies.yaml ciliumclusterwidenetworkpolicies.yaml \
    policy.networking.k8s.io_adminnetworkpolicies.yaml \
    policy.networking.k8s.io_baselineadminnetworkpolicies.yaml; do
    # (The Cilium CRDs make the API server warn about an unknown string format.)
    out="$(kc admin apply --server-side --force-conflicts -f "$SHARED/crds/$crd" 2>&1)" ||
      die "applying $SHARED/crds/$crd failed: $out"
  done
  kc admin wait --for=condition=Established --timeout="${TIMEOUT}s" \
    crd/ciliumnetworkpolicies.cilium.io crd/ciliumclusterwidenetworkpolicies.cilium.io \
    crd/adminnetworkpolicies.policy.networking.k8s.io \
    crd/baselineadminnetworkpolicies.policy.networking.k8s.io >/dev/null

  prepare_webhook
  launch_webhook
  register_webhook
  wait_webhook_answering

  write_env
  UP_DONE=1
  log "up in $(($(date +%s) - t0))s: $API_URL, webhook ($WEBHOOK_KIND) https://127.0.0.1:$WEBHOOK_PORT"
  log "kubeconfigs: $STATE/kubeconfig/{$(IFS=,; echo "${USERS[*]}")}; kubectl: $STATE/bin/kubectl"
  log "load the environment with: eval \"\$(scripts/cluster.sh env)\""
}

stop_all() {
  stop_daemon webhook
  stop_daemon kube-apiserver
  stop_daemon etcd
}

down_unlocked() {
  stop_all
  if [[ -d "$STATE" ]]; then
    case "$(cd "$STATE" && pwd -P)" in
      / | "$(cd "$REPO" && pwd -P)" | "$(cd ~ && pwd -P)") die "refusing to remove $STATE" ;;
    esac
    rm -rf "$STATE"
    log "removed $STATE"
  fi
}

cmd_down() {
  lock_state
  down_unlocked
}

# Stops only the webhook process: its configurations stay registered, so the
# API server now calls a webhook that does not answer (failurePolicy decides).
cmd_webhook_stop() {
  lock_state
  control_plane_up || die "the control plane in $STATE is not running"
  stop_daemon webhook
  log "webhook stopped; 'scripts/cluster.sh webhook-start' starts it again"
}

# Starts the webhook again with the command, port and certificate of `up`,
# and waits until the API server's calls really reach it.
start_webhook_again() {
  load_env
  [[ -f "$STATE/webhook/cmd" ]] || die "no webhook command recorded in $STATE/webhook"
  if pid_alive "$STATE/pids/webhook.pid"; then
    log "webhook already running (pid $(cat "$STATE/pids/webhook.pid"))"
    if [[ -n "${TG_WEBHOOK_CONFIG:-}" && "$TG_WEBHOOK_CONFIG" != "$(cat "$STATE/webhook/config")" ]]; then
      log "WARNING: TG_WEBHOOK_CONFIG ignored: stop the webhook first (scripts/cluster.sh webhook-stop)"
    fi
  else
    if [[ -n "${TG_WEBHOOK_CONFIG:-}" ]]; then
      printf '%s\n' "$TG_WEBHOOK_CONFIG" >"$STATE/webhook/config"
    fi
    launch_webhook
  fi
  wait_webhook_answering
}

cmd_webhook_start() {
  lock_state
  control_plane_up || die "the control plane in $STATE is not running: use 'scripts/cluster.sh up'"
  start_webhook_again
}

cmd_env() {
  [[ -f "$STATE/env" ]] || die "no cluster state in $STATE: run 'scripts/cluster.sh up' first"
  cat "$STATE/env"
}

# Exit 0: everything healthy; 3: control plane healthy, webhook not; 1: otherwise.
cmd_status() {
  local name plane=0 hook=0
  if [[ ! -d "$STATE" ]]; then
    echo "down (no state in $STATE)"
    return 1
  fi
  for name in etcd kube-apiserver webhook; do
    if pid_alive "$STATE/pids/$name.pid"; then
      echo "$name: running (pid $(cat "$STATE/pids/$name.pid"))"
    else
      echo "$name: not running"
      if [[ "$name" == webhook ]]; then hook=1; else plane=1; fi
    fi
  done
  if [[ -f "$STATE/env" ]]; then
    load_env
    if kc admin get --raw=/readyz >/dev/null 2>&1; then
      echo "apiserver: ready at $TG_APISERVER_URL"
    else
      echo "apiserver: not ready"
      plane=1
    fi
    if https_ok "$TG_WEBHOOK_URL/healthz" "$TG_CA_FILE"; then
      echo "webhook ($TG_WEBHOOK_KIND): healthy at $TG_WEBHOOK_URL"
    else
      echo "webhook: not healthy"
      hook=1
    fi
  else
    echo "no env file (up did not finish)"
    plane=1
  fi
  if ((plane)); then return 1; fi
  if ((hook)); then return 3; fi
  return 0
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) cmd_env ;;
  status) cmd_status ;;
  webhook-stop) cmd_webhook_stop ;;
  webhook-start) cmd_webhook_start ;;
  *)
    echo "usage: $0 up|down|env|status|webhook-stop|webhook-start" >&2
    exit 2
    ;;
esac
