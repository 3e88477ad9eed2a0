#!/usr/bin/env bash
# 80x24 is a first-class size: every pane, the `?` help, a dialog and a
# details box at 80x24 in tmux, with real rows in each, read back from the
# screen: the tables' column titles whole (a short table drops columns, it
# does not cut their titles to "…"), nothing past a box's edge (a row that
# ran over would wrap onto the next), the Metrics pane's graph drawn in
# braille, the help's texts whole on its pages, a form's long value showing
# its end (where typing goes).
. "$(dirname "$0")/../lib.sh"
w db migrate
# two batches, the newer of a plan whose name is longer than its column
for plan in "1h 1.50 1h 60" "weekend-unlimited 9 2d 30"; do
    set -- $plan
    w plan add "$1" --price "$2" --duration "$3"
    w voucher create --plan "$1" --count "$4"
done
touch "$T/r.key" && chmod 600 "$T/r.key" # wisp refuses a key others can read
LONGKEY=SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
w order add --product 1h --customer 0700000001
w worker --once # completes it from stock (before there are routers to reach)
sql "INSERT INTO orders (product, customer) VALUES ('ghost', '0700000002')" >/dev/null
w router add alpha-kiosk-front --host 10.0.0.1 --user admin --key "$T/r.key" --driver routeros \
    --hostkey "$LONGKEY"
t_eq "the router with a long host key" 0 "$RC"
w router add beta --host 10.0.0.2 --user admin --key "$T/r.key" --driver opennds --accept-new-hostkey
sql "UPDATE routers SET state = 'up', cpu_load = 12, last_seen = now(), last_error = 'timeout talking to it ' || repeat('x', 60) || ' END-OF-ERROR'" >/dev/null
code=$(sql "SELECT code FROM vouchers WHERE serial = 1 AND batch_id = 1")
sql "INSERT INTO sessions (router_id, username, voucher_id, mac, ip, uptime_s, time_left_s, bytes_in, bytes_out, rate_out)
     SELECT r.id, '$code', v.id, 'AA:BB:CC:00:00:01', '10.5.50.10', 600, 3000, 2048, 1048576, 250000
       FROM routers r, vouchers v WHERE r.name = 'beta' AND v.code = '$code'" >/dev/null

sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT
screen() { tm capture-pane -p -t wisp; }
wait_for() { # wait_for TEXT: until the screen shows TEXT (10 s at most)
    for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
t_ok "the console at 80x24" console_start 80 24
t_eq "its size" "80 24" "$(tm display -p -t wisp '#{pane_width} #{pane_height}')"

# shape MODE [ARGS]: the screen checked as MODE (python below); prints what is wrong
shape() {
    screen | tee "$T/shape-$1.txt" | python3 -c "$shape_py" "$@"
}
read -r -d '' shape_py <<'PY'
import re, sys
mode, args = sys.argv[1], sys.argv[2:]
rows = (sys.stdin.read().split("\n") + [""] * 24)[:24]
bad = []
def want(ok, what):
    if not ok:
        bad.append(what)
ELL = "\u2026"
want(re.search(r"\? +help +q +quit\s*$", rows[23]), "footer: [%s]" % rows[23].rstrip())
want(rows[1].startswith("  1 Routers   2 Sessions   3 Vouchers   4 Orders   5 Metrics"),
     "tab row: [%s]" % rows[1].rstrip())
def header(y, titles):
    # a table's title row: these titles, in this order, whole; none cut
    h = rows[y]
    want(ELL not in h, "a title cut on row %d: [%s]" % (y, h.rstrip()))
    pos = -1
    for t in titles:
        m = re.search(r"(^|\s)" + re.escape(t) + r"(\s|$)", h[pos + 1:])
        want(m is not None, "no whole title %s on row %d: [%s]" % (t, y, h.rstrip()))
        if m:
            pos += 1 + m.start() + len(m.group(1))
def row_is(y, regex):
    want(re.search(regex, rows[y]), "row %d: no /%s/ in [%s]" % (y, regex, rows[y].rstrip()))
def blank(frm, to):
    for y in range(frm, to):
        want(rows[y].strip() == "", "row %d should be empty: [%s]" % (y, rows[y].rstrip()[:60]))
if mode == "routers":
    header(2, ["NAME", "HOST", "STATE", "SESS", "LAST SEEN", "LAST ERROR"])
    # each router on its row, its error cut inside the screen, nothing wrapped
    row_is(3, r"^alpha-kiosk-f\S*" + ELL + r" 10\.0\.0\.1 +up .* timeout talk\S*" + ELL + "$")
    row_is(4, r"^beta +10\.0\.0\.2 +up .* timeout talk\S*" + ELL + "$")
    want(len(rows[3]) == 80, "the error cut at the screen's edge: [%s]" % rows[3])
    blank(5, 23)
elif mode == "sessions":
    header(2, ["USER", "PLAN", "ROUTER", "IP", "LEFT", "RATE"])
    row_is(3, r"^%s +1h +beta +10\.5\.50\.10 +\S+ +\S+ ?[kMG]?b/s\s*$" % re.escape(args[0]))
    blank(4, 23)
elif mode == "vouchers":
    header(2, ["ID", "PLAN", "COUNT", "NEW", "SOLD", "ACTIVE", "EXPIRED", "PRINTED"])
    row_is(3, r"^ +2 weekend-u\S* +30 +30 +0 +0 +0 .* not printed\s*$")
    row_is(4, r"^ +1 1h +60 +59 +1 +0 +0 .* not printed\s*$")
    y = [i for i, r in enumerate(rows) if r.startswith("\u2500\u2500 batch ")]
    want(len(y) == 1, "no batch separator")
    if y:
        header(y[0] + 1, ["#", "CODE", "STATUS", "PRICE", "SOLD", "FIRST USE", "EXPIRES"])
        row_is(y[0] + 2, r"^ +1 \S+ +new +9\.00 +- +- +-\s*$")
elif mode == "orders":
    want(re.search(r"1 pending +0 sent +0 processing +1 completed", rows[2]), "counts: [%s]" % rows[2].rstrip())
    header(3, ["ID", "CUSTOMER", "PRODUCT", "STATUS", "PIN", "LAST ERROR"])
    row_is(4, r"^ +2 0700000002 +ghost +(pending|failed) ")
    row_is(5, r"^ +1 0700000001 +1h +completed +\u2022+")
    blank(6, 23)
elif mode == "metrics":
    want(rows[2].startswith("  NOW"), "NOW: [%s]" % rows[2].rstrip())
    graph = [i for i, r in enumerate(rows) if re.search(r"ONLINE  last \d+ min|ONLINE  last hour", r)]
    want(len(graph) == 1, "no ONLINE graph title")
    if graph:
        body = rows[graph[0] + 1:graph[0] + 5]
        want(any(re.search("[\u2800-\u28ff]", r) for r in body), "no braille under the graph title")
        want(any("\u2524" in r for r in body), "no y axis")
    want(any(r.startswith("  ORDER PIPELINE") for r in rows), "no order pipeline")
    want(any(r.startswith("  ROUTERS") for r in rows), "no routers")
    want(any(r.startswith("  TOP PLANS TODAY") for r in rows), "no top plans")
    want(rows[22].startswith("  R: sales reports"), "the hint on the last row of the pane: [%s]" % rows[22].rstrip())
elif mode == "help":
    sys.path.insert(0, "tests/tools")
    from helpbox import help_box
    text, problems = help_box(rows, 80)
    bad += problems
    print(text)
elif mode == "dialog":
    title = [i for i, r in enumerate(rows) if "Edit the router" in r]
    want(len(title) == 1, "no form title")
    if title:
        t = title[0]
        for i, label in enumerate(["name", "driver", "host", "port", "user", "key file", "host key", "backup"]):
            want(re.search(r"\s%s(\s|$)" % re.escape(label), rows[t + 2 + i]), "field %s: [%s]" % (label, rows[t + 2 + i].rstrip()))
        # the long host key: its end shows (typing goes there), after an ellipsis
        want(re.search(ELL + r"\S*" + re.escape(args[0][-20:]) + r"\s*$", rows[t + 8]),
             "host key field: [%s]" % rows[t + 8].rstrip())
        want("Tab next" in rows[t + 11] and rows[t + 11].rstrip().endswith("Esc"), "the form's keys: [%s]" % rows[t + 11].rstrip())
elif mode == "detail":
    title = [i for i, r in enumerate(rows) if "router alpha-kiosk-front" in r and "(Esc closes)" in r]
    want(len(title) == 1, "no details title")
    want(title and title[0] > 2, "the box covers the tabs")
    want(any(re.search(r"\shost key +SHA256:", r) for r in rows), "no host key line")
    want(any(re.search(r"\sdriver +routeros", r) for r in rows), "no driver line")
if bad:
    print("; ".join(bad[:4]))
    sys.exit(1)
PY

# pane KEYS TEXT MODE WHAT: the pane, once TEXT shows, checked as MODE
pane() {
    tm send-keys -t wisp $1
    wait_for "$2" >/dev/null
    sleep 0.3
    t_ok "80x24 $4" shape "$3" "$code"
}
pane 1 alpha-kiosk routers "Routers: titles whole, rows inside the screen"
pane 2 10.5.50.10 sessions "Sessions: titles whole, rows inside the screen"
pane "3 Enter" "batch 2: weekend" vouchers "Vouchers: both tables' titles whole"
pane 4 0700000002 orders "Orders: titles whole, counts above"
pane 5 "TOP PLANS" metrics "Metrics: a graph drawn, every section inside the pane"

# the help of every pane: its pages inside the box, each text whole
for pane in 1:Routers 2:Sessions 3:Vouchers 4:Orders 5:Metrics; do
    tm send-keys -t wisp "${pane%%:*}" '?'
    wait_for "Keys: ${pane#*:} pane" >/dev/null
    text= ok=1
    for _ in 1 2 3; do
        out=$(shape help) || { ok=; _fail "80x24 help of $pane: a page inside its box" "$out"; break; }
        text+=" $out"
        tm send-keys -t wisp NPage
        sleep 0.3
    done
    [ -z "$ok" ] || _pass "80x24 help of ${pane#*:}: every page inside its box"
    t_contains "80x24 help of ${pane#*:}: the help of : whole" \
        "command line: any wisp command, or theme NAME (Tab completes, ↑ history)" "$text"
    t_contains "80x24 help of ${pane#*:}: Esc whole" "back, close, clear the filter" "$text"
    tm send-keys -t wisp Escape
done
tm send-keys -t wisp 3 '?'
wait_for "Keys: Vouchers pane" >/dev/null
t_contains "80x24 help of Vouchers: the longest pane key whole" \
    "disable the selected voucher, or the whole batch (asks first)" "$(shape help; tm send-keys -t wisp NPage; sleep 0.3; shape help)"
tm send-keys -t wisp Escape

# a form and a details box
tm send-keys -t wisp 1 g e
t_ok "80x24: the router form opens" wait_for "Edit the router"
t_ok "80x24 router form: every field, the long host key's end, inside the screen" shape dialog "$LONGKEY"
tm send-keys -t wisp Escape
tm send-keys -t wisp Enter
t_ok "80x24: the router's details" wait_for "(Esc closes)"
t_ok "80x24 router details: inside the screen" shape detail
tm send-keys -t wisp Escape q
tm_stop
