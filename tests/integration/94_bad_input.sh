#!/usr/bin/env bash
# Bad input, terminal safety and secrets (issue 11, section 6): control
# characters refused in free text by wisp and by CHECKs (psql too), notes of
# at most 1,000 characters, numbers with a leading space refused by every
# numeric flag; stored or remote text that holds escapes reaches the
# terminal visibly (lists, show, errors, the console) and an upgrade cleans
# it; passwords never in errors, a warning for one in argv; key, token and
# config files others can read are refused; another run's simulator set-up
# leaves this run's password logins alone.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
chmod 755 "$T"
ESC=$'\033'
# raw C0/C1 bytes in a text: ESC, BEL, newline-free; prints their count
raw_ctrl() { printf '%s' "$1" | LC_ALL=C tr -cd '\001-\010\013-\037\177' | wc -c; }
raw_c1() { printf '%s' "$1" | LC_ALL=C grep -c $'\xc2[\x80-\x9f]'; }
w db migrate
w plan add 1h --price 1 --duration 1h
w voucher create --plan 1h --count 3 --note "first batch"

# --- wisp refuses control characters and overlong notes -------------------------
w voucher create --plan 1h --count 3 --note $'two\nlines'
t_eq "note with a newline: exit 2" 2 "$RC"
t_contains "note with a newline: says what" 'bad --note: control character \x0a at character 4' "$ERR"
w voucher create --plan 1h --count 3 --note "red${ESC}[31m"
t_eq "note with ESC: exit 2" 2 "$RC"
t_eq "note with ESC: the error holds no raw ESC" 0 "$(raw_ctrl "$ERR")"
w voucher create --plan 1h --count 3 --note $'csi\xc2\x9b2J'
t_eq "note with a C1 code (U+009B, CSI): exit 2" 2 "$RC"
t_contains "C1 named" '\u009b' "$ERR"
w voucher create --plan 1h --count 3 --note $'del\x7f'
t_eq "note with DEL: exit 2" 2 "$RC"
w voucher create --plan 1h --count 3 --note "$(printf 'n%.0s' $(seq 1001))"
t_eq "note of 1,001 characters: exit 2" 2 "$RC"
t_contains "note too long: says the limit" "1001 characters, at most 1000" "$ERR"
w voucher create --plan 1h --count 3 --note "$(printf 'é%.0s' $(seq 1000))" --json
t_eq "note of 1,000 characters (2,000 bytes): taken" 0 "$RC"
t_eq "nothing half-written by the refusals" 2 "$(sql "SELECT count(*) FROM batches")"
w order add --product 1h --customer $'0700\n111'
t_eq "customer with a newline: exit 2" 2 "$RC"
w order add --product 1h --customer "0700${ESC}]0;x"
t_eq "customer with ESC: exit 2" 2 "$RC"
w order add --product 1h --customer 0700 --extra $'a\tb'
t_eq "extra with a tab: exit 2" 2 "$RC"
w order add --product $'1h\r' --customer 0700
t_eq "product with CR: exit 2" 2 "$RC"
t_eq "no order taken" 0 "$(sql "SELECT count(*) FROM orders")"
w plan add 2h --price 1 --profile "p${ESC}[2J"
t_eq "profile with ESC: exit 2" 2 "$RC"
touch "$T/k" && chmod 600 "$T/k"
w router add x1 --host 127.0.0.1 --user u --key "$T/k" --driver routeros --accept-new-hostkey --hotspot-server $'hs\x1b'
t_eq "hotspot server with ESC: exit 2" 2 "$RC"
w plan add "bad${ESC}[2Jname" --price 1
t_eq "a bad name: exit 2" 2 "$RC"
t_contains "the name quoted visibly in the error" 'bad\x1b[2Jname' "$ERR"
t_eq "the error holds no raw ESC" 0 "$(raw_ctrl "$ERR")"

# --- every numeric flag: a number is digits, no leading space or '+' --------------
for args in "voucher create --plan 1h --count| 5" "voucher create --plan 1h --count|+5" \
    "voucher create --plan 1h --count 1 --length| 8" "order list --limit| 5" "audit --limit| 5" \
    "router add x2 --host 127.0.0.1 --user u --key $T/k --driver routeros --accept-new-hostkey --port| 22" \
    "plan add 3h --price 1 --low-stock| 3" "plan add 3h --price 1 --shared-users| 2" \
    "voucher print --batch 1 --columns| 3" "worker --once --interval| 5"; do
    IFS='|' read -r cmd val <<<"$args"
    # shellcheck disable=SC2086
    w $cmd "$val"
    t_eq "numbers: $cmd \"$val\" refused (exit 2)" 2 "$RC"
