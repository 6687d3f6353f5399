#!/usr/bin/env bash
# Make sure a Docker engine answers and the workspace image exists.
#
# Reuses an engine that already answers. Otherwise installs Docker from the OS
# packages, starts dockerd without container networking (workspaces run with
# network_mode="none", and this machine has no bridge to offer), and waits for
# it. No registry is reachable, so the workspace image is built locally from
# scratch plus a static busybox, from the Dockerfile serve uses too.
set -euo pipefail

IMAGE="${WORKSPACE_IMAGE:-workspace-base:latest}"

engine_answers() { docker info >/dev/null 2>&1; }

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
    for _ in $(seq 1 60); do
        engine_answers && break
        sleep 1
    done
    if ! engine_answers; then
        echo "docker-up: dockerd did not come up; last log lines:" >&2
        tail -n 20 /var/log/dockerd-ci.log >&2 || true
        exit 1
    fi
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
echo "docker-up: engine $(docker version --format '{{.Server.Version}}'), image $IMAGE ready"
