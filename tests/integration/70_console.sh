#!/usr/bin/env bash
# The console as a person uses it: the real binary in tmux, keys sent with
# send-keys, the screen read with capture-pane, against the real PostgreSQL.
. "$(dirname "$0")/../lib.sh"
. tests/tools/services.sh
w db migrate
w plan add 1h --price 1.50 --duration 1h
w plan add week --price 9 --duration 1w
w voucher create --plan 1h --count 300
w voucher create --plan week --count 12

sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t wisp; }
# wait_for TEXT: until the screen shows TEXT (5 s at most)
wait_for() {
    for _ in $(seq 50); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
wait_long() { # wait_long TEXT: as wait_for, 30 s (big batches under ASan)
    for _ in $(seq 300); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
start() { # start [ENV=VALUE ...]: the console in a fresh 120x40 tmux
    tm_stop
    tm new-session -d -s wisp -x 120 -y 40 \
        "env TERM=xterm-256color WISP_WORKER_EMBEDDED=off $* WISP_DB='$WISP_DB' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
    wait_for "3 Vouchers"
}

start
t_ok "console opens" wait_for "1 Routers   2 Sessions   3 Vouchers   4 Orders   5 Metrics"
t_ok "batches appear" wait_for "week"
s=$(screen)
t_contains "header: shop name" "wisp hotspot" "$s"
t_contains "header: operator and role" "$PGUSER@" "$s"
t_match "header: clock" '[0-9]{2}:[0-9]{2}:[0-9]{2}' "$s"
t_contains "header: no worker yet" "no worker" "$s"
t_ok "header: Redis event channel live" wait_for "redis live"
t_match "batch row with counts" '^ +1 1h +300 +300 +0' "$s"
t_contains "footer hints" "? " "$s"

tm send-keys -t wisp 1
t_ok "1: routers pane says what it is for" wait_for "The routers that sell the internet"
t_contains "routers pane says how to fill it" "No routers yet" "$(screen)"
tm send-keys -t wisp 2
t_ok "2: sessions pane" wait_for "Live hotspot sessions"
tm send-keys -t wisp Tab
t_ok "Tab: next pane (vouchers)" wait_for "COUNT"
tm send-keys -t wisp Tab
t_ok "Tab: orders" wait_for "Customer orders"
tm send-keys -t wisp BTab
t_ok "Shift-Tab: back to vouchers" wait_for "COUNT"
tm send-keys -t wisp 5
t_ok "5: metrics" wait_for "ONLINE  last hour"
tm send-keys -t wisp 3
t_ok "3: vouchers" wait_for "COUNT"

# Help overlay generated from the key table.
tm send-keys -t wisp '?'
t_ok "? shows the keys of the pane" wait_for "Keys: Vouchers pane"
t_contains "help lists the filter key" "filter the table as you type" "$(screen)"
tm send-keys -t wisp Escape
sleep 0.3
t_not_contains "Esc closes help" "Keys: Vouchers pane" "$(screen)"

# Filter as you type, Esc clears.
tm send-keys -t wisp / w e e
t_ok "filter shows matching batch" wait_for "week"
sleep 0.3
t_not_contains "filter hides the others" " 300 " "$(screen | sed -n '3,10p')"
tm send-keys -t wisp Enter Escape
sleep 0.3
t_contains "Esc clears the filter" " 300 " "$(screen)"

# Sort: s cycles the column, S reverses.
tm send-keys -t wisp s
t_ok "s sorts by the next column" wait_for "sorted by PLAN, ascending"
t_match "ascending plan order puts 1h first" '^ +1 1h' "$(screen | sed -n 4p)"
tm send-keys -t wisp S
t_ok "S reverses" wait_for "sorted by PLAN, descending"
t_match "descending plan order puts week first" '^ +2 week' "$(screen | sed -n 4p)"

# Into a batch, down the vouchers, a voucher's details with a scannable QR.
tm send-keys -t wisp G Enter
t_ok "Enter opens the batch's vouchers" wait_for "batch 1: 1h, 300 vouchers"
tm send-keys -t wisp j j
sleep 0.3
code=$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 3")
t_contains "vouchers window shows serial 3" "$code" "$(screen)"
tm send-keys -t wisp G
t_ok "G jumps to the 300th voucher (window fetched on demand)" \
    wait_for "$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 300")"
tm send-keys -t wisp g Enter
t_ok "Enter shows the voucher" wait_for "voucher $(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 1")"
screen >"$T/detail.txt"
c1=$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 1")
t_eq "the QR on screen decodes to the login URL" "http://hotspot.lan/login?username=$c1&password=$c1" \
    "$(/usr/bin/python3 tests/tools/sheet2pbm.py "$T/detail.txt" "$T/detail" | xargs -n1 zbarimg -q --raw 2>/dev/null)"
