#!/usr/bin/env bash
# The Redis event channel: every command that changes data publishes JSON
# with type and at; a dead Redis never fails a command.
. "$(dirname "$0")/../lib.sh"
w db migrate
redis-cli -s "$REDIS_SOCK" SUBSCRIBE wisp:events >"$T/sub.out" &
sub=$!
for _ in $(seq 30); do grep -q subscribe "$T/sub.out" 2>/dev/null && break; sleep 0.1; done
w plan add 1h --price 1
w voucher create --plan 1h --count 2
code=$(sql "SELECT code FROM vouchers LIMIT 1")
w voucher sell "$code"
w plan list
sleep 0.3
kill "$sub"
msgs=$(grep '^{' "$T/sub.out")
t_eq "one event per change, none for reads" 3 "$(grep -c . <<<"$msgs")"
t_eq "event types" "plan.add voucher.create voucher.sell" "$(jq -r .type <<<"$msgs" | tr '\n' ' ' | sed 's/ $//')"
t_match "events carry at" '"at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$msgs"

# redis.prefix is honoured.
redis-cli -s "$REDIS_SOCK" SUBSCRIBE shop2:events >"$T/sub2.out" &
sub=$!
for _ in $(seq 30); do grep -q subscribe "$T/sub2.out" 2>/dev/null && break; sleep 0.1; done
WISP_REDIS_PREFIX=shop2: w voucher disable "$code"
sleep 0.3
kill "$sub"
t_contains "prefix: shop2:events" '"type":"voucher.disable"' "$(cat "$T/sub2.out")"

# Redis down: the change lands anyway.
WISP_REDIS=unix://$T/no-redis.sock w voucher enable "$code"
t_eq "a dead Redis does not fail the command" 0 "$RC"
t_eq "the change is in PostgreSQL" sold "$(sql "SELECT status FROM vouchers WHERE code = '$code'")"
