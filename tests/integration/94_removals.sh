#!/usr/bin/env bash
# What was sold is what the routers accept, against simulated routers behind
# real sshd: a deleted batch or voucher leaves every router it was pushed to
# (queued by a trigger whatever deleted it, counted as pending in `router
# list`, `router show` and the console, kept until the router confirms);
# `router sync --full --dry-run` lists the users with wisp's mark that the
# database does not hold and `--full` removes them; a router's own batch is
# pushed before older unassigned stock; a dead worker's row and leases go
# at once (its backend is gone) or when its heartbeat is stale.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
WA= WB=
cleanup() {
    for p in $WA $WB; do kill -KILL -- "-$p" 2>/dev/null; done
    tmux -S "$T/tmux.sock" kill-server 2>/dev/null
    sim_stop
}
trap cleanup EXIT
sim_router r1 routeros --identity shop
sim_router n1 opennds
base=$(sim_ports 2)
sim_sshd a "$base=r1" "$((base + 1))=n1"
FA=$(cat "$SIM_DIR/a.fp")
export WISP_SSH_CONNECT_TIMEOUT=5 WISP_SSH_COMMAND_TIMEOUT=10

w db migrate
w plan add 1h --price 5 --duration 1h
w router add r1 --host 127.0.0.1 --port "$base" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
w router add n1 --host 127.0.0.1 --port "$((base + 1))" --user wispsim --key "$SIM_KEY" --driver opennds --hostkey "$FA"
on_r1() { sim_admin r1 users | jq -r '.[].name' | sort; }
on_n1() { sim_admin n1 users | jq -r '.[][0]' | sort; }

# --- a deleted batch leaves every router ------------------------------------------
w voucher create --plan 1h --count 5 --length 9 --json
B1=$(jq -r .batch_id <<<"$OUT")
w voucher create --plan 1h --count 3 --length 9 --json
B2=$(jq -r .batch_id <<<"$OUT")
w worker --once
t_eq "8 users on r1" 8 "$(on_r1 | grep -c .)"
t_eq "8 vouchers on n1's roll" 8 "$(on_n1 | grep -c .)"
gone=$(sql "SELECT code FROM vouchers WHERE batch_id = $B1 ORDER BY code")
mkrole rm_op pw wisp_operator
mkrole rm_viewer pw wisp_viewer
w_as rm_op pw batch delete "$B1"
t_eq "batch delete by an operator exits 0" 0 "$RC"
t_eq "its vouchers queued for removal from both routers" 10 "$(sql "SELECT count(*) FROM router_removals")"
w router list --json
t_eq "router list --json: removals pending" "5 5" "$(jq -r '[.[].removals_pending] | map(tostring) | join(" ")' <<<"$OUT")"
w router list
t_match "router list: a REMOVALS column" 'REMOVALS' "$OUT"
w router show r1
t_match "router show: removals pending" '^removals pending +5$' "$OUT"
w_as rm_viewer pw router list --json
t_eq "a viewer sees the pending removals" "5 5" "$(jq -r '[.[].removals_pending] | map(tostring) | join(" ")' <<<"$OUT")"
t_contains "but cannot queue or drop removals" "permission denied" \
    "$(PGPASSWORD=pw psql -XAtq -U rm_viewer -c "DELETE FROM router_removals" 2>&1)"
w worker --once
t_eq "the removals done" 0 "$(sql "SELECT count(*) FROM router_removals")"
t_eq "off r1" "" "$(comm -12 <(on_r1) <(echo "$gone"))"
t_eq "off n1's roll" "" "$(comm -12 <(on_n1) <(echo "$gone"))"
t_eq "the other batch stays on r1" 3 "$(on_r1 | grep -c .)"
sim_admin r1 login "$(head -1 <<<"$gone")" aa:bb:cc:00:00:01 10.5.50.10 2>/dev/null
t_eq "a deleted code no longer logs in" 1 $?

# --- any path that deletes: psql as the superuser; kept until the router confirms
C1=$(sql "SELECT code FROM vouchers WHERE batch_id = $B2 ORDER BY serial LIMIT 1")
sim_admin r1 mode garbage
sql "DELETE FROM vouchers WHERE code = '$C1'" >/dev/null
t_eq "a voucher deleted through psql is queued for both" 2 "$(sql "SELECT count(*) FROM router_removals WHERE username = '$C1'")"
w worker --once
t_eq "a router that did not confirm keeps its removal pending" "r1" \
    "$(sql "SELECT string_agg(r.name, ',') FROM router_removals rm JOIN routers r ON r.id = rm.router_id")"
t_ok "n1 confirmed" test -z "$(on_n1 | grep -x "$C1")"
sim_admin r1 mode normal
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
w worker --once
t_eq "and it is done when the router answers" 0 "$(sql "SELECT count(*) FROM router_removals")"
t_ok "off r1 too" test -z "$(on_r1 | grep -x "$C1")"

# --- the console shows pending removals ------------------------------------------------
C2=$(sql "SELECT code FROM vouchers WHERE batch_id = $B2 ORDER BY serial LIMIT 1")
sql "DELETE FROM vouchers WHERE code = '$C2'" >/dev/null
console_start 160 30 || _fail "console starts" "no tabs"
tmux -S "$T/tmux.sock" send-keys -t wisp 1
for _ in $(seq 50); do tmux -S "$T/tmux.sock" capture-pane -p -t wisp | grep -q "TO REMOVE" && break; sleep 0.1; done
pane=$(tmux -S "$T/tmux.sock" capture-pane -p -t wisp)
t_contains "the Routers pane has a TO REMOVE column" "TO REMOVE" "$pane"
t_match "r1's pending removal shown" 'r1 .* 1 ' "$pane"
tmux -S "$T/tmux.sock" kill-server 2>/dev/null
w worker --once

