# services.sh - a private, throwaway PostgreSQL and Redis for the tests
# (tests/run.sh), the demo (tests/tools/demo.sh) and the benchmarks.
#
# Source it and call the functions, or run it:
#
#   services_start DIR   start both (initialising DIR/pg on first use) and
#                        export PGHOST PGPORT PGUSER PGDATABASE WISP_REDIS
#                        REDIS_SOCK; starting what already runs is a no-op
#   services_stop DIR    stop both; safe to call twice or on nothing
#   services_env DIR     print those exports as shell lines
#
#   bash tests/tools/services.sh start DIR   start, then print the exports
#   bash tests/tools/services.sh stop DIR       (eval "$(... start DIR)")
#
# PostgreSQL listens only on a unix socket in DIR (no TCP, port 5433 only
# names the socket), with fsync off: the data is disposable. It refuses to
# run as root, so as root it runs as the `postgres` system user, DIR/pg is
# that user's and DIR is shared through its group. The superuser is the user
# that ran initdb and logs in over the socket without a password; every other
# role needs its SCRAM password, so password logins are tested for real.
# Redis listens only on DIR/redis.sock and keeps nothing on disk.
# Every failure is one line on stderr naming what failed, then the last lines
# of the server's log, and a non-zero return.

SERVICES_PGPORT=5433
SERVICES_DB=wisp_test

# The directory of the PostgreSQL server programs: the highest installed
# major version (Debian), else what pg_config says.
services_pgbin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -x "$d/initdb" ] || d=$(pg_config --bindir 2>/dev/null)
    if [ ! -x "$d/initdb" ] || [ ! -x "$d/pg_ctl" ]; then
        echo "services: no PostgreSQL server programs (initdb, pg_ctl) found; run make deps" >&2
        return 1
    fi
    echo "$d"
}

# The OS user that owns the cluster and is its superuser.
services_pguser() {
    if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# Run a command as the cluster's owner, from / so that a cwd it cannot
# read (root's home) does not matter.
services_as_pg() {
    if [ "$(id -u)" -ne 0 ]; then
        (cd / && "$@")
    elif command -v runuser >/dev/null; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && su postgres -s /bin/sh -c '"$0" "$@"' -- "$@")
    fi
}

# services_fail WHAT LOG: the one-line error, then the log's last lines.
services_fail() {
    echo "services: $1" >&2
    if [ -s "$2" ]; then
        tail -n 5 "$2" | sed 's/^/    /' >&2
    fi
    return 1
}

services_env() {
    local dir
    dir=$(cd "$1" && pwd) || return 1
    printf 'export PGHOST=%q PGPORT=%q PGUSER=%q PGDATABASE=%q\n' \
        "$dir" "$SERVICES_PGPORT" "$(services_pguser)" "$SERVICES_DB"
    printf 'export REDIS_SOCK=%q WISP_REDIS=%q\n' "$dir/redis.sock" "unix://$dir/redis.sock"
}

# First use of DIR: the cluster, its access rules and settings.
services_initdb() {
    local dir=$1 bin=$2 pguser=$3
    mkdir -p "$dir/pg"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir/pg"
    services_as_pg "$bin/initdb" -D "$dir/pg" -U "$pguser" -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { services_fail "initdb of $dir/pg failed" "$dir/initdb.log"; return 1; }
    services_as_pg sh -c 'cat >"$0"' "$dir/pg/pg_hba.conf" <<HBA
# The superuser over the socket without a password; everyone else by SCRAM.
local all $pguser trust
local all all scram-sha-256
HBA
    services_as_pg sh -c 'cat >>"$0"' "$dir/pg/postgresql.conf" <<CONF

# services.sh: a private, disposable test server.
listen_addresses = ''
unix_socket_directories = '$dir'
unix_socket_permissions = 0770
port = $SERVICES_PGPORT
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
password_encryption = 'scram-sha-256'
CONF
}

