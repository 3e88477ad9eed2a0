#!/usr/bin/env bash
# The Routers and Sessions panes through tmux, against simulated routers
# behind real sshd, with the console's own worker: a router's state in
# colour (a wrong host key red), a login appearing live, sort and filter,
# the router keys and a kick with confirmation; a viewer is refused.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap 'sim_stop; tmux -S "$T/tmux.sock" kill-server 2>/dev/null' EXIT
sim_router r1 routeros --identity front-desk
sim_router r2 routeros --identity back-room
base=$(sim_ports 2)
sim_sshd a "$base=r1" "$((base + 1))=r2"
FA=$(cat "$SIM_DIR/a.fp")
WRONG=SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA

w db migrate
w plan add 1h --price 5 --duration 1h
w router add front --host 127.0.0.1 --port "$base" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
w router add back --host 127.0.0.1 --port "$((base + 1))" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$WRONG"
w voucher create --plan 1h --count 5 --router front
C1=$(sql "SELECT code FROM vouchers ORDER BY id LIMIT 1")

sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t wisp; }
wait_for() { # wait_for TEXT [TENTHS]
    for _ in $(seq "${2:-100}"); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
start() {
    tm_stop
    tm new-session -d -s wisp -x 160 -y 40 \
        "env TERM=xterm-256color WISP_WORKER_INTERVAL=1 $* WISP_DB='$WISP_DB' WISP_REDIS='$WISP_REDIS' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
    wait_for "3 Vouchers"
}

start
t_ok "the console runs its own worker when none is seen" wait_for "worker (console)"
tm send-keys -t wisp 1
t_ok "routers pane lists the routers" wait_for "front"
tm send-keys -t wisp ':' 'router te' Tab 'fr' Tab
t_ok "Tab completes a router's name" wait_for ":router test front"
tm send-keys -t wisp Escape
tm send-keys -t wisp ':' 'session list --rou' Tab 'ba' Tab
t_ok "and --router values" wait_for ":session list --router back"
tm send-keys -t wisp Escape
t_ok "a router comes up" wait_for " up "
s=$(screen)
t_match "front: driver, host, state" 'front +routeros +127\.0\.0\.1 +up' "$s"
t_ok "back: host key mismatch shown" wait_for "hostkey-mismatch"
tm send-keys -t wisp j # select front, so back is drawn in its own colours
sleep 0.3
bad_sgr=$(tm capture-pane -e -p -t wisp | grep -F hostkey-mismatch | head -1)
t_match "mismatch in the bad colour (red)" $'\e\\[[0-9;]*(31|38;5;(1|9|160|196))[;m]' "$bad_sgr"
t_eq "the worker pushed the batch" 5 "$(sim_admin r1 users | jq length)"
t_ok "worker log written" test -s "$XDG_STATE_HOME/wisp/worker.log"

# a login shows up live in Sessions
sim_admin r1 login "$C1" aa:bb:cc:00:00:01 10.5.50.10
sim_admin r1 traffic "$C1" 2048 1048576
tm send-keys -t wisp 2
t_ok "the session appears live" wait_for "$C1"
s=$(screen)
t_match "session row: plan, router, ip, mac" "$C1 +1h +front +10\\.5\\.50\\.10 +AA:BB:CC:00:00:01" "$s"
t_ok "bytes shown" wait_for "1.0M"

# Enter opens details; Esc closes
tm send-keys -t wisp Enter
t_ok "session details" wait_for "session $(sql "SELECT id FROM sessions LIMIT 1")"
tm send-keys -t wisp Escape
sleep 0.3
t_not_contains "details closed" "(Esc closes)" "$(screen)"

# k kicks after asking
tm send-keys -t wisp k
t_ok "kick asks first" wait_for "Kick $C1"
tm send-keys -t wisp y
t_ok "kick queued" wait_for "queued for the worker"
tm send-keys -t wisp Escape
t_ok "kicked off the router" bash -c "for i in \$(seq 50); do [ \"\$(runuser -u wispsim -- /usr/bin/python3 '$SIM_PY' admin '$SIM_DIR/r/r1' active)\" = '[]' ] && exit 0; sleep 0.2; done; exit 1"
t_ok "the job is recorded done" bash -c "for i in \$(seq 30); do [ \"\$(psql -XAtq -c \"SELECT state FROM router_jobs\")\" = done ] && exit 0; sleep 0.2; done; exit 1"
t_ok "the pane empties" wait_for "No one is online"

# Routers pane: sort, filter, details, keys
tm send-keys -t wisp 1
wait_for "front" >/dev/null
tm send-keys -t wisp s
t_ok "s sorts" wait_for "sorted by DRIVER"
tm send-keys -t wisp / b a c k Enter
sleep 0.5
s=$(screen)
t_contains "filter keeps back" "back" "$s"
t_not_contains "filter hides front" "front " "$s"
tm send-keys -t wisp Escape
t_ok "Esc clears the filter" wait_for "front "
tm send-keys -t wisp g Enter
t_ok "router details" wait_for "router "
t_ok "details show the identity" wait_for "identity"
tm send-keys -t wisp Escape
tm send-keys -t wisp '?'
t_ok "help lists the router keys" wait_for "test the selected router"
tm send-keys -t wisp Escape
tm send-keys -t wisp / f r o n t Enter # the keys below act on front
sleep 0.3
tm send-keys -t wisp t
t_ok "t tests the router (output popup)" wait_for "version   7.11.2"
tm send-keys -t wisp Escape
tm send-keys -t wisp y
t_ok "y asks the worker to sync" wait_for "sync asked of the worker"
tm send-keys -t wisp Escape
tm send-keys -t wisp m
t_ok "m asks first" wait_for "maintenance for router"
tm send-keys -t wisp y
t_ok "maintenance confirmed" wait_for "maintenance on"
tm send-keys -t wisp Escape
t_ok "maintenance on" bash -c "for i in \$(seq 50); do psql -XAtq -c \"SELECT state FROM routers WHERE name='front'\" | grep -q maintenance && exit 0; sleep 0.1; done; exit 1"
t_ok "shown in the pane" wait_for "maintenance"
tm send-keys -t wisp Escape a
t_ok "a opens the router form (admin)" wait_for "Add a router"
tm send-keys -t wisp Escape
tm send-keys -t wisp e
t_ok "e opens the form filled in" wait_for "Edit the router"
t_ok "with the router's host" wait_for "127.0.0.1"
# the backup field is the last: make back the backup of front (Enter on the last field saves)
tm send-keys -t wisp Tab Tab Tab Tab Tab Tab Tab b a c k Enter
t_ok "edit saved" wait_for "changed"
tm send-keys -t wisp Escape
t_eq "the edit reached the registry" back "$(sql "SELECT b.name FROM routers r JOIN routers b ON b.id = r.backup_id WHERE r.name = 'front'")"
tm send-keys -t wisp q
t_ok "quits" wait_for "wisp-exit=0"
t_eq "the console's worker gave its leases back" 0 "$(sql "SELECT count(*) FROM routers WHERE lease_owner IS NOT NULL")"

# A viewer: no router or kick keys in the hints, refused when typed anyway.
mkrole cr_viewer pw wisp_viewer
tm_stop
tm new-session -d -s wisp -x 160 -y 40 \
    "env TERM=xterm-256color WISP_DB='dbname=$PGDATABASE user=cr_viewer password=pw' PGHOST='$PGHOST' PGPORT='$PGPORT' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
wait_for "3 Vouchers" >/dev/null
tm send-keys -t wisp 1
t_ok "viewer sees routers" wait_for "front"
t_not_contains "viewer: no add/test hints" " a  add" "$(screen)"
t_contains "viewer: no worker of its own" "no worker" "$(screen)"
tm send-keys -t wisp a
t_ok "viewer: a refused in one line" wait_for "your role (viewer) cannot add routers"
tm send-keys -t wisp q