tm send-keys -t wisp Escape Escape

# The command line: the same commands as the CLI, output in a popup.
tm send-keys -t wisp ':' 'voucher create --plan week --count 4' Enter
t_ok ": runs a command, output in a popup" wait_for "vouchers of plan week"
t_eq ": the batch is really there" 4 "$(sql "SELECT count(*) FROM vouchers v JOIN batches b ON b.id = v.batch_id JOIN plans p ON p.id = b.plan_id WHERE p.name = 'week' AND b.count = 4")"
w voucher list --plan week --json
t_eq "and wisp voucher list sees it" 16 "$(jq length <<<"$OUT")"
tm send-keys -t wisp Escape
tm send-keys -t wisp ':' 'plan frobnicate' Enter
t_ok ": errors shown with usage" wait_for "unknown plan command frobnicate"
tm send-keys -t wisp Escape
tm send-keys -t wisp ':' 'vouc' Tab 'cre' Tab '--pl' Tab 'we' Tab
t_ok "Tab completes commands, flags and plan names" wait_for ":voucher create --plan week"
tm send-keys -t wisp Escape
tm send-keys -t wisp ':' 'plan list' Enter
t_ok ": plan list" wait_for "PRICE"
tm send-keys -t wisp Escape
tm send-keys -t wisp ':' 'voucher create --plan week --count 1' Escape
sleep 0.3
t_not_contains "Esc cancels the command line" ":voucher create --plan week --count 1" "$(screen | tail -1)"

# Live without a keypress: a batch made elsewhere shows up by itself.
"$WISP" voucher create --plan week --count 7 >/dev/null
t_ok "new batch appears without a keypress" wait_for " 3 week"

# A Redis event redraws the pane within a second, with no command of ours:
# a batch written straight into PostgreSQL, then announced on the channel.
sql "INSERT INTO batches (plan_id, count, length, charset) SELECT id, 1, 8, 'alnum' FROM plans WHERE name = 'week'" >/dev/null
newid=$(sql "SELECT max(id) FROM batches")
redis-cli -s "$REDIS_SOCK" PUBLISH wisp:events '{"type":"batch.external","at":"now"}' >/dev/null
for _ in $(seq 15); do screen | grep -qE "^ +$newid week" && break; sleep 0.1; done
t_match "Redis event redraws within 1.5 s" "^ +$newid week" "$(screen)"

# Resize below 80x24 and back.
tm resize-window -t wisp -x 60 -y 20
t_ok "too small notice" wait_for "terminal too small (60x20)"
tm resize-window -t wisp -x 150 -y 40
t_ok "resize back reflows" wait_for "COUNT"
t_contains "wide terminal: vouchers to the right" "│" "$(screen | sed -n 5p)"

# The database goes away and comes back: banner, keys still work, recovery.
bin=$(services_pgbin)
services_as_pg "$bin/pg_ctl" -D "$PGHOST/pg" -m fast -w stop >/dev/null
t_ok "banner when the database is unreachable" wait_for "database unreachable, retrying in"
tm send-keys -t wisp 1
t_ok "navigation works while the database is down" wait_for "The routers that sell"
tm send-keys -t wisp '?'
t_ok "help works while the database is down" wait_for "Keys: Routers pane"
tm send-keys -t wisp Escape 3
services_as_pg "$bin/pg_ctl" -D "$PGHOST/pg" -l "$PGHOST/pg.log" -w start >/dev/null
for _ in $(seq 80); do screen | grep -q "database unreachable" || break; sleep 0.25; done
t_not_contains "recovers on its own" "database unreachable" "$(screen)"

# q quits and leaves the terminal clean.
tm send-keys -t wisp q
t_ok "q quits with status 0" wait_for "wisp-exit=0"
t_not_contains "screen restored after quit" "3 Vouchers" "$(screen)"

