#!/usr/bin/env bash
# Set up and run every test. This is what the README and .ci/run call.
#
# 1. installs the project with its dev extras into the interpreter named by
#    $PYTHON (python3 by default), pinned by the lock ci/constraints.txt, after
#    the OS packages the tests call (git; the venv module for the suites that
#    build their own environment), and lints the code with ruff,
# 2. makes sure a Docker engine answers (installs and starts one from the OS
#    packages when none does) and the workspace image exists, and a throwaway
#    PostgreSQL server answers on loopback (ci/postgres-up.sh),
# 3. runs the whole test suite, with branch coverage, through healthcheck's own gate on this
#    repository (healthcheck gate --tests, thresholds stricter than the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
echo "== install"
missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
"$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "ci/test.sh: installing ${missing[*]} from the OS packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# From the lock (ci/constraints.txt, written by `python ci/deps.py lock`): the same versions on every run.
"$PYTHON" -m pip install -q --disable-pip-version-check -c ci/constraints.txt -e ".[dev]"

echo "== lint (ruff, configured in pyproject.toml)"
"$PYTHON" -m ruff check .

echo "== docker engine"
if ! bash ci/docker-up.sh; then
    echo "ci/test.sh: no Docker engine could be started; the Docker tests will fail" >&2
fi

echo "== postgresql server"
if WORKSPACE_TEST_POSTGRES_URL="$(bash ci/postgres-up.sh)"; then
    export WORKSPACE_TEST_POSTGRES_URL
else
    echo "ci/test.sh: no PostgreSQL server could be started; the PostgreSQL tests will fail" >&2
fi

echo "== tests, gated by healthcheck on this repository"
# healthcheck runs the whole suite itself (pytest under coverage.py with branch coverage, in a
# subprocess), then applies the gates in [tool.healthcheck] of pyproject.toml, stricter than the
# defaults: pass rate 100 %, coverage >= 85 %, zero import cycles of any kind, zero duplicate
# implementations, mypy strict clean, zero contract violations, every module importable.
# The suite runs once; its tests and coverage are healthcheck's own test-suite check dogfooded.
export HEALTHCHECK_REQUIRE_DOCKER=1
"$PYTHON" -m healthcheck.cli gate . --tests \
    --format json --format markdown --format html --format junit --format sarif
