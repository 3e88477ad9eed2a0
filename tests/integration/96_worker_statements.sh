#!/usr/bin/env bash
# A router's steady poll costs a constant number of SQL statements, whatever
# its number of sessions: at most 6 (the router with its pending-work flags,
# the sessions in one statement, the history's sample, the health), the same
# with 10 sessions as with 100. Counted twice: by the worker itself (db.h
# counts what each connection sends; the per-router log line says
# "N statements") and by PostgreSQL (the worker runs as a role of its own
# with log_statement = all; its statements are counted in the server's log).
# The worker's own CPU per router poll is measured and reported.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --identity stmt-1
port=$(sim_ports 1)
sim_sshd a "$port=r1"
FA=$(cat "$SIM_DIR/a.fp")
figure() { printf 'figure %s\n' "$*" >&2; }

w db migrate
w plan add 1h --price 5 --duration 1h
w router add r1 --host 127.0.0.1 --port "$port" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
w voucher create --plan 1h --count 100 --router r1 --json
mapfile -t CODES < <(sql "SELECT code FROM vouchers ORDER BY serial")
w worker --once
t_eq "100 vouchers on the router" 100 "$(sim_admin r1 users | jq length)"

mkrole wisp_stmt_worker stmtpw wisp_worker
PGLOG="$(dirname "$(sql 'SHOW data_directory')")/pg.log"
t_ok "the server's log is readable" test -r "$PGLOG"
sql "ALTER ROLE wisp_stmt_worker SET log_statement = 'all'" >/dev/null

login_upto() { # sessions 1..N logged in (the ones missing)
    local i mac
    for ((i = $1; i < $2; i++)); do
        mac=$(printf 'aa:bb:cc:00:%02x:%02x' $((i / 256)) $((i % 256)))
        sim_admin r1 login "${CODES[$i]}" "$mac" "10.5.50.$((i + 2))" >/dev/null
    done
}

# steady NAME N: three steady cycles with N sessions open (settled first by
# one cycle, which imports and activates them); per-round counts from the
# log lines of the cycles after a process's first (whose round also reads
# the push list, as every worker's first round does), and the server's
# count for the four cycles.
steady() {
    local n=$1 off rounds
    w_as wisp_stmt_worker stmtpw worker --once
    t_match "$n sessions imported" "r1: [0-9]+ ms, up, $n sessions" "$ERR"
    off=$(stat -c %s "$PGLOG")
    w_as wisp_stmt_worker stmtpw worker --cycles 4 --interval 0
    sleep 0.5 # the server writes its log as it goes; the backends are gone
    SERVER=$(tail -c +"$((off + 1))" "$PGLOG" | grep -cE 'LOG:  (statement|execute [^:]*):')
    rounds=$(grep -oE "r1: [0-9]+ ms, up, $n sessions, 0 pushed, 0 removed, [0-9]+ statements" <<<"$ERR" |
        tail -n 3 | grep -oE '[0-9]+ statements' | grep -oE '[0-9]+' | sort -u | tr '\n' ' ')
    ROUNDS=${rounds% }
    t_eq "$n sessions: four rounds logged" 4 \
        "$(grep -cE "r1: [0-9]+ ms, up, $n sessions, 0 pushed, 0 removed, [0-9]+ statements" <<<"$ERR")"
}

login_upto 0 10
steady 10
R10=$ROUNDS S10=$SERVER
t_ok "10 sessions: at most 6 statements per steady poll (got $R10)" test -n "$R10" -a "${R10:-99}" -le 6
login_upto 10 100
steady 100
R100=$ROUNDS S100=$SERVER
t_ok "100 sessions: at most 6 statements per steady poll (got $R100)" test -n "$R100" -a "${R100:-99}" -le 6
t_eq "the worker's count does not grow with sessions (10: $R10, 100: $R100)" "$R10" "$R100"
t_eq "the server's count for four cycles does not grow either (10: $S10, 100: $S100)" "$S10" "$S100"
t_ok "the server saw at least the rounds' statements ($S100 >= 3 x $R100)" test "$S100" -ge $((3 * ${R100:-99}))
t_eq "100 sessions open in the database" 100 "$(sql "SELECT count(*) FROM sessions WHERE state = 'active'")"
t_eq "100 vouchers active" 100 "$(sql "SELECT count(*) FROM vouchers WHERE status = 'active'")"
figure "statements per steady poll: $R10 with 10 sessions, $R100 with 100; server-side for 4 cycles: $S10 and $S100"
sql "ALTER ROLE wisp_stmt_worker RESET log_statement" >/dev/null

# a session gone: closed in the same one statement, nothing else grows
sim_admin r1 logout "${CODES[0]}" >/dev/null
w worker --cycles 2 --interval 0
t_match "a logout: 99 sessions, no more statements" "r1: [0-9]+ ms, up, 99 sessions, 0 pushed, 0 removed, $R100 statements" "$(grep -E ' r1: ' <<<"$ERR" | tail -n 1)"
t_eq "its session closed" closed "$(sql "SELECT s.state FROM sessions s JOIN vouchers v ON v.id = s.voucher_id WHERE v.code = '${CODES[0]}' ORDER BY s.id DESC LIMIT 1")"

# the worker's own CPU per router poll (99 sessions): 31 cycles less 1 cycle
# (start-up: connections, SSH key exchange), over 30 polls; with one router
# each cycle's tick (heartbeat, leases, expiry, orders) is charged to it too
TIMEFORMAT='%U %S'
cpu1=$({ time "$WISP" worker --cycles 1 --interval 0 >/dev/null 2>&1; } 2>&1)
cpu31=$({ time "$WISP" worker --cycles 31 --interval 0 >/dev/null 2>&1; } 2>&1)
ms=$(awk -v a="$cpu1" -v b="$cpu31" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.2f", ((y[1] + y[2]) - (x[1] + x[2])) * 1000 / 30 }')
figure "worker CPU per router poll with 99 sessions: $ms ms (user+sys: 1 cycle $cpu1 s, 31 cycles $cpu31 s)"
t_ok "worker CPU per poll measured ($ms ms)" test -n "$ms"
