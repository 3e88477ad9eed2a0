#!/usr/bin/env bash
# The Orders pane through tmux: counts per status, status colours, the PIN
# masked until `v` reveals it (audited), R retry, c cancel with confirmation,
# P receipt to a file, and an order taken elsewhere showing up live.
. "$(dirname "$0")/../lib.sh"
w db migrate
w plan add 1h --price 2 --duration 1h
w voucher create --plan 1h --count 5
w plan add day --price 5 --duration 1d
w voucher create --plan day --count 3 # the newest batch, selected: the 1h row keeps its colours
w order add --product 1h --customer 0700000001
w worker --once
PIN=$(sql "SELECT pin FROM orders WHERE id = 1")
sql "INSERT INTO orders (product, customer) VALUES ('ghost', 'web-2')" >/dev/null
w worker --once # fails the order for no plan
w order add --product CARD-10 --customer 0700000003 --provider acme

sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t wisp; }
wait_for() {
    for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
trap 'tm kill-server 2>/dev/null' EXIT
tm new-session -d -s wisp -x 160 -y 40 \
    "cd '$T' && env TERM=xterm-256color WISP_WORKER_EMBEDDED=off WISP_DB='$WISP_DB' WISP_REDIS='$WISP_REDIS' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 60"
wait_for "3 Vouchers" >/dev/null
tm send-keys -t wisp 4
t_ok "orders pane lists orders" wait_for "0700000001"
s=$(screen)
t_match "counts per status" '1 pending +0 sent +0 processing +1 completed +1 failed +0 cancelled' "$s"
t_not_contains "the PIN is masked" "$PIN" "$s"
t_contains "shown as dots" "••••••" "$s"
t_contains "the failed order's reason" "no active plan named 'ghost'" "$s"
red=$(tm capture-pane -e -p -t wisp | grep -F 'web-2' | head -1)
t_match "failed in the bad colour" $'\e\\[[0-9;]*(31|38;5;(1|9|160|196))[;m] *failed' "$red"

# rows are newest first: 3 (pending, acme), 2 (failed), 1 (completed)
tm send-keys -t wisp G v
t_ok "v reveals the PIN" wait_for "order 1 PIN: $PIN"
tm send-keys -t wisp Escape
t_ok "the row shows it now" wait_for "$PIN"
t_eq "the reveal is audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'order.reveal'")"
tm send-keys -t wisp Enter
t_ok "Enter: the order in full" wait_for "order 1   PIN $PIN"
tm send-keys -t wisp Escape

tm send-keys -t wisp P
t_ok "P opens the receipt dialog" wait_for "Print the order's receipt"
tm send-keys -t wisp Enter Enter Enter Enter # format, to, file, template (built-in): go
t_ok "P writes the receipt, a PDF by default" wait_for "receipt for order 1 written to receipt-1.pdf"
tm send-keys -t wisp Escape
t_contains "the receipt holds the PIN" "$PIN" "$(pdftotext "$T/receipt-1.pdf" -)"
tm send-keys -t wisp P
t_ok "P again" wait_for "Print the order's receipt"
tm send-keys -t wisp Tab Tab Tab Right Right # template: built-in -> default -> large
t_ok "the receipt dialog offers the templates" wait_for "large"
tm send-keys -t wisp Enter
t_ok "P with a template writes the receipt" wait_for "receipt for order 1 written to receipt-1.pdf"
tm send-keys -t wisp Escape
t_contains "the template's free line on the receipt" "WiFi: wisp-hotspot" "$(pdftotext "$T/receipt-1.pdf" -)"

tm send-keys -t wisp g j R
t_ok "R retries the failed order" bash -c "for i in \$(seq 50); do [ \"\$(psql -XAtq -c 'SELECT status FROM orders WHERE id = 2')\" = pending ] && exit 0; sleep 0.1; done; exit 1"
tm send-keys -t wisp Escape
tm send-keys -t wisp g c
t_ok "c asks first" wait_for "Cancel order 3"
tm send-keys -t wisp y
t_ok "cancelled" bash -c "for i in \$(seq 50); do [ \"\$(psql -XAtq -c 'SELECT status FROM orders WHERE id = 3')\" = cancelled ] && exit 0; sleep 0.1; done; exit 1"
tm send-keys -t wisp Escape

# a plan low on stock stands out in the Vouchers pane
sql "UPDATE plans SET low_stock = 100 WHERE name = '1h'" >/dev/null
tm send-keys -t wisp 3 r
sleep 1
row=$(tm capture-pane -e -p -t wisp | grep -F '1h' | grep -vF 'batch ' | head -1)
t_match "the low plan in the warning colour" $'\e\\[[0-9;]*(33|38;5;(3|11|178|214|220|226))[;m][^\e]*1h' "$row"
tm send-keys -t wisp 4

# f: one status at a time
tm send-keys -t wisp f f f f
t_ok "f: completed only" wait_for "showing completed orders"
s=$(screen)
t_contains "the completed order shows" "0700000001" "$s"
t_not_contains "the cancelled one does not" "0700000003" "$s"
tm send-keys -t wisp f f f
t_ok "f: all again" wait_for "showing all orders"

# an order taken elsewhere shows up live
w order add --product 1h --customer 0700000009
t_ok "a new order appears live" wait_for "0700000009"
tm send-keys -t wisp q
t_ok "quits" wait_for "wisp-exit=0"