# History across runs: the last command is one Up away in a new console.
start
tm send-keys -t wisp ':' Up
t_ok "history survives a restart" wait_for ":plan list"
t_ok "history file" test -s "$XDG_STATE_HOME/wisp/history"
tm send-keys -t wisp Escape

# SIGTERM quits cleanly too.
pid=$(pgrep -n -f "^$WISP\$")
kill -TERM "$pid"
t_ok "SIGTERM quits with status 0" wait_for "wisp-exit=0"

# NO_COLOR: no colour sequences at all.
start NO_COLOR=1
t_ok "NO_COLOR console opens" wait_for "week"
colour_sgr=$'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5|48;5)[;m]'
t_eq "NO_COLOR draws without colour" 0 "$(tm capture-pane -e -p -t wisp | grep -cE "$colour_sgr")"
tm send-keys -t wisp q
start
t_ok "colour console opens" wait_for "week"
t_match "colours otherwise" "$colour_sgr" "$(tm capture-pane -e -p -t wisp)"
tm send-keys -t wisp q

# Mouse: a click on a tab switches pane, a click on a row selects it
# (xterm X10 mouse reports typed into the pane).
start
click() { # click X Y (0-based), as an SGR (1006) mouse report, press then release
    tm send-keys -t wisp -l "$(printf '\033[<0;%d;%dM' $(($1 + 1)) $(($2 + 1)))"
    tm send-keys -t wisp -l "$(printf '\033[<0;%d;%dm' $(($1 + 1)) $(($2 + 1)))"
}
click 4 1
t_ok "a click on the Routers tab" wait_for "The routers that sell the internet"
click 30 1
t_ok "a click on the Vouchers tab" wait_for "COUNT"
tm send-keys -t wisp q

# F10 quits; PgDn, End, Home and r work in the vouchers table (TERM=screen:
# the key sequences tmux sends are screen's).
start TERM=screen
wait_for "week" >/dev/null
tm send-keys -t wisp G Enter
t_ok "into batch 1" wait_for "batch 1: 1h"
tm send-keys -t wisp NPage NPage
t_ok "PgDn pages through the vouchers" wait_for "$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 40")"
tm send-keys -t wisp End
t_ok "End: the last voucher" wait_for "$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 300")"
tm send-keys -t wisp Home
t_ok "Home: the first voucher" wait_for "$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 1")"
tm send-keys -t wisp r
t_ok "r refreshes" wait_for "refreshing"
tm send-keys -t wisp F10
t_ok "F10 quits" wait_for "wisp-exit=0"

# A crash signal still leaves the terminal usable.
start
pid=$(pgrep -n -f "^$WISP\$")
kill -SEGV "$pid"
t_ok "crash exits by the signal" wait_for "wisp-exit=139"
t_not_contains "terminal restored after a crash" "3 Vouchers" "$(screen)"

# Without Redis the console polls PostgreSQL every 2 s and says so.
start WISP_REDIS=
t_ok "header says polling without Redis" wait_for "redis off, polling 2s"
sql "INSERT INTO batches (plan_id, count, length, charset) SELECT id, 2, 8, 'alnum' FROM plans WHERE name = '1h'" >/dev/null
pollid=$(sql "SELECT max(id) FROM batches")
for _ in $(seq 40); do screen | grep -qE "^ +$pollid 1h" && break; sleep 0.1; done
t_match "polling picks up a change within 4 s" "^ +$pollid 1h" "$(screen)"
tm send-keys -t wisp q

# TERM=vt100 (monochrome) works.
start TERM=vt100
t_ok "vt100 console opens" wait_for "week"
tm send-keys -t wisp q
t_ok "vt100 quits" wait_for "wisp-exit=0"

# :theme switches live.
start
tm send-keys -t wisp ':' 'theme light' Enter
t_ok ":theme switches live" wait_for "theme light"
t_match "light theme's colours in use" $'\e\\[[0-9;]*48;5;255' "$(tm capture-pane -e -p -t wisp)"
tm send-keys -t wisp ':' 'theme nosuch' Enter
t_ok ":theme unknown says so" wait_for 'theme "nosuch" not found'
tm send-keys -t wisp q