done
t_eq "nothing made by a refused number" 2 "$(sql "SELECT count(*) FROM batches")"

# --- numbers too large to use: a typo must not break the worker ---------------------
# (an expiry out of range failed the voucher's first login, and with it the
# session import of its whole router, every round)
BIG=$(sql "SELECT code FROM vouchers WHERE status = 'new' ORDER BY id LIMIT 1")
w voucher extend "$BIG" --by 99999999999999d
t_eq "extend by 99999999999999d: exit 1" 1 "$RC"
t_contains "extend: says the bound" "at most 3650 days" "$ERR"
w voucher extend "$BIG" --data 8000000000G
t_eq "extend by 8000000000G: exit 1" 1 "$RC"
t_eq "its first login still works" "$BIG" "$(sql "SELECT code FROM wisp_voucher_activate('$BIG', 10, NULL)")"
w plan add huge --price 1 --duration 100000000000d
t_eq "a plan of 100000000000d: exit 1" 1 "$RC"
t_contains "plan: says the bound" "at most 3650 days" "$ERR"
w plan edit 1h --data 2000000T
t_eq "a plan edited to 2000000T: exit 1" 1 "$RC"

# --- the database refuses them too, whoever writes -----------------------------
sqlerr() { psql -XAtq -c "$1" 2>&1; }
t_contains "CHECK: a note with a newline" "violates check constraint" "$(sqlerr "UPDATE batches SET note = E'a\nb' WHERE id = 1")"
t_contains "CHECK: a note with ESC" "batches_note_one_line" "$(sqlerr "UPDATE batches SET note = E'a\x1b[2J' WHERE id = 1")"
t_contains "CHECK: a note with a C1 code" "batches_note_one_line" "$(sqlerr "UPDATE batches SET note = U&'a\009B2J' WHERE id = 1")"
t_contains "CHECK: a note of 1,001 characters" "batches_note_one_line" "$(sqlerr "UPDATE batches SET note = repeat('n', 1001) WHERE id = 1")"
t_contains "CHECK: a customer with a newline" "orders_customer_one_line" "$(sqlerr "INSERT INTO orders (product, customer) VALUES ('1h', E'a\nb')")"
t_contains "CHECK: extra with ESC" "orders_extra_one_line" "$(sqlerr "INSERT INTO orders (product, customer, extra) VALUES ('1h', 'c', E'\x1b[2J')")"
t_contains "CHECK: product with DEL" "orders_product_one_line" "$(sqlerr "INSERT INTO orders (product, customer) VALUES (E'1h\x7f', 'c')")"
t_contains "CHECK: a plan's profile" "plans_profile_one_line" "$(sqlerr "UPDATE plans SET profile = E'p\x1b' WHERE id = 1")"
t_contains "CHECK: a router's hotspot server" "routers_hotspot_server_one_line" \
    "$(sqlerr "INSERT INTO routers (name, driver, host, username, hotspot_server) VALUES ('r', 'routeros', 'h', 'u', E'hs\n')")"
t_eq "a note of 1,000 characters is stored" 1000 "$(sql "SELECT char_length(note) FROM batches WHERE id = 2")"

# --- text stored before the CHECKs (an old database) reaches terminals visibly ---
sql "DO \$\$ DECLARE c record; BEGIN
  FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE conname ~ '_one_line\$' LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname); END LOOP; END \$\$" >/dev/null
sql "UPDATE batches SET note = E'old\x1b[2J\x1b]0;owned\x07 note' WHERE id = 1" >/dev/null
sql "UPDATE plans SET profile = E'prof\x1b[2J\x1b]0;owned\x07' WHERE name = '1h'" >/dev/null
sql "INSERT INTO orders (product, customer, extra) VALUES ('ghost', E'bad\x1b[2J', U&'csi\009B6n')" >/dev/null
sql "INSERT INTO orders (product, customer) VALUES ('ghost', E'two\nlines')" >/dev/null
w plan list
t_contains "plan list: the profile's ESC shown as text" 'prof\x1b[2J\x1b]0;owned\x07' "$OUT"
t_eq "plan list: no raw control character" 0 "$(raw_ctrl "$OUT")"
w order list
t_contains "order list: the customer's ESC shown" 'bad\x1b[2J' "$OUT"
t_contains "order list: a newline shown, the row kept whole" 'two\x0alines' "$OUT"
t_eq "order list: no raw control character" 0 "$(raw_ctrl "$OUT")"
w order show "$(sql "SELECT id FROM orders WHERE customer LIKE 'bad%'")"
t_contains "order show: the C1 code shown" 'csi\u009b6n' "$OUT"
t_eq "order show: no raw C1 code" 0 "$(raw_c1 "$OUT")"
t_eq "order show: no raw control character" 0 "$(raw_ctrl "$OUT")"
w order list --json
t_eq "--json keeps the text as it is (JSON escapes it)" "bad${ESC}[2J" "$(jq -r '.[] | select(.customer | startswith("bad")) | .customer' <<<"$OUT")"

