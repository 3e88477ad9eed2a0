# services.sh - a private PostgreSQL and Redis for tests, the demo and the
# benchmarks. Source it, then:
#
#   services_start DIR   start (initialising DIR/pg on first use) and export
#                        PGHOST PGPORT PGUSER WISP_REDIS REDIS_SOCK
#   services_stop DIR    stop both; safe to call twice
#
# PostgreSQL listens only on a unix socket in DIR (no TCP). It refuses to run
# as root, so as root it runs as the `postgres` system user. Its superuser is
# the user that ran initdb and logs in without a password over the socket;
# every other role needs its SCRAM password (so login tests are real).

services_pgbin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] || d=$(pg_config --bindir 2>/dev/null)
    [ -x "$d/initdb" ] || { echo "services: no PostgreSQL server binaries (make deps)" >&2; return 1; }
    echo "$d"
}

# Run a command as the user that owns the cluster.
services_as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

services_start() {
    local dir=$1 bin pguser
    bin=$(services_pgbin) || return 1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        pguser=postgres
        chown postgres "$dir"
        chmod 755 "$dir"
    else
        pguser=$(id -un)
    fi
    if [ ! -f "$dir/pg/PG_VERSION" ]; then
        services_as_pg "$bin/initdb" -D "$dir/pg" -U "$pguser" -A trust -E UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { echo "services: initdb failed:" >&2; tail -n 5 "$dir/initdb.log" >&2; return 1; }
        printf 'local all %s trust\nlocal all all scram-sha-256\n' "$pguser" >"$dir/pg/pg_hba.conf"
        cat >>"$dir/pg/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5433
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
max_connections = 60
CONF
    fi
    if ! services_as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 30 start >/dev/null 2>&1; then
        echo "services: PostgreSQL did not start:" >&2
        tail -n 5 "$dir/pg.log" >&2
        return 1
    fi
    export PGHOST=$dir PGPORT=5433 PGUSER=$pguser
    unset PGPASSWORD PGSERVICE PGDATABASE
    command -v redis-server >/dev/null || { echo "services: no redis-server (make deps)" >&2; return 1; }
    redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 777 \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --dir "$dir" --save '' --appendonly no >/dev/null
    for _ in $(seq 50); do
        [ -S "$dir/redis.sock" ] && break
        sleep 0.1
    done
    [ -S "$dir/redis.sock" ] || { echo "services: Redis did not start:" >&2; tail -n 5 "$dir/redis.log" >&2; return 1; }
    export REDIS_SOCK=$dir/redis.sock WISP_REDIS=unix://$dir/redis.sock
}

services_stop() {
    local dir=$1 bin
    bin=$(services_pgbin 2>/dev/null) || true
    if [ -n "$bin" ] && [ -f "$dir/pg/postmaster.pid" ]; then
        services_as_pg "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ -f "$dir/redis.pid" ]; then
        kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$(cat "$dir/redis.pid" 2>/dev/null)" 2>/dev/null || break
            sleep 0.1
        done
        rm -f "$dir/redis.pid"
    fi
}
