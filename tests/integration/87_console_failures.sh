#!/usr/bin/env bash
# Failed deliveries in the console (item 3 of issue 17): a webhook pointing
# at a closed port and an SMS-like notification channel pointing at another,
# on a short schedule, so a sale's delivery is given up and its message
# fails. The header counts them in the bad colour (found by the data
# thread's polling, no key pressed); `d` in the Orders pane lists both with
# their target, event, state, tries and error; Enter shows one in full; R
# asks, then sends it again once a receiver listens on the port: the
# receiver gets it (the same Wisp-Delivery id), the count drops, the row
# goes. The database's refusal (a disabled webhook) is one line, the console
# still alive; an operator is refused in one line and changes nothing; a
# viewer, who may not read webhooks, sees the messages and no error. At
# 80x24 the header, the tabs and the view's titles are whole.
. "$(dirname "$0")/../lib.sh"
pids=()
sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
cleanup() {
    tm kill-server 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# receiver NAME PORT: an HTTP receiver on PORT recording to $T/NAME.log
receiver() {
    /usr/bin/python3 tests/tools/http_receiver.py --port "$2" --log "$T/$1.log" --port-file "$T/$1.port" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$T/$1.port" ] && return 0; sleep 0.05; done
    return 1
}
reqs() { [ -f "$T/$1.log" ] && wc -l <"$T/$1.log" || echo 0; }
screen() { tm capture-pane -p -t wisp; }
wait_for() { # wait_for TEXT: until the screen shows TEXT (10 s at most)
    for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
wait_sql() { # wait_sql WANT SQL (10 s at most)
    for _ in $(seq 100); do [ "$(sql "$2")" = "$1" ] && return 0; sleep 0.1; done
    return 1
}
# console W H [ROLE PASSWORD]: the console in tmux, without Redis (so it
# polls every 2 s: no event says a delivery failed), as ROLE when given
console() {
    local db=$WISP_DB pw=
    [ -n "${3:-}" ] && db="dbname=$PGDATABASE user=$3" pw=$4
    tm new-session -d -s wisp -x "$1" -y "$2" \
        "cd '$T' && env -u WISP_REDIS TERM=xterm-256color WISP_WORKER_EMBEDDED=off PGPASSWORD='$pw' WISP_DB='$db' PGHOST='$PGHOST' PGPORT='$PGPORT' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
    wait_for "3 Vouchers"
}
# shows TEXT NOT: until the screen shows TEXT and no line matching the regex NOT
shows() {
    for _ in $(seq 100); do
        s=$(screen)
        grep -qF -- "$1" <<<"$s" && ! grep -qE -- "$2" <<<"$s" && return 0
        sleep 0.1
    done
    return 1
}
ESC=$'\e'
# need NAME CMD...: a step the checks stand on (set up by other parts of
# wisp); only its failure is reported, so every check below is one this
# view makes pass
need() {
    local name=$1
    shift
    "$@" >/dev/null 2>&1 || _fail "$name" "did not hold: $*"
}
need_rc() { [ "$RC" = 0 ] || _fail "$1" "$(_cut "$ERR")"; }
BAD=$'\e\\[[0-9;]*(31|38;5;(1|9|160|196))[;m]'

mkdir -p "$XDG_CONFIG_HOME/wisp"
cat >"$XDG_CONFIG_HOME/wisp/config.json" <<'EOF'
{"webhooks": {"timeout": "2s", "backoff": "1s", "max_wait": "1s", "attempts": 2, "disable_at": 10}}
EOF
chmod 600 "$XDG_CONFIG_HOME/wisp/config.json"
w db migrate
w plan add 1h --price 2 --duration 1h
w voucher create --plan 1h --count 5
mkrole fd_op op-pw wisp_operator
mkrole fd_view view-pw wisp_viewer
HPORT=$(free_port) MPORT=$(free_port)
w webhook add "http://127.0.0.1:$HPORT/h" --events voucher.sold
need_rc "a webhook to a closed port"
HOOK=$(sql "SELECT max(id) FROM webhooks")
w notify channel add sms --kind http --spec "{\"url\": \"http://127.0.0.1:$MPORT/sms?to={to}\", \"body\": \"text={text}\", \"body_type\": \"form\"}"
need_rc "an SMS-like channel to another"
w notify rule add --event voucher.sold --channel sms --to 0700555
need_rc "a rule: the owner hears of every sale"

"$WISP" worker --interval 1 >"$T/worker.log" 2>&1 &
pids+=($!)
need "the console starts (no Redis: it polls)" console 120 30
w voucher sell "$(sql "SELECT code FROM vouchers ORDER BY id LIMIT 1")"
need "the sale's delivery is given up" wait_sql "dead 2" "SELECT state || ' ' || attempts FROM webhook_deliveries"
need "... and its message failed" wait_sql failed "SELECT state FROM notify_messages"

# the header's count, found by the polling, in the bad colour
t_ok "the header counts the two failures" wait_for "2 failed"
t_match "... in the bad colour" "${BAD}($ESC\\[[0-9;]*m)*2 failed" "$(tm capture-pane -e -p -t wisp | head -1)"

# d: the view
tm send-keys -t wisp 4 d
t_ok "d: the failed deliveries" wait_for "showing failed deliveries"
s=$(screen)
t_match "the counts above the table" "0 deliveries retrying +1 given up +0 webhooks disabled +1 messages failed" "$s"
t_match "the view's titles" "KIND +ID +AGE +EVENT +TARGET +STATE +TRIES +NEXT TRY +LAST ERROR" "$s"
t_match "the webhook's row: target, event, state, tries, error" \
    "webhook +1 .*voucher\.sold +http://127\.0\.0\.1:$HPORT/h +dead +2 .*(refused|connect)" "$s"
t_match "the message's row: channel and recipient" "message +1 .*voucher\.sold +sms: 0700555 +failed +[0-9]+ " "$s"
t_match "given up: in the bad colour" "${BAD} *dead" "$(tm capture-pane -e -p -t wisp | grep -F 'webhook ')"
EVENT=$(sql "SELECT event_id FROM webhook_deliveries WHERE id = 1")
tm send-keys -t wisp / webhook Enter # the webhook's row alone
sleep 0.3
tm send-keys -t wisp g Enter
t_ok "Enter: the delivery in full" wait_for "webhook delivery 1   (R delivers it again"
t_contains "... its idempotency id" "wd_${EVENT}_$HOOK" "$(screen)"
tm send-keys -t wisp Escape

# the database refuses: a disabled webhook is not redelivered; one line, no crash
w webhook disable "$HOOK"
tm send-keys -t wisp g R
t_ok "R asks first" wait_for "Send webhook delivery 1 (voucher.sold) again?"
tm send-keys -t wisp y
t_ok "the database's refusal in one line" wait_for "webhook $HOOK is disabled: enable it first"
tm send-keys -t wisp Escape
t_ok "... and the console goes on" shows "http://127.0.0.1:$HPORT/h " "wisp-exit"
w webhook enable "$HOOK"

# redeliver once a receiver listens: it gets it, the count drops, the row goes
receiver hook "$HPORT"
tm send-keys -t wisp g R
t_ok "R asks again" wait_for "again?"
tm send-keys -t wisp y
t_ok "the receiver gets the delivery" bash -c "for i in \$(seq 100); do [ \"\$(wc -l <'$T/hook.log' 2>/dev/null)\" = 1 ] && exit 0; sleep 0.1; done; exit 1"
t_eq "... with its Wisp-Delivery id" "wd_${EVENT}_$HOOK" "$(jq -r '.headers["Wisp-Delivery"]' "$T/hook.log")"
t_ok "delivered" wait_sql delivered "SELECT state FROM webhook_deliveries"
tm send-keys -t wisp Escape Escape # the popup, the filter
t_ok "the count drops to the message" wait_for "1 failed"
t_ok "... the webhook's row goes, the message's stays" shows "sms: 0700555" "^webhook "
t_eq "the redelivery is audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'webhook.redeliver'")"

receiver sms "$MPORT"
tm send-keys -t wisp g R
t_ok "R on the message asks first" wait_for "Send message 1 (voucher.sold) again, to sms: 0700555?"
tm send-keys -t wisp y
t_ok "the SMS receiver gets it" bash -c "for i in \$(seq 100); do [ \"\$(wc -l <'$T/sms.log' 2>/dev/null)\" = 1 ] && exit 0; sleep 0.1; done; exit 1"
t_contains "... to the recipient" "to=0700555" "$(jq -r .path "$T/sms.log")"
t_ok "sent" wait_sql sent "SELECT state FROM notify_messages"
tm send-keys -t wisp Escape
t_ok "nothing failed now: the view says so" wait_for "Nothing failed: every webhook delivery"
tm send-keys -t wisp d
t_ok "d again: the orders" wait_for "showing orders"
tm send-keys -t wisp q
tm_stop

# fail both again (the receivers gone), for the operator and the viewer
for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
w voucher sell "$(sql "SELECT code FROM vouchers ORDER BY id OFFSET 1 LIMIT 1")"
need "the second sale's delivery is given up" wait_sql dead "SELECT state FROM webhook_deliveries WHERE id = 2"
need "... and its message failed" wait_sql failed "SELECT state FROM notify_messages WHERE id = 2"

need "an operator's console" console 120 30 fd_op op-pw
tm send-keys -t wisp 4 d
t_ok "the operator sees the failed delivery" wait_for "http://127.0.0.1:$HPORT/h "
tm send-keys -t wisp g R
t_ok "R: refused in one line (redelivery is the admin's)" \
    wait_for "your role (operator) cannot send failed deliveries again"
sleep 0.5
t_eq "... nothing sent again" "dead 1" \
    "$(sql "SELECT state || ' ' || (SELECT count(*) FROM audit WHERE action = 'webhook.redeliver') FROM webhook_deliveries WHERE id = 2")"
tm send-keys -t wisp q
tm_stop

need "a viewer's console" console 120 30 fd_view view-pw
tm send-keys -t wisp 4 d
t_ok "the viewer sees the failed message, its recipient masked, no webhook (not the viewer's to read), no error" \
    shows "sms: ****" "0700555|127\.0\.0\.1:$HPORT|permission denied|cannot"
t_match "... counted in the header (the messages only)" "1 failed +[0-9:]{8}" "$(screen | head -1)"
tm send-keys -t wisp q
tm_stop

# 80x24: the header with its count, the tabs and the view's titles whole
need "the console at 80x24" console 80 24
tm send-keys -t wisp 4 d
wait_for "sms: 0700555" >/dev/null
sleep 0.3
screen >"$T/80x24.txt"
# whole80: what is not whole on the 80x24 screen, or "ok"
whole80() {
    python3 - "$HPORT" "$T/80x24.txt" <<'PY'
import re, sys
rows = (open(sys.argv[2]).read().split("\n") + [""] * 24)[:24]
bad = []
if not re.search(r"2 failed +[0-9:]{8} +● db +○ redis off, polling 2s +● worker$", rows[0]):
    bad.append("header: [%s]" % rows[0])
if not rows[1].startswith("  1 Routers   2 Sessions   3 Vouchers   4 Orders   5 Metrics"):
    bad.append("tabs: [%s]" % rows[1])
if not re.search(r"^KIND +ID +EVENT +TARGET +STATE +LAST ERROR *$", rows[3]):
    bad.append("titles: [%s]" % rows[3])
if not any(re.search(r"^webhook +2 +voucher\.sold +http://127\.0\.0\.1:%s/h +dead " % sys.argv[1], r) for r in rows):
    bad.append("no webhook row")
wide = [r for r in rows if len(r) > 80]
if wide:
    bad.append("wider than 80: [%s]" % wide[0])
print("; ".join(bad) or "ok")
PY
}
t_eq "80x24: the header with its count, the tabs, the view's titles and rows whole" ok "$(whole80)"
tm send-keys -t wisp '?'
wait_for "Keys: Orders pane" >/dev/null
sleep 0.3
helpcheck() { # the box's text, or what is wrong with it, on a page of the help
    python3 -c "
import sys; sys.path.insert(0, 'tests/tools')
from helpbox import help_box
text, problems = help_box(sys.stdin.read().split('\\n')[:24], 80)
print('; '.join(problems) if problems else text)
sys.exit(1 if problems else 0)" <<<"$(screen)"
}
help=$(helpcheck) && tm send-keys -t wisp NPage && sleep 0.3 && help+=" $(helpcheck)" ||
    help="not inside its box: $help"
case $help in
"not inside"*) ;;
*"send the selected delivery or message again (asks first)"*) help=ok ;;
esac
t_eq "80x24: the view's help inside its box, R's text whole" ok "$help"
tm send-keys -t wisp Escape q
tm_stop