# the console's tables: the Orders pane shows them as text
console_start 160 40
tmux -S "$T/tmux.sock" send-keys -t wisp 4
for _ in $(seq 50); do tmux -S "$T/tmux.sock" capture-pane -p -t wisp | grep -qF 'two\x0alin' && break; sleep 0.1; done
screen=$(tmux -S "$T/tmux.sock" capture-pane -p -t wisp)
t_contains "console: a newline in a customer shown as text" 'two\x0alin' "$screen"
t_contains "console: ESC in a customer shown as text" 'bad\x1b[2J' "$screen"
t_contains "console: the header is intact" "4 Orders" "$screen"
tmux -S "$T/tmux.sock" send-keys -t wisp g Enter # the newest order's details
for _ in $(seq 50); do tmux -S "$T/tmux.sock" capture-pane -p -t wisp | grep -q 'customer *two' && break; sleep 0.1; done
t_match "console: the details box shows the whole customer as text" 'customer +two\\x0alines' \
    "$(tmux -S "$T/tmux.sock" capture-pane -p -t wisp)"
tmux -S "$T/tmux.sock" kill-server

# the upgrade (migration 010) cleans what is stored, then holds the line
sql "DELETE FROM schema_migrations WHERE version = 10" >/dev/null
w db migrate
t_contains "migrate applies 010" "applied 010_text_checks" "$OUT"
t_eq "old note cleaned: U+FFFD for each control character" "old�[2J�]0;owned� note" "$(sql "SELECT note FROM batches WHERE id = 1")"
t_eq "old customers cleaned" "bad�[2J|two�lines" "$(sql "SELECT string_agg(customer, '|' ORDER BY id) FROM orders")"
t_eq "no stored control character left" 0 "$(sql "SELECT count(*) FROM orders WHERE customer || coalesce(extra, '') ~ '[\x01-\x1f\x7f-\x9f]'")"
t_contains "and the CHECKs are back" "batches_note_one_line" "$(sqlerr "UPDATE batches SET note = E'a\nb' WHERE id = 1")"

# --- secrets never in errors; a password in argv is warned about ---------------
w --db "dbname='postgresql://u:S3cretDbPw@/x?host=/nonexistent'" plan list
t_eq "unreachable: exit 1" 1 "$RC"
t_not_contains "a dbname holding a URI: its password not shown" "S3cretDbPw" "$ERR"
t_contains "it is masked" "postgresql://u:****@/x" "$ERR"
w --db "host=$PGHOST port=$PGPORT user=$PGUSER dbname='postgresql://u:S3cretDbPw@/x'" plan list
t_eq "reachable, no such database: exit 1" 1 "$RC"
t_contains "the server's own message is kept" "does not exist" "$ERR"
t_not_contains "the server's echo of the dbname: no password" "S3cretDbPw" "$ERR"
w --db "host=$PGHOST port=$PGPORT dbname=S3cretDbPw user=nobody password=S3cretDbPw" plan list
t_not_contains "a password used as a name is hidden too" "S3cretDbPw" "$ERR"
t_contains "a password in --db: warned" "warning: --db holds a password" "$ERR"
t_contains "the warning says where it belongs" "~/.pgpass or a service file" "$ERR"
t_eq "the warning is one line" 1 "$(grep -c warning <<<"$ERR")"
w --db "postgresql://nobody:S3cretDbPw@/x?host=$PGHOST&port=$PGPORT" plan list
t_contains "a password in a --db URI: warned" "warning: --db holds a password" "$ERR"
t_not_contains "the URI's password not shown" "S3cretDbPw" "$ERR"
w --db "$WISP_DB" plan list
t_eq "no password: works" 0 "$RC"
t_not_contains "no password: no warning" "warning" "$ERR"
WISP_DB="$WISP_DB password=S3cretDbPw" w plan list
t_not_contains "WISP_DB is not argv: no warning" "warning" "$ERR"

# --- files holding secrets must be private ---------------------------------------
echo "tok-123" >"$T/token" && chmod 644 "$T/token"
mkdir -p "$XDG_CONFIG_HOME/wisp"
echo "{\"providers\": {\"acme\": {\"url\": \"http://127.0.0.1:1/\", \"token_file\": \"$T/token\"}}}" \
    >"$XDG_CONFIG_HOME/wisp/config.json"
