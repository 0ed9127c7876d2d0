#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: initdb + pg_ctl into a temp dir, on a free loopback port,
# as an unprivileged user (initdb refuses root).
#
#   eval "$(scripts/test-postgres.sh start)"   # exports TUIXIN_TEST_DATABASE_URL and TUIXIN_TEST_PG_DIR
#   scripts/test-postgres.sh stop               # stops the cluster in $TUIXIN_TEST_PG_DIR, removes it
#
# Needs Debian's `postgresql` package (binaries in /usr/lib/postgresql/<version>/bin).
set -euo pipefail

bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return
        fi
    done
    echo "test-postgres.sh: no PostgreSQL server found (apt-get install postgresql)" >&2
    exit 1
}

# Runs a command as the cluster's owner: ourselves, or `nobody` when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local port
    for port in $(shuf -i 20000-60000 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "test-postgres.sh: no free port found" >&2
    exit 1
}

start() {
    local bin dir port
    bin=$(bindir)
    dir=$(mktemp -d /tmp/tuixin-pg.XXXXXX)
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown nobody "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U tuixin -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    port=$(free_port)
    # Loopback only; the socket in the temp dir, not /var/run/postgresql; fsync off (a test cluster).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=100" start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U tuixin tuixin
    echo "export TUIXIN_TEST_DATABASE_URL=postgres://tuixin@127.0.0.1:$port/tuixin"
    echo "export TUIXIN_TEST_PG_DIR=$dir"
}

stop() {
    local dir=${TUIXIN_TEST_PG_DIR:-}
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
        echo "test-postgres.sh: TUIXIN_TEST_PG_DIR names no cluster" >&2
        exit 1
    fi
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
