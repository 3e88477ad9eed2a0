#!/usr/bin/env bash
# The worker's log for journald: with JOURNAL_STREAM naming its stderr's
# device and inode (as systemd sets it) every line starts with an
# sd-daemon(3) priority, "<N>", and has no timestamp of wisp's (journald
# stamps lines itself); with a JOURNAL_STREAM that names another file, or
# none, lines are as before (timestamp, no prefix). --log-format journal and
# --log-format plain force either. Priorities: a cycle <6>, a router's round
# <7>, starting and stopping <5>, a router going down <4> (once), back up <5>,
# errors <3> (the worker's, and wisp's own error line under journald).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --identity logs-1
P=$(sim_ports 1)
sim_sshd a "$P=r1"

w db migrate
w plan add 1h --price 5 --duration 1h
w router add r1 --host 127.0.0.1 --port "$P" --user wispsim --key "$SIM_KEY" --driver routeros \
    --hostkey "$(cat "$SIM_DIR/a.fp")"
t_eq "router added" 0 "$RC"

stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} worker: '
# run LOG [ENV=VALUE...] -- ARGS: wisp with stderr appended to LOG (made
# first, so JOURNAL_STREAM can name it), status in RC
run() {
    local log=$1
    shift
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    env "${envs[@]}" "$WISP" "$@" 2>>"$log" >/dev/null
    RC=$?
}
devino() { stat -c '%d:%i' "$1"; }

# --- journald's stream: <N>, no timestamp -------------------------------------------
: >"$T/j.log"
run "$T/j.log" JOURNAL_STREAM="$(devino "$T/j.log")" -- worker --once
t_eq "under journald: exit 0" 0 "$RC"
J=$(cat "$T/j.log")
t_ok "under journald: lines were written" test -n "$J"
t_eq "under journald: every line has a <N> prefix" "" "$(grep -vE '^<[3-7]>' <<<"$J")"
t_eq "under journald: no timestamp of wisp's own" "" "$(grep -E '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:' <<<"$J")"
t_match "a cycle at info" '^<6>cycle 1: 1 routers in [0-9]+ ms$' "$J"
t_match "a router's round at debug" '^<7>  r1: [0-9]+ ms, up, ' "$J"
t_match "starting at notice" '^<5>started as ' "$J"
t_match "stopping at notice" '^<5>stopped after 1 cycles$' "$J"
t_match "a router seen for the first time: notice" '^<5>r1: up \(was unknown\)$' "$J"

# --- JOURNAL_STREAM that is not stderr's: plain -----------------------------------------
: >"$T/other" && : >"$T/p.log"
run "$T/p.log" JOURNAL_STREAM="$(devino "$T/other")" -- worker --once
P1=$(cat "$T/p.log")
t_eq "JOURNAL_STREAM of another file: exit 0" 0 "$RC"
t_eq "JOURNAL_STREAM of another file: every line plain, with its timestamp" "" "$(grep -vE "$stamp" <<<"$P1")"
t_match "JOURNAL_STREAM of another file: the cycle line as before" "${stamp}cycle 1: 1 routers in [0-9]+ ms$" "$P1"
t_not_contains "JOURNAL_STREAM of another file: no <N>" "<6>" "$P1"
: >"$T/g.log"
run "$T/g.log" JOURNAL_STREAM=garbage -- worker --once
t_eq "JOURNAL_STREAM unreadable: plain" "" "$(grep -vE "$stamp" "$T/g.log")"
: >"$T/n.log"
run "$T/n.log" -- worker --once
t_eq "no JOURNAL_STREAM: plain" "" "$(grep -vE "$stamp" "$T/n.log")"
t_ok "no JOURNAL_STREAM: lines were written" test -s "$T/n.log"

# --- forced ---------------------------------------------------------------------------
: >"$T/fj.log"
run "$T/fj.log" -- worker --once --log-format journal
t_eq "--log-format journal without journald: every line <N>" "" "$(grep -vE '^<[3-7]>' "$T/fj.log")"
t_match "--log-format journal: the cycle at info" '^<6>cycle 1: ' "$(cat "$T/fj.log")"
: >"$T/fp.log"
run "$T/fp.log" JOURNAL_STREAM="$(devino "$T/fp.log")" -- worker --once --log-format plain
t_eq "--log-format plain under journald: plain" "" "$(grep -vE "$stamp" "$T/fp.log")"
: >"$T/fa.log"
run "$T/fa.log" JOURNAL_STREAM="$(devino "$T/fa.log")" -- worker --once --log-format auto
t_eq "--log-format auto under journald: journal" "" "$(grep -vE '^<[3-7]>' "$T/fa.log")"
w worker --once --log-format syslog
t_eq "--log-format syslog: a usage error" 2 "$RC"
t_contains "it says what is taken" 'bad --log-format "syslog": expected auto, plain or journal' "$ERR"

# --- a router down (warning, once), back (notice) ----------------------------------------
sim_stop_sshd a
: >"$T/down.log"
run "$T/down.log" -- worker --cycles 2 --interval 0 --log-format journal
D=$(cat "$T/down.log")
t_eq "r1 down" down "$(sql "SELECT state FROM routers WHERE name = 'r1'")"
t_match "a router going down: warning" '^<4>r1: down: ' "$D"
t_eq "said once, not every round" 1 "$(grep -c '^<4>r1: down: ' <<<"$D")"
sim_sshd a "$P=r1"
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
: >"$T/up.log"
run "$T/up.log" -- worker --once --log-format journal
t_match "a router back: notice" '^<5>r1: up \(was down\)$' "$(cat "$T/up.log")"

# --- errors: err --------------------------------------------------------------------------
mkdir -p "$T/prom/wisp.prom" # the textfile cannot be written: a directory is in its way
: >"$T/e.log"
run "$T/e.log" -- worker --once --log-format journal --prometheus-dir "$T/prom"
t_match "the worker's error at err" '^<3>prometheus: ' "$(cat "$T/e.log")"
: >"$T/m.log"
run "$T/m.log" JOURNAL_STREAM="$(devino "$T/m.log")" -- worker --cycles 0
t_eq "wisp's own error under journald: exit 2" 2 "$RC"
t_match "wisp's own error under journald: at err" '^<3>wisp: bad --cycles' "$(cat "$T/m.log")"
: >"$T/m2.log"
run "$T/m2.log" -- worker --cycles 0
t_match "elsewhere: as before" '^wisp: bad --cycles' "$(cat "$T/m2.log")"