# --- sync --full: strays with wisp's mark removed, --dry-run lists them first ---------
sim_admin r1 adduser stray0001 wisp
sim_admin r1 adduser ownuser01
sim_admin n1 adduser STRAY0002
C3=$(sql "SELECT code FROM vouchers WHERE batch_id = $B2 ORDER BY serial LIMIT 1")
w router sync r1 --dry-run
t_eq "--dry-run needs --full" 2 "$RC"
w router sync r1 --full --dry-run
t_eq "dry run exits 0" 0 "$RC"
t_contains "dry run: says how many" "1 of 2 users with wisp's mark hold no live voucher" "$OUT"
t_eq "dry run: lists the stray" "stray0001" "$(tail -n +2 <<<"$OUT")"
t_eq "dry run: changes nothing" 1 "$(on_r1 | grep -c stray0001)"
t_eq "dry run: queues nothing" 0 "$(sql "SELECT count(*) FROM router_jobs")"
w router sync n1 --full --dry-run
t_eq "dry run on openNDS: the roll's stray" "STRAY0002" "$(tail -n +2 <<<"$OUT")"
w router sync r1 --full
w router sync n1 --full
w worker --once
t_eq "full sync: the stray with wisp's mark removed" 0 "$(on_r1 | grep -c stray0001)"
t_eq "full sync: a user without the mark stays" 1 "$(on_r1 | grep -c ownuser01)"
t_eq "full sync: live vouchers stay" 1 "$(on_r1 | grep -cx "$C3")"
t_eq "full sync on openNDS: the stray off the roll" 0 "$(on_n1 | grep -c STRAY0002)"
t_eq "full sync: the jobs say so" "ok, 1 strays removed|ok, 1 strays removed" \
    "$(sql "SELECT string_agg(result, '|') FROM router_jobs WHERE kind = 'resync'")"
# a router's user names are its own text: the dry run shows them, never runs them
sim_admin r1 adduser "$(printf 'evil\033]0;owned\007')" wisp
w router sync r1 --full --dry-run
t_contains "dry run: a hostile name listed as text" 'evil\x1b]0;owned\x07' "$OUT"
t_eq "dry run: no raw escape" 0 "$(printf '%s' "$OUT" | LC_ALL=C tr -cd '\001-\010\013-\037\177' | wc -c)"

# --- fair push order: a router's own batch before older unassigned stock -------------
w router maintenance n1 on
w voucher create --plan 1h --count 5000 --json
w voucher create --plan 1h --count 10 --router r1 --json
BR=$(jq -r .batch_id <<<"$OUT")
w worker --once
t_eq "r1's own batch pushed first, behind 5,000 unassigned" 10 \
    "$(sql "SELECT count(*) FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id WHERE v.batch_id = $BR AND vr.state = 'synced'")"
w router maintenance n1 off

# --- dead workers ------------------------------------------------------------------------
sql "UPDATE routers SET next_try_at = NULL" >/dev/null
sql "INSERT INTO workers (id, host, pid, interval_s, seen_at) VALUES ('elsewhere:1', 'elsewhere', 1, 1, now() - interval '1 hour')" >/dev/null
sql "UPDATE routers SET lease_owner = 'elsewhere:1', lease_until = now() + interval '1 hour' WHERE name = 'r1'" >/dev/null
w worker --once
t_match "a stale worker's router is taken at once" 'r1: [0-9]+ ms, up' "$ERR"
t_eq "and its row pruned" 0 "$(sql "SELECT count(*) FROM workers WHERE id = 'elsewhere:1'")"
sql "DELETE FROM workers; UPDATE routers SET lease_owner = NULL, lease_until = NULL" >/dev/null
setsid "$WISP" worker --interval 1 >"$T/wa.log" 2>&1 &
WA=$!
for _ in $(seq 100); do [ "$(sql "SELECT count(*) FROM routers WHERE lease_owner IS NOT NULL")" = 2 ] && break; sleep 0.1; done
t_eq "worker A holds both routers" 2 "$(sql "SELECT count(*) FROM routers WHERE lease_owner LIKE '%:$WA'")"
kill -KILL -- "-$WA"
wait "$WA" 2>/dev/null
setsid "$WISP" worker --interval 1 >"$T/wb.log" 2>&1 &
WB=$!
ok=1
for _ in $(seq 25); do # 2.5 s: under the dead worker's lease (5 s) and heartbeat
    [ "$(sql "SELECT count(*) FROM routers WHERE lease_owner LIKE '%:$WB'")" = 2 ] && { ok=0; break; }
    sleep 0.1
done
t_eq "just after a crash a new worker takes both routers" 0 "$ok"
t_eq "the killed worker's row is gone" 0 "$(sql "SELECT count(*) FROM workers WHERE id LIKE '%:$WA'")"
t_contains "the new worker says so" "is gone" "$(cat "$T/wb.log")"
kill -TERM "$WB"
wait "$WB"
t_eq "SIGTERM: exits 0" 0 $?
WA= WB=