w order add --product CARD --customer 0700 --provider acme
w worker --once
t_contains "token file others can read: the order says why" "token file $T/token can be read by others (mode 0644)" \
    "$(sql "SELECT last_error FROM orders WHERE provider = 'acme'")"
t_contains "and how to fix it" "chmod 600 $T/token" "$(sql "SELECT last_error FROM orders WHERE provider = 'acme'")"
t_eq "nothing sent to the provider" pending "$(sql "SELECT status FROM orders WHERE provider = 'acme'")"
rm -f "$XDG_CONFIG_HOME/wisp/config.json"

# --- a router's key, a router's hostname, and the shared simulator user -----------
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
sim_router r1 routeros --version 7 --identity shop
sim_router evil routeros --version 7 --identity "$(printf 'evil\033[2J\033]0;owned\007')"
base=$(sim_ports 2)
sim_sshd a "$base=r1" "$((base + 1))=evil"
FA=$(cat "$SIM_DIR/a.fp")
cp "$SIM_KEY" "$T/open_key" && chmod 644 "$T/open_key"
w router add rk --host 127.0.0.1 --port "$base" --user wispsim --key "$T/open_key" --driver routeros --hostkey "$FA"
t_eq "a key others can read: router add refused (exit 1)" 1 "$RC"
t_contains "names the file and the fix" "private key $T/open_key can be read by others (mode 0644): refusing it; run \`chmod 600 $T/open_key\`" "$ERR"
t_eq "nothing added" 0 "$(sql "SELECT count(*) FROM routers WHERE name = 'rk'")"
chmod 600 "$T/open_key"
w router add rk --host 127.0.0.1 --port "$base" --user wispsim --key "$T/open_key" --driver routeros --hostkey "$FA"
t_eq "a private key: added" 0 "$RC"
w router test rk
t_eq "a private key: router test works" 0 "$RC"
chmod 640 "$T/open_key" # opened to the group later: refused before connecting
w router test rk
t_eq "a key opened later: router test refused" 1 "$RC"
t_contains "router test names the key" "private key $T/open_key can be read by others (mode 0640)" "$ERR"
w worker --once
t_contains "the worker refuses it too: LAST ERROR says why" "chmod 600 $T/open_key" \
    "$(sql "SELECT last_error FROM routers WHERE name = 'rk'")"
w router remove rk

w router add evil --host 127.0.0.1 --port "$((base + 1))" --user wispsim --key "$SIM_KEY" --driver routeros --hostkey "$FA"
w router test evil
t_eq "a router's hostile hostname: router test works" 0 "$RC"
t_contains "its identity shown as text" 'identity  evil\x1b[2J\x1b]0;owned\x07' "$OUT"
t_eq "no raw escape written" 0 "$(raw_ctrl "$OUT$ERR")"
w worker --once
w router show evil
t_contains "router show: the identity the worker stored, as text" 'evil\x1b[2J' "$OUT"
t_eq "router show: no raw escape" 0 "$(raw_ctrl "$OUT")"
# a session's user name is the router's text: `wisp metrics` shows it as text
sql "INSERT INTO sessions (router_id, username, bytes_in) SELECT id, E'guest\\x1b]0;owned\\x07', 5000000 FROM routers WHERE name = 'evil'" >/dev/null
WISP_REDIS=unix://$T/no-redis.sock w metrics
t_contains "metrics: the top client's name as text" 'guest\x1b]0;owned\x07' "$OUT"
t_eq "metrics: no raw escape" 0 "$(raw_ctrl "$OUT")"
# JSON allows C1 controls raw (U+009B is CSI to a terminal): --json escapes them
sql "UPDATE routers SET version = U&'7\\009B2J' WHERE name = 'evil'" >/dev/null
w router list --json
t_eq "router list --json: no raw C1 (CSI) from a router" 0 "$(raw_c1 "$OUT")"
t_eq "router list --json: the value itself, escaped" "7"$'\xc2\x9b'"2J" "$(jq -r '.[] | select(.name == "evil") | .version' <<<"$OUT")"

# password login keeps working when another run sets the simulator up
w router add pw --host 127.0.0.1 --port "$base" --user wispsim --driver routeros --password-stdin --hostkey "$FA" <<<"$SIM_PASSWORD"
w router test pw
t_eq "password login works" 0 "$RC"
(sim_init "$T/sim-other" >/dev/null 2>&1; sim_stop)
w router test pw
t_eq "another run's sim_init leaves this run's password login working" 0 "$RC"
