#!/usr/bin/env bash
# Configuration through the real binary: file, environment and flags in that
# order; errors naming the file, key and expectation; secrets masked.
. "$(dirname "$0")/../lib.sh"
mkdir -p "$XDG_CONFIG_HOME/wisp"
cat >"$XDG_CONFIG_HOME/wisp/config.json" <<JSON
{"shop": {"name": "Cafe Net"}, "currency": "KES", "redis": "redis://:s3cret@127.0.0.1:6390/1",
 "login_url": "https://portal.example/login?u={user}&p={pass}"}
JSON
# it holds a password: others may not read it, as OpenSSH says of a key
chmod 644 "$XDG_CONFIG_HOME/wisp/config.json"
w config show
t_eq "a config file with a password others can read: refused" 1 "$RC"
t_contains "names the file and the chmod that fixes it" \
    "config file $XDG_CONFIG_HOME/wisp/config.json can be read by others (mode 0644): refusing it; run \`chmod 600 $XDG_CONFIG_HOME/wisp/config.json\`" "$ERR"
t_not_contains "and never shows the password" "s3cret" "$ERR"
chmod 640 "$XDG_CONFIG_HOME/wisp/config.json"
w config show
t_eq "readable by the group: refused too" 1 "$RC"
echo '{"shop": {"name": "Open Book"}}' >"$T/public.json" && chmod 644 "$T/public.json"
w --config "$T/public.json" config show
t_eq "a config file without a secret may be readable" 0 "$RC"
chmod 600 "$XDG_CONFIG_HOME/wisp/config.json"

WISP_REDIS= w config show   # empty = unset: the file's value shows
t_eq "config show exits 0" 0 "$RC"
t_contains "file setting shown" "shop.name           = Cafe Net" "$OUT"
t_contains "file path shown" "$XDG_CONFIG_HOME/wisp/config.json" "$OUT"
t_contains "redis password masked" "redis://:****@127.0.0.1:6390/1" "$OUT"
t_not_contains "no secret printed" "s3cret" "$OUT"
WISP_CURRENCY=TZS w config show --json
t_eq "env beats file" TZS "$(jq -r .currency <<<"$OUT")"
WISP_DB="dbname=x password=pw123" w --db "dbname=y password=pw456" config show --json
t_eq "flag beats env, masked" "dbname=y password=****" "$(jq -r .db <<<"$OUT")"
w --config /nonexistent.json config show
t_eq "missing --config file" 2 "$RC"
t_contains "missing file named" "/nonexistent.json" "$ERR"

echo '{"shop": {"nmae": "x"}}' >"$T/bad.json"
w --config "$T/bad.json" plan list
t_eq "unknown key refused" 2 "$RC"
t_contains "error names file, line and key" "$T/bad.json:1: key \"shop.nmae\": unknown key" "$ERR"
echo '{"qr": {"ecc": "Z"}}' >"$T/bad2.json"
w --config "$T/bad2.json" config show
t_contains "bad value names the expectation" 'key "qr.ecc": expected one of L, M, Q, H' "$ERR"
WISP_REDIS=localhost w config show
t_eq "bad env value" 2 "$RC"
t_contains "bad env value names the variable" "WISP_REDIS" "$ERR"

# Typed values: parsed when the config is read; a bad one is one line naming
# the file, the line of the value and the key, exit 2, whatever the command.
printf '{\n  "shop": {"name": "x"},\n  "worker": {\n    "interval": "ten"\n  }\n}\n' >"$T/typed.json"
w --config "$T/typed.json" config show
t_eq "a non-number interval: exit 2" 2 "$RC"
t_eq "one line: file, line, key, expectation, value" \
    "wisp: $T/typed.json:4: key \"worker.interval\": expected a duration from 0s to 1d (e.g. 30, 30s, 1m30s), got \"ten\"" "$ERR"