services_start_pg() {
    local dir=$1 bin pguser
    bin=$(services_pgbin) || return 1
    pguser=$(services_pguser)
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd postgres >/dev/null ||
            { echo "services: no postgres system user (install the postgresql package)" >&2; return 1; }
        # postgres writes its socket and log here, root its own files.
        chgrp "$(id -gn postgres)" "$dir" && chmod 0775 "$dir" || return 1
        services_as_pg test -w "$dir" -a -x "$dir" ||
            { echo "services: the postgres user cannot write $dir (a parent directory is closed to it)" >&2; return 1; }
    fi
    if [ ! -f "$dir/pg/PG_VERSION" ]; then
        services_initdb "$dir" "$bin" "$pguser" || return 1
    fi
    if services_as_pg "$bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
        return 0 # already running
    fi
    services_as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 30 start >/dev/null 2>&1 ||
        { services_fail "PostgreSQL did not start in $dir/pg" "$dir/pg.log"; return 1; }
}

services_start_redis() {
    local dir=$1
    command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
        { echo "services: no redis-server or redis-cli; run make deps" >&2; return 1; }
    if [ "$(redis-cli -s "$dir/redis.sock" PING 2>/dev/null)" = PONG ]; then
        return 0 # already running
    fi
    rm -f "$dir/redis.sock" "$dir/redis.pid" # left by a crash
    redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 770 \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --dir "$dir" --save '' --appendonly no >/dev/null 2>&1 ||
        { services_fail "redis-server would not start in $dir" "$dir/redis.log"; return 1; }
    for _ in $(seq 100); do
        [ "$(redis-cli -s "$dir/redis.sock" PING 2>/dev/null)" = PONG ] && return 0
        sleep 0.05
    done
    services_fail "Redis did not answer on $dir/redis.sock" "$dir/redis.log"
}

services_start() {
    local dir=${1:?services_start DIR}
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
    services_start_pg "$dir" || return 1
    services_start_redis "$dir" || return 1
    unset PGPASSWORD PGPASSFILE PGSERVICE PGSERVICEFILE PGOPTIONS PGHOSTADDR PGSSLMODE
    eval "$(services_env "$dir")"
    # The default database, so that PGDATABASE always names one.
    if [ "$(psql -XAtq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$SERVICES_DB'" 2>&1)" != 1 ]; then
        createdb "$SERVICES_DB" 2>"$dir/createdb.log" ||
            { services_fail "createdb $SERVICES_DB failed" "$dir/createdb.log"; return 1; }
    fi
}

# services_alive PID: running, not gone nor a zombie nobody reaped yet.
services_alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$state" ] && [ "$state" != Z ]
}

services_stop() {
    local dir=${1:?services_stop DIR} bin pid
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/pg/postmaster.pid" ] && bin=$(services_pgbin 2>/dev/null); then
        services_as_pg "$bin/pg_ctl" -D "$dir/pg" -m fast -w -t 20 stop >/dev/null 2>&1 ||
            services_as_pg "$bin/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ -S "$dir/redis.sock" ]; then
        redis-cli -s "$dir/redis.sock" SHUTDOWN NOSAVE >/dev/null 2>&1
    fi
    if [ -f "$dir/redis.pid" ]; then
        pid=$(cat "$dir/redis.pid" 2>/dev/null)
        # Only a redis-server: a stale pidfile may name someone else now.
        if [ -n "$pid" ] && grep -q '^redis-server' "/proc/$pid/comm" 2>/dev/null &&
            kill "$pid" 2>/dev/null; then
            for _ in $(seq 100); do
                services_alive "$pid" || break
                sleep 0.05
            done
        fi
        rm -f "$dir/redis.pid"
    fi
    rm -f "$dir/redis.sock"
    return 0
}

# Run as a program: services.sh start|stop|env DIR.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}:${2:-}" in
    start:?*) services_start "$2" && services_env "$2" ;;
    stop:?*) services_stop "$2" ;;
    env:?*) services_env "$2" ;;
    *)
        echo "usage: $0 start|stop|env DIR" >&2
        exit 2
        ;;
    esac
fi
