#!/usr/bin/env bash
# Make sure a Docker engine answers and the workspace image exists.
#
# Reuses an engine that already answers. Otherwise installs Docker from the OS
# packages, starts dockerd without container networking (workspaces run with
# network_mode="none", and this machine has no bridge to offer), and waits for
# it. No registry is reachable, so the workspace image is built locally from
# scratch plus a static busybox, from the Dockerfile serve uses too.
#
# gVisor: installs runsc from the OS packages when missing and registers it
# with the engine as the runtime "runsc" (daemon.json "runtimes", merged into
# any existing file). An engine already running reloads its runtimes on SIGHUP,
# which leaves its containers running; one started here reads the file at
# start. runsc runs with --network=none: workspaces have no network, and
# runsc refuses to set up the network of the engine's "none" mode ("cannot run
# with network enabled in root network namespace").
#
# A second engine beside the first, for the tests of several engines (reused when it answers, started
# otherwise; the first engine and its containers are left alone). Its fixed places, which the tests read
# too (tests/integration/service/conftest.py), each overridable by the variable named:
#   WORKSPACE_CI_ENGINE2_URL  unix:///var/run/docker-2.sock   its socket (plain, local only)
#   WORKSPACE_CI_TLS_URL      tcp://127.0.0.1:2376            the same engine over TCP, --tlsverify
#   WORKSPACE_CI_TLS_DIR      /var/lib/workspace-ci/tls       ca.pem, server{,-key}.pem, client{,-key}.pem
# data root /var/lib/docker-2, exec root /var/run/docker-2, pid file /var/run/docker-2.pid, log
# /var/log/dockerd-2.log. The certificates are made here with openssl (a CA, a server certificate for
# 127.0.0.1 and localhost, a client certificate) when missing; the client's files are readable by the tests.
set -euo pipefail

IMAGE="${WORKSPACE_IMAGE:-workspace-base:latest}"
ENGINE2_URL="${WORKSPACE_CI_ENGINE2_URL:-unix:///var/run/docker-2.sock}"
TLS_URL="${WORKSPACE_CI_TLS_URL:-tcp://127.0.0.1:2376}"
TLS_DIR="${WORKSPACE_CI_TLS_DIR:-/var/lib/workspace-ci/tls}"

# wait_for TRIES DELAY CMD...: true as soon as CMD succeeds, false when it still fails after TRIES tries.
wait_for() {
    local tries="$1" delay="$2"
    shift 2
    for _ in $(seq 2 "$tries"); do
        "$@" && return 0
        sleep "$delay"
    done
    "$@"
}
# answers HOST / runsc_listed HOST: the engine at HOST answers / lists the runtime "runsc"
answers() { docker -H "$1" info >/dev/null 2>&1; }
runsc_listed() { docker -H "$1" info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; }

# ensure_engine NAME HOST PIDFILE LOG DOCKERD_ARGS...: the engine at HOST answers and lists runsc. Started with
# DOCKERD_ARGS (its pid in PIDFILE, its output in LOG) when it does not answer; asked to reload its runtimes
# when it answers without runsc, or daemon.json just changed.
ensure_engine() {
    local name="$1" host="$2" pidfile="$3" log="$4" pid
    shift 4
    if ! answers "$host"; then
        echo "docker-up: starting $name ($host)"
        # a stale pid file of a dead engine would stop it starting
        if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            rm -f "$pidfile"
        fi
        mkdir -p "$(dirname "$log")"
        nohup dockerd --pidfile "$pidfile" "$@" >"$log" 2>&1 &
        if ! wait_for 60 1 answers "$host"; then
            echo "docker-up: $name did not come up; last log lines:" >&2
            tail -n 20 "$log" >&2 || true
            exit 1
        fi
    elif [ -n "$runsc_changed" ] || ! runsc_listed "$host"; then
        pid="$(cat "$pidfile" 2>/dev/null || true)"
        if [ -n "$pid" ]; then
            echo "docker-up: asking $name (pid $pid) to reload its runtimes"
            kill -HUP "$pid"
            wait_for 20 0.5 runsc_listed "$host" || true
        fi
    fi
    if ! runsc_listed "$host"; then
        echo "docker-up: $name does not list runsc after registering it in $DAEMON_JSON" >&2
        exit 1
    fi
}

DAEMON_JSON="${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}"

# Write the runsc runtime into daemon.json; prints "changed" when the file changed.
register_runsc() {
    mkdir -p "$(dirname "$DAEMON_JSON")"
    python3 - "$DAEMON_JSON" "$(command -v runsc)" <<'PY'
import json, os, sys
path, runsc = sys.argv[1], sys.argv[2]
config = {}
if os.path.exists(path):
    with open(path) as f:
        config = json.load(f)
wanted = {"path": runsc, "runtimeArgs": ["--network=none"]}
if config.get("runtimes", {}).get("runsc") != wanted:
    config.setdefault("runtimes", {})["runsc"] = wanted
    with open(path + ".tmp", "w") as f:
        json.dump(config, f, indent=2)
    os.replace(path + ".tmp", path)
    print("changed")
PY
}

