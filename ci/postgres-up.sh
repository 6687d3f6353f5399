#!/usr/bin/env bash
# Make sure a throwaway PostgreSQL server answers on loopback and print its URL.
#
# The service keeps SQLite by default and PostgreSQL by URL; the PostgreSQL integration tests need a real
# server. This reuses the cluster an earlier run started (same state directory) when it still answers.
# Otherwise it installs postgresql from the OS packages when initdb is missing, makes a cluster owned by
# the unprivileged "postgres" user in a private directory (trust authentication, loopback only, a free
# port, its Unix socket inside the directory), starts it and waits for it.
#
# stdout: the URL only (postgresql://postgres@127.0.0.1:PORT/postgres), also written to $PGSTATE/url;
# messages go to stderr. Use: export WORKSPACE_TEST_POSTGRES_URL="$(bash ci/postgres-up.sh)"
set -euo pipefail

PGSTATE="${WORKSPACE_PG_STATE:-${TMPDIR:-/tmp}/workspace-service-pg}"
say() { echo "postgres-up: $*" >&2; }

pg_bin() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$found" ] && [ -x "$found/initdb" ]; then echo "$found"; return 0; fi
    found="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
    [ -x "$found/initdb" ] && echo "$found"
}

as_db_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

answers() {
    [ -f "$PGSTATE/url" ] && [ -f "$PGSTATE/data/postmaster.pid" ] || return 1
    as_db_user "$BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$PGSTATE/port")" -t 2
}

BIN="$(pg_bin || true)"
if [ -z "$BIN" ]; then
    say "installing postgresql from the OS packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >/dev/null
    BIN="$(pg_bin)"
fi

if answers; then
    say "reusing the server in $PGSTATE"
    cat "$PGSTATE/url"
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home postgres
fi

# A stale directory (killed server, rebooted machine): start from scratch.
if [ -f "$PGSTATE/data/postmaster.pid" ]; then
    as_db_user "$BIN/pg_ctl" -D "$PGSTATE/data" -m immediate stop >/dev/null 2>&1 || true
fi
rm -rf "$PGSTATE"
mkdir -p "$PGSTATE"
[ "$(id -u)" -eq 0 ] && chown postgres "$PGSTATE"
chmod 700 "$PGSTATE"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
say "initdb in $PGSTATE/data, port $PORT"
as_db_user "$BIN/initdb" -D "$PGSTATE/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
as_db_user "$BIN/pg_ctl" -D "$PGSTATE/data" -l "$PGSTATE/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGSTATE -c max_connections=200 -c fsync=off" start >/dev/null
if ! as_db_user "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 10; then
    say "the server did not come up; last log lines:"
    tail -n 20 "$PGSTATE/server.log" >&2 || true
    exit 1
fi
echo "$PORT" >"$PGSTATE/port"
echo "postgresql://postgres@127.0.0.1:$PORT/postgres" >"$PGSTATE/url"
say "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') ready"
cat "$PGSTATE/url"
