#!/usr/bin/env bash
# The console keeps control of its terminal, in tmux: commands that would
# take the screen or the keyboard are refused at the `:` line (and `wisp
# shell` refuses what cannot run inside it); libpq's notices never reach the
# screen; every pane and the `?` help stay inside their boxes from 80x24 up;
# --theme at start-up gives the colours :theme gives; the screen is whole
# again after a database outage; a console whose pane is closed is gone
# within 2 s, also while a command of its is still running.
. "$(dirname "$0")/../lib.sh"
. tests/tools/services.sh
w db migrate
w plan add 1h --price 1.50 --duration 1h
w plan add weekend-unlimited --price 9 --duration 2d
w voucher create --plan 1h --count 60
w voucher create --plan weekend-unlimited --count 30
touch "$T/r.key" && chmod 600 "$T/r.key" # wisp refuses a key others can read
for r in alpha-kiosk-front-counter beta gamma; do
    w router add "$r" --host 127.0.0.1 --user admin --key "$T/r.key" --driver routeros \
        --accept-new-hostkey
done
sql "UPDATE routers SET state = 'down', last_error = repeat('unreachable ', 40) || 'ERR-END'" >/dev/null
w order add --product 1h --customer 0700111222

sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
tm_stop() {
    tm kill-server 2>/dev/null
    for _ in $(seq 30); do tm has-session 2>/dev/null || break; sleep 0.1; done
}
trap 'tm kill-server 2>/dev/null' EXIT
screen() { tm capture-pane -p -t wisp; }
wait_for() { # wait_for TEXT: until the screen shows TEXT (10 s at most)
    for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
# start W H [ENV=VALUE...] [-- WISP ARGS]: the console in a fresh tmux; the
# console's pid (exec'd by the pane's shell) in $T/pane.pid
start() {
    local w=$1 h=$2 envs=() args=()
    shift 2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1") && shift; done
    [ $# -eq 0 ] || { shift; args=("$@"); }
    tm_stop
    tm new-session -d -s wisp -x "$w" -y "$h" \
        "echo \$\$ >'$T/pane.pid'; exec env TERM=xterm-256color WISP_WORKER_EMBEDDED=off ${envs[*]} WISP_DB='$WISP_DB' WISP_REDIS='$WISP_REDIS' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP' ${args[*]}"
    wait_for "3 Vouchers"
}
# gone PID: the process ends (or is a zombie) within 2 s
gone() {
    for _ in $(seq 20); do
        services_alive "$1" || return 0
        sleep 0.1
    done
    return 1
}

# --- commands that would take the terminal ---------------------------------
start 120 40
# Tab offers only what may run here: `:pla` becomes `:plan`, `:wor` stays
tm send-keys -t wisp ':' 'pla' Tab
sleep 0.5
t_contains "Tab completes a command that may run here" ":plan" "$(screen)"
tm send-keys -t wisp Escape ':' 'wor' Tab
sleep 0.5
t_not_contains "Tab never offers a refused command" ":worker" "$(screen)"
tm send-keys -t wisp Escape
for cmd in "worker" "metrics --watch" "shell" "operator add newbie --role viewer"; do
    name=${cmd% newbie*}
    tm send-keys -t wisp ':' "$cmd" Enter
    t_ok ":$name is refused" wait_for "\`$name\` needs the terminal to itself"
    t_contains ":$name: in one line" "output (1 lines)" "$(screen)"
    tm send-keys -t wisp Escape
done
tm send-keys -t wisp ':' "metrics" Enter
t_ok ":metrics without --watch still runs" wait_for "sold today"
tm send-keys -t wisp Escape
t_eq "no operator was added" 0 "$(sql "SELECT count(*) FROM pg_roles WHERE rolname = 'newbie'")"
pid=$(cat "$T/pane.pid")
tm send-keys -t wisp q
t_ok "q still quits after the refusals" gone "$pid"

w shell <<<$'shell\nworker --once\nplan list --json'
t_contains "wisp shell refuses shell" "\`shell\` cannot run inside \`wisp shell\`" "$ERR"
t_contains "wisp shell refuses worker" "\`worker\` cannot run inside \`wisp shell\`" "$ERR"
t_eq "and goes on with the next line" 2 "$(jq length <<<"$OUT")"

# --- libpq notices -----------------------------------------------------------
w db migrate
t_not_contains "db migrate again: no NOTICE on stderr" "NOTICE" "$ERR"
start 120 40
tm send-keys -t wisp ':' "db migrate" Enter
t_ok ":db migrate runs" wait_for "up to date"
sleep 0.3
t_not_contains ":db migrate: no NOTICE on the screen" "NOTICE" "$(screen)"
tm send-keys -t wisp Escape

# --- every pane inside its box, at every size --------------------------------
# check MODE: the screen as MODE lays it out, nothing run past its box
# (curses wraps what passes the right edge onto the next row's start)
check() {
    screen | python3 -c "$check_py" "$1" "$(tm display -p -t wisp '#{pane_width}')" \
        "$(tm display -p -t wisp '#{pane_height}')"
}
read -r -d '' check_py <<'PY'
import re, sys
mode, W, H = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = (sys.stdin.read().split("\n") + [""] * H)[:H]
rows = [r.ljust(W) for r in rows]
bad = []
def want(ok, what):
    if not ok:
        bad.append(what)
want(re.search(r"(no worker|worker|\(console\))\s*$", rows[0]), "header row cut: [%s]" % rows[0].rstrip())
want(mode == "help" or rows[1].startswith("  1 Routers"), "tab row: [%s]" % rows[1].rstrip())
want(re.search(r"\? +help +q +quit\s*$", rows[H - 1]), "footer: [%s]" % rows[H - 1].rstrip())
if mode == "vouchers":
    if W >= 140:
        bw = W * 55 // 100
        for y in range(2, H - 1):
            want(rows[y][bw] == "\u2502", "row %d: no separator at column %d: [%s]" % (y, bw, rows[y].rstrip()))
            want(rows[y][:3] == "   ", "row %d wraps into the batch table: [%s]" % (y, rows[y][:12]))
            if y < H - 2:
                want(rows[y][bw + 1:bw + 4] == "   ", "row %d: voucher row shifted: [%s]" % (y, rows[y][bw:].rstrip()))
        want(rows[H - 2][bw + 1:].startswith(" batch "), "the batch title: [%s]" % rows[H - 2][bw:].rstrip())
    else:
        bh = (H - 3) // 2
        for y in range(2, 2 + bh):
            want(rows[y][:3] == "   ", "batch row %d wraps: [%s]" % (y, rows[y][:12]))
        want(rows[2 + bh].startswith("\u2500\u2500 batch "), "separator row %d: [%s]" % (2 + bh, rows[2 + bh][:30]))
        for y in range(3 + bh, H - 1):
            want(rows[y][:3] == "   ", "voucher row %d wraps: [%s]" % (y, rows[y][:12]))
elif mode == "routers":
    names = ["alpha-kiosk", "beta", "gamma"]
    for i, name in enumerate(names):
        want(rows[3 + i].startswith(name), "router row %d: [%s]" % (3 + i, rows[3 + i][:20]))
    for y in range(6, H - 1):
        want(rows[y].strip() == "", "row %d below the routers: [%s]" % (y, rows[y].rstrip()[:40]))
elif mode == "metrics":
    # every section above the pane's last row, which is the hint; a graph
    want(rows[H - 2].startswith("  R: sales reports"), "the hint row: [%s]" % rows[H - 2].rstrip())
    want(any(re.search(r"ONLINE  last", r) for r in rows), "no graph of the last hour")
    want(any(re.search("[\u2800-\u28ff]", r) for r in rows), "no braille")
elif mode == "help":
    # every help text whole (wrapped under its key, not cut to an
    # ellipsis), and the text of `:` on this page or the next
    sys.path.insert(0, "tests/tools")
    from helpbox import help_box
    text, problems = help_box(rows, W)
    bad += problems
    if "command line:" in text:
        want("command line: any wisp command, or theme NAME (Tab completes, \u2191 history)" in text,
             "the help for : is not whole: [%s]" % text[text.index("command line:"):][:90])
        print("found")
if bad:
    print("; ".join(bad[:4]))
    sys.exit(1)
PY
# help_pages SIZE PANE: page through the open help (PgDn) until the help of
# `:` shows, whole; each page inside its box
help_pages() {
    local found= out
    for _ in 1 2 3 4; do
        out=$(check help) || { _fail "$1: ? help of the $2 pane, a page inside its box" "$out"; return; }
        [ "$out" = found ] && found=1 && break
        tm send-keys -t wisp NPage
        sleep 0.3
    done
    if [ -n "$found" ]; then _pass "$1: ? help of the $2 pane: the help of : whole"; else
        _fail "$1: ? help of the $2 pane: the help of : whole" "not on any page"; fi
}
start 80 24
tm send-keys -t wisp 3 Enter
wait_for "batch 2: weekend-unl" >/dev/null
for size in 80x24 100x30 160x50 200x60; do
    tm resize-window -t wisp -x "${size%x*}" -y "${size#*x}"
    sleep 0.5
    tm send-keys -t wisp 3
    # the Vouchers pane drawn (the batches' COUNT), the Routers pane gone
    for _ in $(seq 100); do
        s=$(screen)
        grep -qF COUNT <<<"$s" && ! grep -qF DRIVER <<<"$s" && break
        sleep 0.1
    done
    t_ok "$size: the Vouchers pane inside its halves" check vouchers
    tm send-keys -t wisp 1
    wait_for "ROUTER" >/dev/null || wait_for "LAST ERROR" >/dev/null
    t_ok "$size: the Routers pane inside the screen" check routers
    tm send-keys -t wisp 5
    wait_for "TOP PLANS" >/dev/null
    t_ok "$size: the Metrics pane inside the screen, a graph drawn" check metrics
    for pane in 3:Vouchers 1:Routers; do
        tm send-keys -t wisp "${pane%%:*}" '?'
        wait_for "Keys: ${pane#*:} pane" >/dev/null
        t_ok "$size: ? help of the ${pane#*:} pane inside its box" check help
        help_pages "$size" "${pane#*:}"
        tm send-keys -t wisp Escape
    done
done
tm send-keys -t wisp q

# --- --theme at start-up as :theme -------------------------------------------
sgr() { tm capture-pane -e -p -t wisp -S 0 -E 1 | grep -oE $'\e\\[[0-9;]*m' | sort -u | tr '\n\e' ' ~'; }
start 120 40 TERM=screen-256color -- --theme dark
sleep 0.5
at_start=$(sgr)
tm send-keys -t wisp ':' "theme dark" Enter
wait_for "theme dark" >/dev/null
sleep 0.3
t_eq "--theme dark at start-up: the colours of :theme dark" "$(sgr)" "$at_start"
t_match "and they are 256 colours" '38;5;|48;5;' "$at_start"
tm send-keys -t wisp q

# --- the database goes away and comes back: the whole screen again ----------
# (the console's own worker on: its connections lose the server too; the
# routers, which answer nothing here, in maintenance)
for r in alpha-kiosk-front-counter beta gamma; do w router maintenance "$r" on; done
start 120 30 WISP_WORKER_EMBEDDED=on WISP_WORKER_INTERVAL=1
wait_for "worker (console)" >/dev/null
bin=$(services_pgbin)
services_as_pg "$bin/pg_ctl" -D "$PGHOST/pg" -m fast -w stop >/dev/null
t_ok "outage: the banner" wait_for "database unreachable"
sleep 2
services_as_pg "$bin/pg_ctl" -D "$PGHOST/pg" -l "$PGHOST/pg.log" -w start >/dev/null
for _ in $(seq 80); do screen | grep -q "database unreachable" || break; sleep 0.25; done
sleep 1.5
s=$(screen)
t_match "after the outage: the header whole" '^ wisp hotspot  .*@.*[0-9]{2}:[0-9]{2}:[0-9]{2}  ● db  ● redis live  (●|○ no) worker' "$(head -n 1 <<<"$s")"
t_match "and the tabs" '^  1 Routers   2 Sessions   3 Vouchers' "$(sed -n 2p <<<"$s")"
t_match "and the table under them" '^ +ID PLAN +COUNT' "$(sed -n 3p <<<"$s")"
pid=$(cat "$T/pane.pid")
tm send-keys -t wisp q
t_ok "q with the console's worker: gone within 2 s" gone "$pid"

# --- the pane closed under a running console ----------------------------------
start 120 40
pid=$(cat "$T/pane.pid")
tm kill-pane -t wisp
t_ok "kill-pane: the console is gone within 2 s" gone "$pid"
start 120 40
pid=$(cat "$T/pane.pid")
tm send-keys -t wisp ':' 'plan li'
sleep 0.2
tm kill-session -t wisp
t_ok "kill-session at the : prompt: gone within 2 s" gone "$pid"
# a command still running: it waits on a lock another session holds
start 120 40
pid=$(cat "$T/pane.pid")
psql -XAtq -c "BEGIN; LOCK TABLE plans IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30)" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
    [ "$(sql "SELECT count(*) FROM pg_locks WHERE relation = 'plans'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
    sleep 0.1
done
tm send-keys -t wisp ':' 'plan list' Enter
t_ok "the command waits on the lock" wait_for "running..."
tm_stop
t_ok "the pane closed while a command runs: gone within 2 s" gone "$pid"
kill "$locker" 2>/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%LOCK TABLE plans%' AND pid <> pg_backend_pid()" >/dev/null
wait "$locker" 2>/dev/null
tm_stop
