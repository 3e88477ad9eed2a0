#!/usr/bin/env bash
# The worker's feed reads the last 10 minutes of facts (sales, first logins,
# completed orders) from PostgreSQL every time, for transactions that commit
# late, but sends each fact to Redis once: 3,000 first logins in the window
# cost the first feed of a process, not every feed after it (the feed runs
# every second while routers answer). Measured by Redis itself (INFO stats
# total_net_input_bytes); the figures stay right.
. "$(dirname "$0")/../lib.sh"
rc() { redis-cli -s "$REDIS_SOCK" "$@"; }
inbytes() { rc INFO stats | tr -d '\r' | awk -F: '$1 == "total_net_input_bytes" {print $2}'; }

w db migrate
w plan add 1h --price 1 --duration 1h
w voucher create --plan 1h --count 3000 --json
t_eq "3,000 vouchers" 0 "$RC"
# 3,000 first logins a minute ago (written as the worker's function would)
sql "UPDATE vouchers SET status = 'active', first_used_at = now() - interval '1 minute',
     expires_at = now() + interval '1 hour'" >/dev/null

b0=$(inbytes)
w worker --cycles 1 --interval 0
t_eq "one cycle exits 0" 0 "$RC"
b1=$(inbytes)
w worker --cycles 6 --interval 0
t_eq "six cycles exit 0" 0 "$RC"
b2=$(inbytes)
one=$((b1 - b0)) six=$((b2 - b1))
printf 'figure Redis input: one feed %d bytes, a process feeding six times %d bytes\n' "$one" "$six" >&2
t_ok "the first feed sends the window's 3,000 first logins ($one bytes)" test "$one" -gt 150000
t_ok "six feeds send them once, not six times ($six bytes, under twice one feed's)" test "$six" -lt $((2 * one))
w metrics --json
t_eq "the figures count each first login once" 3000 "$(jq '.activated_today' <<<"$OUT")"

# Redis loses its figures under a running worker and comes back with an
# older m:swept (restarted from an old snapshot, a replica behind): the
# worker sends the window's facts again, not only what is new to it.
setsid "$WISP" worker --interval 1 >"$T/w.log" 2>&1 &
WP=$!
trap 'kill -KILL -- -$WP 2>/dev/null' EXIT
for _ in $(seq 50); do [ -n "$(rc GET wisp:m:swept)" ] && break; sleep 0.1; done
sleep 2.5 # a few feeds: the worker holds what it sent
old=$(($(rc GET wisp:m:swept) - 30))
rc FLUSHALL >/dev/null
rc SET wisp:m:swept "$old" >/dev/null
for _ in $(seq 50); do [ "$(rc GET wisp:m:swept)" != "$old" ] && break; sleep 0.1; done
sleep 0.5
kill -TERM "$WP"
wait "$WP"
trap - EXIT
w metrics --json
t_eq "after Redis went back to an older state: every first login counted again" 3000 \
    "$(jq '.activated_today' <<<"$OUT")"