printf '{"ssh": {\n  "command_timeout": -5}}\n' >"$T/negative.json"
w --config "$T/negative.json" plan list
t_eq "a negative timeout: exit 2" 2 "$RC"
t_contains "names its line" "$T/negative.json:2: key \"ssh.command_timeout\": expected a duration from 1s to 10m (e.g. 30, 30s, 1m30s), got -5" "$ERR"
echo '{"worker": {"embedded": "sometimes"}}' >"$T/enum.json"
w --config "$T/enum.json" config show
t_eq "an unknown enum value: exit 2" 2 "$RC"
t_contains "says the values it takes" "$T/enum.json:1: key \"worker.embedded\": expected one of auto, on, off, got \"sometimes\"" "$ERR"
echo '{"worker": {"interval": "10x"}}' >"$T/unit.json"
w --config "$T/unit.json" config show
t_eq "a duration with a unit that is none: exit 2" 2 "$RC"
echo '{"providers": {"acme": {"url": "http://x",
  "http_timeout_s": 0}}}' >"$T/provider.json"
w --config "$T/provider.json" config show
t_eq "a provider's bad number: exit 2" 2 "$RC"
t_contains "names its line too" "$T/provider.json:2: key \"providers.acme.http_timeout_s\": expected a whole number from 1 to 10000000, got 0" "$ERR"
WISP_SSH_CONNECT_TIMEOUT=-1 w config show
t_eq "a negative timeout in the environment: exit 2" 2 "$RC"
t_contains "names the variable" "WISP_SSH_CONNECT_TIMEOUT: key \"ssh.connect_timeout\"" "$ERR"
w worker --once --interval 5x
t_eq "worker --interval parsed as the config parses it" 2 "$RC"
t_contains "naming the flag" "--interval: key \"worker.interval\": expected a duration" "$ERR"
# durations take RouterOS units; config show prints them so, --json in seconds
echo '{"worker": {"interval": "1m30s"}, "ssh.command_timeout": 120, "qr.ecc": "h"}' >"$T/units.json"
w --config "$T/units.json" config show
t_contains "a duration shown with its units" "worker.interval     = 1m30s" "$OUT"
t_contains "a number of seconds too" "ssh.command_timeout = 2m" "$OUT"
t_contains "an enum in any case" "qr.ecc              = H" "$OUT"
w --config "$T/units.json" config show --json
t_eq "typed JSON: durations are numbers of seconds" "90 120 number" \
    "$(jq -r '[."worker.interval", ."ssh.command_timeout", (."worker.interval" | type)] | join(" ")' <<<"$OUT")"

# The QR carries the configured login URL, URL-encoded.
w db migrate
w plan add 1h --price 1
w voucher create --plan 1h --count 1 --mode userpass
code=$(sql "SELECT code FROM vouchers"); pass=$(sql "SELECT password FROM vouchers")
w voucher show "$code" --reveal --json
t_eq "login_url from the config file" "https://portal.example/login?u=$code&p=$pass" "$(jq -r .url <<<"$OUT")"
w voucher print --batch 1 -o "$T/s.txt"
t_contains "sheet uses the shop name" "Cafe Net" "$(cat "$T/s.txt")"
t_contains "sheet uses the currency" "KES 1.00" "$(cat "$T/s.txt")"

# The largest batch, with a progress line only on a terminal (cli.c gives every
# long command one: "voucher create 5000/5000").
w voucher create --plan 1h --count 100000 --json
t_eq "100000 vouchers in one command" '{"batch_id":2,"count":100000}' "$(jq -c . <<<"$OUT")"
t_eq "all 100000 written" 100000 "$(sql "SELECT count(*) FROM vouchers WHERE batch_id = 2")"
t_not_contains "no progress line when not on a terminal" "voucher create 100000" "$ERR"
script -qefc "$WISP voucher create --plan 1h --count 5000" /dev/null >"$T/tty.out" 2>&1
t_contains "progress line on a terminal" "voucher create 5000/5000" "$(cat "$T/tty.out")"