# Other terminals: xterm, screen, linux.
for term in xterm screen linux; do
    start TERM=$term
    t_ok "TERM=$term console opens" wait_for "week"
    tm send-keys -t wisp q
    t_ok "TERM=$term quits" wait_for "wisp-exit=0"
done

# A broken theme file: message naming file and key, then the default theme.
mkdir -p "$XDG_CONFIG_HOME/wisp/themes"
echo '{"header": {"fg": "purple"}}' >"$XDG_CONFIG_HOME/wisp/themes/broken.json"
start WISP_THEME=broken
t_ok "broken theme named in a message" wait_for 'broken.json: key "header.fg"'
tm send-keys -t wisp q
tm_stop

# Without a terminal, `wisp` prints the help; a dead database is one line.
w
t_contains "no terminal: help" "commands:" "$OUT"
tm new-session -d -s wisp -x 120 -y 30 "env WISP_DB='host=$T/nowhere dbname=x' '$WISP'; echo wisp-exit=\$?; sleep 60"
t_ok "unreachable database at start exits 1" wait_for "wisp-exit=1"
t_contains "unreachable database: one line" "cannot connect to PostgreSQL" "$(screen)"
tm_stop

# n: a new batch from the dialog, seen by `wisp voucher list`, selected.
touch "$T/shop1.key" && chmod 600 "$T/shop1.key" # a key others can read is refused
w router add shop1 --host 127.0.0.1 --user admin --key "$T/shop1.key" --driver routeros --accept-new-hostkey
start
wait_for "week" >/dev/null
tm send-keys -t wisp n
t_ok "n opens the new batch dialog" wait_for "New voucher batch"
tm send-keys -t wisp Right Tab BSpace BSpace BSpace 2 5 0 0 0 Tab Tab Tab 'N-' Tab 'shop1' Enter
t_ok "a large batch shows a progress bar or its result" wait_long "vouchers of plan"
t_contains "the dialog's batch was written" "25000 vouchers of plan week" "$(screen)"
w voucher list --plan week --json
t_eq "wisp voucher list sees the dialog's batch" 25000 "$(jq '[.[] | select(.code | startswith("N-"))] | length' <<<"$OUT")"
t_eq "router recorded" shop1 "$(sql "SELECT router FROM batches WHERE count = 25000")"
tm send-keys -t wisp Escape
newid=$(sql "SELECT id FROM batches WHERE count = 25000")
t_ok "the new batch appears selected" wait_for "batch $newid: week, 25000 vouchers"

# p: the print dialog writes a file.
tm send-keys -t wisp p
t_ok "p opens the print dialog" wait_for "Print the selected batch"
tm send-keys -t wisp Tab Tab Tab Tab C-u
for _ in $(seq 20); do tm send-keys -t wisp BSpace; done
tm send-keys -t wisp "$T/printed.txt" Enter Enter # the file, the template (plan's): go
t_ok "print dialog writes the file" wait_long "printed 25000 vouchers"
t_contains "the printed sheet has the batch's codes" "No. $newid-25000" "$(tail -c 20000 "$T/printed.txt")"
t_eq "print recorded" 1 "$(sql "SELECT count(*) FROM batches WHERE id = $newid AND printed_at IS NOT NULL")"
tm send-keys -t wisp Escape

# $ sells and d disables, both after a confirmation.
tm send-keys -t wisp Enter
t_ok "into the new batch" wait_for "N-"
tm send-keys -t wisp '$'
t_ok "$ asks first" wait_for "Sell voucher N-"
tm send-keys -t wisp n
sleep 0.3
t_eq "n declines: nothing sold" 0 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id = $newid AND status = 'sold'")"
tm send-keys -t wisp '$'
wait_for "Sell voucher N-" >/dev/null
tm send-keys -t wisp y
for _ in $(seq 30); do [ "$(sql "SELECT count(*) FROM vouchers WHERE batch_id = $newid AND status = 'sold'")" = 1 ] && break; sleep 0.1; done
t_eq "y sells the voucher" 1 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id = $newid AND serial = 1 AND status = 'sold'")"
tm send-keys -t wisp Escape j d
t_ok "d asks first" wait_for "Disable voucher N-"
tm send-keys -t wisp Enter
for _ in $(seq 30); do [ "$(sql "SELECT status FROM vouchers WHERE batch_id = $newid AND serial = 2")" = disabled ] && break; sleep 0.1; done
t_eq "Enter confirms: disabled" disabled "$(sql "SELECT status FROM vouchers WHERE batch_id = $newid AND serial = 2")"
tm send-keys -t wisp q
tm_stop

