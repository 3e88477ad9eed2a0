# sim.sh - simulated routers (tests/sim/routersim.py) behind real OpenSSH
# sshd servers on loopback, for the tests, the benchmarks and the demo.
# Sourced; needs root (sshd logs the dedicated user wispsim in, whose shell
# is /bin/sh so a login costs no profile scripts).
#
#   sim_init DIR              user, client key and password; SIM_DIR=DIR.
#                             Safe when runs share the machine: the user is
#                             made and its password chosen once (under a lock)
#                             and kept in a root-only file; every run logs in
#                             with that same password and its own key.
#   sim_router NAME KIND [--version 6|7]   a router's state in $SIM_DIR/r/NAME
#   sim_sshd TAG PORT=NAME... one sshd (its own host key) serving up to 16
#                             routers, one port each; its fingerprint in
#                             $SIM_DIR/TAG.fp
#   sim_stop_sshd TAG         stop one sshd
#   sim_admin NAME ARGS...    routersim.py admin on router NAME
#   sim_stop                  stop every sshd started here
# SIM_KEY is the client key, SIM_PASSWORD wispsim's password.

SIM_PY=${SIM_PY:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../sim" && pwd)/routersim.py}
# SIM_CLIENT may name another client of the same protocol (the fleet bench
# compiles tests/sim/simclient.c)
SIM_CLIENT=${SIM_CLIENT:-$(dirname "$SIM_PY")/simclient.sh}
SIM_USER=wispsim
SIM_PWFILE=/var/lib/wispsim.password # root's, mode 600: the one password of wispsim
SIM_LOCK=/run/wispsim.lock

# sim_user: make the user and its password once. Another run may be logged in
# with the password this very moment, so it is never changed: a fresh one
# only when none was kept, and the kept one set again only when the user's
# password is no longer it (something else changed it).
sim_user() {
    (
        flock -w 30 9 || exit 1
        if ! id "$SIM_USER" >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir /var/lib/wispsim --shell /bin/sh "$SIM_USER" || exit 1
        fi
        mkdir -p /var/lib/wispsim && chown "$SIM_USER" /var/lib/wispsim
        if [ ! -s "$SIM_PWFILE" ]; then
            (umask 077 && head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$SIM_PWFILE.new") &&
                mv "$SIM_PWFILE.new" "$SIM_PWFILE" || exit 1
        fi
        local hash
        hash=$(getent shadow "$SIM_USER" | cut -d: -f2)
        [ "$(SIM_PW=$(cat "$SIM_PWFILE") perl -e 'print crypt($ENV{SIM_PW}, $ARGV[0]) // ""' "$hash")" = "$hash" ] ||
            echo "$SIM_USER:$(cat "$SIM_PWFILE")" | chpasswd
    ) 9>>"$SIM_LOCK"
}

sim_init() {
    SIM_DIR=$1
    mkdir -p "$SIM_DIR/r"
    chmod 755 "$SIM_DIR" "$SIM_DIR/r"
    sim_user || return 1
    SIM_PASSWORD=$(cat "$SIM_PWFILE") || return 1
    SIM_KEY=$SIM_DIR/client_key
    rm -f "$SIM_KEY" "$SIM_KEY.pub"
    ssh-keygen -q -t ed25519 -N '' -C wisp-test -f "$SIM_KEY" || return 1
    cp "$SIM_KEY.pub" "$SIM_DIR/authorized_keys"
    chmod 644 "$SIM_DIR/authorized_keys"
    mkdir -p /run/sshd
    SIM_SSHDS=()
    # one simulator process answers every router (see routersim.py daemon)
    SIM_PORT=$(sim_ports 1) || return 1
    runuser -u "$SIM_USER" -- /usr/bin/python3 "$SIM_PY" daemon "$SIM_PORT" >"$SIM_DIR/daemon.log" 2>&1 &
    SIM_DAEMON=$!
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$SIM_PORT") 2>/dev/null && break
        sleep 0.05
    done
    export SIM_DIR SIM_KEY SIM_PASSWORD SIM_PORT
}

sim_router() {
    local name=$1 kind=$2
    shift 2
    /usr/bin/python3 "$SIM_PY" init "$SIM_DIR/r/$name" "$kind" "$@" >/dev/null || return 1
    chown -R "$SIM_USER" "$SIM_DIR/r/$name"
}

sim_sshd() {
    local tag=$1 conf=$SIM_DIR/sshd-$1.conf pair port name
    shift
    [ -f "$SIM_DIR/hostkey-$tag" ] || ssh-keygen -q -t ed25519 -N '' -f "$SIM_DIR/hostkey-$tag"
    {
        echo "ListenAddress 127.0.0.1"
        for pair in "$@"; do echo "Port ${pair%%=*}"; done
        cat <<EOF
HostKey $SIM_DIR/hostkey-$tag
PidFile $SIM_DIR/sshd-$tag.pid
AuthorizedKeysFile $SIM_DIR/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $SIM_USER
PermitTTY no
DisableForwarding yes
MaxStartups 200
MaxSessions 200
LogLevel ERROR
EOF
        for pair in "$@"; do
            port=${pair%%=*} name=${pair#*=}
            echo "Match LocalPort $port"
            echo "    ForceCommand $SIM_CLIENT $SIM_DIR/r/$name $SIM_PORT"
        done
    } >"$conf"
    /usr/sbin/sshd -f "$conf" -E "$SIM_DIR/sshd-$tag.log" || return 1
    ssh-keygen -lf "$SIM_DIR/hostkey-$tag.pub" | awk '{print $2}' >"$SIM_DIR/$tag.fp"
    SIM_SSHDS+=("$tag")
    # wait until every port answers
    for pair in "$@"; do
        for _ in $(seq 50); do
            (exec 3<>"/dev/tcp/127.0.0.1/${pair%%=*}") 2>/dev/null && break
            sleep 0.05
        done
    done
}

sim_stop_sshd() {
    local pidf=$SIM_DIR/sshd-$1.pid
    [ -f "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null
    rm -f "$pidf"
    # wait until its ports are closed
    sleep 0.2
}

sim_admin() {
    local name=$1
    shift
    runuser -u "$SIM_USER" -- /usr/bin/python3 "$SIM_PY" admin "$SIM_DIR/r/$name" "$@"
}

sim_stop() {
    local t
    for t in "${SIM_SSHDS[@]}"; do sim_stop_sshd "$t"; done
    SIM_SSHDS=()
    [ -n "${SIM_DAEMON:-}" ] && kill "$SIM_DAEMON" 2>/dev/null
    SIM_DAEMON=
}

# A free loopback port base: N consecutive ports nobody listens on.
sim_ports() {
    local n=$1 base
    # from a random start, so two runs starting together rarely pick the same
    for base in $(seq 22000 50 29950 | shuf); do
        local ok=1 p
        for p in $(seq "$base" $((base + n - 1))); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then ok=0; break; fi
        done
        [ $ok = 1 ] && { echo "$base"; return 0; }
    done
    return 1
}