if ! command -v runsc >/dev/null 2>&1; then
    echo "docker-up: installing runsc (gVisor) from the OS packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq runsc >/dev/null
fi
runsc_changed="$(register_runsc)"

if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
    echo "docker-up: installing docker.io and busybox-static from the OS packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io busybox-static >/dev/null
fi
ENGINE1_URL="${DOCKER_HOST:-unix:///var/run/docker.sock}"
ensure_engine dockerd "$ENGINE1_URL" /var/run/docker.pid /var/log/dockerd-ci.log \
    --bridge=none --iptables=false --ip6tables=false

# build_image DOCKER_HOST: the workspace image on that engine, when it lacks it
build_image() {
    if ! docker -H "$1" image inspect "$IMAGE" >/dev/null 2>&1; then
        # the Dockerfile `workspace-service serve` builds from too (service/runtime/base_image.py)
        echo "docker-up: building $IMAGE on $1 from scratch + busybox-static"
        ctx="$(mktemp -d)"
        cp /bin/busybox "$ctx/busybox"
        DOCKER_BUILDKIT=0 docker -H "$1" build -q -t "$IMAGE" -f "$(dirname "$0")/../service/runtime/workspace-base/Dockerfile" "$ctx" >/dev/null
        rm -rf "$ctx"
    fi
}
build_image "$ENGINE1_URL"
echo "docker-up: engine $(docker -H "$ENGINE1_URL" version --format '{{.Server.Version}}'), runtimes $(docker -H "$ENGINE1_URL" info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}'), image $IMAGE ready"

# --- the second engine, with its TLS endpoint ---------------------------------------------------

# The CA, server and client certificates, each made once; the keys stay root's except the client's,
# which the tests (any user) present.
make_certs() {
    mkdir -p "$TLS_DIR"
    chmod 755 "$TLS_DIR"
    if [ ! -s "$TLS_DIR/ca.pem" ] || [ ! -s "$TLS_DIR/ca-key.pem" ]; then
        echo "docker-up: making a CA in $TLS_DIR"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=workspace-ci CA" \
            -keyout "$TLS_DIR/ca-key.pem" -out "$TLS_DIR/ca.pem" 2>/dev/null
        rm -f "$TLS_DIR/server.pem" "$TLS_DIR/client.pem"
    fi
    chmod 600 "$TLS_DIR/ca-key.pem"
    chmod 644 "$TLS_DIR/ca.pem"
    # sign NAME SUBJECT EXTENSIONS
    sign() {
        [ -s "$TLS_DIR/$1.pem" ] && [ -s "$TLS_DIR/$1-key.pem" ] && return 0
        echo "docker-up: making the $1 certificate in $TLS_DIR"
        local ext
        ext="$(mktemp)"
        printf '%s\n' "$3" >"$ext"
        openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$TLS_DIR/$1-key.pem" -out "$TLS_DIR/$1.csr" 2>/dev/null
        openssl x509 -req -in "$TLS_DIR/$1.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca-key.pem" \
            -CAcreateserial -days 3650 -extfile "$ext" -out "$TLS_DIR/$1.pem" 2>/dev/null
        rm -f "$TLS_DIR/$1.csr" "$ext"
    }
    sign server "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
    sign client "/CN=workspace-service" "extendedKeyUsage=clientAuth"
    chmod 600 "$TLS_DIR/server-key.pem"
    chmod 644 "$TLS_DIR/server.pem" "$TLS_DIR/client.pem" "$TLS_DIR/client-key.pem"
}

tls_answers() {
    docker -H "$TLS_URL" --tlsverify --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/client.pem" \
        --tlskey "$TLS_DIR/client-key.pem" version >/dev/null 2>&1
}

make_certs
mkdir -p /var/lib/docker-2 /var/run/docker-2
ensure_engine "the second dockerd" "$ENGINE2_URL" /var/run/docker-2.pid /var/log/dockerd-2.log \
    --config-file "$DAEMON_JSON" -H "$ENGINE2_URL" -H "$TLS_URL" \
    --tlsverify --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/server.pem" --tlskey "$TLS_DIR/server-key.pem" \
    --data-root /var/lib/docker-2 --exec-root /var/run/docker-2 \
    --bridge=none --iptables=false --ip6tables=false
if ! wait_for 10 1 tls_answers; then
    echo "docker-up: the second engine answers on $ENGINE2_URL but not with TLS on $TLS_URL" \
        "(an engine started by hand without it? stop it and rerun)" >&2
    exit 1
fi
build_image "$ENGINE2_URL"
echo "docker-up: second engine $(docker -H "$ENGINE2_URL" version --format '{{.Server.Version}}') on $ENGINE2_URL and $TLS_URL (TLS, $TLS_DIR), image $IMAGE ready"