# A viewer sees no write keys, and typing one is refused with a line.
sql "DROP ROLE IF EXISTS peek" >/dev/null
w operator add peek --role viewer --password-stdin <<<'peek-pw'
tm new-session -d -s wisp -x 120 -y 40 "env WISP_DB='$WISP_DB user=peek password=peek-pw' PGHOST='$PGHOST' PGPORT='$PGPORT' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
t_ok "viewer console opens" wait_for "peek@"
t_not_contains "viewer: no new/print/sell/disable hints" " new " "$(screen | tail -1)"
tm send-keys -t wisp n
t_ok "viewer typing n is refused with a message" wait_for "your role (viewer) cannot create vouchers"
tm send-keys -t wisp ':' 'plan add sneaky --price 0' Enter
t_ok "a refusal from PostgreSQL is shown, not a crash" wait_for "permission denied"
tm send-keys -t wisp Escape q
t_ok "viewer quits cleanly" wait_for "wisp-exit=0"
tm_stop
sql "DROP ROLE peek" >/dev/null

# Sign-in: settings without a password lead to the login screen.
sql "DROP ROLE IF EXISTS clerk1" >/dev/null
w operator add clerk1 --role operator --password-stdin <<<'clerk-pw'
tm new-session -d -s wisp -x 120 -y 40 "env WISP_DB='dbname=$PGDATABASE user=clerk1' PGHOST='$PGHOST' PGPORT='$PGPORT' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
t_ok "login screen" wait_for "wisp: sign in"
tm send-keys -t wisp clerk1 Enter wrong-pw Enter
t_ok "a wrong password says so" wait_for "password authentication failed"
t_not_contains "the password is never shown" "wrong-pw" "$(screen)"
tm send-keys -t wisp clerk-pw Enter
t_ok "the right password opens the console as that role" wait_for "clerk1@"
t_contains "header shows the role" "operator" "$(screen | head -1)"
tm send-keys -t wisp q
t_ok "quits after sign-in" wait_for "wisp-exit=0"
tm_stop

# A terminal that goes away at the sign-in screen ends the console, rather
# than leaving it spinning on a dead terminal.
tm new-session -d -s wisp -x 120 -y 40 "echo \$\$ > '$T/login.pid'; exec env WISP_DB='dbname=$PGDATABASE user=clerk1' PGHOST='$PGHOST' PGPORT='$PGPORT' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$WISP'"
t_ok "login screen again" wait_for "wisp: sign in"
pid=$(cat "$T/login.pid")
tm_stop
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
t_fail "the terminal gone: the console at sign-in exits" 1 kill -0 "$pid"
kill -9 "$pid" 2>/dev/null
tm new-session -d -s wisp -x 120 -y 40 "echo \$\$ > '$T/login.pid'; env WISP_DB='dbname=$PGDATABASE user=clerk1' PGHOST='$PGHOST' PGPORT='$PGPORT' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
t_ok "login screen, once more" wait_for "wisp: sign in"
pkill -TERM -P "$(cat "$T/login.pid")" -x "$(basename "$WISP")"
t_ok "SIGTERM at sign-in: the console leaves, status 1" wait_for "wisp-exit=1"
t_contains "and says why" "cancelled by a signal" "$(screen)"
tm_stop
tm new-session -d -s wisp -x 120 -y 40 "env WISP_DB='dbname=$PGDATABASE user=clerk1' PGHOST='$PGHOST' PGPORT='$PGPORT' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
t_ok "login screen again" wait_for "wisp: sign in"
tm send-keys -t wisp clerk1 Enter bad1 Enter
wait_for "password authentication failed" >/dev/null
tm send-keys -t wisp bad2 Enter
sleep 0.3
tm send-keys -t wisp bad3 Enter
t_ok "three failures exit 1" wait_for "wisp-exit=1"
t_contains "and say why" "sign-in failed 3 times" "$(screen)"
tm_stop
sql "DROP ROLE clerk1" >/dev/null
