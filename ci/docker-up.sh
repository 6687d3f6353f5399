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
set -euo pipefail

IMAGE="${WORKSPACE_IMAGE:-workspace-base:latest}"

engine_answers() { docker info >/dev/null 2>&1; }
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
runsc_listed() { docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; }

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

if ! engine_answers; then
    if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
        echo "docker-up: installing docker.io and busybox-static from the OS packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq docker.io busybox-static >/dev/null
    fi
    echo "docker-up: starting dockerd"
    mkdir -p /var/log
    nohup dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/dockerd-ci.log 2>&1 &
    if ! wait_for 60 1 engine_answers; then
        echo "docker-up: dockerd did not come up; last log lines:" >&2
        tail -n 20 /var/log/dockerd-ci.log >&2 || true
        exit 1
    fi
elif [ -n "$runsc_changed" ] || ! runsc_listed; then
    pid="$(cat /var/run/docker.pid 2>/dev/null || pgrep -xo dockerd || true)"
    if [ -n "$pid" ]; then
        echo "docker-up: asking the running engine (pid $pid) to reload its runtimes"
        kill -HUP "$pid"
        wait_for 20 0.5 runsc_listed || true
    fi
fi
if ! runsc_listed; then
    echo "docker-up: the engine does not list runsc after registering it in $DAEMON_JSON" >&2
    exit 1
fi

if [ ! -x /bin/busybox ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    # the Dockerfile `workspace-service serve` builds from too (service/runtime/base_image.py)
    echo "docker-up: building $IMAGE from scratch + busybox-static"
    ctx="$(mktemp -d)"
    cp /bin/busybox "$ctx/busybox"
    DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" -f "$(dirname "$0")/../service/runtime/workspace-base/Dockerfile" "$ctx" >/dev/null
    rm -rf "$ctx"
fi
echo "docker-up: engine $(docker version --format '{{.Server.Version}}'), runtimes $(docker info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}'), image $IMAGE ready"
