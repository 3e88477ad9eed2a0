#!/usr/bin/env bash
# The Subscribers pane through tmux: the sixth tab, subscribers with their
# status and unpaid ones in red, hostile and RTL names drawn as text, f for
# the unpaid only, Enter for the details (never a password), p records a
# payment through its dialog, u suspends and R resumes after asking; and at
# 80x24 the tab bar and the table's titles still fit.
. "$(dirname "$0")/../lib.sh"
w db migrate
w subplan add home --price 20 --rate 5M/10M --data 50G
HOSTILE="O'Brien; \"Bob\" \$(id)"
RTL='محمد علي'
PAST=$(sql "SELECT (current_date - 10)::text")
echo 'alice-pw1' | "$WISP" subscriber add alice --plan home --name "$HOSTILE" --phone 0700111 --password-stdin >/dev/null
echo 'bob-pw-22' | "$WISP" subscriber add bob --plan home --name "$RTL" --password-stdin >/dev/null
echo 'carol-pw1' | "$WISP" subscriber add carol --plan home --name Carol --due "$PAST" --password-stdin >/dev/null
t_eq "three subscribers" 3 "$(sql "SELECT count(*) FROM subscribers")"

sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t wisp; }
wait_for() {
    for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
wait_sql() { # wait_sql WANT SQL
    for _ in $(seq 50); do [ "$(sql "$2")" = "$1" ] && return 0; sleep 0.1; done
    return 1
}
trap 'tm kill-server 2>/dev/null' EXIT
tm new-session -d -s wisp -x 160 -y 40 \
    "cd '$T' && env TERM=xterm-256color WISP_WORKER_EMBEDDED=off WISP_DB='$WISP_DB' WISP_REDIS='$WISP_REDIS' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
wait_for "3 Vouchers" >/dev/null
t_ok "a sixth tab: Subscribers" wait_for "5 Metrics   6 Subscribers"
tm send-keys -t wisp 6
t_ok "the pane lists subscribers" wait_for "carol"
s=$(screen)
t_contains "the hostile name as text (cut to its column)" "O'Brien; \"Bob\" \$(" "$s"
t_contains "the RTL name" "محمد" "$s"
t_not_contains "no password on screen" "alice-pw1" "$s"
red=$(tm capture-pane -e -p -t wisp | grep -F 'Carol' | head -1)
t_match "carol is unpaid, in the bad colour" $'\e\\[[0-9;]*(31|38;5;(1|9|160|196))[;m] *unpaid' "$red"

tm send-keys -t wisp f
t_ok "f: the unpaid only" wait_for "showing unpaid subscribers"
s=$(screen)
t_contains "... carol" "Carol" "$s"
t_not_contains "... not alice" "O'Brien" "$s"
tm send-keys -t wisp Enter
t_ok "Enter: the details" wait_for "subscriber carol - UNPAID"
t_not_contains "... no password" "carol-pw1" "$(screen)"
tm send-keys -t wisp Escape

tm send-keys -t wisp p
t_ok "p opens the payment dialog" wait_for "Payment from carol"
t_contains "... the plan's price filled in" "20.00" "$(screen)"
tm send-keys -t wisp Enter Enter
t_ok "the payment is recorded" wait_sql "20.00 1" "SELECT amount || ' ' || months FROM subscriber_payments"
t_ok "... carol paid until a month from today" wait_sql t \
    "SELECT due_on = (current_date + interval '1 month')::date FROM subscribers WHERE username = 'carol'"
tm send-keys -t wisp Escape
tm send-keys -t wisp f
t_ok "f again: all" wait_for "showing all"

tm send-keys -t wisp g u
t_ok "u asks first" wait_for "Suspend alice"
tm send-keys -t wisp y
t_ok "u suspends" wait_sql suspended "SELECT status FROM subscribers WHERE username = 'alice'"
tm send-keys -t wisp Escape
t_ok "the row shows it" wait_for "suspended"
tm send-keys -t wisp g R
t_ok "R asks first" wait_for "Resume alice"
tm send-keys -t wisp y
t_ok "R resumes" wait_sql active "SELECT status FROM subscribers WHERE username = 'alice'"
t_eq "both audited as the console's user" "subscriber.resume subscriber.suspend" \
    "$(sql "SELECT string_agg(action, ' ' ORDER BY action) FROM audit WHERE action IN ('subscriber.suspend', 'subscriber.resume')")"
tm send-keys -t wisp Escape q
tm_stop

# 80x24: the tabs and the table's titles fit
console_start 80 24 || _fail "console at 80x24" "did not start"
tmux -S "$T/tmux.sock" send-keys -t wisp 6
for _ in $(seq 50); do tmux -S "$T/tmux.sock" capture-pane -p -t wisp | grep -q carol && break; sleep 0.1; done
s=$(tmux -S "$T/tmux.sock" capture-pane -p -t wisp)
t_contains "80x24: the Subscribers tab is whole" "6 Subscribers" "$(sed -n 2p <<<"$s")"
t_match "80x24: the titles whole" "USERNAME +NAME +PLAN +STATUS +DUE +UNPAID" "$s"
t_contains "80x24: rows drawn" "carol" "$s"
t_eq "80x24: no line wider than the screen" 0 \
    "$(python3 -c 'import sys; print(sum(len(l.rstrip("\n")) > 80 for l in sys.stdin))' <<<"$s")"
tmux -S "$T/tmux.sock" send-keys -t wisp q
tm_stop
